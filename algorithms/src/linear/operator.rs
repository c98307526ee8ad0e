//! [`LinearOperator`]: `y ← A·x` for matrices and matrix-free operators.

use rvf::ops::LocalMut;
use rvf::{DenseMatrix, Par, Real, RealVector, RealVectorMut};

/// A linear map `A: ℝⁿ → ℝᵐ`, applied in place as `y ← A·x`.
///
/// `apply` is generic over both vector types, so one operator serves the user's vectors and
/// the solver's arena temporaries alike.
pub trait LinearOperator<S: Real> {
    /// `m`, the dimension of `y`.
    fn nrows(&self) -> usize;

    /// `n`, the dimension of `x`.
    fn ncols(&self) -> usize;

    /// `y ← A·x`.
    ///
    /// # Panics
    /// If `x.dimension() != ncols()` or `y.dimension() != nrows()`.
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized;

    /// `y ← A·x` with the parallelism `par`. Operators with a parallel kernel (the Poisson
    /// stencils) override this; the default is [`apply`](Self::apply).
    ///
    /// # Panics
    /// As [`apply`](Self::apply).
    fn apply_par<X, Y>(&self, par: Par, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        let _ = par;
        self.apply(x, y)
    }

    /// The diagonal `[A₀₀, A₁₁, …]`, if the operator can give it (for Jacobi
    /// preconditioning). `None` by default.
    fn diagonal(&self) -> Option<Vec<S>> {
        None
    }
}

impl<S: Real, A: LinearOperator<S> + ?Sized> LinearOperator<S> for &A {
    fn nrows(&self) -> usize {
        (**self).nrows()
    }
    fn ncols(&self) -> usize {
        (**self).ncols()
    }
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        (**self).apply(x, y)
    }
    fn apply_par<X, Y>(&self, par: Par, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        (**self).apply_par(par, x, y)
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        (**self).diagonal()
    }
}

/// Panics with a message naming the operator unless the shapes fit.
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
/// Vectors with contiguous storage are passed straight through; strided ones are copied into
/// temporary buffers first (a slower path that allocates).
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
/// a.apply(&vec![1.0, 2.0, 3.0], &mut y);
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
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        let xl = x.local();
        check_apply(
            "FnOperator",
            self.rows,
            self.cols,
            xl.len(),
            y.local_mut().len(),
        );
        let gathered: Vec<S>;
        let xs = match xl.as_slice() {
            Some(s) => s,
            None => {
                gathered = xl.iter().copied().collect();
                &gathered
            }
        };
        match y.local_mut() {
            LocalMut::Contiguous(ys) => (self.f)(xs, ys),
            mut strided => {
                let mut out = vec![S::zero(); self.rows];
                (self.f)(xs, &mut out);
                for (yi, v) in strided.iter_mut().zip(out) {
                    *yi = v;
                }
            }
        }
    }
}

impl<S: Real> LinearOperator<S> for DenseMatrix<S> {
    fn nrows(&self) -> usize {
        self.rows()
    }
    fn ncols(&self) -> usize {
        self.cols()
    }
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        y.matvec(self, x);
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        let n = self.rows().min(self.cols());
        Some((0..n).map(|i| self.get(i, i)).collect())
    }
}
