//! Each thread's buffer in a [`SharedArena`](super::SharedArena), and the thread-local cache
//! that finds it without a lock.
//!
//! A thread that allocates from a shared arena owns one [`ThreadSlot`]: a buffer carved from
//! the arena's chunks, its bump cursor and its counts. Only the owner moves the cursor or
//! writes the counts, so the short path is a plain bump with no atomic read-modify-write and
//! no shared cache line; other threads only read the counts (for statistics). The fields are
//! atomics so that those reads are not data races; the owner uses plain `Relaxed` loads and
//! stores, which compile to ordinary moves.

use core::cell::Cell;
use core::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering::Relaxed};

use crate::arena::layout::{self, quantum_size};

/// One thread's buffer and counts. Aligned to two cache lines so that neighbouring slots of
/// different threads never share one (the adjacent-line prefetcher pairs lines).
#[repr(align(128))]
pub(super) struct ThreadSlot {
    /// The owning thread (see [`thread_key`]).
    owner: u64,
    /// Next free byte of the buffer, a multiple of the quantum; keeps the chunk's provenance.
    cursor: AtomicPtr<u8>,
    /// Start of the buffer: the lowest address a release may move the cursor back to.
    floor: AtomicUsize,
    /// One past the end of the buffer.
    limit: AtomicUsize,
    allocations: AtomicU64,
    bytes_requested: AtomicU64,
    /// Bytes allocated through this slot minus bytes released by its owner (wrapping: a vector
    /// allocated here and dropped on another thread is subtracted there).
    live: AtomicU64,
}

impl ThreadSlot {
    /// An empty slot for the thread `owner`: every non-empty request misses its buffer.
    pub(super) fn new(owner: u64) -> Self {
        let empty = ptr::dangling_mut::<u64>().cast::<u8>();
        Self {
            owner,
            cursor: AtomicPtr::new(empty),
            floor: AtomicUsize::new(empty.addr()),
            limit: AtomicUsize::new(empty.addr()),
            allocations: AtomicU64::new(0),
            bytes_requested: AtomicU64::new(0),
            live: AtomicU64::new(0),
        }
    }

    #[inline]
    pub(super) fn owner(&self) -> u64 {
        self.owner
    }

    /// Bumps `bytes` at `align` (a power of two, at least the quantum) out of the buffer, or
    /// `None` if they do not fit. Only the owner calls it.
    #[inline(always)]
    pub(super) fn bump(&self, bytes: usize, align: usize) -> Option<NonNull<u8>> {
        let cursor = self.cursor.load(Relaxed);
        let room = self.limit.load(Relaxed) - cursor.addr();
        let (pad, need) = layout::fit(cursor.addr(), room, bytes, align)?;
        // SAFETY: `need ≤ room` bytes from the cursor lie inside the buffer, which lies inside
        // one chunk; `pad ≤ need`.
        let (start, end) = unsafe { (cursor.add(pad), cursor.add(need)) };
        self.cursor.store(end, Relaxed);
        self.count(bytes);
        // SAFETY: a pointer into a chunk is non-null.
        Some(unsafe { NonNull::new_unchecked(start) })
    }

    /// Counts one successful allocation of `bytes`. Only the owner calls it.
    #[inline(always)]
    pub(super) fn count(&self, bytes: usize) {
        let bytes = bytes as u64;
        self.allocations
            .store(self.allocations.load(Relaxed) + 1, Relaxed);
        self.bytes_requested
            .store(self.bytes_requested.load(Relaxed) + bytes, Relaxed);
        self.live
            .store(self.live.load(Relaxed).wrapping_add(bytes), Relaxed);
    }

    /// Gives back the block of `bytes ≤ isize::MAX` at `addr`, released by the owner: its
    /// space is reused at once when it is the latest allocation of the current buffer (the
    /// floor check keeps blocks of other buffers out: buffers never overlap).
    #[inline]
    pub(super) fn release(&self, addr: usize, bytes: usize) {
        self.live
            .store(self.live.load(Relaxed).wrapping_sub(bytes as u64), Relaxed);
        let cursor = self.cursor.load(Relaxed);
        if layout::is_top(addr, bytes, cursor.addr(), self.floor.load(Relaxed)) {
            // The block ends at the cursor and starts at or above the buffer's start, so the
            // new cursor stays inside the buffer (and keeps its provenance).
            self.cursor
                .store(cursor.wrapping_sub(quantum_size(bytes)), Relaxed);
        }
    }

