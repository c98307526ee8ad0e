//! [`VectorWrapper`]: every operation for a newtype by exposing its inner vector.

use crate::arena::{ArenaClone, ArenaError, Scope};
use crate::ops::{ExactSum, Local, LocalMut, RealVector, RealVectorMut, Summation};

/// A type that wraps a vector. Implementing this one trait gives the wrapper every vector
/// operation and arena clones, all delegated to the inner vector.
///
/// ```
/// use rvf::adapters::VectorWrapper;
/// use rvf::prelude::*;
///
/// /// A velocity field with its own methods, stored in a `Vec`.
/// struct Velocity(Vec<f64>);
/// impl VectorWrapper for Velocity {
///     type Inner = Vec<f64>;
///     fn inner(&self) -> &Vec<f64> { &self.0 }
///     fn inner_mut(&mut self) -> &mut Vec<f64> { &mut self.0 }
/// }
///
/// let mut v = Velocity(vec![3.0, 4.0]);
/// assert_eq!(v.l2norm(), 5.0);
/// v.axpy_in_place(1.0, &[1.0, 1.0]);
/// assert_eq!(v.0, [4.0, 5.0]);
/// ```
pub trait VectorWrapper {
    /// The wrapped vector type.
    type Inner: RealVectorMut + ?Sized;
    /// The wrapped vector.
    fn inner(&self) -> &Self::Inner;
    /// The wrapped vector, mutably.
    fn inner_mut(&mut self) -> &mut Self::Inner;
}

impl<W: VectorWrapper + ?Sized> RealVector for W {
    type Scalar = <W::Inner as RealVector>::Scalar;
    #[inline]
    fn local(&self) -> Local<'_, Self::Scalar> {
        self.inner().local()
    }
    #[inline]
    fn dimension(&self) -> usize {
        self.inner().dimension()
    }
    #[inline]
    fn global_offset(&self) -> usize {
        self.inner().global_offset()
    }
    #[inline]
    fn summation(&self) -> Summation {
        self.inner().summation()
    }
    #[inline]
    fn reduce_exact<const K: usize>(&self, partials: [ExactSum; K]) -> [Self::Scalar; K] {
        self.inner().reduce_exact(partials)
    }
    #[inline]
    fn reduce_sum(&self, partial: Self::Scalar) -> Self::Scalar {
        self.inner().reduce_sum(partial)
    }
    #[inline]
    fn reduce_sums<const K: usize>(&self, partials: [Self::Scalar; K]) -> [Self::Scalar; K] {
        self.inner().reduce_sums(partials)
    }
    #[inline]
    fn reduce_max(&self, partial: Self::Scalar) -> Self::Scalar {
        self.inner().reduce_max(partial)
    }
    #[inline]
    fn reduce_min(&self, partial: Self::Scalar) -> Self::Scalar {
        self.inner().reduce_min(partial)
    }
}

impl<W: VectorWrapper + ?Sized> RealVectorMut for W {
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, Self::Scalar> {
        self.inner_mut().local_mut()
    }
}

impl<W> ArenaClone for W
where
    W: VectorWrapper + ?Sized,
    W::Inner: ArenaClone,
{
    type Temp<'s>
        = <W::Inner as ArenaClone>::Temp<'s>
    where
        Self: 's;
    #[inline]
    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's,
    {
        self.inner().arena_clone(scope)
    }
}
