//! Arena clones: RVF's `arena_clone` customization point, with a fallback.

use super::scope::Scope;
use super::vec::ArenaVec;
use super::ArenaError;
use crate::ops::{RealVector, RealVectorMut};
use crate::vector::StackVector;
use crate::Real;

/// Vectors that can make a deep copy of themselves in an arena scope.
///
/// Contiguous vectors copy into an [`ArenaVec`]. A type whose storage cannot live in an arena
/// (a GPU buffer, a file-backed vector) opts into the fallback, an ordinary clone, with
/// [`impl_arena_clone_fallback!`](crate::impl_arena_clone_fallback). Either way the copy holds
/// the source's values and never aliases it.
///
/// ```
/// use rvf::prelude::*;
///
/// /// A vector type that keeps its elements on the heap and has no arena support.
/// #[derive(Clone, Debug)]
/// struct Heap(Vec<f64>);
/// impl RealVector for Heap {
///     type Scalar = f64;
///     fn local(&self) -> Local<'_, f64> { Local::Contiguous(&self.0) }
/// }
/// impl RealVectorMut for Heap {
///     fn local_mut(&mut self) -> LocalMut<'_, f64> { LocalMut::Contiguous(&mut self.0) }
/// }
/// rvf::impl_arena_clone_fallback!(Heap);
///
/// let arena = MemoryArena::new(1024);
/// let scope = arena.create_scope();
/// let h = Heap(vec![1.0, 2.0]);
/// let copy: Heap = arena_clone(&h, &scope).unwrap(); // the fallback: a plain clone
/// let v = vec![3.0, 4.0];
/// let temp: ArenaVec<f64> = arena_clone(&v, &scope).unwrap(); // in the arena
/// assert_eq!(copy.inner_product(&temp), 11.0);
/// ```
pub trait ArenaClone: RealVector {
    /// The type of the copy; it may borrow the scope for `'s`.
    type Temp<'s>: RealVectorMut<Scalar = Self::Scalar>
    where
        Self: 's;

    /// A deep copy of `self` allocated in `scope` (or, for the fallback, on the heap).
    ///
    /// # Errors
    /// The arena errors of [`Scope::alloc_uninit`].
    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's;
}

/// A deep copy of `v` in `scope`: RVF's `arena_clone(v, arena)`.
///
/// # Errors
/// The arena errors of [`Scope::alloc_uninit`].
#[inline]
pub fn arena_clone<'s, V: ArenaClone + ?Sized + 's>(
    v: &V,
    scope: &'s Scope<'_>,
) -> Result<V::Temp<'s>, ArenaError> {
    v.arena_clone(scope)
}

/// `len` zeros of type `T` in `scope`: RVF's `arena_allocate<T>(arena, n)`.
///
/// # Errors
/// [`ArenaError::SizeOverflow`] if `len · size_of::<T>()` overflows, and the errors of
/// [`Scope::allocate`].
#[inline]
pub fn arena_allocate<'s, T: Real>(
    scope: &'s Scope<'_>,
    len: usize,
) -> Result<ArenaVec<'s, T>, ArenaError> {
    scope.alloc_zeroed(len)
}

/// Bytes an arena needs for `steps` steps that each keep `vectors_per_step` copies of
/// `template` alive, saturating at `usize::MAX`. Each copy is counted as the arena stores it:
/// rounded up to a multiple of 8 bytes (an arena with the default, natural alignment then
/// holds exactly this many copies in one chunk of this size).
///
/// With a scope per step, memory is reused from one step to the next: pass `steps = 1`.
///
/// ```
/// use rvf::arena::estimate_arena_size;
/// use rvf::prelude::*;
/// let x = vec![0.0_f64; 1000];
/// assert_eq!(estimate_arena_size(&x, 5, 1), 40_000);
/// assert_eq!(estimate_arena_size(&x, 5, 10), 400_000);
/// // 1001 f32 take 4004 bytes, stored as 4008: five copies fit an arena of the estimate.
/// let y = vec![0.0_f32; 1001];
/// let arena = rvf::arena::MemoryArena::builder()
///     .capacity(estimate_arena_size(&y, 5, 1))
///     .growth(rvf::arena::GrowthPolicy::FixedSize)
///     .build()
///     .unwrap();
/// let scope = arena.create_scope();
/// let copies: Vec<_> = (0..5).map(|_| scope.clone_of(&y)).collect();
/// assert!(copies.iter().all(|c| c.is_ok()));
/// ```
pub fn estimate_arena_size<V: RealVector + ?Sized>(
    template: &V,
    vectors_per_step: usize,
    steps: usize,
) -> usize {
    let element = core::mem::size_of::<V::Scalar>();
    let bytes = template.local().len().saturating_mul(element);
    // The arena keeps every allocation a multiple of its 8-byte quantum.
    let stored = bytes.saturating_add(7) & !7;
    stored
        .saturating_mul(vectors_per_step)
        .saturating_mul(steps)
}

/// Copies any contiguous-or-strided vector into an [`ArenaVec`].
#[inline]
fn copy_into_arena<'s, V: RealVector + ?Sized>(
    v: &V,
    scope: &'s Scope<'_>,
) -> Result<ArenaVec<'s, V::Scalar>, ArenaError> {
    let local = v.local();
    let mut copy = scope.alloc_uninit(local.len())?;
    super::uninit::write_local(&mut copy, local);
    // SAFETY: every element was copied from an initialised value.
    Ok(unsafe { copy.assume_init() })
}

macro_rules! impl_arena_clone_into_arena_vec {
    ($(impl[$($gen:tt)*] $ty:ty;)+) => {$(
        impl<$($gen)*> ArenaClone for $ty {
            type Temp<'s> = ArenaVec<'s, T> where Self: 's;
            #[inline]
            fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<ArenaVec<'s, T>, ArenaError>
            where
                Self: 's,
            {
                copy_into_arena(self, scope)
            }
        }
    )+};
}

impl_arena_clone_into_arena_vec! {
    impl[T: Real] Vec<T>;
    impl[T: Real] [T];
    impl[T: Real] Box<[T]>;
    impl[T: Real, const N: usize] [T; N];
    impl[T: Real, const N: usize] StackVector<T, N>;
    impl['a, T: Real] ArenaVec<'a, T>;
}

/// Implements [`ArenaClone`] for types without arena support: the "arena clone" is the type's
/// ordinary `Clone`. The types must implement [`RealVectorMut`] and `Clone`.
#[macro_export]
macro_rules! impl_arena_clone_fallback {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::arena::ArenaClone for $ty {
            type Temp<'s> = $ty where Self: 's;
            #[inline]
            fn arena_clone<'s>(
                &self,
                _scope: &'s $crate::arena::Scope<'_>,
            ) -> ::core::result::Result<$ty, $crate::arena::ArenaError>
            where
                Self: 's,
            {
                ::core::result::Result::Ok(::core::clone::Clone::clone(self))
            }
        }
    )+};
}
