//! What a [`SharedArena`](super::SharedArena) keeps under its lock: the chunks, how far the
//! last one is carved into thread buffers, the threads' slots, and the counts of slots that a
//! reset retired.

use core::ptr::NonNull;

use super::thread_slot::ThreadSlot;
use crate::arena::chunk::{Chunk, ChunkList};
use crate::arena::layout::{self, quantum_size};
use crate::arena::policy::GrowthPolicy;
use crate::arena::ArenaError;

/// The locked state. Chunks before the last are fully carved; buffers are handed out from
/// the last chunk's start upward, each to one thread.
#[derive(Default)]
pub(super) struct Regions {
    chunks: ChunkList,
    /// Bytes of the last chunk already carved into buffers.
    carved: usize,
    /// One slot per thread that allocated since the last reset. Boxed: threads hold pointers
    /// to them, which must stay put while the vector grows.
    #[allow(clippy::vec_box)]
    slots: Vec<Box<ThreadSlot>>,
    /// Counts of the slots retired by resets: (allocations, bytes requested).
    retired: (u64, u64),
    /// Largest carved footprint seen (for [`GrowthPolicy::Adaptive`]'s reset).
    peak_carved: usize,
}

/// A snapshot of the locked state's totals.
pub(super) struct Totals {
    pub(super) capacity: usize,
    pub(super) chunks: usize,
    pub(super) carved: usize,
    pub(super) allocations: u64,
    pub(super) bytes_requested: u64,
    pub(super) live: u64,
    pub(super) threads: usize,
}

impl Regions {
    /// A first chunk of `bytes` (none for 0).
    pub(super) fn with_capacity(bytes: usize, align: usize) -> Result<Self, ArenaError> {
        let mut regions = Self::default();
        if bytes > 0 {
            regions.chunks.push(Chunk::new(bytes, align)?);
        }
        Ok(regions)
    }

    /// The slot of the thread `key`, created if it has none.
    pub(super) fn slot_of(&mut self, key: u64) -> *const ThreadSlot {
        let slot = match self.slots.iter().position(|s| s.owner() == key) {
            Some(i) => &self.slots[i],
            None => {
                self.slots.push(Box::new(ThreadSlot::new(key)));
                self.slots.last().expect("just pushed")
            }
        };
        &**slot
    }

    /// Serves a request of `0 < bytes ≤ isize::MAX` at `align` (a power of two, at least the
    /// quantum) that `slot`'s buffer cannot hold, by extending the buffer in place or giving
    /// the slot a new one of at least `buffer` bytes, adding a chunk if the policy allows.
    /// `slot` belongs to the calling thread.
    pub(super) fn refill(
        &mut self,
        slot: &ThreadSlot,
        bytes: usize,
        align: usize,
        buffer: usize,
        growth: GrowthPolicy,
    ) -> Result<NonNull<u8>, ArenaError> {
        let need = quantum_size(bytes);
        if let Some(last) = self.last_chunk() {
            let end = last.start() + last.capacity();
            let carved_end = last.start() + self.carved;
            // The slot's buffer is the last region carved from this chunk: grow it in place,
            // so that a thread whose requests outgrow its buffer keeps one contiguous buffer
            // (and dropping in reverse order keeps reclaiming).
            // (The floor check: a buffer in an earlier chunk may end where this chunk happens
            // to begin, and must not be extended across the boundary.)
            if slot.limit() == carved_end && last.contains(slot.floor()) {
                let cursor = slot.cursor();
                if let Some((_, used)) =
                    layout::fit(cursor.addr(), end - cursor.addr(), bytes, align)
                {
                    let limit = (cursor.addr() + used.max(buffer)).min(end);
                    self.carved = limit - last.start();
                    slot.extend_to(limit);
                    return Ok(slot.bump(bytes, align).expect("the extended buffer fits"));
                }
            }
            if let Some((pad, _)) = layout::fit(carved_end, end - carved_end, bytes, align) {
                let start = carved_end + pad;
                let len = need.max(buffer).min(end - start);
                return Ok(self.install(slot, pad, len, bytes, align));
            }
        }
        let room = self.room();
        let wanted = need.max(buffer);
        let total = self.chunks.total_capacity();
        let chunk_bytes = growth
            .next_chunk(total, wanted)
            .ok_or_else(|| growth.refusal(bytes, room))?;
        let chunk = Chunk::new(chunk_bytes, align)?;
        self.chunks.push(chunk);
        self.carved = 0;
        let len = wanted.min(chunk_bytes);
        Ok(self.install(slot, 0, len, bytes, align))
    }

