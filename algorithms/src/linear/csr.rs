//! Compressed sparse rows: the product kernels every CSR operator uses, and
//! [`CsrMatrix32`], a CSR matrix with 32-bit column indices.
//!
//! # Why 32-bit indices
//! A CSR product is memory-bound: per nonzero it reads a value and a column index, and the
//! index is as costly as the value when it is a `usize`. nalgebra-sparse stores `usize`
//! indices (16 bytes per nonzero with an `f64`); [`CsrMatrix32`] stores `u32` (12 bytes), as
//! C++ libraries do, so the same product moves a quarter fewer bytes.
//!
//! # The kernel
//! [`rows`] computes `yᵢ = Σₖ A[i, colₖ]·x[colₖ]` with the terms added in storage order, one
//! accumulator per row, so every CSR type (and every `Par`) gives the same bits for the same
//! matrix. The structure is validated when a matrix is built (offsets non-decreasing up to the
//! number of nonzeros, every column below `ncols`), and the caller checks `x.len() == ncols`:
//! the inner loop then needs no bounds checks.

use rvf::ops::kernels::reduce2_leaf;
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real};

use super::operator::{check_apply, local_dot, LinearOperator, PRODUCT_WORK};
use crate::error::SolverError;

/// An index type of a CSR matrix (row offsets, column indices).
pub(crate) trait Index: Copy + Send + Sync {
    fn index(self) -> usize;
}

impl Index for usize {
    #[inline(always)]
    fn index(self) -> usize {
        self
    }
}

impl Index for u32 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

/// A validated CSR structure borrowed from some matrix type.
#[derive(Clone, Copy)]
pub(crate) struct CsrView<'a, S, O, I> {
    pub nrows: usize,
    pub ncols: usize,
    offsets: &'a [O],
    cols: &'a [I],
    vals: &'a [S],
}

