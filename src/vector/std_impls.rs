//! The operation traits for `Vec<T>`, `[T]`, `Box<[T]>` and `[T; N]`.

use crate::ops::{CloneVector, Local, LocalMut, RealVector, RealVectorMut};
use crate::Real;

macro_rules! impl_contiguous {
    ($(impl[$($gen:tt)*] $ty:ty;)+) => {$(
        impl<$($gen)*> RealVector for $ty {
            type Scalar = T;
            #[inline]
            fn local(&self) -> Local<'_, T> {
                Local::Contiguous(&self[..])
            }
        }

        impl<$($gen)*> RealVectorMut for $ty {
            #[inline]
            fn local_mut(&mut self) -> LocalMut<'_, T> {
                LocalMut::Contiguous(&mut self[..])
            }
        }
    )+};
}

impl_contiguous! {
    impl[T: Real] Vec<T>;
    impl[T: Real] [T];
    impl[T: Real] Box<[T]>;
    impl[T: Real, const N: usize] [T; N];
}

impl<T: Real> CloneVector for Vec<T> {
    type Owned = Vec<T>;
    #[inline]
    fn clone_vector(&self) -> Vec<T> {
        self.clone()
    }
}

impl<T: Real> CloneVector for [T] {
    type Owned = Vec<T>;
    #[inline]
    fn clone_vector(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Real> CloneVector for Box<[T]> {
    type Owned = Box<[T]>;
    #[inline]
    fn clone_vector(&self) -> Box<[T]> {
        self.clone()
    }
}

impl<T: Real, const N: usize> CloneVector for [T; N] {
    type Owned = [T; N];
    #[inline]
    fn clone_vector(&self) -> [T; N] {
        *self
    }
}
