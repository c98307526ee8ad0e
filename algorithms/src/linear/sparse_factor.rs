//! [`SparseRows`]: the compressed-row storage the CSR preconditioners keep (a copy of the
//! matrix or its factor), with the triangular sweeps they share. Feature `sparse`.

use rvf::Real;

use crate::error::SolverError;

/// Compressed rows with sorted columns and the position of each row's diagonal entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparseRows<S> {
    pub offsets: Vec<usize>,
    pub cols: Vec<usize>,
    pub vals: Vec<S>,
    /// `diag[i]`: the index into `cols`/`vals` of entry `(i, i)`.
    pub diag: Vec<usize>,
}

impl<S: Real + nalgebra::Scalar> SparseRows<S> {
    /// A copy of `a`'s rows, keeping only the entries `keep(i, j)` accepts.
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`] if `a` is not square,
    /// [`SolverError::FactorizationFailed`] naming the first row without a diagonal entry.
    pub fn from_csr(
        what: &'static str,
        a: &nalgebra_sparse::CsrMatrix<S>,
        keep: impl Fn(usize, usize) -> bool,
    ) -> Result<Self, SolverError> {
        crate::error::same_dim(what, a.nrows(), a.ncols())?;
        let n = a.nrows();
        let (mut offsets, mut cols, mut vals) = (
            Vec::with_capacity(n + 1),
            Vec::with_capacity(a.nnz()),
            Vec::with_capacity(a.nnz()),
        );
        let mut diag = Vec::with_capacity(n);
        offsets.push(0);
        for (i, row) in a.row_iter().enumerate() {
            let mut found = None;
            // nalgebra-sparse keeps each row's columns sorted and unique.
            for (&j, &v) in row.col_indices().iter().zip(row.values()) {
                if keep(i, j) {
                    if j == i {
                        found = Some(cols.len());
                    }
                    cols.push(j);
                    vals.push(v);
                }
            }
            diag.push(found.ok_or(SolverError::FactorizationFailed {
                method: what,
                row: i,
                pivot: 0.0,
            })?);
            offsets.push(cols.len());
        }
        Ok(Self {
            offsets,
            cols,
            vals,
            diag,
        })
    }

    pub fn n(&self) -> usize {
        self.diag.len()
    }

    pub fn nnz(&self) -> usize {
        self.vals.len()
    }

    /// Bytes of the stored rows (offsets, columns, values, diagonal positions).
    pub fn bytes(&self) -> usize {
        (self.offsets.len() + self.cols.len() + self.diag.len()) * core::mem::size_of::<usize>()
            + self.vals.len() * core::mem::size_of::<S>()
    }

    /// Entries of row `i` left of the diagonal, and right of it.
    #[inline]
    pub fn split_row(&self, i: usize) -> (core::ops::Range<usize>, core::ops::Range<usize>) {
        (
            self.offsets[i]..self.diag[i],
            self.diag[i] + 1..self.offsets[i + 1],
        )
    }

    /// `z ← L⁻¹·z` for the strictly lower part `L` plus the diagonal `d(i)`:
    /// `zᵢ ← (zᵢ − Σⱼ<ᵢ Lᵢⱼ·zⱼ)/d(i)`, rows in increasing order.
    #[inline]
    pub fn forward(&self, z: &mut [S], d: impl Fn(usize) -> S) {
        for i in 0..self.n() {
            let (lower, _) = self.split_row(i);
            let mut v = z[i];
            for k in lower {
                v -= self.vals[k] * z[self.cols[k]];
            }
            z[i] = v / d(i);
        }
    }

    /// `z ← U⁻¹·z` for the strictly upper part `U` plus the diagonal `d(i)`:
    /// `zᵢ ← (zᵢ − Σⱼ>ᵢ Uᵢⱼ·zⱼ)/d(i)`, rows in decreasing order.
    #[inline]
    pub fn backward(&self, z: &mut [S], d: impl Fn(usize) -> S) {
        for i in (0..self.n()).rev() {
            let (_, upper) = self.split_row(i);
            let mut v = z[i];
            for k in upper {
                v -= self.vals[k] * z[self.cols[k]];
            }
            z[i] = v / d(i);
        }
    }
}