impl<'a, S: Real, O: Index, I: Index> CsrView<'a, S, O, I> {
    /// Checks the structure: `nrows + 1` offsets from 0, non-decreasing, ending at the number
    /// of nonzeros (the length of `cols` and `vals`), every column below `ncols`.
    pub fn new(
        nrows: usize,
        ncols: usize,
        offsets: &'a [O],
        cols: &'a [I],
        vals: &'a [S],
    ) -> Result<Self, &'static str> {
        if offsets.len() != nrows + 1 {
            return Err("row offsets must have nrows + 1 entries");
        }
        if offsets[0].index() != 0 || offsets.windows(2).any(|w| w[0].index() > w[1].index()) {
            return Err("row offsets must start at 0 and never decrease");
        }
        if offsets[nrows].index() != cols.len() || cols.len() != vals.len() {
            return Err("the last row offset, the column indices and the values must agree on the number of nonzeros");
        }
        if cols.iter().any(|c| c.index() >= ncols) {
            return Err("a column index is not below ncols");
        }
        Ok(Self {
            nrows,
            ncols,
            offsets,
            cols,
            vals,
        })
    }

    /// A structure that its matrix type already guarantees valid (nalgebra-sparse's
    /// constructors check exactly what [`new`](Self::new) checks); debug builds check again.
    ///
    /// # Safety
    /// The structure must satisfy [`new`](Self::new)'s conditions.
    pub unsafe fn new_unchecked(
        nrows: usize,
        ncols: usize,
        offsets: &'a [O],
        cols: &'a [I],
        vals: &'a [S],
    ) -> Self {
        debug_assert!(Self::new(nrows, ncols, offsets, cols, vals).is_ok());
        Self {
            nrows,
            ncols,
            offsets,
            cols,
            vals,
        }
    }

    /// Average nonzeros per row, the work unit for row blocks.
    fn work_per_row(&self) -> usize {
        self.vals.len() / self.nrows.max(1)
    }

    /// `y ← A·x` in row blocks under `par`.
    pub fn apply(&self, what: &'static str, par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        check_apply(what, self.nrows, self.ncols, x.len(), y.len());
        let work = self.work_per_row();
        y.with_slice_mut(|ys| match x.as_slice() {
            Some(xs) => {
                par.for_each_row_block(ys, work, |first, block| self.rows(first, xs, block))
            }
            None => par.for_each_row_block(ys, work, |first, block| {
                self.rows_with(first, |j| x.get(j), block)
            }),
        });
    }

    /// `y ← A·x` and this process's part of `xᵀy`, for square matrices: over contiguous
    /// storage one sweep, each block of the fixed reduction tree multiplied and then dotted
    /// from cache ([`LinearOperator::apply_dot_local`]).
    pub fn apply_dot(
        &self,
        what: &'static str,
        par: Par,
        x: Local<'_, S>,
        mut y: LocalMut<'_, S>,
    ) -> S {
        check_apply(what, self.nrows, self.ncols, x.len(), y.len());
        assert_eq!(
            self.nrows, self.ncols,
            "{what}: xᵀ(A·x) needs a square matrix"
        );
        if let (Some(xs), LocalMut::Contiguous(ys)) = (x.as_slice(), &mut y) {
            let [dot] = par.reduce_blocks(0..self.nrows, PRODUCT_WORK, &mut ys[..], |rows, out| {
                self.rows(rows.start, xs, out);
                [reduce2_leaf(
                    Local::Contiguous(&xs[rows]),
                    Local::Contiguous(out),
                    &|a, b| a * b,
                )]
            });
            return dot;
        }
        self.apply(what, par, x, y.reborrow());
        local_dot(par, x, y.as_local())
    }

    /// `yᵢ ← (A·x)_{first + i}` for a block of rows, `x` contiguous of length `ncols`.
    ///
    /// # Panics
    /// If `x.len() != ncols` or the block runs past the last row.
    #[inline]
    pub fn rows(&self, first: usize, x: &[S], y: &mut [S]) {
        assert_eq!(x.len(), self.ncols, "CSR product: x has the wrong length");
        let offsets = &self.offsets[first..=first + y.len()];
        for (i, yi) in y.iter_mut().enumerate() {
            let (lo, hi) = (offsets[i].index(), offsets[i + 1].index());
            let mut s = S::zero();
            for k in lo..hi {
                // SAFETY: `lo ≤ hi ≤ nnz = cols.len() = vals.len()` and every column is below
                // `ncols = x.len()`, both checked when the view was made (or guaranteed by the
                // matrix type) and asserted above for `x`.
                unsafe {
                    let c = self.cols.get_unchecked(k).index();
                    s += *self.vals.get_unchecked(k) * *x.get_unchecked(c);
                }
            }
            *yi = s;
        }
    }

    /// As [`rows`](Self::rows), reading `x` through `get` (strided storage), in the same order.
    #[inline]
    fn rows_with(&self, first: usize, get: impl Fn(usize) -> S, y: &mut [S]) {
        let offsets = &self.offsets[first..=first + y.len()];
        for (yi, w) in y.iter_mut().zip(offsets.windows(2)) {
            let (lo, hi) = (w[0].index(), w[1].index());
            let mut s = S::zero();
            for (c, &v) in self.cols[lo..hi].iter().zip(&self.vals[lo..hi]) {
                s += v * get(c.index());
            }
            *yi = s;
        }
    }

    /// `y ← Aᵀ·x`: a scatter row by row, `y[colₖ] += A[i, colₖ]·xᵢ`, in row order on the
    /// calling thread (a parallel scatter would need a buffer per thread and would change the
    /// order of the additions).
    pub fn apply_transpose(&self, what: &'static str, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        check_apply(what, self.ncols, self.nrows, x.len(), y.len());
        y.with_slice_mut(|ys| {
            ys.fill(S::zero());
            for (i, w) in self.offsets.windows(2).enumerate() {
                let (lo, hi) = (w[0].index(), w[1].index());
                let xi = x.get(i);
                for (c, &v) in self.cols[lo..hi].iter().zip(&self.vals[lo..hi]) {
                    ys[c.index()] += v * xi;
                }
            }
        });
    }

    /// The diagonal, `min(nrows, ncols)` entries: the sum of a row's entries stored in its
    /// diagonal column (zero if none, several if duplicated).
    pub fn diagonal(&self) -> Vec<S> {
        (0..self.nrows.min(self.ncols))
            .map(|i| {
                (self.offsets[i].index()..self.offsets[i + 1].index())
                    .filter(|&k| self.cols[k].index() == i)
                    .fold(S::zero(), |d, k| d + self.vals[k])
            })
            .collect()
    }
}

/// A sparse matrix in compressed sparse row form with 32-bit column indices: the CSR operator
/// that moves the fewest bytes per product. A product reads a value and a column index per
/// nonzero; with `u32` indices that is 12 bytes where nalgebra-sparse's `usize` indices make
/// it 16, so the same product moves a quarter fewer bytes. Every CSR type shares one product
/// kernel (terms added in storage order: the same bits for the same matrix, for every `Par`).
///
/// Build it from its parts, or convert a nalgebra-sparse `CsrMatrix` once (feature `sparse`).
/// It is a [`LinearOperator`] with row-block parallel products under `Par::Rayon` and a
/// transpose, and gives the same bits as the `CsrMatrix` it came from.
///
/// ```
/// use rvf_algorithms::linear::{cg, CgParams, CsrMatrix32, LinearOperator};
/// // The 1-D Laplacian tridiag(−1, 2, −1) of size 4.
/// let a = CsrMatrix32::try_from_parts(
///     4,
///     4,
///     vec![0, 2, 5, 8, 10],
///     vec![0, 1, 0, 1, 2, 1, 2, 3, 2, 3],
///     vec![2.0, -1.0, -1.0, 2.0, -1.0, -1.0, 2.0, -1.0, -1.0, 2.0],
/// )
/// .unwrap();
/// let b = vec![1.0_f64; 4];
/// let mut x = vec![0.0; 4];
/// cg(&a, &b, &mut x, &CgParams { rel_tol: 1e-14, ..Default::default() }).unwrap();
/// // −u'' = 1 with u = 0 at both ends: x = (2, 3, 3, 2), exact for this scheme.
/// for (xi, e) in x.iter().zip([2.0, 3.0, 3.0, 2.0]) {
///     assert!((xi - e).abs() < 1e-12);
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CsrMatrix32<S> {
    nrows: usize,
    ncols: usize,
    row_offsets: Vec<u32>,
    col_indices: Vec<u32>,
    values: Vec<S>,
}

