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
