//! [`SparseRows`]: the compressed-row storage the CSR preconditioners and the sparse Newton
//! matrix of the implicit integrators keep (a copy of the matrix or its factor), with the
//! ILU(0) elimination and the triangular sweeps they share. Feature `sparse`, `faer` or
//! `mpi` (block Jacobi).

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

#[cfg(feature = "sparse")]
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
}

impl<S: Real> SparseRows<S> {
    /// Rows on a given pattern, values zero: `offsets` (`n + 1`, from 0, non-decreasing) and
    /// each row's `cols`, sorted and unique, below `n`, the diagonal among them.
    ///
    /// # Errors
    /// [`SolverError::InvalidParameter`] for a malformed pattern;
    /// [`SolverError::FactorizationFailed`] naming the first row without a diagonal entry.
    #[cfg_attr(not(any(feature = "faer", feature = "mpi")), allow(dead_code))]
    pub fn from_pattern(
        what: &'static str,
        offsets: Vec<usize>,
        cols: Vec<usize>,
        n: usize,
    ) -> Result<Self, SolverError> {
        let malformed = |requirement| SolverError::InvalidParameter {
            name: "Jacobian pattern",
            value: n as f64,
            requirement,
        };
        if offsets.len() != n + 1 || offsets[0] != 0 || offsets[n] != cols.len() {
            return Err(malformed(
                "n + 1 row offsets from 0 to the number of column indices",
            ));
        }
        let mut diag = Vec::with_capacity(n);
        for i in 0..n {
            if offsets[i] > offsets[i + 1] {
                return Err(malformed("row offsets must not decrease"));
            }
            let row = &cols[offsets[i]..offsets[i + 1]];
            if row.windows(2).any(|w| w[0] >= w[1]) || row.last().is_some_and(|&j| j >= n) {
                return Err(malformed("each row's columns sorted, unique and below n"));
            }
            let at = row
                .binary_search(&i)
                .map_err(|_| SolverError::FactorizationFailed {
                    method: what,
                    row: i,
                    pivot: 0.0,
                })?;
            diag.push(offsets[i] + at);
        }
        let vals = vec![S::zero(); cols.len()];
        Ok(Self {
            offsets,
            cols,
            vals,
            diag,
        })
    }

    /// ILU(0) of the stored values, in place: `L` (unit, strictly lower) and `U` on the
    /// pattern (no fill-in), IKJ order. `position` is scratch of `n` entries, all
    /// `usize::MAX`, and is left so. `Err((row, pivot))` at the first pivot that is zero or
    /// not finite.
    pub fn ilu0_in_place(&mut self, position: &mut [usize]) -> Result<(), (usize, S)> {
        for i in 0..self.n() {
            let (start_i, end_i) = (self.offsets[i], self.offsets[i + 1]);
            for k in start_i..end_i {
                position[self.cols[k]] = k;
            }
            // IKJ elimination: for each stored (i, k) with k < i, in increasing k.
            for ik in start_i..self.diag[i] {
                let k = self.cols[ik];
                let l = self.vals[ik] / self.vals[self.diag[k]];
                self.vals[ik] = l;
                let (_, upper_k) = self.split_row(k);
                for kj in upper_k {
                    let p = position[self.cols[kj]];
                    if p != usize::MAX {
                        let u = self.vals[kj];
                        self.vals[p] -= l * u;
                    }
                }
            }
            for k in start_i..end_i {
                position[self.cols[k]] = usize::MAX;
            }
            let pivot = self.vals[self.diag[i]];
            if !(pivot != S::zero() && pivot.is_finite()) {
                return Err((i, pivot));
            }
        }
        Ok(())
    }

    pub fn n(&self) -> usize {
        self.diag.len()
    }

    #[cfg_attr(not(feature = "sparse"), allow(dead_code))]
    pub fn nnz(&self) -> usize {
        self.vals.len()
    }

    /// Bytes of the stored rows (offsets, columns, values, diagonal positions).
    #[cfg_attr(not(feature = "sparse"), allow(dead_code))]
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
