//! RVF's `clone`: a deep copy that never aliases its source.

use super::vector::RealVector;
use super::vector_mut::RealVectorMut;

/// A deep copy into an owned vector.
///
/// For owned types the copy has the same type (`Vec<T>` → `Vec<T>`); for borrowed storage
/// (slices, views, arena vectors) it is the matching owned type. The copy never shares
/// storage with its source: writing to one leaves the other unchanged.
///
/// ```
/// use rvf::prelude::*;
/// let x = vec![1.0, 2.0];
/// let mut y = x.clone_vector();
/// y.scale_in_place(3.0);
/// assert_eq!(x, [1.0, 2.0]);
/// assert_eq!(y, [3.0, 6.0]);
/// ```
pub trait CloneVector: RealVector {
    /// The owned type of a copy.
    type Owned: RealVectorMut<Scalar = Self::Scalar>;

    /// A deep copy of `self`.
    fn clone_vector(&self) -> Self::Owned;
}
