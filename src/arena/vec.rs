//! [`ArenaVec`]: a fixed-length vector whose elements live in an arena scope.

use core::marker::PhantomData;
use core::ptr::NonNull;

use super::memory_arena::MemoryArena;

/// A fixed-length vector stored in a [`Scope`](super::Scope) of a [`MemoryArena`].
///
/// It borrows its scope for `'s`, so it cannot outlive it. It dereferences to a slice and
/// implements every vector operation, so it mixes freely with `Vec`s and other vectors:
///
/// ```
/// use rvf::prelude::*;
/// let arena = MemoryArena::new(4096);
/// let scope = arena.create_scope();
/// let mut y = vec![1.0, 1.0, 1.0];
/// let t = scope.alloc_slice_copy(&[1.0, 2.0, 3.0]).unwrap();
/// y.axpy_in_place(2.0, &t);          // Vec += a·ArenaVec
/// let mut u = scope.clone_of(&y).unwrap();
/// u.axpy_in_place(-1.0, &y);         // ArenaVec += a·Vec
/// assert_eq!(y, [3.0, 5.0, 7.0]);
/// assert_eq!(u.l2norm(), 0.0);
/// ```
///
/// Elements are `Copy` (scalars, plain data): the arena releases memory in bulk without
/// running destructors. Dropping an `ArenaVec` gives its space back at once when it is the
/// most recent allocation of the innermost scope.
pub struct ArenaVec<'s, T: Copy> {
    ptr: NonNull<T>,
    len: usize,
    arena: &'s MemoryArena,
    _marker: PhantomData<&'s mut [T]>,
}

impl<'s, T: Copy> ArenaVec<'s, T> {
    /// Turns the vector into a plain mutable slice that lives as long as its scope borrow.
    /// Its space is then released only when the scope ends (not when the slice goes out of
    /// use), like `Box::leak`.
    ///
    /// ```
    /// use rvf::prelude::*;
    /// let arena = MemoryArena::new(1024);
    /// let scope = arena.create_scope();
    /// let s: &mut [f64] = scope.alloc_zeroed::<f64>(4).unwrap().leak();
    /// s[0] = 1.0;
    /// assert_eq!(s, &[1.0, 0.0, 0.0, 0.0]);
    /// ```
    #[inline]
    pub fn leak(self) -> &'s mut [T] {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: the memory stays valid for 's (constructor contract) and is exclusively owned
        // by `me`, which is never dropped, so the returned borrow is the only access.
        unsafe { core::slice::from_raw_parts_mut(me.ptr.as_ptr(), me.len) }
    }
}

impl<T: Copy> Drop for ArenaVec<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Elements are `Copy`, so there is nothing to destroy: only give the bytes back.
        self.arena
            .release_allocation(self.ptr.cast(), core::mem::size_of_val(self.as_slice()));
    }
}

