//! [`StackVector`]: a fixed-capacity vector stored inline, with no heap allocation.

use core::fmt;
use core::ops::{Deref, DerefMut};

use crate::ops::{CloneVector, Local, LocalMut, RealVector, RealVectorMut};
use crate::Real;

/// A [`StackVector`] was asked to hold more than its capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityError {
    /// Elements asked for.
    pub requested: usize,
    /// The fixed capacity `N`.
    pub capacity: usize,
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "StackVector: {} elements requested, capacity is {}",
            self.requested, self.capacity
        )
    }
}

impl std::error::Error for CapacityError {}

/// A vector of up to `N` elements stored inline (on the stack when it is a local variable).
///
/// For small inner-loop temporaries of known maximum size: creating one never allocates.
///
/// ```
/// use rvf::prelude::*;
/// let mut v = StackVector::<f64, 4>::from_slice(&[3.0, 4.0]).unwrap();
/// assert_eq!(v.l2norm(), 5.0);
/// v.scale_in_place(2.0);
/// assert_eq!(&v[..], &[6.0, 8.0]);
/// assert!(StackVector::<f64, 4>::zeros(5).is_err());
/// ```
#[derive(Clone, Copy)]
pub struct StackVector<T, const N: usize> {
    data: [T; N],
    len: usize,
}

impl<T: Real, const N: usize> StackVector<T, N> {
    /// The capacity `N`.
    pub const CAPACITY: usize = N;

    /// A vector of `len` zeros, or an error if `len > N`.
    pub fn zeros(len: usize) -> Result<Self, CapacityError> {
        if len > N {
            return Err(CapacityError {
                requested: len,
                capacity: N,
            });
        }
        Ok(Self {
            data: [T::zero(); N],
            len,
        })
    }

    /// A copy of `values`, or an error if it has more than `N` elements.
    pub fn from_slice(values: &[T]) -> Result<Self, CapacityError> {
        let mut v = Self::zeros(values.len())?;
        v.data[..values.len()].copy_from_slice(values);
        Ok(v)
    }

    /// Appends an element, or returns an error when full.
    pub fn push(&mut self, value: T) -> Result<(), CapacityError> {
        if self.len == N {
            return Err(CapacityError {
                requested: N + 1,
                capacity: N,
            });
        }
        self.data[self.len] = value;
        self.len += 1;
        Ok(())
    }

    /// The elements as a slice.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.data[..self.len]
    }

    /// The elements as a mutable slice.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data[..self.len]
    }
}

impl<T: Real, const N: usize> Deref for StackVector<T, N> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Real, const N: usize> DerefMut for StackVector<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T: Real, const N: usize> fmt::Debug for StackVector<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: Real, const N: usize> PartialEq for StackVector<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Real, const N: usize> RealVector for StackVector<T, N> {
    type Scalar = T;
    #[inline]
    fn local(&self) -> Local<'_, T> {
        Local::Contiguous(self.as_slice())
    }
}

impl<T: Real, const N: usize> RealVectorMut for StackVector<T, N> {
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, T> {
        LocalMut::Contiguous(self.as_mut_slice())
    }
}

impl<T: Real, const N: usize> CloneVector for StackVector<T, N> {
    type Owned = Self;
    #[inline]
    fn clone_vector(&self) -> Self {
        *self
    }
}
