//! Arena and scope statistics.

use core::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Which arena a statistic or an observer event comes from: unique among the arenas of a
/// process, so one observer can watch several arenas and tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArenaId(u64);

impl ArenaId {
    /// A fresh identity.
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ArenaId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A snapshot of an arena's state, from [`MemoryArena::statistics`](super::MemoryArena::statistics).
///
/// Terms: a *live* byte belongs to an allocation not yet released (by its scope ending, by
/// [`deallocate`](super::MemoryArena::deallocate), or by dropping its
/// [`ArenaVec`](super::ArenaVec)). The *used region* is everything from the start of the first
/// chunk up to the bump cursor, counting whole chunks that the cursor has moved past: live
/// bytes plus padding (every allocation starts at a multiple of 8 bytes and its size is
/// rounded up to one, and more for larger alignments), holes left by out-of-order
/// deallocations, and unused chunk tails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArenaStatistics {
    /// Bytes reserved from the system, over all chunks.
    pub total_capacity: usize,
    /// Live bytes: the sizes of all live allocations (padding excluded).
    pub bytes_allocated: usize,
    /// Bytes past the cursor that new allocations can still use without growth:
    /// `total_capacity − used region`.
    pub bytes_available: usize,
    /// The largest `bytes_allocated` seen since the arena was created.
    pub peak_usage: usize,
    /// Successful allocations since the arena was created (zero-size ones included).
    pub total_allocations: u64,
    /// Refused allocations since the arena was created.
    pub failed_allocations: u64,
    /// `(used region − live bytes) / used region`: the share of the used region that holds no
    /// live data (padding, holes, chunk tails). 0 when the used region is empty.
    pub fragmentation_ratio: f64,
    /// Mean time per successful allocation, when timing is on (see
    /// [`ArenaBuilder::timing`](super::ArenaBuilder::timing)); `None` when it is off, because
    /// reading a clock costs more than a bump allocation.
    pub avg_allocation_time: Option<Duration>,
    /// Number of chunks the arena holds.
    pub chunks: usize,
    /// Number of live scopes.
    pub scope_depth: usize,
    /// The arena described.
    pub arena: ArenaId,
}

impl fmt::Display for ArenaStatistics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capacity {} B in {} chunk(s), live {} B, available {} B, peak {} B, \
             {} allocations ({} failed), fragmentation {:.3}",
            self.total_capacity,
            self.chunks,
            self.bytes_allocated,
            self.bytes_available,
            self.peak_usage,
            self.total_allocations,
            self.failed_allocations,
            self.fragmentation_ratio
        )?;
        if let Some(t) = self.avg_allocation_time {
            write!(f, ", {:.1} ns/allocation", t.as_secs_f64() * 1e9)?;
        }
        Ok(())
    }
}

/// Statistics of one scope, from [`Scope::statistics`](super::Scope::statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeStatistics {
    /// Successful allocations made while this scope was alive, through it or through its
    /// child scopes.
    pub scope_allocations: usize,
    /// Live bytes the scope holds: allocated through it or its children and not yet
    /// released; what its end gives back. (Like [`ArenaStatistics::bytes_allocated`],
    /// padding is not counted.)
    pub scope_bytes: usize,
    /// Time since the scope was entered, when the arena times (see
    /// [`ArenaBuilder::timing`](super::ArenaBuilder::timing)); `None` otherwise.
    pub scope_lifetime: Option<Duration>,
    /// Nesting depth: 1 for a scope created from the arena, 2 for its child, and so on.
    pub depth: usize,
    /// The arena the scope belongs to.
    pub arena: ArenaId,
}

/// A snapshot of a [`SharedArena`](super::SharedArena), from
/// [`SharedArena::statistics`](super::SharedArena::statistics).
///
/// The counts are exact when no thread allocates or releases while they are taken (after the
/// threads were joined, or between parallel phases); during concurrent use each count is one
/// that some thread wrote, a moment old. Counts run since the arena was created, across
/// resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedArenaStatistics {
    /// Bytes reserved from the system, over all chunks.
    pub total_capacity: usize,
    /// Number of chunks the arena holds.
    pub chunks: usize,
    /// Bytes handed to thread buffers since the last reset, whether used or not (tails of
    /// earlier chunks that no buffer could use included): the arena's used region.
    pub bytes_carved: usize,
    /// Live bytes: the sizes of all allocations not yet released (padding excluded).
    pub bytes_allocated: usize,
    /// Bytes of all successful allocations ever (padding excluded).
    pub bytes_requested: u64,
    /// Successful allocations (zero-size ones included).
    pub total_allocations: u64,
    /// Refused allocations.
    pub failed_allocations: u64,
    /// Threads that allocated since the last reset (each holds a buffer).
    pub threads: usize,
    /// The arena described.
    pub arena: ArenaId,
}

impl fmt::Display for SharedArenaStatistics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capacity {} B in {} chunk(s), carved {} B for {} thread(s), live {} B, \
             {} allocations ({} failed, {} B requested)",
            self.total_capacity,
            self.chunks,
            self.bytes_carved,
            self.threads,
            self.bytes_allocated,
            self.total_allocations,
            self.failed_allocations,
            self.bytes_requested
        )
    }
}
