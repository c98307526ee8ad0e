//! Standard test operators: the 1-D and 2-D Poisson problems (negative Laplacian with
//! homogeneous Dirichlet boundaries) on the unit interval and square.

use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real};

use super::operator::{check_apply, LinearOperator};
use crate::error::SolverError;

/// `−u''` on `n` interior points of `[0, 1]`, `h = 1/(n+1)`: `(A u)ᵢ = (2uᵢ − uᵢ₋₁ − uᵢ₊₁)/h²`,
/// matrix-free. Symmetric positive definite with eigenvalues `(4/h²)·sin²(kπh/2)`,
/// `k = 1..n`.
///
/// ```
/// use rvf_algorithms::linear::{LinearOperator, Poisson1d};
/// let a = Poisson1d::<f64>::new(3); // h = 1/4
/// let mut y = vec![0.0; 3];
/// a.apply(&vec![1.0, 1.0, 1.0], &mut y);
/// assert_eq!(y, [16.0, 0.0, 16.0]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Poisson1d<S> {
    n: usize,
    inv_h2: S,
}

impl<S: Real> Poisson1d<S> {
    /// The operator on `n` interior points.
    pub fn new(n: usize) -> Self {
        // 1/h² = (n+1)², exact in floating point (unlike squaring a rounded h).
        Self {
            n,
            inv_h2: S::from_usize_lossy((n + 1) * (n + 1)),
        }
    }

    /// Mesh width `h = 1/(n+1)`.
    pub fn h(&self) -> S {
        S::one() / S::from_usize_lossy(self.n + 1)
    }

    /// Smallest and largest eigenvalue.
    pub fn eigenvalue_bounds(&self) -> (S, S) {
        let four = S::from_f64_lossy(4.0);
        let half_pi_h = S::from_f64_lossy(core::f64::consts::FRAC_PI_2) * self.h();
        let n = S::from_usize_lossy(self.n);
        let lo = four * self.inv_h2 * half_pi_h.sin().powi(2);
        let hi = four * self.inv_h2 * (half_pi_h * n).sin().powi(2);
        (lo, hi)
    }
}

impl<S: Real> LinearOperator<S> for Poisson1d<S> {
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }
    fn apply_local(&self, _par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        check_apply("Poisson1d", self.n, self.n, x.len(), y.len());
        let (n, c) = (self.n, self.inv_h2);
        let two = S::from_f64_lossy(2.0);
        match (x.as_slice(), &mut y) {
            (Some(xs), LocalMut::Contiguous(ys)) => {
                for i in 0..n {
                    let left = if i > 0 { xs[i - 1] } else { S::zero() };
                    let right = if i + 1 < n { xs[i + 1] } else { S::zero() };
                    ys[i] = c * (two * xs[i] - left - right);
                }
            }
            _ => {
                for (i, yi) in y.iter_mut().enumerate() {
                    let left = if i > 0 { x.get(i - 1) } else { S::zero() };
                    let right = if i + 1 < n { x.get(i + 1) } else { S::zero() };
                    *yi = c * (two * x.get(i) - left - right);
                }
            }
        }
    }
    /// Symmetric: the transpose is the operator itself.
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.apply(x, y);
        Ok(())
    }
    fn apply_transpose_local(
        &self,
        par: Par,
        x: Local<'_, S>,
        y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        self.apply_local(par, x, y);
        Ok(())
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(vec![S::from_f64_lossy(2.0) * self.inv_h2; self.n])
    }
}

/// The 5-point Laplacian `−Δu` on an `nx × ny` grid of interior points of the unit square,
/// `hx = 1/(nx+1)`, `hy = 1/(ny+1)`, matrix-free. Unknowns are numbered row by row:
/// `k = j·nx + i` for the point `(xᵢ, yⱼ)`.
///
/// ```
/// use rvf_algorithms::linear::{LinearOperator, Poisson2d};
/// let a = Poisson2d::<f64>::new(2, 2); // h = 1/3
/// let mut y = vec![0.0; 4];
/// a.apply(&vec![1.0; 4], &mut y);
/// assert!(y.iter().all(|&v| (v - 18.0).abs() < 1e-12)); // (4 − 2)/h²
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Poisson2d<S> {
    nx: usize,
    ny: usize,
    inv_hx2: S,
    inv_hy2: S,
}

impl<S: Real> Poisson2d<S> {
    /// The operator on an `nx × ny` interior grid.
    pub fn new(nx: usize, ny: usize) -> Self {
        Self {
            nx,
            ny,
            inv_hx2: S::from_usize_lossy((nx + 1) * (nx + 1)),
            inv_hy2: S::from_usize_lossy((ny + 1) * (ny + 1)),
        }
    }

