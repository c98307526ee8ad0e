//! The RVF operation set as traits.
//!
//! - [`RealVector`]: dimension, reductions (inner product, norms, sum, min, max).
//! - [`RealVectorMut`]: in-place operations (fill, scale, axpy, axpby, copy, element-wise
//!   maps, relu, softmax, layer norm, matvec).
//! - [`CloneVector`]: deep copies.
//!
//! Implementors provide only access to their storage ([`Local`]/[`LocalMut`]) and, for
//! distributed vectors, the reductions; every operation comes with the traits.

pub mod blocks;
mod clone;
mod error;
mod exact;
mod gather;
pub mod kernels;
mod local;
mod vector;
mod vector_mut;
mod zip;

pub use clone::CloneVector;
pub use error::{assert_dims, check_dims, DimensionMismatch};
pub use exact::{exact_reduce1, exact_reduce2, ExactSum, Summation, WORDS};
pub use local::{
    Local, LocalIter, LocalIterMut, LocalMut, Strided, StridedIter, StridedIterMut, StridedMut,
};
pub use vector::RealVector;
pub use vector_mut::RealVectorMut;
pub use zip::ZipInputs;
