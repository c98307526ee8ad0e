//! Allocation: the short path (a bump in the current chunk), the general path (errors,
//! timing, observers, zero sizes) and growth (moving to a later chunk or adding one).

use core::ptr::NonNull;
use std::time::Instant;

use super::{MemoryArena, WIDE};
use crate::arena::chunk::{Chunk, ChunkList};
use crate::arena::layout::{self, quantum_size, QUANTUM};
use crate::arena::observer::AllocationEvent;
use crate::arena::policy::MAX_ALIGN;
use crate::arena::ArenaError;

/// Hole-log entries reserved when a chunk is added (see `bump_into_next_chunk`).
const HOLES_RESERVED: usize = 32;

impl MemoryArena {
    /// Allocates on behalf of the scope at `depth` (0: the arena itself).
    #[inline]
    pub(crate) fn allocate_at(
        &self,
        depth: usize,
        bytes: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ArenaError> {
        // The common case in as few instructions as possible: the innermost scope of a plain
        // arena whose minimum alignment is at most QUANTUM (one compare), a valid alignment
        // (constant for typed requests), a request that fits the current chunk.
        let key = self.key.get();
        if depth == key && align.is_power_of_two() && bytes <= isize::MAX as usize {
            if align <= QUANTUM {
                let cursor = self.cursor.get();
                let size = quantum_size(bytes);
                // The cursor is always QUANTUM-aligned: no padding, and the cursor moves by a
                // size that folds to `bytes` for `f64` vectors (one add on the critical path).
                // A zero-size request gets the cursor itself and uses no space.
                if size <= self.limit.get() - cursor.addr() {
                    // SAFETY: `size` bytes from the cursor lie inside the current chunk, so
                    // the result points into it or one past its end.
                    self.cursor.set(unsafe { cursor.add(size) });
                    self.count_allocation(size - bytes);
                    // SAFETY: the cursor is never null.
                    return Ok(unsafe { NonNull::new_unchecked(cursor) });
                }
            } else if let Some(ptr) = self.bump_padded(bytes, align) {
                return Ok(ptr);
            }
        } else if depth | WIDE == key && align.is_power_of_two() && bytes <= isize::MAX as usize {
            // A minimum alignment above QUANTUM: the same, with padding.
            if let Some(ptr) = self.bump_padded(bytes, align.max(self.settings.min_align)) {
                return Ok(ptr);
            }
        }
        self.allocate_general(depth, bytes, align)
    }

    /// The short path's bump with padding for `align`, a power of two: `None` when the
    /// request is empty, over-aligned or does not fit the current chunk.
    #[inline(always)]
    fn bump_padded(&self, bytes: usize, align: usize) -> Option<NonNull<u8>> {
        if align > MAX_ALIGN || bytes == 0 {
            return None;
        }
        let cursor = self.cursor.get();
        let room = self.limit.get() - cursor.addr();
        let (pad, need) = layout::fit(cursor.addr(), room, bytes, align)?;
        // SAFETY: `need` bytes from the cursor lie inside the current chunk.
        let (ptr, end) = unsafe { (cursor.add(pad), cursor.add(need)) };
        self.cursor.set(end);
        self.count_allocation(need - bytes);
        // SAFETY: a pointer into a chunk is non-null.
        Some(unsafe { NonNull::new_unchecked(ptr) })
    }

    /// Counts a short-path allocation after the cursor moved by `waste` bytes more than the
    /// request (padding and rounding; a constant 0 for `f64` vectors, so `bias` stays
    /// untouched).
    #[inline(always)]
    fn count_allocation(&self, waste: usize) {
        self.counters.count_allocation();
        if waste != 0 {
            self.bias.set(self.bias.get().wrapping_sub(waste));
        }
    }

    /// Every other allocation: errors, timing, observers, zero sizes, growth.
    #[cold]
    #[inline(never)]
    fn allocate_general(
        &self,
        depth: usize,
        bytes: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ArenaError> {
        let innermost = self.scope_depth();
        if depth != innermost {
            return Err(self.fail(ArenaError::ScopeNotInnermost { depth, innermost }));
        }
        if !align.is_power_of_two() || align > MAX_ALIGN {
            return Err(self.fail(ArenaError::InvalidAlignment { align }));
        }
        let align = align.max(self.settings.min_align);
        let live = self.live();
        let (result, elapsed) = if self.settings.timing {
            let start = Instant::now();
            let r = self.bump(bytes, align);
            (r, Some(start.elapsed()))
        } else {
            (self.bump(bytes, align), None)
        };
        let ptr = result.map_err(|e| self.fail(e))?;
        self.counters.count_allocation();
        // The cursor may have moved to another chunk: set the live count afresh.
        self.set_live(live + bytes);
        if let Some(t) = elapsed {
            self.counters.add_time(t);
        }
        self.check_invariants();
        if self.observed() {
            let event = AllocationEvent {
                ptr,
                bytes,
                align,
                scope_depth: innermost,
                elapsed,
                arena: self.id,
            };
            self.notify(|o| o.on_allocation(&event));
        }
        Ok(ptr)
    }

    /// The bump itself: `align` is a valid power of two.
    fn bump(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        if bytes == 0 {
            // A zero-size allocation needs no space, only a non-null aligned address.
            let dangling = core::ptr::without_provenance_mut::<u8>(align);
            // SAFETY: `align` is a power of two, hence non-zero.
            return Ok(unsafe { NonNull::new_unchecked(dangling) });
        }
        if bytes > isize::MAX as usize {
            // No chunk can be that large; the growth policy says which error it is.
            let available = self.total_available();
            return Err(self.settings.growth.refusal(bytes, available));
        }
        let cursor = self.cursor.get();
        let room = self.limit.get() - cursor.addr();
        match layout::fit(cursor.addr(), room, bytes, align) {
            Some((pad, need)) => {
                // SAFETY: `need` bytes from the cursor lie inside the current chunk.
                let (ptr, end) = unsafe { (cursor.add(pad), cursor.add(need)) };
                self.cursor.set(end);
                // SAFETY: a pointer into a chunk is non-null.
                Ok(unsafe { NonNull::new_unchecked(ptr) })
            }
            None => self.bump_into_next_chunk(bytes, align),
        }
    }

    /// The request (`0 < bytes ≤ isize::MAX`) does not fit in the current chunk: move to a
    /// later chunk that fits (all of them are empty), or add one as the growth policy says.
    #[cold]
    fn bump_into_next_chunk(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        let size = quantum_size(bytes);
        let mut chunks = self.chunks.borrow_mut();
        let first_free = self.current.get().wrapping_add(1); // NO_CHUNK + 1 = 0
        let (index, pad) = match chunks.find_fit(first_free, size, align) {
            Some(found) => found,
            None => {
                let chunk = self.new_chunk(&chunks, bytes, align)?;
                let pad = chunk
                    .fits(size, align)
                    .ok_or(ArenaError::SystemAllocationFailed {
                        chunk_bytes: chunk.capacity(),
                    })?;
                let index = chunks.push(chunk);
                // Vectors released in order while the cursor sits in a later chunk are logged
                // as holes (a scope's vectors that straddle two chunks, say, at every step of a
                // solver): room for them now, on this cold path, keeps those steps off the heap.
                self.log.reserve_holes(HOLES_RESERVED);
                (index, pad)
            }
        };
        // The innermost checkpoint lies in an earlier chunk: all of this one is the scope's.
        self.switch_to(&chunks, index, pad + size);
        self.floor.set(self.base.get());
        // SAFETY: `pad + size <= capacity` of chunk `index` (checked by `fits`).
        Ok(unsafe { NonNull::new_unchecked(chunks.get(index).ptr().as_ptr().add(pad)) })
    }

    /// A new chunk for a request of `bytes` at `align`, as large as the growth policy says
    /// (or just large enough, if the system refuses that).
    fn new_chunk(
        &self,
        chunks: &ChunkList,
        bytes: usize,
        align: usize,
    ) -> Result<Chunk, ArenaError> {
        let size = quantum_size(bytes);
        let total = chunks.total_capacity();
        let growth = self.settings.growth;
        let Some(wanted) = growth.next_chunk(total, size) else {
            let available = total.saturating_sub(self.used_region());
            return Err(growth.refusal(bytes, available));
        };
        // The chunk is aligned to at least `align`, so the request fits at offset 0.
        match Chunk::new(wanted, align) {
            Ok(c) => Ok(c),
            Err(_) if wanted > size => Chunk::new(size, align),
            Err(e) => Err(e),
        }
    }

    /// Bytes past the cursor over all chunks.
    fn total_available(&self) -> usize {
        let total = self.chunks.borrow().total_capacity();
        total.saturating_sub(self.used_region())
    }

    /// Makes chunk `index` current with the cursor `offset ≤ capacity` bytes into it (the
    /// caller sets `floor`).
    pub(super) fn switch_to(&self, chunks: &ChunkList, index: usize, offset: usize) {
        let chunk = chunks.get(index);
        let ptr = chunk.ptr().as_ptr();
        debug_assert!(offset <= chunk.capacity());
        // SAFETY: `offset <= capacity`: the pointer stays in the chunk or one past its end.
        self.cursor.set(unsafe { ptr.add(offset) });
        self.base.set(ptr.addr());
        self.limit.set(ptr.addr() + chunk.capacity());
        self.current.set(index);
        self.region_base.set(chunks.capacity_before(index));
    }
}
