//! Standard test operators: the 1-D and 2-D Poisson problems (negative Laplacian with
//! homogeneous Dirichlet boundaries) on the unit interval and square.

use core::ops::Range;

use rvf::ops::kernels::reduce2_leaf;
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real};

use super::operator::{apply_then_dot, check_apply, LinearOperator, PRODUCT_WORK};
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

    /// Points `cols` of grid row `j` of `y = A·x` for contiguous `x` (`out` has `cols.len()`
    /// elements): the same terms in the same order as [`row`](Self::row), so the same bits,
    /// but with the boundary tests taken out of the loop (the first and last point of the row
    /// apart, and one loop for each of the four cases of neighbouring rows), so the interior
    /// loop has no branches and no bounds checks and vectorises.
    fn row_segment(&self, j: usize, cols: Range<usize>, xs: &[S], out: &mut [S]) {
        let nx = self.nx;
        debug_assert!(cols.end <= nx && out.len() == cols.len());
        let k0 = j * nx;
        if nx < 3 {
            let first = k0 + cols.start;
            return self.row(
                j,
                |k| xs[k],
                |k, v| {
                    if let Some(o) = k.checked_sub(first).and_then(|i| out.get_mut(i)) {
                        *o = v;
                    }
                },
            );
        }
        let c = &xs[k0..k0 + nx];
        let down = (j > 0).then(|| &xs[k0 - nx..k0]);
        let up = (j + 1 < self.ny).then(|| &xs[k0 + nx..k0 + 2 * nx]);
        let (cx, cy) = (self.inv_hx2, self.inv_hy2);
        let diag = S::from_f64_lossy(2.0) * (cx + cy);
        // v = diag·c − cx·left − cx·right − cy·down − cy·up, missing neighbours skipped.
        let vertical = |mut v: S, i: usize| {
            if let Some(d) = down {
                v -= cy * d[i];
            }
            if let Some(u) = up {
                v -= cy * u[i];
            }
            v
        };
        if cols.start == 0 {
            out[0] = vertical(diag * c[0] - cx * c[1], 0);
        }
        if cols.end == nx {
            out[nx - 1 - cols.start] = vertical(diag * c[nx - 1] - cx * c[nx - 2], nx - 1);
        }
        let (lo, hi) = (cols.start.max(1), cols.end.min(nx - 1));
        if lo >= hi {
            return;
        }
        let inner = &mut out[lo - cols.start..hi - cols.start];
        let horizontal = c[lo - 1..hi + 1]
            .windows(3)
            .map(|w| diag * w[1] - cx * w[0] - cx * w[2]);
        match (down.map(|d| &d[lo..hi]), up.map(|u| &u[lo..hi])) {
            (Some(d), Some(u)) => {
                for ((o, h), (&d, &u)) in inner.iter_mut().zip(horizontal).zip(d.iter().zip(u)) {
                    *o = h - cy * d - cy * u;
                }
            }
            (Some(d), None) => {
                for ((o, h), &d) in inner.iter_mut().zip(horizontal).zip(d) {
                    *o = h - cy * d;
                }
            }
            (None, Some(u)) => {
                for ((o, h), &u) in inner.iter_mut().zip(horizontal).zip(u) {
                    *o = h - cy * u;
                }
            }
            (None, None) => {
                for (o, h) in inner.iter_mut().zip(horizontal) {
                    *o = h;
                }
            }
        }
    }

    /// Elements `range` of `y = A·x` (in the grid's numbering) for contiguous `x`, row
    /// segment by row segment.
    fn range_contiguous(&self, range: Range<usize>, xs: &[S], out: &mut [S]) {
        let nx = self.nx;
        let (mut k, mut o) = (range.start, 0);
        while k < range.end {
            let j = k / nx;
            let cols = k - j * nx..(range.end - j * nx).min(nx);
            let len = cols.len();
            self.row_segment(j, cols, xs, &mut out[o..o + len]);
            (k, o) = (k + len, o + len);
        }
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
                let first = t * rows_per_task * self.nx;
                self.range_contiguous(first..first + chunk.len(), xs, chunk);
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
    /// One sweep over contiguous storage: each block of the fixed reduction tree is
    /// multiplied, then dotted from cache.
    fn apply_dot_local(&self, par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) -> S {
        let n = self.nx * self.ny;
        check_apply("Poisson2d", n, n, x.len(), y.len());
        if let (Some(xs), LocalMut::Contiguous(ys)) = (x.as_slice(), &mut y) {
            let [dot] = par.reduce_blocks(0..n, PRODUCT_WORK, &mut ys[..n], |rows, out| {
                self.range_contiguous(rows.clone(), xs, out);
                [reduce2_leaf(
                    Local::Contiguous(&xs[rows]),
                    Local::Contiguous(out),
                    &|a, b| a * b,
                )]
            });
            return dot;
        }
        apply_then_dot(self, par, x, y)
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

#[cfg(test)]
mod contiguous_rows {
    use super::*;

    /// The branch-free contiguous kernel gives the bits of the general one (read through a
    /// closure), on grids with one, two, three and many points per row and column.
    #[test]
    fn the_contiguous_stencil_gives_the_general_kernels_bits() {
        for (nx, ny) in [(1, 1), (1, 5), (2, 3), (3, 1), (3, 4), (7, 2), (17, 13)] {
            let a = Poisson2d::<f64>::new(nx, ny);
            let x: Vec<f64> = (0..nx * ny)
                .map(|k| (k as f64 * 0.731).sin() * 3.0)
                .collect();
            let mut fast = vec![0.0; nx * ny];
            for (j, row) in fast.chunks_mut(nx).enumerate() {
                a.row_segment(j, 0..nx, &x, row);
            }
            // Any range of the numbering, rows cut anywhere.
            for start in [0, 1, nx / 2, nx + 1] {
                for end in [start, start + 1, start + nx + 2, nx * ny] {
                    if start <= end && end <= nx * ny {
                        let mut part = vec![f64::NAN; end - start];
                        a.range_contiguous(start..end, &x, &mut part);
                        assert_eq!(part, fast[start..end], "{nx}×{ny}, {start}..{end}");
                    }
                }
            }
            let mut general = vec![0.0; nx * ny];
            for j in 0..ny {
                a.row(j, |k| x[k], |k, v| general[k] = v);
            }
            assert_eq!(fast, general, "{nx}×{ny}");
            // And an independent check of one interior value.
            if nx >= 3 && ny >= 3 {
                let (cx, cy) = (((nx + 1) * (nx + 1)) as f64, ((ny + 1) * (ny + 1)) as f64);
                let k = nx + 1;
                let expect = 2.0 * (cx + cy) * x[k]
                    - cx * (x[k - 1] + x[k + 1])
                    - cy * (x[k - nx] + x[k + nx]);
                assert!((fast[k] - expect).abs() <= 1e-9 * expect.abs().max(1.0));
            }
        }
    }
}
