//! How an arena grows when full and how it aligns allocations.

use super::ArenaError;

/// What an arena does when a request does not fit in its current chunk.
///
/// Growth adds a chunk; it never moves or frees live data. Chunks that become empty (after a
/// scope ends) are reused before new ones are requested from the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GrowthPolicy {
    /// Never grow: a request that does not fit fails with
    /// [`ArenaError::Exhausted`](super::ArenaError::Exhausted).
    FixedSize,
    /// Add chunks of this many bytes (or of the request's size, if larger).
    Linear(usize),
    /// Add a chunk as large as the whole arena so far (or the request, if larger): the
    /// capacity doubles at each growth. The default.
    #[default]
    Exponential,
    /// Grow like [`Exponential`](Self::Exponential), and on
    /// [`reset`](super::MemoryArena::reset) replace all chunks by a single one large enough for
    /// the peak footprint seen so far (rounded up to a power of two). A workload that repeats
    /// after a reset (one solve, one time step) then runs in one chunk with no further growth.
    Adaptive,
}

/// Smallest chunk an exponentially growing arena asks the system for.
const MIN_CHUNK: usize = 4096;

impl GrowthPolicy {
    /// The size of the chunk to add for a request of `size` bytes (rounded to the quantum)
    /// when the arena holds `total` bytes, or `None` if the policy does not grow.
    pub(crate) fn next_chunk(self, total: usize, size: usize) -> Option<usize> {
        match self {
            GrowthPolicy::FixedSize => None,
            GrowthPolicy::Linear(step) => Some(step.max(size)),
            GrowthPolicy::Exponential | GrowthPolicy::Adaptive => {
                Some(total.max(MIN_CHUNK).max(size))
            }
        }
    }

    /// The error for a request of `requested` bytes that no chunk can hold: the arena is
    /// exhausted when it may not grow, else the system refused (or could not be asked for)
    /// the chunk.
    pub(crate) fn refusal(self, requested: usize, available: usize) -> ArenaError {
        match self {
            GrowthPolicy::FixedSize => ArenaError::Exhausted {
                requested,
                available,
            },
            _ => ArenaError::SystemAllocationFailed {
                chunk_bytes: requested,
            },
        }
    }

    /// Whether the arena must track the largest used region (for [`reset`](Self::Adaptive)).
    #[inline]
    pub(crate) fn tracks_peak_region(self) -> bool {
        self == GrowthPolicy::Adaptive
    }

    /// The size of the one chunk `reset` should replace a kept chunk of `kept` bytes by, when
    /// the largest used region seen was `peak_region`; `None` keeps the chunk.
    pub(crate) fn chunk_after_reset(self, kept: usize, peak_region: usize) -> Option<usize> {
        let target = peak_region.next_power_of_two();
        (self == GrowthPolicy::Adaptive && kept < target).then_some(target)
    }
}

/// Minimum alignment of every allocation; a request asking for more gets more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AlignmentPolicy {
    /// Each allocation's own alignment (`align_of::<T>()` for typed allocations). The default.
    #[default]
    Natural,
    /// 64 bytes: no allocation shares a cache line with another.
    CacheLine,
    /// 4096 bytes.
    PageAligned,
    /// A power of two chosen by the user.
    Custom(usize),
}

impl AlignmentPolicy {
    /// The minimum alignment in bytes, or an error for a `Custom` value that is not a power of
    /// two.
    pub fn min_align(self) -> Result<usize, ArenaError> {
        match self {
            AlignmentPolicy::Natural => Ok(1),
            AlignmentPolicy::CacheLine => Ok(64),
            AlignmentPolicy::PageAligned => Ok(4096),
            AlignmentPolicy::Custom(n) if n.is_power_of_two() && n <= MAX_ALIGN => Ok(n),
            AlignmentPolicy::Custom(n) => Err(ArenaError::InvalidAlignment { align: n }),
        }
    }
}

/// The largest alignment the arena accepts (1 GiB).
pub const MAX_ALIGN: usize = 1 << 30;
