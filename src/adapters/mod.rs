//! The operation traits for other libraries' vectors, and for user wrappers around them.
//!
//! - [`VectorWrapper`]: a newtype around any vector gets every operation by exposing its inner
//!   vector.
//! - [`Reproducible`]: any vector with exact, rounded-once reductions, bitwise independent of
//!   threads and processes.
//! - `nalgebra` (feature `nalgebra`): every column vector `Matrix<T, R, U1, S>`: `DVector`,
//!   `SVector`, and their views, strided ones included. Arena clones are
//!   `MatrixViewMut`s over arena memory.
//! - `ndarray` (feature `ndarray`): every one-dimensional `ArrayBase`: `Array1`,
//!   `ArrayView1`, `ArrayViewMut1`, with any stride (negative too). Arena clones are
//!   `ArrayViewMut1`s over arena memory.
//!
//! The operations run rvf's kernels on the libraries' memory: contiguous storage takes the
//! slice path, strided storage the strided path, never a copy.

#[cfg(feature = "nalgebra")]
mod nalgebra;
#[cfg(feature = "ndarray")]
mod ndarray;
mod reproducible;
mod wrapper;

pub use reproducible::Reproducible;
pub use wrapper::VectorWrapper;
