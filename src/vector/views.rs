//! The operation traits for the local views themselves, so code that receives a
//! [`Local`]/[`LocalMut`] (an operator's `apply_local`, say) can run every operation on it.
//!
//! A view is this process's storage only: its reductions are local (no communication), which
//! is what code holding a view of a distributed vector's local block wants.

use crate::ops::{Local, LocalMut, RealVector, RealVectorMut};
use crate::Real;

/// ```
/// use rvf::prelude::*;
/// let x = vec![3.0, 4.0];
/// assert_eq!(x.local().l2norm(), 5.0);
/// ```
impl<T: Real> RealVector for Local<'_, T> {
    type Scalar = T;
    #[inline]
    fn local(&self) -> Local<'_, T> {
        *self
    }
}

impl<T: Real> RealVector for LocalMut<'_, T> {
    type Scalar = T;
    #[inline]
    fn local(&self) -> Local<'_, T> {
        self.as_local()
    }
}

/// ```
/// use rvf::prelude::*;
/// let mut y = vec![1.0, 2.0];
/// y.local_mut().axpy_in_place(2.0, &[1.0, 1.0]);
/// assert_eq!(y, [3.0, 4.0]);
/// ```
impl<T: Real> RealVectorMut for LocalMut<'_, T> {
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, T> {
        self.reborrow()
    }
}