    /// Start of the buffer.
    #[inline]
    pub(super) fn floor(&self) -> usize {
        self.floor.load(Relaxed)
    }

    /// One past the end of the buffer.
    #[inline]
    pub(super) fn limit(&self) -> usize {
        self.limit.load(Relaxed)
    }

    /// The cursor.
    #[inline]
    pub(super) fn cursor(&self) -> *mut u8 {
        self.cursor.load(Relaxed)
    }

    /// Makes `[start, start + len)` the buffer, with the cursor at its start. The owner calls
    /// it with the arena's lock held; the range was carved for this slot alone.
    pub(super) fn install(&self, start: *mut u8, len: usize) {
        self.cursor.store(start, Relaxed);
        self.floor.store(start.addr(), Relaxed);
        self.limit.store(start.addr() + len, Relaxed);
    }

    /// Moves the end of the buffer to `limit` (the buffer was the last region carved from its
    /// chunk and the chunk has room up to `limit`). The owner calls it with the lock held.
    pub(super) fn extend_to(&self, limit: usize) {
        debug_assert!(limit >= self.limit.load(Relaxed));
        self.limit.store(limit, Relaxed);
    }

    /// (allocations, bytes requested, live bytes), as last written by the owner.
    pub(super) fn counts(&self) -> (u64, u64, u64) {
        (
            self.allocations.load(Relaxed),
            self.bytes_requested.load(Relaxed),
            self.live.load(Relaxed),
        )
    }
}

/// How many arenas a thread finds without the lock. A thread that round-robins over more
/// shared arenas than this takes the lock on every allocation (still correct).
const CACHE: usize = 4;

thread_local! {
    /// (epoch, slot) pairs, most recently used first. Const-initialised with no destructor:
    /// never lazily registered, never destroyed, so the lookup is a few loads.
    static SLOTS: [Cell<(u64, *const ThreadSlot)>; CACHE] =
        const { [const { Cell::new((0, ptr::null())) }; CACHE] };
    static KEY: Cell<u64> = const { Cell::new(0) };
}

/// This thread's identity among slot owners: unique for the process's lifetime (thread ids
/// are never reused, unlike OS thread handles).
pub(super) fn thread_key() -> u64 {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    KEY.try_with(|key| {
        if key.get() == 0 {
            key.set(NEXT.fetch_add(1, Relaxed));
        }
        key.get()
    })
    // Unreachable for a const thread-local without destructor; a fresh key is still sound
    // (a slot nobody else owns).
    .unwrap_or_else(|_| NEXT.fetch_add(1, Relaxed))
}

/// The slot this thread cached for the arena epoch `epoch`, if any.
///
/// The pointer is valid while that epoch's arena lives and is not reset: epochs are unique
/// for the process's lifetime, so only the arena now in `epoch` can match.
#[inline(always)]
pub(super) fn cached(epoch: u64) -> Option<*const ThreadSlot> {
    SLOTS
        .try_with(|slots| {
            let (e, slot) = slots[0].get();
            if e == epoch {
                return Some(slot);
            }
            find_further(slots, epoch)
        })
        .ok()
        .flatten()
}

/// The rest of the lookup, out of line: moves a hit to the front.
#[cold]
fn find_further(
    slots: &[Cell<(u64, *const ThreadSlot)>; CACHE],
    epoch: u64,
) -> Option<*const ThreadSlot> {
    let i = (1..CACHE).find(|&i| slots[i].get().0 == epoch)?;
    let hit = slots[i].get();
    for j in (1..=i).rev() {
        slots[j].set(slots[j - 1].get());
    }
    slots[0].set(hit);
    Some(hit.1)
}

/// Caches `slot` as this thread's slot for `epoch`, evicting the least recently used entry.
pub(super) fn remember(epoch: u64, slot: *const ThreadSlot) {
    let _ = SLOTS.try_with(|slots| {
        for j in (1..CACHE).rev() {
            slots[j].set(slots[j - 1].get());
        }
        slots[0].set((epoch, slot));
    });
}

/// A fresh arena epoch: never 0 (the empty cache entry) and never reused.
pub(super) fn next_epoch() -> u64 {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Relaxed)
}
