//! [`Scope`]: an RAII region of an arena.

use core::mem::{align_of, MaybeUninit};
use core::ptr::NonNull;

use super::clone::ArenaClone;
use super::memory_arena::{Checkpoint, MemoryArena};
use super::stats::ScopeStatistics;
use super::vec::ArenaVec;
use super::{uninit, ArenaError};
use crate::ops::Local;
use num_traits::Zero;

/// A region of a [`MemoryArena`]: everything allocated through it is released when it is
/// dropped (RVF's `ScopedArena`).
///
/// Vectors allocated through a scope borrow it, so using one after its scope ends does not
/// compile:
///
/// ```compile_fail
/// use rvf::prelude::*;
/// let arena = MemoryArena::new(1024);
/// let escaped;
/// {
///     let scope = arena.create_scope();
///     escaped = scope.alloc_zeroed::<f64>(4).unwrap();
/// } // error: `scope` does not live long enough
/// println!("{:?}", escaped);
/// ```
///
/// Nor can a child scope's vector outlive the child:
///
/// ```compile_fail
/// use rvf::prelude::*;
/// let arena = MemoryArena::new(1024);
/// let outer = arena.create_scope();
/// let escaped;
/// {
///     let inner = outer.create_scope();
///     escaped = inner.alloc_zeroed::<f64>(4).unwrap();
/// }
/// println!("{:?}", escaped);
/// ```
///
/// Only the innermost live scope may allocate: while a child lives, allocating through its
/// parent is refused with [`ArenaError::ScopeNotInnermost`], because ending the child would
/// otherwise free the parent's memory.
///
/// ```
/// use rvf::prelude::*;
/// use rvf::arena::ArenaError;
/// let arena = MemoryArena::new(1024);
/// let outer = arena.create_scope();
/// let mut persistent = outer.alloc_zeroed::<f64>(4).unwrap();
/// for _ in 0..3 {
///     let inner = outer.create_scope();
///     let t = inner.alloc_with(4, |i| i as f64).unwrap();
///     persistent.add_in_place(&t);
///     assert!(matches!(outer.alloc_zeroed::<f64>(1), Err(ArenaError::ScopeNotInnermost { .. })));
/// }
/// assert_eq!(&persistent[..], &[0.0, 3.0, 6.0, 9.0]);
/// ```
pub struct Scope<'a> {
    arena: &'a MemoryArena,
    depth: usize,
    /// The arena's allocation count at entry: the statistics are differences, so an
    /// allocation costs the scope nothing.
    allocations_at_entry: u64,
    /// The arena's state at entry, restored when the scope ends.
    checkpoint: Checkpoint,
}

impl<'a> Scope<'a> {
    #[inline]
    pub(crate) fn enter(arena: &'a MemoryArena) -> Self {
        let (depth, checkpoint) = arena.enter_scope();
        Scope {
            arena,
            depth,
            allocations_at_entry: arena.allocation_count(),
            checkpoint,
        }
    }