// The slice-like surface both arena vector types share (this one and
// [`SharedVec`](super::SharedVec)): `Deref` to a slice, comparisons, `Debug`, the vector
// operations and `approx`. Each type keeps its own construction and `Drop`.
macro_rules! impl_slice_vector {
    ($ty:ident, $arena:ty) => {
        impl<'a, T: Copy> $ty<'a, T> {
            /// # Safety
            /// `ptr` must be valid for reads and writes of `len` initialised `T` (any bit
            /// pattern is fine for `MaybeUninit`), allocated by `arena` with size
            /// `len · size_of::<T>()`, owned by nothing else, and stay allocated for `'a`.
            #[inline]
            pub(crate) unsafe fn from_raw_parts(
                ptr: ::core::ptr::NonNull<T>,
                len: usize,
                arena: &'a $arena,
            ) -> Self {
                Self {
                    ptr,
                    len,
                    arena,
                    _marker: ::core::marker::PhantomData,
                }
            }

            /// The elements as a slice.
            #[inline]
            pub fn as_slice(&self) -> &[T] {
                // SAFETY: `ptr` is valid for `len` initialised elements for `'a`
                // (constructor contract), and `&self` forbids mutation.
                unsafe { ::core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
            }

            /// The elements as a mutable slice.
            #[inline]
            pub fn as_mut_slice(&mut self) -> &mut [T] {
                // SAFETY: as in `as_slice`, and `&mut self` makes the access exclusive.
                unsafe { ::core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
            }

            /// The arena the elements live in.
            #[inline]
            pub fn arena(&self) -> &'a $arena {
                self.arena
            }
        }

        impl<'a, T: Copy> $ty<'a, ::core::mem::MaybeUninit<T>> {
            /// Reinterprets the elements as initialised.
            ///
            /// # Safety
            /// Every element must have been written.
            #[inline]
            pub unsafe fn assume_init(self) -> $ty<'a, T> {
                let me = ::core::mem::ManuallyDrop::new(self);
                // SAFETY: `MaybeUninit<T>` has `T`'s layout, the caller vouches that every
                // element is initialised, and ownership moves to the new vector (`me` is
                // never dropped).
                unsafe { $ty::from_raw_parts(me.ptr.cast(), me.len, me.arena) }
            }
        }

        impl<T: Copy> ::core::ops::Deref for $ty<'_, T> {
            type Target = [T];
            #[inline]
            fn deref(&self) -> &[T] {
                self.as_slice()
            }
        }

        impl<T: Copy> ::core::ops::DerefMut for $ty<'_, T> {
            #[inline]
            fn deref_mut(&mut self) -> &mut [T] {
                self.as_mut_slice()
            }
        }

        impl<T: Copy + ::core::fmt::Debug> ::core::fmt::Debug for $ty<'_, T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_list().entries(self.as_slice()).finish()
            }
        }

        impl<T: Copy + PartialEq> PartialEq for $ty<'_, T> {
            fn eq(&self, other: &Self) -> bool {
                self.as_slice() == other.as_slice()
            }
        }

        impl<T: Copy + PartialEq> PartialEq<[T]> for $ty<'_, T> {
            fn eq(&self, other: &[T]) -> bool {
                self.as_slice() == other
            }
        }

        impl<T: Copy + PartialEq> PartialEq<Vec<T>> for $ty<'_, T> {
            fn eq(&self, other: &Vec<T>) -> bool {
                self.as_slice() == other.as_slice()
            }
        }

        impl<T: Copy + PartialEq, const N: usize> PartialEq<[T; N]> for $ty<'_, T> {
            fn eq(&self, other: &[T; N]) -> bool {
                self.as_slice() == other
            }
        }

        impl<T: $crate::Real> $crate::ops::RealVector for $ty<'_, T> {
            type Scalar = T;
            #[inline]
            fn local(&self) -> $crate::ops::Local<'_, T> {
                $crate::ops::Local::Contiguous(self.as_slice())
            }
        }

        impl<T: $crate::Real> $crate::ops::RealVectorMut for $ty<'_, T> {
            #[inline]
            fn local_mut(&mut self) -> $crate::ops::LocalMut<'_, T> {
                $crate::ops::LocalMut::Contiguous(self.as_mut_slice())
            }
        }

        impl<T: $crate::Real> $crate::ops::CloneVector for $ty<'_, T> {
            type Owned = Vec<T>;
            #[inline]
            fn clone_vector(&self) -> Vec<T> {
                self.as_slice().to_vec()
            }
        }

        impl<T: $crate::Real> ::approx::AbsDiffEq for $ty<'_, T> {
            type Epsilon = T;
            fn default_epsilon() -> T {
                T::default_epsilon()
            }
            fn abs_diff_eq(&self, other: &Self, epsilon: T) -> bool {
                self.len == other.len
                    && self
                        .iter()
                        .zip(other.iter())
                        .all(|(a, b)| a.abs_diff_eq(b, epsilon))
            }
        }

        impl<T: $crate::Real> ::approx::RelativeEq for $ty<'_, T> {
            fn default_max_relative() -> T {
                T::default_max_relative()
            }
            fn relative_eq(&self, other: &Self, epsilon: T, max_relative: T) -> bool {
                self.len == other.len
                    && self
                        .iter()
                        .zip(other.iter())
                        .all(|(a, b)| a.relative_eq(b, epsilon, max_relative))
            }
        }

        impl<T: $crate::Real> ::approx::UlpsEq for $ty<'_, T> {
            fn default_max_ulps() -> u32 {
                T::default_max_ulps()
            }
            fn ulps_eq(&self, other: &Self, epsilon: T, max_ulps: u32) -> bool {
                self.len == other.len
                    && self
                        .iter()
                        .zip(other.iter())
                        .all(|(a, b)| a.ulps_eq(b, epsilon, max_ulps))
            }
        }
    };
}
pub(crate) use impl_slice_vector;

impl_slice_vector!(ArenaVec, MemoryArena);
