//! Giving memory back: the short path (the latest allocation of the innermost scope moves
//! the cursor back), holes (anything else, reclaimed when the allocations above end or when
//! the scope ends), and resizing the latest allocation in place.

use core::ptr::NonNull;

use super::MemoryArena;
use crate::arena::layout::{self, quantum_size};

impl MemoryArena {
    /// Gives back an allocation (see [`deallocate`](Self::deallocate)).
    #[inline]
    pub(crate) fn release(&self, ptr: NonNull<u8>, bytes: usize) {
        if bytes <= isize::MAX as usize {
            self.release_allocation(ptr, bytes);
        } else {
            // No allocation is that large: only the general path's ownership check applies.
            self.release_general(ptr, bytes);
        }
    }

    /// [`release`](Self::release) of `bytes` known to come from a successful allocation
    /// (so at most `isize::MAX`), as an arena vector's are.
    #[inline]
    pub(crate) fn release_allocation(&self, ptr: NonNull<u8>, bytes: usize) {
        debug_assert!(bytes <= isize::MAX as usize);
        let addr = ptr.as_ptr().addr();
        // The most recent allocation of the innermost scope: move the cursor back over it.
        if self.plain && self.is_top(addr, bytes) {
            self.release_top(ptr, bytes);
            return;
        }
        self.release_general(ptr, bytes);
    }

    /// Whether the non-empty allocation of `bytes ≤ isize::MAX` at `addr` is the most recent
    /// one of the innermost scope.
    #[inline(always)]
    fn is_top(&self, addr: usize, bytes: usize) -> bool {
        layout::is_top(addr, bytes, self.cursor.get().addr(), self.floor.get())
    }

    /// Moves the cursor back over the allocation that ends at it, and over the holes that
    /// then end at it.
    #[inline(always)]
    fn release_top(&self, ptr: NonNull<u8>, bytes: usize) {
        self.note_peak_live();
        self.cursor.set(ptr.as_ptr());
        // The cursor moved back by the rounded size, live bytes by `bytes`.
        let rounding = quantum_size(bytes) - bytes;
        if rounding != 0 {
            self.bias.set(self.bias.get().wrapping_add(rounding));
        }
        if self.log.hole_count() != 0 {
            self.reclaim_holes();
        }
    }

    /// Releases with observers or the adaptive policy, or an allocation not on top.
    #[cold]
    #[inline(never)]
    fn release_general(&self, ptr: NonNull<u8>, bytes: usize) {
        // A zero-size allocation occupies nothing: there is nothing to give back.
        if bytes == 0 {
            return;
        }
        if self.observed() {
            self.notify(|o| o.on_deallocation(ptr, bytes));
        }
        let addr = ptr.as_ptr().addr();
        self.note_peak_live();
        if bytes <= isize::MAX as usize && self.is_top(addr, bytes) {
            self.note_peak_region();
            self.release_top(ptr, bytes);
            self.check_invariants();
            return;
        }
        let Some(index) = self.chunks.borrow().index_of(addr) else {
            debug_assert!(
                false,
                "MemoryArena::deallocate: pointer {addr:#x} is not owned by this arena"
            );
            return;
        };
        // A hole: the bytes stay in the used region until the enclosing scope ends.
        self.bias.set(self.bias.get().wrapping_sub(bytes));
        // Scopes entered after this allocation restore a live count that includes it: they
        // find it in the log when they end. With no scope alive, no checkpoint exists for it
        // to matter to.
        if self.scope_depth() > 0 {
            self.log.record_hole((index, addr), bytes);
        }
        self.check_invariants();
    }

    /// Moves the cursor back over holes that end at it inside the innermost scope (in the
    /// current chunk, at or above its floor), removing them from the log: the releases that
    /// made them were only out of order, and once the allocations above them are gone their
    /// bytes are free again. Without this, a loop that releases out of order inside one long
    /// scope would grow the log (a heap allocation) and the used region at every iteration.
    #[cold]
    #[inline(never)]
    fn reclaim_holes(&self) {
        let (chunk, floor) = (self.current.get(), self.floor.get());
        while let Some(size) = self
            .log
            .take_hole_ending_at(chunk, floor, self.cursor.get().addr())
        {
            // The hole's bytes were already taken off the live count: moving the cursor back
            // over its (rounded) size keeps the count.
            self.cursor.set(self.cursor.get().wrapping_sub(size));
            self.bias.set(self.bias.get().wrapping_add(size));
        }
    }

    /// Extends the most recent allocation of the innermost scope from `old` to `new` bytes
    /// in place, if the current chunk has room. Returns whether it did.
    pub(crate) fn try_extend_top(&self, ptr: NonNull<u8>, old: usize, new: usize) -> bool {
        let addr = ptr.as_ptr().addr();
        let cursor = self.cursor.get().addr();
        if new < old
            || new > isize::MAX as usize
            || !self.is_top(addr, old)
            || quantum_size(new) - quantum_size(old) > self.limit.get() - cursor
        {
            return false;
        }
        let live = self.live();
        let grow = quantum_size(new) - quantum_size(old);
        // SAFETY: `grow` more bytes fit before the chunk's end.
        self.cursor.set(unsafe { self.cursor.get().add(grow) });
        self.set_live(live + (new - old));
        if self.observed() {
            self.report_resize(ptr, old, new);
        }
        true
    }

    /// Shrinks the most recent allocation of the innermost scope from `old` to `new ≤ old`
    /// bytes in place: the cursor moves back to its new end. Returns whether it did.
    pub(crate) fn try_shrink_top(&self, ptr: NonNull<u8>, old: usize, new: usize) -> bool {
        let addr = ptr.as_ptr().addr();
        if new > old || !self.is_top(addr, old) {
            return false;
        }
        self.note_peak_live();
        let live = self.live();
        let give_back = quantum_size(old) - quantum_size(new);
        // SAFETY: the block spans `quantum_size(old)` bytes below the cursor, so moving the
        // cursor back by less than that stays inside it (and the chunk).
        self.cursor.set(unsafe { self.cursor.get().sub(give_back) });
        self.set_live(live - (old - new));
        if self.observed() {
            self.report_resize(ptr, old, new);
        }
        true
    }

    /// Tells the observers that the block at `ptr` changed from `old` to `new` bytes in place.
    #[cold]
    fn report_resize(&self, ptr: NonNull<u8>, old: usize, new: usize) {
        self.notify(|o| o.on_resize(ptr, old, new));
    }
}
