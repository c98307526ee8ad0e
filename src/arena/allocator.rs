//! `allocator_api2::alloc::Allocator` for arenas and scopes, so allocator-aware collections
//! (`allocator_api2::vec::Vec<T, _>`, `hashbrown` maps, …) can live in an arena.
//!
//! An allocation through `&MemoryArena` succeeds only while no scope is alive (as with
//! [`MemoryArena::allocate`]); one through `&Scope` only while that scope is the innermost.
//! Otherwise the allocator reports `AllocError`: growing a collection of an outer scope inside
//! an inner one is refused (and, as for every allocator, a collection's infallible methods then
//! panic or abort; use its `try_reserve` to get an error).
//!
//! # Growing and shrinking
//! - **In place** when the block is the most recent allocation of the innermost scope (and, to
//!   grow, the chunk has room): the cursor moves, nothing is copied.
//! - **By moving** otherwise: a new block from the allocator's scope, a copy, and the old block
//!   released (it becomes a hole until the blocks above it go). This needs the allocator's
//!   scope to be the innermost one; while a later scope lives, the request is refused with
//!   `AllocError` — the only way a scope's memory could be reused before the scope ends would
//!   be to hand out memory below a live inner scope, which would then be freed with it.
//!
//! A [`SharedArena`] is an allocator for collections on any thread (`Vec<T, &SharedArena>`):
//! it allocates from the calling thread's buffer, and grows or shrinks by moving.
//!
//! So `shrink_to_fit` and `into_boxed_slice` work in place on a collection that was the last
//! thing allocated, and by a copy in the innermost scope otherwise.
//!
//! ```
//! use allocator_api2::vec::Vec;
//! use rvf::prelude::*;
//!
//! let arena = MemoryArena::new(4096);
//! let scope = arena.create_scope();
//! let mut v: Vec<u32, &Scope> = Vec::new_in(&scope);
//! for i in 0..100 {
//!     v.push(i); // grows in place while it is the scope's latest allocation
//! }
//! assert_eq!(v.iter().sum::<u32>(), 4950);
//! assert!(arena.owns(v.as_ptr().cast()));
//! ```

use core::alloc::Layout;
use core::ptr::NonNull;

use allocator_api2::alloc::{AllocError, Allocator};

use super::memory_arena::MemoryArena;
use super::scope::Scope;
use super::shared::SharedArena;

impl MemoryArena {
    /// Grows the allocation `ptr` (of `old` bytes) to `new` bytes in place when it is the
    /// most recent one of the innermost scope and the chunk has room.
    fn grow_in_place(&self, depth: usize, ptr: NonNull<u8>, old: usize, new: usize) -> bool {
        if self.scope_depth() != depth || old == 0 {
            return false;
        }
        self.try_extend_top(ptr, old, new)
    }
}

impl MemoryArena {
    /// Shrinks the allocation `ptr` (of `old` bytes) to `new ≤ old` bytes in place when it is
    /// the most recent one of the innermost scope. Returns whether it did.
    fn shrink_in_place(&self, depth: usize, ptr: NonNull<u8>, old: usize, new: usize) -> bool {
        self.scope_depth() == depth && old != 0 && self.try_shrink_top(ptr, old, new)
    }
}

/// `shrink` shared by both allocators: in place when possible, else allocate, copy, release.
///
/// # Safety
/// As `Allocator::shrink`.
unsafe fn shrink_via(
    arena: &MemoryArena,
    depth: usize,
    allocate: impl FnOnce(Layout) -> Result<NonNull<u8>, AllocError>,
    ptr: NonNull<u8>,
    old: Layout,
    new: Layout,
) -> Result<NonNull<[u8]>, AllocError> {
    let aligned = (ptr.as_ptr() as usize) & (new.align() - 1) == 0;
    if aligned && arena.shrink_in_place(depth, ptr, old.size(), new.size()) {
        return Ok(slice_ptr(ptr, new.size()));
    }
    let fresh = allocate(new)?;
    // SAFETY: `ptr` is valid for `old.size() >= new.size()` bytes (caller contract), `fresh`
    // for `new.size()`, and two live allocations never overlap.
    unsafe { core::ptr::copy_nonoverlapping(ptr.as_ptr(), fresh.as_ptr(), new.size()) };
    arena.release(ptr, old.size());
    Ok(slice_ptr(fresh, new.size()))
}