    /// Carves `len` bytes after `pad` bytes of padding from the last chunk as `slot`'s new
    /// buffer and serves the request from it.
    fn install(
        &mut self,
        slot: &ThreadSlot,
        pad: usize,
        len: usize,
        bytes: usize,
        align: usize,
    ) -> NonNull<u8> {
        let last = self.last_chunk().expect("a chunk to carve from");
        // SAFETY: `carved + pad + len ≤ capacity`, checked by the caller's fit; the pointer
        // stays inside the chunk and keeps its provenance.
        let start = unsafe { last.ptr().as_ptr().add(self.carved + pad) };
        self.carved += pad + len;
        self.peak_carved = self.peak_carved.max(self.carved_total());
        slot.install(start, len);
        slot.bump(bytes, align)
            .expect("the buffer was carved for this request")
    }

    fn last_chunk(&self) -> Option<&Chunk> {
        self.chunks.len().checked_sub(1).map(|i| self.chunks.get(i))
    }

    /// Bytes of the last chunk not yet carved.
    fn room(&self) -> usize {
        self.last_chunk().map_or(0, |c| c.capacity() - self.carved)
    }

    /// Bytes carved over all chunks (earlier chunks count whole: their tails are lost).
    fn carved_total(&self) -> usize {
        let n = self.chunks.len();
        if n == 0 {
            return 0;
        }
        self.chunks.capacity_before(n - 1) + self.carved
    }

    /// The totals over chunks and slots; `released_elsewhere` is what threads without a slot
    /// gave back.
    pub(super) fn totals(&self, released_elsewhere: u64) -> Totals {
        let (mut allocations, mut bytes_requested) = self.retired;
        let mut live = 0u64.wrapping_sub(released_elsewhere);
        for slot in &self.slots {
            let (a, b, l) = slot.counts();
            allocations += a;
            bytes_requested += b;
            live = live.wrapping_add(l);
        }
        Totals {
            capacity: self.chunks.total_capacity(),
            chunks: self.chunks.len(),
            carved: self.carved_total(),
            allocations,
            bytes_requested,
            live,
            threads: self.slots.len(),
        }
    }

    /// Frees everything: the slots (their counts kept as retired), every chunk but the largest
    /// (or one of the peak footprint, for the adaptive policy).
    pub(super) fn reset(&mut self, growth: GrowthPolicy, align: usize) {
        for slot in self.slots.drain(..) {
            let (a, b, _) = slot.counts();
            self.retired.0 += a;
            self.retired.1 += b;
        }
        self.carved = 0;
        if let Some(kept) = self.chunks.take_largest() {
            let kept = match growth.chunk_after_reset(kept.capacity(), self.peak_carved) {
                // On failure keep what there was: reset itself cannot fail.
                Some(bytes) => Chunk::new(bytes, align).unwrap_or(kept),
                None => kept,
            };
            self.chunks.push(kept);
        }
    }
}

// SAFETY: the chunks are plain owned memory with no tie to the thread that allocated them,
// and the slots are atomics; `Regions` is only reached through the arena's mutex (or
// `&mut`), so moving it between threads is like moving a `Vec<Box<[u8]>>`.
unsafe impl Send for Regions {}
