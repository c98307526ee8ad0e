//! [`SharedArenaBuilder`]: a shared arena's capacity, policies and thread buffer size.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use super::regions::Regions;
use super::{thread_slot, SharedArena};
use crate::arena::layout::{quantum_size, QUANTUM};
use crate::arena::policy::{AlignmentPolicy, GrowthPolicy};
use crate::arena::stats::ArenaId;
use crate::arena::ArenaError;

/// Configures a [`SharedArena`].
///
/// ```
/// use rvf::arena::{GrowthPolicy, SharedArena};
/// let arena = SharedArena::builder()
///     .capacity(1 << 20)
///     .growth(GrowthPolicy::FixedSize)
///     .thread_buffer(16 * 1024)
///     .build()
///     .unwrap();
/// let v = arena.alloc_zeroed::<f64>(100).unwrap();
/// assert_eq!(arena.statistics().bytes_carved, 16 * 1024);
/// # drop(v);
/// ```
#[derive(Clone, Debug, Default)]
pub struct SharedArenaBuilder {
    capacity: usize,
    growth: GrowthPolicy,
    alignment: AlignmentPolicy,
    thread_buffer: Option<usize>,
}

/// A thread buffer's default size, when the capacity is at least 16 times as large.
const DEFAULT_THREAD_BUFFER: usize = 64 * 1024;

impl SharedArenaBuilder {
    /// Bytes reserved up front, in one chunk (0: no chunk until the first allocation).
    pub fn capacity(mut self, bytes: usize) -> Self {
        self.capacity = bytes;
        self
    }

    /// What to do when no buffer can be carved. Default: [`GrowthPolicy::Exponential`].
    pub fn growth(mut self, policy: GrowthPolicy) -> Self {
        self.growth = policy;
        self
    }

    /// Minimum alignment of every allocation. Default: [`AlignmentPolicy::Natural`]
    /// (allocations still start at multiples of 8 bytes).
    pub fn alignment(mut self, policy: AlignmentPolicy) -> Self {
        self.alignment = policy;
        self
    }

    /// Bytes each thread takes from the arena at a time (a larger request takes a buffer of
    /// its own size). Larger buffers mean fewer trips to the lock; smaller ones leave less
    /// unused room per thread, which matters for a fixed-size arena: there, room in one
    /// thread's buffer is not available to another. Default: 64 KiB, or a sixteenth of the
    /// capacity if that is smaller (rounded up to 8 bytes, at least 256).
    pub fn thread_buffer(mut self, bytes: usize) -> Self {
        self.thread_buffer = Some(bytes);
        self
    }

    /// Builds the arena.
    ///
    /// # Errors
    /// [`ArenaError::InvalidAlignment`] for a `Custom` alignment that is not a power of two,
    /// [`ArenaError::SystemAllocationFailed`] if the first chunk cannot be allocated.
    pub fn build(self) -> Result<SharedArena, ArenaError> {
        let min_align = self.alignment.min_align()?.max(QUANTUM);
        let buffer = self
            .thread_buffer
            .unwrap_or_else(|| match self.capacity / 16 {
                0 => DEFAULT_THREAD_BUFFER,
                sixteenth => sixteenth.clamp(256, DEFAULT_THREAD_BUFFER),
            });
        let buffer = quantum_size(buffer.clamp(QUANTUM, isize::MAX as usize));
        Ok(SharedArena {
            epoch: thread_slot::next_epoch(),
            min_align,
            buffer,
            growth: self.growth,
            regions: Mutex::new(Regions::with_capacity(self.capacity, min_align)?),
            failed: AtomicU64::new(0),
            released_elsewhere: AtomicU64::new(0),
            id: ArenaId::next(),
        })
    }
}
