//! A small dense row-major matrix, the operand of [`matvec`](crate::RealVectorMut::matvec).

use core::fmt;

use crate::Real;

/// The shape and data length given to [`DenseMatrix::from_row_major`] disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeError {
    /// Rows asked for.
    pub rows: usize,
    /// Columns asked for.
    pub cols: usize,
    /// Elements given.
    pub len: usize,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a {}×{} matrix needs {} elements, got {}",
            self.rows,
            self.cols,
            self.rows.saturating_mul(self.cols),
            self.len
        )
    }
}

impl std::error::Error for ShapeError {}

/// A dense matrix stored row by row.
///
/// ```
/// use rvf::prelude::*;
/// let a = DenseMatrix::from_row_major(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
/// let x = [1.0, 0.0, -1.0];
/// let mut y = vec![0.0; 2];
/// y.matvec(&a, &x);
/// assert_eq!(y, [-2.0, -2.0]);
/// ```
#[derive(Clone, PartialEq)]
pub struct DenseMatrix<S> {
    rows: usize,
    cols: usize,
    data: Vec<S>,
}

impl<S: Real> DenseMatrix<S> {
    /// A `rows × cols` matrix of zeros.
    ///
    /// # Panics
    /// If `rows · cols` overflows `usize`.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        let len = rows
            .checked_mul(cols)
            .unwrap_or_else(|| panic!("DenseMatrix::zeros: {rows}×{cols} overflows usize"));
        Self {
            rows,
            cols,
            data: vec![S::zero(); len],
        }
    }

    /// A matrix from its elements in row-major order, or an error if `data.len() != rows·cols`.
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<S>) -> Result<Self, ShapeError> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(ShapeError {
                rows,
                cols,
                len: data.len(),
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// A matrix whose element `(i, j)` is `f(i, j)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> S) -> Self {
        let mut m = Self::zeros(rows, cols);
        for i in 0..rows {
            for j in 0..cols {
                m.data[i * cols + j] = f(i, j);
            }
        }
        m
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Self {
        Self::from_fn(n, n, |i, j| if i == j { S::one() } else { S::zero() })
    }

    /// Number of rows.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The elements in row-major order.
    #[inline]
    pub fn as_slice(&self) -> &[S] {
        &self.data
    }

    /// The elements in row-major order, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [S] {
        &mut self.data
    }

    /// Row `i`.
    ///
    /// # Panics
    /// If `i >= rows`.
    #[inline]
    pub fn row(&self, i: usize) -> &[S] {
        assert!(i < self.rows, "DenseMatrix::row: row {i} of {}", self.rows);
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Iterates over the rows.
    #[inline]
    pub fn row_iter(&self) -> impl Iterator<Item = &[S]> + '_ {
        // `chunks_exact(0)` panics, and a matrix with no columns has `rows` empty rows.
        (0..self.rows).map(move |i| &self.data[i * self.cols..(i + 1) * self.cols])
    }

    /// Element `(i, j)`.
    ///
    /// # Panics
    /// If the index is out of bounds.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> S {
        assert!(
            i < self.rows && j < self.cols,
            "DenseMatrix::get: ({i}, {j}) outside {}×{}",
            self.rows,
            self.cols
        );
        self.data[i * self.cols + j]
    }

    /// Sets element `(i, j)`.
    ///
    /// # Panics
    /// If the index is out of bounds.
    #[inline]
    pub fn set(&mut self, i: usize, j: usize, value: S) {
        assert!(
            i < self.rows && j < self.cols,
            "DenseMatrix::set: ({i}, {j}) outside {}×{}",
            self.rows,
            self.cols
        );
        self.data[i * self.cols + j] = value;
    }
}

impl<S: Real> fmt::Debug for DenseMatrix<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DenseMatrix")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("data", &self.data)
            .finish()
    }
}
