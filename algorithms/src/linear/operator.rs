//! [`LinearOperator`]: `y ← A·x` for matrices and matrix-free operators.

use rvf::ops::kernels::reduce2_leaf;
use rvf::ops::{Local, LocalMut};
use rvf::{DenseMatrix, Par, Real, RealVectorMut};

use crate::error::SolverError;

/// A linear map `A: ℝⁿ → ℝᵐ`, applied as `y ← A·x`.
///
/// Implement [`nrows`](Self::nrows), [`ncols`](Self::ncols) and [`apply`](Self::apply) over
/// plain slices; the solvers call [`apply_local`](Self::apply_local), which passes every
/// contiguous vector (`Vec`, arena vectors, contiguous nalgebra and ndarray vectors) straight
/// to `apply` and gathers strided ones into a buffer first (an allocation per application:
/// override `apply_local` to read strided storage in place). The trait is dyn-compatible:
/// `&dyn LinearOperator<f64>` and `Box<dyn LinearOperator<f64>>` are operators too.
///
/// ```
/// use rvf::Par;
/// use rvf_algorithms::linear::{cg, CgParams, LinearOperator};
///
/// /// The tridiagonal matrix with `d` on the diagonal and −1 beside it.
/// struct Tridiagonal { n: usize, d: f64 }
///
/// impl LinearOperator<f64> for Tridiagonal {
///     fn nrows(&self) -> usize { self.n }
///     fn ncols(&self) -> usize { self.n }
///     fn apply(&self, x: &[f64], y: &mut [f64]) {
///         for i in 0..self.n {
///             let left = if i > 0 { x[i - 1] } else { 0.0 };
///             let right = if i + 1 < self.n { x[i + 1] } else { 0.0 };
///             y[i] = self.d * x[i] - left - right;
///         }
///     }
///     fn diagonal(&self) -> Option<Vec<f64>> { Some(vec![self.d; self.n]) }
/// }
///
/// let a: Box<dyn LinearOperator<f64>> = Box::new(Tridiagonal { n: 100, d: 3.0 });
/// let b = vec![1.0; 100];
/// let mut x = vec![0.0; 100];
/// let report = cg(&a, &b, &mut x, &CgParams::default()).unwrap();
/// // Check the answer independently: the residual of the returned x.
/// let mut ax = vec![0.0; 100];
/// a.apply(&x, &mut ax);
/// let r: f64 = ax.iter().zip(&b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>().sqrt();
/// assert!(r <= 1e-8 * 10.0 && report.iterations < 100);
/// ```
pub trait LinearOperator<S: Real> {
    /// `m`, the dimension of `y`.
    fn nrows(&self) -> usize;

    /// `n`, the dimension of `x`.
    fn ncols(&self) -> usize;

    /// `y ← A·x` on slices of lengths `ncols()` and `nrows()`.
    ///
    /// # Panics
    /// Implementations may panic if the lengths do not fit the operator (the solvers check
    /// dimensions before applying).
    fn apply(&self, x: &[S], y: &mut [S]);

    /// `y ← A·x` on this process's storage of any vector, with the parallelism `par`. The
    /// default runs [`apply`](Self::apply) on the storage as slices (gathering and scattering
    /// strided storage) and ignores `par`; operators with their own kernels (stencils,
    /// matrices) override it to read strided storage in place and to run row blocks on
    /// rayon's threads. Overrides must give the same bits for every `par`.
    fn apply_local(&self, par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        let _ = par;
        x.with_slice(|xs| y.with_slice_mut(|ys| self.apply(xs, ys)));
    }

