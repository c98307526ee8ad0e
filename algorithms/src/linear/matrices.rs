//! [`LinearOperator`] for nalgebra's `DMatrix`, ndarray's `Array2` and nalgebra-sparse's
//! `CsrMatrix` (features `nalgebra`, `ndarray`, `sparse`).

#[cfg(feature = "ndarray")]
use rvf::ops::kernels;
#[cfg(feature = "sparse")]
use rvf::ops::LocalMut;
#[cfg(any(feature = "nalgebra", feature = "ndarray"))]
use rvf::{Real, RealVector, RealVectorMut};

#[cfg(any(feature = "nalgebra", feature = "ndarray"))]
use super::operator::{check_apply, LinearOperator};

/// Column-major dense matrices: `y ← Σⱼ xⱼ·A[:, j]`, one contiguous column at a time.
#[cfg(feature = "nalgebra")]
impl<S: Real + nalgebra::Scalar> LinearOperator<S> for nalgebra::DMatrix<S> {
    fn nrows(&self) -> usize {
        self.nrows()
    }
    fn ncols(&self) -> usize {
        self.ncols()
    }
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        let (m, n) = self.shape();
        let xl = x.local();
        check_apply("DMatrix", m, n, xl.len(), y.local_mut().len());
        y.fill(S::zero());
        let data = self.as_slice();
        for (j, &xj) in xl.iter().enumerate() {
            y.axpy_in_place(xj, &data[j * m..(j + 1) * m]);
        }
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(self.diagonal().iter().copied().collect())
    }
}

/// Dense 2-D arrays in any layout: `yᵢ ← A[i, :]·x`.
#[cfg(feature = "ndarray")]
impl<S: Real> LinearOperator<S> for ndarray::Array2<S> {
    fn nrows(&self) -> usize {
        self.nrows()
    }
    fn ncols(&self) -> usize {
        self.ncols()
    }
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        let (m, n) = self.dim();
        let xl = x.local();
        let mut yl = y.local_mut();
        check_apply("Array2", m, n, xl.len(), yl.len());
        for (yi, row) in yl.iter_mut().zip(self.rows()) {
            *yi = kernels::reduce2(row.local(), xl, |p, q| p * q);
        }
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(self.diag().to_vec())
    }
}

/// Compressed sparse rows.
#[cfg(feature = "sparse")]
impl<S: Real + nalgebra::Scalar> LinearOperator<S> for nalgebra_sparse::CsrMatrix<S> {
    fn nrows(&self) -> usize {
        self.nrows()
    }
    fn ncols(&self) -> usize {
        self.ncols()
    }
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        let xl = x.local();
        let mut yl = y.local_mut();
        check_apply("CsrMatrix", self.nrows(), self.ncols(), xl.len(), yl.len());
        match xl.as_slice() {
            Some(xs) => csr_rows(self, |j| xs[j], &mut yl),
            None => csr_rows(self, |j| xl.get(j), &mut yl),
        }
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        let offsets = self.row_offsets();
        let cols = self.col_indices();
        let vals = self.values();
        Some(
            (0..self.nrows().min(self.ncols()))
                .map(|i| {
                    (offsets[i]..offsets[i + 1])
                        .find(|&k| cols[k] == i)
                        .map_or(S::zero(), |k| vals[k])
                })
                .collect(),
        )
    }
}

/// `yᵢ ← Σₖ A[i, colₖ]·x[colₖ]` over the rows of a CSR matrix; `get` reads `x`.
#[cfg(feature = "sparse")]
#[inline(always)]
fn csr_rows<S: Real + nalgebra::Scalar>(
    a: &nalgebra_sparse::CsrMatrix<S>,
    get: impl Fn(usize) -> S,
    y: &mut LocalMut<'_, S>,
) {
    let offsets = a.row_offsets();
    let cols = a.col_indices();
    let vals = a.values();
    for (i, yi) in y.iter_mut().enumerate() {
        let range = offsets[i]..offsets[i + 1];
        let mut s = S::zero();
        for (&c, &v) in cols[range.clone()].iter().zip(&vals[range]) {
            s += v * get(c);
        }
        *yi = s;
    }
}
