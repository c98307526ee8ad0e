//! [`LinearOperator`] for nalgebra's `DMatrix`, ndarray's `Array2` and nalgebra-sparse's
//! `CsrMatrix` (features `nalgebra`, `ndarray`, `sparse`).
//!
//! Each product runs in blocks of rows ([`Par::for_each_row_block`]): on rayon's threads
//! under `Par::Rayon` once the matrix is large enough, on the calling thread otherwise. A row's
//! value is computed by the same code either way, so the result does not depend on `Par`.
//! Inputs may be strided; outputs are written in place when contiguous and through a buffer
//! when strided.

#[cfg(any(feature = "nalgebra", feature = "ndarray"))]
use rvf::ops::{Local, LocalMut};
#[cfg(any(feature = "nalgebra", feature = "ndarray"))]
use rvf::{Par, Real};

#[cfg(any(feature = "nalgebra", feature = "ndarray"))]
use super::operator::{check_apply, LinearOperator};
#[cfg(any(feature = "nalgebra", feature = "ndarray"))]
use crate::error::SolverError;

/// Runs the row-block kernel `rows(first_row, y_block)` over a contiguous view of `y`
/// (gathering a strided `y` into a buffer and scattering it back).
#[cfg(any(feature = "nalgebra", feature = "ndarray"))]
fn by_row_blocks<S: Real>(
    par: Par,
    mut y: LocalMut<'_, S>,
    work_per_row: usize,
    rows: impl Fn(usize, &mut [S]) + Sync + Send,
) {
    y.with_slice_mut(|ys| par.for_each_row_block(ys, work_per_row, rows));
}

/// Column-major dense matrices: each block of rows accumulates `Σⱼ xⱼ·A[rows, j]`, reading
/// one contiguous piece of every column.
#[cfg(feature = "nalgebra")]
impl<S: Real + nalgebra::Scalar> LinearOperator<S> for nalgebra::DMatrix<S> {
    fn nrows(&self) -> usize {
        self.nrows()
    }
    fn ncols(&self) -> usize {
        self.ncols()
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }
    fn apply_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) {
        let (m, n) = self.shape();
        check_apply("DMatrix", m, n, x.len(), y.len());
        let data = self.as_slice();
        by_row_blocks(par, y, n, |first, ys| {
            ys.fill(S::zero());
            let rows = first..first + ys.len();
            for (j, xj) in x.iter().enumerate() {
                let column = &data[j * m..(j + 1) * m][rows.clone()];
                for (yi, &a) in ys.iter_mut().zip(column) {
                    *yi += *xj * a;
                }
            }
        });
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(self.diagonal().iter().copied().collect())
    }
    /// `yⱼ ← A[:, j]·x`: a deterministic dot product with each contiguous column.
    fn apply_transpose_local(
        &self,
        par: Par,
        x: Local<'_, S>,
        y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        let (m, n) = self.shape();
        check_apply("DMatrix (transpose)", n, m, x.len(), y.len());
        let data = self.as_slice();
        by_row_blocks(par, y, m, |first, ys| {
            for (j, yj) in ys.iter_mut().enumerate() {
                let column = &data[(first + j) * m..(first + j + 1) * m];
                *yj = rvf::ops::kernels::reduce2(Local::Contiguous(column), x, |p, q| p * q);
            }
        });
        Ok(())
    }
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.apply_transpose_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y))
    }
}

/// Dense 2-D arrays in any layout: `yᵢ ← A[i, :]·x` with rvf's deterministic dot product.
#[cfg(feature = "ndarray")]
impl<S: Real> LinearOperator<S> for ndarray::Array2<S> {
    fn nrows(&self) -> usize {
        self.nrows()
    }
    fn ncols(&self) -> usize {
        self.ncols()
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }
    fn apply_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) {
        use rvf::RealVector;
        let (m, n) = self.dim();
        check_apply("Array2", m, n, x.len(), y.len());
        by_row_blocks(par, y, n, |first, ys| {
            for (i, yi) in ys.iter_mut().enumerate() {
                *yi = rvf::ops::kernels::reduce2(self.row(first + i).local(), x, |p, q| p * q);
            }
        });
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(self.diag().to_vec())
    }
    /// `yⱼ ← A[:, j]·x` with rvf's deterministic dot product, in any layout.
    fn apply_transpose_local(
        &self,
        par: Par,
        x: Local<'_, S>,
        y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        use rvf::RealVector;
        let (m, n) = self.dim();
        check_apply("Array2 (transpose)", n, m, x.len(), y.len());
        by_row_blocks(par, y, m, |first, ys| {
            for (j, yj) in ys.iter_mut().enumerate() {
                *yj = rvf::ops::kernels::reduce2(self.column(first + j).local(), x, |p, q| p * q);
            }
        });
        Ok(())
    }
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.apply_transpose_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y))
    }
}

/// Compressed sparse rows, through the CSR kernel every CSR operator shares.
#[cfg(feature = "sparse")]
impl<S: Real + nalgebra::Scalar> LinearOperator<S> for nalgebra_sparse::CsrMatrix<S> {
    fn nrows(&self) -> usize {
        self.nrows()
    }
    fn ncols(&self) -> usize {
        self.ncols()
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }
    fn apply_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) {
        csr_view(self).apply("CsrMatrix", par, x, y);
    }
    fn apply_dot_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) -> S {
        csr_view(self).apply_dot("CsrMatrix", par, x, y)
    }
    fn apply_transpose_local(
        &self,
        _par: Par,
        x: Local<'_, S>,
        y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        csr_view(self).apply_transpose("CsrMatrix (transpose)", x, y);
        Ok(())
    }
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.apply_transpose_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y))
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(csr_view(self).diagonal())
    }
}

/// The structure of a nalgebra-sparse matrix, for the shared kernel.
#[cfg(feature = "sparse")]
fn csr_view<S: Real + nalgebra::Scalar>(
    a: &nalgebra_sparse::CsrMatrix<S>,
) -> super::csr::CsrView<'_, S, usize, usize> {
    // SAFETY: nalgebra-sparse's constructors reject offsets that are not non-decreasing from
    // 0 to the number of nonzeros and column indices not below ncols, and a CsrMatrix cannot
    // be changed into one that violates this (its pattern is immutable).
    unsafe {
        super::csr::CsrView::new_unchecked(
            a.nrows(),
            a.ncols(),
            a.row_offsets(),
            a.col_indices(),
            a.values(),
        )
    }
}