    /// Enters a child scope. The child borrows this scope, so it cannot outlive it.
    #[inline]
    pub fn create_scope(&self) -> Scope<'_> {
        Scope::enter(self.arena)
    }

    /// The arena this scope allocates from.
    #[inline]
    pub fn arena(&self) -> &'a MemoryArena {
        self.arena
    }

    /// Nesting depth: 1 for a scope created from the arena, 2 for its child, and so on.
    #[inline]
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Whether this is the innermost live scope (the only one that may allocate).
    #[inline]
    pub fn is_innermost(&self) -> bool {
        self.arena.scope_depth() == self.depth
    }

    /// Allocates `bytes` raw bytes aligned to at least `align`, released with the scope.
    ///
    /// # Errors
    /// As [`MemoryArena::allocate`], with [`ArenaError::ScopeNotInnermost`] when a child
    /// scope is alive.
    #[inline]
    pub fn allocate(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        self.arena.allocate_at(self.depth, bytes, align)
    }

    /// Uninitialised, correctly aligned room for `len` values of `T`.
    #[inline]
    fn allocate_array<T>(&self, len: usize) -> Result<NonNull<T>, ArenaError> {
        // Counted among the failed requests, like every other refusal.
        let bytes = uninit::array_bytes::<T>(len).map_err(|e| self.arena.fail(e))?;
        Ok(self.allocate(bytes, align_of::<T>())?.cast())
    }

    /// A vector of `len` uninitialised elements; write them all, then call
    /// [`ArenaVec::assume_init`].
    ///
    /// # Errors
    /// [`ArenaError::SizeOverflow`] if `len · size_of::<T>()` overflows, and the errors of
    /// [`allocate`](Self::allocate).
    #[inline]
    pub fn alloc_uninit<T: Copy>(
        &self,
        len: usize,
    ) -> Result<ArenaVec<'_, MaybeUninit<T>>, ArenaError> {
        let ptr = self.allocate_array::<MaybeUninit<T>>(len)?;
        // SAFETY: `ptr` is valid for `len` elements of `MaybeUninit<T>` (which need no
        // initialisation) until this scope ends, which the returned borrow of `self` outlives
        // not.
        Ok(unsafe { ArenaVec::from_raw_parts(ptr, len, self.arena) })
    }

    /// A vector of `len` values `f(0), f(1), …`, written directly into the arena.
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit).
    #[inline]
    pub fn alloc_with<T: Copy>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> Result<ArenaVec<'_, T>, ArenaError> {
        let mut v = self.alloc_uninit::<T>(len)?;
        uninit::write_with(&mut v, f);
        // SAFETY: every element was written just above.
        Ok(unsafe { v.assume_init() })
    }

    /// A vector of `len` zeros (RVF's `arena_allocate<T>(arena, n)`).
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit). A request for 10⁹ doubles in a 1 MiB
    /// fixed-size arena, is an [`ArenaError::Exhausted`]:
    ///
    /// ```
    /// use rvf::arena::{ArenaError, GrowthPolicy, MemoryArena};
    /// let arena = MemoryArena::builder()
    ///     .capacity(1 << 20)
    ///     .growth(GrowthPolicy::FixedSize)
    ///     .build()
    ///     .unwrap();
    /// let scope = arena.create_scope();
    /// let err = scope.alloc_zeroed::<f64>(1_000_000_000).unwrap_err();
    /// assert!(matches!(err, ArenaError::Exhausted { requested: 8_000_000_000, .. }));
    /// // The arena is still usable.
    /// assert_eq!(scope.alloc_zeroed::<f64>(10).unwrap().len(), 10);
    /// ```
    #[inline]
    pub fn alloc_zeroed<T: Copy + Zero>(&self, len: usize) -> Result<ArenaVec<'_, T>, ArenaError> {
        self.alloc_with(len, |_| T::zero())
    }

    /// A copy of `values` in the arena.
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit).
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, values: &[T]) -> Result<ArenaVec<'_, T>, ArenaError> {
        let mut v = self.alloc_uninit::<T>(values.len())?;
        uninit::write_local(&mut v, Local::Contiguous(values));
        // SAFETY: every element was copied from an initialised value.
        Ok(unsafe { v.assume_init() })
    }

    /// A deep copy of `v` in this scope (see [`ArenaClone`]); a type without arena support
    /// falls back to its ordinary clone.
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit).
    #[inline]
    pub fn clone_of<'s, V: ArenaClone + ?Sized + 's>(
        &'s self,
        v: &V,
    ) -> Result<V::Temp<'s>, ArenaError> {
        v.arena_clone(self)
    }

    /// This scope's statistics so far.
    pub fn statistics(&self) -> ScopeStatistics {
        self.arena
            .scope_statistics(self.depth, self.allocations_at_entry, &self.checkpoint)
    }
}

impl Drop for Scope<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // No closure over `self`: only the cold path gets (a copy of) the checkpoint, so the
        // guard's address does not escape and its fields can stay in registers.
        self.arena
            .exit_scope(self.depth, self.allocations_at_entry, &self.checkpoint);
    }
}

impl core::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scope")
            .field("depth", &self.depth)
            .field("statistics", &self.statistics())
            .finish()
    }
}
