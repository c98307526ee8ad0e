//! A non-symmetric test problem: 2-D convection–diffusion `−Δu + β·∇u` on the unit square.

use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real};

use super::operator::{check_apply, LinearOperator};
use crate::error::SolverError;

/// `−Δu + β·∇u` on the unit square with zero boundary values, by central differences on an
/// `nx × ny` interior grid (`h = 1/(n + 1)`, unknowns numbered row by row, `k = j·nx + i`):
///
/// ```text
/// (A·u)ᵢⱼ = (2/hx² + 2/hy²)·uᵢⱼ − (1/hx² + βx/2hx)·uᵢ₋₁ⱼ − (1/hx² − βx/2hx)·uᵢ₊₁ⱼ
///                             − (1/hy² + βy/2hy)·uᵢⱼ₋₁ − (1/hy² − βy/2hy)·uᵢⱼ₊₁
/// ```
///
/// Non-symmetric for `β ≠ 0`; its transpose is the operator with `−β`. For mesh Péclet
/// numbers `|β|·h/2 < 1` it is an M-matrix (nonsingular, positive inverse). Matrix-free;
/// [`convection_diffusion_2d_csr`] builds the same matrix in CSR form.
///
/// ```
/// use rvf_algorithms::linear::{ConvectionDiffusion2d, LinearOperator};
/// let a = ConvectionDiffusion2d::<f64>::new(3, 3, (10.0, 0.0));
/// let (mut y, mut yt) = (vec![0.0; 9], vec![0.0; 9]);
/// let e = |k: usize| (0..9).map(|i| if i == k { 1.0 } else { 0.0 }).collect::<Vec<f64>>();
/// a.apply(&e(3), &mut y); // column 3 of A
/// a.apply_transpose(&e(4), &mut yt).unwrap(); // row 4 of A
/// assert_eq!(y[4], yt[3]); // A[4, 3] both ways
/// assert!(y[4] != 0.0 && y[4] != y[2]); // convection makes A non-symmetric
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ConvectionDiffusion2d<S> {
    nx: usize,
    ny: usize,
    beta: (S, S),
    west: S,
    east: S,
    south: S,
    north: S,
    centre: S,
}

impl<S: Real> ConvectionDiffusion2d<S> {
    /// The operator on an `nx × ny` interior grid with velocity `beta = (βx, βy)`.
    pub fn new(nx: usize, ny: usize, beta: (S, S)) -> Self {
        let two = S::from_f64_lossy(2.0);
        let (cx, cy) = (
            S::from_usize_lossy((nx + 1) * (nx + 1)),
            S::from_usize_lossy((ny + 1) * (ny + 1)),
        );
        // β/(2h) = β·(n + 1)/2
        let ex = beta.0 * S::from_usize_lossy(nx + 1) / two;
        let ey = beta.1 * S::from_usize_lossy(ny + 1) / two;
        Self {
            nx,
            ny,
            beta,
            west: -(cx + ex),
            east: -(cx - ex),
            south: -(cy + ey),
            north: -(cy - ey),
            centre: two * (cx + cy),
        }
    }

    /// `(nx, ny)`.
    pub fn grid(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    /// The velocity `β`.
    pub fn beta(&self) -> (S, S) {
        self.beta
    }

    /// The operator with `−β`, which is this one's transpose.
    pub fn transposed(&self) -> Self {
        Self::new(self.nx, self.ny, (-self.beta.0, -self.beta.1))
    }

    /// The five coefficients of row `(i, j)` with their columns (absent neighbours skipped),
    /// in increasing column order.
    fn row_entries(&self, i: usize, j: usize, mut f: impl FnMut(usize, S)) {
        let (nx, ny) = (self.nx, self.ny);
        let k = j * nx + i;
        if j > 0 {
            f(k - nx, self.south);
        }
        if i > 0 {
            f(k - 1, self.west);
        }
        f(k, self.centre);
        if i + 1 < nx {
            f(k + 1, self.east);
        }
        if j + 1 < ny {
            f(k + nx, self.north);
        }
    }
}

impl<S: Real> LinearOperator<S> for ConvectionDiffusion2d<S> {
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
        check_apply("ConvectionDiffusion2d", n, n, x.len(), y.len());
        let nx = self.nx.max(1);
        x.with_slice(|xs| {
            y.with_slice_mut(|ys| {
                // Blocks of rows of A; each reads only x, so the blocks are independent.
                par.for_each_row_block(ys, 5, |first, block| {
                    let (mut i, mut j) = (first % nx, first / nx);
                    for yi in block.iter_mut() {
                        let mut v = S::zero();
                        self.row_entries(i, j, |c, a| v += a * xs[c]);
                        *yi = v;
                        i += 1;
                        if i == nx {
                            (i, j) = (0, j + 1);
                        }
                    }
                })
            })
        });
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(vec![self.centre; self.nx * self.ny])
    }
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.transposed().apply(x, y);
        Ok(())
    }
    fn apply_transpose_local(
        &self,
        par: Par,
        x: Local<'_, S>,
        y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        self.transposed().apply_local(par, x, y);
        Ok(())
    }
}

/// [`ConvectionDiffusion2d`] as a nalgebra-sparse CSR matrix (feature `sparse`): the same
/// entries, five per interior row.
///
/// ```
/// use rvf_algorithms::linear::{convection_diffusion_2d_csr, ConvectionDiffusion2d, LinearOperator};
/// let (csr, free) = (
///     convection_diffusion_2d_csr::<f64>(8, 5, (3.0, -2.0)),
///     ConvectionDiffusion2d::<f64>::new(8, 5, (3.0, -2.0)),
/// );
/// let x: Vec<f64> = (0..40).map(|k| (k as f64).sin()).collect();
/// let (mut a, mut b) = (vec![0.0; 40], vec![0.0; 40]);
/// csr.apply(&x, &mut a);
/// free.apply(&x, &mut b);
/// assert_eq!(a, b);
/// ```
#[cfg(feature = "sparse")]
pub fn convection_diffusion_2d_csr<S: Real + nalgebra::Scalar>(
    nx: usize,
    ny: usize,
    beta: (S, S),
) -> nalgebra_sparse::CsrMatrix<S> {
    let op = ConvectionDiffusion2d::new(nx, ny, beta);
    let n = nx * ny;
    let mut offsets = Vec::with_capacity(n + 1);
    let mut cols = Vec::with_capacity(5 * n);
    let mut vals = Vec::with_capacity(5 * n);
    offsets.push(0);
    for j in 0..ny {
        for i in 0..nx {
            op.row_entries(i, j, |c, a| {
                cols.push(c);
                vals.push(a);
            });
            offsets.push(cols.len());
        }
    }
    nalgebra_sparse::CsrMatrix::try_from_csr_data(n, n, offsets, cols, vals)
        .expect("the stencil gives sorted, in-range columns")
}
