//! [`SharedVec`]: a fixed-length vector in a [`SharedArena`], movable between threads.

use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;

use super::SharedArena;

/// A fixed-length vector whose elements live in a [`SharedArena`].
///
/// It borrows the arena, so it cannot outlive it or a [`reset`](SharedArena::reset). It is
/// `Send` and `Sync` when `T` is (it owns its elements like a `Box<[T]>`), dereferences to a
/// slice and implements every vector operation (and `approx`'s comparisons).
///
/// ```
/// use rvf::arena::SharedArena;
/// use rvf::prelude::*;
/// let arena = SharedArena::new(4096);
/// let mut v = arena.alloc_slice_copy(&[3.0, 4.0]).unwrap();
/// let w = std::thread::scope(|s| s.spawn(move || { v.scale_in_place(2.0); v }).join().unwrap());
/// assert_eq!(w.l2norm(), 10.0);
/// ```
pub struct SharedVec<'a, T: Copy> {
    ptr: NonNull<T>,
    len: usize,
    arena: &'a SharedArena,
    _marker: PhantomData<&'a mut [T]>,
}

// SAFETY: a `SharedVec` owns its elements exclusively (nothing else points into its block),
// and its arena is `Sync`; so it may move to another thread when `T: Send`, and be shared
// when `T: Sync`, exactly like `&mut [T]`. Dropping it on another thread only updates that
// thread's own buffer or an atomic count (see `SharedArena::release`).
unsafe impl<T: Copy + Send> Send for SharedVec<'_, T> {}
// SAFETY: see above; `&SharedVec` gives only `&[T]`.
unsafe impl<T: Copy + Sync> Sync for SharedVec<'_, T> {}

impl<'a, T: Copy> SharedVec<'a, T> {
    /// Turns the vector into a plain mutable slice for as long as the arena borrow; its space
    /// then comes back only with [`reset`](SharedArena::reset).
    #[inline]
    pub fn leak(self) -> &'a mut [T] {
        let me = ManuallyDrop::new(self);
        // SAFETY: the memory stays valid for 'a and is exclusively owned by `me`, which is
        // never dropped, so the returned borrow is the only access.
        unsafe { core::slice::from_raw_parts_mut(me.ptr.as_ptr(), me.len) }
    }
}

impl<T: Copy> Drop for SharedVec<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.arena
            .release(self.ptr.cast(), core::mem::size_of_val(self.as_slice()));
    }
}

crate::arena::vec::impl_slice_vector!(SharedVec, SharedArena);