    /// `y ← A·x` and this process's part of `xᵀy` (the caller reduces it over processes, as
    /// [`RealVector::reduce_sum`](rvf::RealVector::reduce_sum) does), for square operators:
    /// CG's `pᵀ(A·p)` with the product. The value has the bits of
    /// `par.inner_product(x, y)` after the product, for every `par`.
    ///
    /// The default makes the two passes. Operators with their own kernels (the Poisson
    /// stencils, CSR matrices) override it with one sweep over contiguous storage: each block
    /// of 4096 rows is multiplied and then dotted while it is still in cache (the fixed
    /// blocks of [`reduce_blocks`](rvf::ops::blocks::reduce_blocks)), which saves reading
    /// `x` and `y` again from memory.
    ///
    /// ```
    /// use rvf::ops::{Local, LocalMut};
    /// use rvf::{Par, RealVector};
    /// use rvf_algorithms::linear::{LinearOperator, Poisson2d};
    /// let a = Poisson2d::<f64>::new(100, 100);
    /// let p: Vec<f64> = (0..10_000).map(|k| (k as f64).cos()).collect();
    /// let mut ap = vec![0.0; 10_000];
    /// let pap = a.apply_dot_local(Par::Seq, Local::Contiguous(&p), LocalMut::Contiguous(&mut ap));
    /// assert_eq!(pap.to_bits(), p.inner_product(&ap).to_bits());
    /// ```
    ///
    /// # Panics
    /// If the lengths do not fit a square operator.
    fn apply_dot_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) -> S {
        apply_then_dot(self, par, x, y)
    }

    /// The diagonal `[A₀₀, A₁₁, …]`, if the operator can give it (for Jacobi
    /// preconditioning). `None` by default.
    fn diagonal(&self) -> Option<Vec<S>> {
        None
    }

    /// `y ← Aᵀ·x` on slices of lengths `nrows()` and `ncols()`, for the methods that need the
    /// transpose (least squares). The default is an error, [`SolverError::MissingCapability`]:
    /// the operator has no transpose to give.
    ///
    /// # Errors
    /// [`SolverError::MissingCapability`] for operators without a transpose.
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        let _ = (x, y);
        Err(no_transpose())
    }

    /// `y ← Aᵀ·x` on this process's storage of any vector; the default runs
    /// [`apply_transpose`](Self::apply_transpose) on slices and ignores `par`.
    ///
    /// # Errors
    /// As [`apply_transpose`](Self::apply_transpose).
    fn apply_transpose_local(
        &self,
        par: Par,
        x: Local<'_, S>,
        mut y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        let _ = par;
        x.with_slice(|xs| y.with_slice_mut(|ys| self.apply_transpose(xs, ys)))
    }
}

/// The error of an operator without a transpose.
fn no_transpose() -> SolverError {
    SolverError::MissingCapability {
        capability: "a transpose application",
        needed_by: "methods that use Aᵀ (least squares) need LinearOperator::apply_transpose",
    }
}

macro_rules! forward_operator {
    ($($ptr:ty),+) => {$(
        impl<S: Real, A: LinearOperator<S> + ?Sized> LinearOperator<S> for $ptr {
            fn nrows(&self) -> usize {
                (**self).nrows()
            }
            fn ncols(&self) -> usize {
                (**self).ncols()
            }
            fn apply(&self, x: &[S], y: &mut [S]) {
                (**self).apply(x, y)
            }
            fn apply_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) {
                (**self).apply_local(par, x, y)
            }
            fn apply_dot_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) -> S {
                (**self).apply_dot_local(par, x, y)
            }
            fn diagonal(&self) -> Option<Vec<S>> {
                (**self).diagonal()
            }
            fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
                (**self).apply_transpose(x, y)
            }
            fn apply_transpose_local(
                &self,
                par: Par,
                x: Local<'_, S>,
                y: LocalMut<'_, S>,
            ) -> Result<(), SolverError> {
                (**self).apply_transpose_local(par, x, y)
            }
        }
    )+};
}

forward_operator!(&A, Box<A>);

/// Panics with a message naming the operator unless the shapes fit.
/// The work of one row of a fused operator product in [`Par::reduce_blocks`]'s units: 1, so
/// inside a solver the product goes parallel from the same size as the vector operations
/// around it ([`PARALLEL_THRESHOLD`](rvf::parallel::PARALLEL_THRESHOLD)). A product alone
/// gains from a second thread earlier (`apply_local` uses the map threshold, 8× lower), but
/// in an iteration a parallel product between sequential vector passes was slower than all
/// sequential (CG on 300² Poisson under `Par::Rayon`: 4.3 ms against 2.7 ms for 20
/// iterations): the other core's half of `A·p` has to come back from its cache.
pub(crate) const PRODUCT_WORK: usize = 1;

/// The two passes of [`LinearOperator::apply_dot_local`]: the product, then the dot.
pub(crate) fn apply_then_dot<S: Real, A: LinearOperator<S> + ?Sized>(
    a: &A,
    par: Par,
    x: Local<'_, S>,
    mut y: LocalMut<'_, S>,
) -> S {
    a.apply_local(par, x, y.reborrow());
    local_dot(par, x, y.as_local())
}

/// This process's part of `xᵀy` with the bits of `par.inner_product` (the fixed blocks and
/// tree of the vector reductions).
///
/// # Panics
/// If the lengths differ.
pub(crate) fn local_dot<S: Real>(par: Par, x: Local<'_, S>, y: Local<'_, S>) -> S {
    assert_eq!(x.len(), y.len(), "a dot product needs equal lengths");
    let [d] = par.reduce_blocks(0..x.len(), 1, (x, y), |_, (x, y)| {
        [reduce2_leaf(x, y, &|a, b| a * b)]
    });
    d
}

#[track_caller]
pub(crate) fn check_apply(op: &'static str, rows: usize, cols: usize, x: usize, y: usize) {
    assert!(
        x == cols && y == rows,
        "{op}: a {rows}×{cols} operator cannot map a vector of dimension {x} to one of \
         dimension {y}"
    );
}