    /// Grid size `(nx, ny)`.
    pub fn grid(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    /// Smallest and largest eigenvalue (sums of the 1-D ones in each direction).
    pub fn eigenvalue_bounds(&self) -> (S, S) {
        let (ax, bx) = Poisson1d::<S>::new(self.nx).eigenvalue_bounds();
        let (ay, by) = Poisson1d::<S>::new(self.ny).eigenvalue_bounds();
        (ax + ay, bx + by)
    }

    /// One row of the stencil, over whatever storage `x` has.
    #[inline(always)]
    fn row(&self, j: usize, x: impl Fn(usize) -> S, mut out: impl FnMut(usize, S)) {
        let (nx, ny) = (self.nx, self.ny);
        let (cx, cy) = (self.inv_hx2, self.inv_hy2);
        let two = S::from_f64_lossy(2.0);
        let diag = two * (cx + cy);
        for i in 0..nx {
            let k = j * nx + i;
            let mut v = diag * x(k);
            if i > 0 {
                v -= cx * x(k - 1);
            }
            if i + 1 < nx {
                v -= cx * x(k + 1);
            }
            if j > 0 {
                v -= cy * x(k - nx);
            }
            if j + 1 < ny {
                v -= cy * x(k + nx);
            }
            out(k, v);
        }
    }
}

impl<S: Real> LinearOperator<S> for Poisson2d<S> {
    fn nrows(&self) -> usize {
        self.nx * self.ny
    }
    fn ncols(&self) -> usize {
        self.nx * self.ny
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }
    fn apply_local(&self, par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        let n = self.nx * self.ny;
        check_apply("Poisson2d", n, n, x.len(), y.len());
        if let (Some(xs), LocalMut::Contiguous(ys)) = (x.as_slice(), &mut y) {
            // Blocks of grid rows, each written by one task; every row reads only `x`. The
            // stencil computes several products per element, so `Par` runs it in parallel
            // from the size of compute-bound maps on.
            let rows_per_task = (16 * 1024 / self.nx.max(1)).max(1);
            par.for_each_chunk_mut(&mut ys[..n], rows_per_task * self.nx, |t, chunk| {
                let first = t * rows_per_task;
                for (dj, row) in chunk.chunks_mut(self.nx).enumerate() {
                    let base = (first + dj) * self.nx;
                    self.row(first + dj, |k| xs[k], |k, v| row[k - base] = v);
                }
            });
            return;
        }
        // Strided storage: `row` visits k in increasing order, so the outputs fill `y` in
        // order.
        let mut slots = y.iter_mut();
        for j in 0..self.ny {
            self.row(
                j,
                |k| x.get(k),
                |_, v| {
                    if let Some(slot) = slots.next() {
                        *slot = v;
                    }
                },
            );
        }
    }
    /// Symmetric: the transpose is the operator itself.
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.apply(x, y);
        Ok(())
    }
    fn apply_transpose_local(
        &self,
        par: Par,
        x: Local<'_, S>,
        y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        self.apply_local(par, x, y);
        Ok(())
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        let two = S::from_f64_lossy(2.0);
        Some(vec![two * (self.inv_hx2 + self.inv_hy2); self.nx * self.ny])
    }
}

/// The 1-D Poisson matrix as CSR (feature `sparse`).
#[cfg(feature = "sparse")]
pub fn poisson_1d_csr<S: Real + nalgebra::Scalar>(n: usize) -> nalgebra_sparse::CsrMatrix<S> {
    poisson_2d_csr_inner(n, 1, true)
}

/// The 2-D 5-point Poisson matrix as CSR, same numbering as [`Poisson2d`] (feature `sparse`).
///
/// ```
/// use rvf_algorithms::linear::{poisson_2d_csr, LinearOperator, Poisson2d};
/// let csr = poisson_2d_csr::<f64>(4, 3);
/// let free = Poisson2d::<f64>::new(4, 3);
/// let x: Vec<f64> = (0..12).map(|k| k as f64).collect();
/// let (mut a, mut b) = (vec![0.0; 12], vec![0.0; 12]);
/// csr.apply(&x, &mut a);
/// free.apply(&x, &mut b);
/// for (p, q) in a.iter().zip(&b) {
///     assert!((p - q).abs() <= 1e-12 * q.abs().max(1.0)); // same entries, other sum order
/// }
/// ```
#[cfg(feature = "sparse")]
pub fn poisson_2d_csr<S: Real + nalgebra::Scalar>(
    nx: usize,
    ny: usize,
) -> nalgebra_sparse::CsrMatrix<S> {
    poisson_2d_csr_inner(nx, ny, false)
}

#[cfg(feature = "sparse")]
fn poisson_2d_csr_inner<S: Real + nalgebra::Scalar>(
    nx: usize,
    ny: usize,
    one_d: bool,
) -> nalgebra_sparse::CsrMatrix<S> {
    let n = nx * ny;
    let cx = S::from_usize_lossy((nx + 1) * (nx + 1));
    let cy = if one_d {
        S::zero()
    } else {
        S::from_usize_lossy((ny + 1) * (ny + 1))
    };
    let two = S::from_f64_lossy(2.0);
    let mut offsets = Vec::with_capacity(n + 1);
    let mut cols = Vec::with_capacity(5 * n);
    let mut vals = Vec::with_capacity(5 * n);
    offsets.push(0);
    for j in 0..ny {
        for i in 0..nx {
            let k = j * nx + i;
            // Columns in increasing order, as CSR requires.
            if j > 0 {
                cols.push(k - nx);
                vals.push(-cy);
            }
            if i > 0 {
                cols.push(k - 1);
                vals.push(-cx);
            }
            cols.push(k);
            vals.push(two * (cx + cy));
            if i + 1 < nx {
                cols.push(k + 1);
                vals.push(-cx);
            }
            if j + 1 < ny {
                cols.push(k + nx);
                vals.push(-cy);
            }
            offsets.push(cols.len());
        }
    }
    nalgebra_sparse::CsrMatrix::try_from_csr_data(n, n, offsets, cols, vals)
        .expect("the Poisson pattern is a valid CSR pattern")
}