impl<S: Real> CsrMatrix32<S> {
    /// A matrix from its CSR arrays: `row_offsets` (`nrows + 1` entries from 0, never
    /// decreasing, the last one the number of nonzeros), the column of each nonzero (below
    /// `ncols`, in any order within a row) and its value. Duplicate entries are allowed and
    /// add up. Both index arrays are 32-bit, so the matrix holds fewer than 2³² nonzeros and
    /// at most 2³² columns.
    ///
    /// # Errors
    /// [`SolverError::InvalidParameter`] naming what is wrong with the structure.
    pub fn try_from_parts(
        nrows: usize,
        ncols: usize,
        row_offsets: Vec<u32>,
        col_indices: Vec<u32>,
        values: Vec<S>,
    ) -> Result<Self, SolverError> {
        if ncols > u32::MAX as usize + 1 {
            return Err(invalid(
                "ncols",
                ncols,
                "at most 2³² columns for 32-bit indices",
            ));
        }
        CsrView::new(nrows, ncols, &row_offsets, &col_indices, &values)
            .map_err(|why| invalid("CSR structure", nrows, why))?;
        Ok(Self {
            nrows,
            ncols,
            row_offsets,
            col_indices,
            values,
        })
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// The row offsets (`nrows + 1` entries).
    pub fn row_offsets(&self) -> &[u32] {
        &self.row_offsets
    }

    /// The column index of each stored entry.
    pub fn col_indices(&self) -> &[u32] {
        &self.col_indices
    }

    /// The value of each stored entry.
    pub fn values(&self) -> &[S] {
        &self.values
    }

    fn view(&self) -> CsrView<'_, S, u32, u32> {
        // SAFETY: validated by `try_from_parts` (or the conversion), and never mutated since.
        unsafe {
            CsrView::new_unchecked(
                self.nrows,
                self.ncols,
                &self.row_offsets,
                &self.col_indices,
                &self.values,
            )
        }
    }
}

fn invalid(name: &'static str, value: usize, requirement: &'static str) -> SolverError {
    SolverError::InvalidParameter {
        name,
        value: value as f64,
        requirement,
    }
}

#[cfg(feature = "sparse")]
impl<S: Real + nalgebra::Scalar> TryFrom<&nalgebra_sparse::CsrMatrix<S>> for CsrMatrix32<S> {
    type Error = SolverError;

    /// Converts once, copying the values and narrowing the indices.
    ///
    /// # Errors
    /// [`SolverError::InvalidParameter`] if the matrix has more than 2³² columns or 2³² − 1
    /// nonzeros.
    fn try_from(a: &nalgebra_sparse::CsrMatrix<S>) -> Result<Self, SolverError> {
        if a.ncols() > u32::MAX as usize + 1 {
            return Err(invalid(
                "ncols",
                a.ncols(),
                "at most 2³² columns for 32-bit indices",
            ));
        }
        if a.nnz() > u32::MAX as usize {
            return Err(invalid(
                "nnz",
                a.nnz(),
                "fewer than 2³² nonzeros for 32-bit offsets",
            ));
        }
        Ok(Self {
            nrows: a.nrows(),
            ncols: a.ncols(),
            // Every offset is at most nnz < 2³², so it fits.
            row_offsets: a.row_offsets().iter().map(|&o| o as u32).collect(),
            // Every column is below ncols ≤ 2³², so it fits.
            col_indices: a.col_indices().iter().map(|&c| c as u32).collect(),
            values: a.values().to_vec(),
        })
    }
}

impl<S: Real> LinearOperator<S> for CsrMatrix32<S> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }
    fn apply_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) {
        self.view().apply("CsrMatrix32", par, x, y);
    }
    fn apply_dot_local(&self, par: Par, x: Local<'_, S>, y: LocalMut<'_, S>) -> S {
        self.view().apply_dot("CsrMatrix32", par, x, y)
    }
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.apply_transpose_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y))
    }
    fn apply_transpose_local(
        &self,
        _par: Par,
        x: Local<'_, S>,
        y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        self.view().apply_transpose("CsrMatrix32 (transpose)", x, y);
        Ok(())
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        Some(self.view().diagonal())
    }
}
