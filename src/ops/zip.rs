//! Inputs of the variadic element-wise map [`zip_in_place`](super::RealVectorMut::zip_in_place).

use super::local::Local;
use super::vector::RealVector;
use crate::Real;

/// A fixed number `N` of input vectors with scalar `S`: a tuple of references to vectors of
/// possibly different types, or an array of references of one type.
pub trait ZipInputs<S: Real, const N: usize> {
    /// The local views of the inputs, in order.
    fn locals(&self) -> [Local<'_, S>; N];

    /// The (global) dimensions of the inputs, in order.
    fn dimensions(&self) -> [usize; N];
}

impl<S: Real, V: RealVector<Scalar = S> + ?Sized, const N: usize> ZipInputs<S, N> for [&V; N] {
    #[inline]
    fn locals(&self) -> [Local<'_, S>; N] {
        core::array::from_fn(|k| self[k].local())
    }
    #[inline]
    fn dimensions(&self) -> [usize; N] {
        core::array::from_fn(|k| self[k].dimension())
    }
}

macro_rules! impl_zip_inputs_for_tuple {
    ($n:literal; $($name:ident $idx:tt),+) => {
        impl<'a, S: Real, $($name: RealVector<Scalar = S> + ?Sized),+> ZipInputs<S, $n>
            for ($(&'a $name,)+)
        {
            #[inline]
            fn locals(&self) -> [Local<'_, S>; $n] {
                [$(self.$idx.local()),+]
            }
            #[inline]
            fn dimensions(&self) -> [usize; $n] {
                [$(self.$idx.dimension()),+]
            }
        }
    };
}

impl_zip_inputs_for_tuple!(1; A 0);
impl_zip_inputs_for_tuple!(2; A 0, B 1);
impl_zip_inputs_for_tuple!(3; A 0, B 1, C 2);
impl_zip_inputs_for_tuple!(4; A 0, B 1, C 2, D 3);
impl_zip_inputs_for_tuple!(5; A 0, B 1, C 2, D 3, E 4);
impl_zip_inputs_for_tuple!(6; A 0, B 1, C 2, D 3, E 4, F 5);
impl_zip_inputs_for_tuple!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
impl_zip_inputs_for_tuple!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