fn slice_ptr(ptr: NonNull<u8>, len: usize) -> NonNull<[u8]> {
    NonNull::slice_from_raw_parts(ptr, len)
}

/// `grow` shared by both allocators: in place when possible, else allocate, copy, release.
///
/// # Safety
/// As `Allocator::grow`.
unsafe fn grow_via(
    arena: &MemoryArena,
    depth: usize,
    allocate: impl FnOnce(Layout) -> Result<NonNull<u8>, AllocError>,
    ptr: NonNull<u8>,
    old: Layout,
    new: Layout,
) -> Result<NonNull<[u8]>, AllocError> {
    let aligned = (ptr.as_ptr() as usize) & (new.align() - 1) == 0;
    if aligned && arena.grow_in_place(depth, ptr, old.size(), new.size()) {
        return Ok(slice_ptr(ptr, new.size()));
    }
    let fresh = allocate(new)?;
    // SAFETY: `ptr` is valid for `old.size()` bytes (caller contract), `fresh` for
    // `new.size() >= old.size()`, and two live allocations never overlap.
    unsafe { core::ptr::copy_nonoverlapping(ptr.as_ptr(), fresh.as_ptr(), old.size()) };
    arena.release(ptr, old.size());
    Ok(slice_ptr(fresh, new.size()))
}

// SAFETY: memory handed out stays valid and unaliased until it is deallocated, the arena is
// reset (`&mut`, so no borrow of the allocator exists) or the owning scope ends (the
// collection borrows the scope, so it cannot outlive it). Allocation from a scope that is not
// the innermost is refused, so ending a scope never frees memory of a live collection.
unsafe impl Allocator for MemoryArena {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let ptr = self
            .allocate_at(0, layout.size(), layout.align())
            .map_err(|_| AllocError)?;
        Ok(slice_ptr(ptr, layout.size()))
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.release(ptr, layout.size());
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let allocate = |l: Layout| {
            self.allocate_at(0, l.size(), l.align())
                .map_err(|_| AllocError)
        };
        // SAFETY: forwarded caller contract.
        unsafe { grow_via(self, 0, allocate, ptr, old, new) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let allocate = |l: Layout| {
            self.allocate_at(0, l.size(), l.align())
                .map_err(|_| AllocError)
        };
        // SAFETY: forwarded caller contract.
        unsafe { shrink_via(self, 0, allocate, ptr, old, new) }
    }
}

// SAFETY: as for `MemoryArena`; a `Scope` allocates in its arena at its own depth.
unsafe impl Allocator for Scope<'_> {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let ptr = Scope::allocate(self, layout.size(), layout.align()).map_err(|_| AllocError)?;
        Ok(slice_ptr(ptr, layout.size()))
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.arena().release(ptr, layout.size());
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let allocate =
            |l: Layout| Scope::allocate(self, l.size(), l.align()).map_err(|_| AllocError);
        // SAFETY: forwarded caller contract.
        unsafe { grow_via(self.arena(), self.depth(), allocate, ptr, old, new) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let allocate =
            |l: Layout| Scope::allocate(self, l.size(), l.align()).map_err(|_| AllocError);
        // SAFETY: forwarded caller contract.
        unsafe { shrink_via(self.arena(), self.depth(), allocate, ptr, old, new) }
    }
}

// SAFETY: memory handed out stays valid and unaliased until it is deallocated, or the arena
// is reset or dropped (both need the arena by value or `&mut`, so no collection borrowing it
// exists). Each thread bumps in a buffer of its own (see `SharedArena`), so allocations from
// different threads never overlap; growth and shrinking use the trait's default (allocate,
// copy, deallocate).
unsafe impl Allocator for SharedArena {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let ptr =
            SharedArena::allocate(self, layout.size(), layout.align()).map_err(|_| AllocError)?;
        Ok(slice_ptr(ptr, layout.size()))
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.release(ptr, layout.size());
    }
}