/// A matrix-free operator from a closure over slices: `f(x, y)` must set `y ← A·x`.
///
/// The closure runs as given under every [`Par`]: to parallelise it, use rayon inside it, or
/// implement [`LinearOperator`] with an `apply_local` that splits the rows.
///
/// ```
/// use rvf_algorithms::linear::{FnOperator, LinearOperator};
/// // y_i = 2 x_i
/// let a = FnOperator::square(3, |x: &[f64], y: &mut [f64]| {
///     for (yi, xi) in y.iter_mut().zip(x) {
///         *yi = 2.0 * xi;
///     }
/// });
/// let mut y = vec![0.0; 3];
/// a.apply(&[1.0, 2.0, 3.0], &mut y);
/// assert_eq!(y, [2.0, 4.0, 6.0]);
/// ```
#[derive(Clone)]
pub struct FnOperator<F> {
    rows: usize,
    cols: usize,
    f: F,
}

impl<F> FnOperator<F> {
    /// An `n × n` operator.
    pub fn square(n: usize, f: F) -> Self {
        Self {
            rows: n,
            cols: n,
            f,
        }
    }

    /// A `rows × cols` operator.
    pub fn new(rows: usize, cols: usize, f: F) -> Self {
        Self { rows, cols, f }
    }
}

impl<S: Real, F: Fn(&[S], &mut [S])> LinearOperator<S> for FnOperator<F> {
    fn nrows(&self) -> usize {
        self.rows
    }
    fn ncols(&self) -> usize {
        self.cols
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        check_apply("FnOperator", self.rows, self.cols, x.len(), y.len());
        (self.f)(x, y)
    }
}

/// A matrix-free operator with its transpose, from two closures over slices: `f(x, y)` sets
/// `y ← A·x`, `ft(x, y)` sets `y ← Aᵀ·x`; for least-squares methods.
///
/// ```
/// use rvf_algorithms::linear::{FnOperatorWithTranspose, LinearOperator};
/// // A = [1 2 3] (1 × 3)
/// let a = FnOperatorWithTranspose::new(
///     1,
///     3,
///     |x: &[f64], y: &mut [f64]| y[0] = x[0] + 2.0 * x[1] + 3.0 * x[2],
///     |x: &[f64], y: &mut [f64]| y.iter_mut().zip([1.0, 2.0, 3.0]).for_each(|(yi, a)| *yi = a * x[0]),
/// );
/// let mut y = vec![0.0; 3];
/// a.apply_transpose(&[2.0], &mut y).unwrap();
/// assert_eq!(y, [2.0, 4.0, 6.0]);
/// ```
#[derive(Clone)]
pub struct FnOperatorWithTranspose<F, G> {
    rows: usize,
    cols: usize,
    f: F,
    ft: G,
}

impl<F, G> FnOperatorWithTranspose<F, G> {
    /// A `rows × cols` operator from `A·x` and `Aᵀ·x`.
    pub fn new(rows: usize, cols: usize, f: F, ft: G) -> Self {
        Self { rows, cols, f, ft }
    }
}

impl<S: Real, F: Fn(&[S], &mut [S]), G: Fn(&[S], &mut [S])> LinearOperator<S>
    for FnOperatorWithTranspose<F, G>
{
    fn nrows(&self) -> usize {
        self.rows
    }
    fn ncols(&self) -> usize {
        self.cols
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        check_apply(
            "FnOperatorWithTranspose",
            self.rows,
            self.cols,
            x.len(),
            y.len(),
        );
        (self.f)(x, y)
    }
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        check_apply(
            "FnOperatorWithTranspose (transpose)",
            self.cols,
            self.rows,
            x.len(),
            y.len(),
        );
        (self.ft)(x, y);
        Ok(())
    }
}

impl<S: Real> LinearOperator<S> for DenseMatrix<S> {
    fn nrows(&self) -> usize {
        self.rows()
    }
    fn ncols(&self) -> usize {
        self.cols()
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        y.matvec(self, x);
    }
    fn apply_local(&self, _par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        y.matvec(self, &x);
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        let n = self.rows().min(self.cols());
        Some((0..n).map(|i| self.get(i, i)).collect())
    }
    /// `yⱼ = Σᵢ A[i, j]·xᵢ`, row by row (each row of the row-major storage is contiguous).
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        check_apply(
            "DenseMatrix (transpose)",
            self.cols(),
            self.rows(),
            x.len(),
            y.len(),
        );
        y.fill(S::zero());
        for (row, &xi) in self.row_iter().zip(x) {
            for (yj, &a) in y.iter_mut().zip(row) {
                *yj += xi * a;
            }
        }
        Ok(())
    }
}
