//! [`ArenaError`]: every way an arena request can fail.

use core::fmt;

/// An arena request that could not be served. The arena is unchanged and stays usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArenaError {
    /// The arena is full and its [`GrowthPolicy`](super::GrowthPolicy) forbids growth.
    Exhausted {
        /// Bytes asked for.
        requested: usize,
        /// Bytes still free in the arena (possibly not in one piece large enough).
        available: usize,
    },
    /// The system allocator refused a new chunk, or its size does not fit a `Layout`.
    SystemAllocationFailed {
        /// Size of the chunk the arena asked the system for.
        chunk_bytes: usize,
    },
    /// `count · size_of::<T>()` overflows `usize`.
    SizeOverflow {
        /// Elements asked for.
        count: usize,
        /// Size of one element in bytes.
        element_size: usize,
    },
    /// An alignment that is not a power of two.
    InvalidAlignment {
        /// The alignment given.
        align: usize,
    },
    /// An allocation through a scope (or the arena itself) while a scope created after it is
    /// still alive. Only the innermost live scope may allocate, because releasing it must not
    /// free memory an outer scope still uses.
    ScopeNotInnermost {
        /// Depth of the scope that asked (0 for the arena itself).
        depth: usize,
        /// Depth of the innermost live scope.
        innermost: usize,
    },
    /// The thread's arena was already destroyed: a [`ThreadLocalArena`](super::ThreadLocalArena)
    /// call from a thread-local destructor during thread exit.
    ThreadArenaGone,
}

impl fmt::Display for ArenaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ArenaError::Exhausted {
                requested,
                available,
            } => write!(
                f,
                "arena exhausted: {requested} bytes requested, {available} bytes available \
                 and the growth policy is FixedSize"
            ),
            ArenaError::SystemAllocationFailed { chunk_bytes } => {
                write!(
                    f,
                    "the system could not allocate an arena chunk of {chunk_bytes} bytes"
                )
            }
            ArenaError::SizeOverflow {
                count,
                element_size,
            } => write!(
                f,
                "{count} elements of {element_size} bytes overflow the address space"
            ),
            ArenaError::ThreadArenaGone => write!(
                f,
                "the thread's arena is gone (a thread-local destructor ran after it)"
            ),
            ArenaError::InvalidAlignment { align } => {
                write!(f, "alignment {align} is not a power of two")
            }
            ArenaError::ScopeNotInnermost { depth, innermost } => write!(
                f,
                "allocation from scope depth {depth} while the scope at depth {innermost} is \
                 alive; only the innermost scope may allocate"
            ),
        }
    }
}

impl std::error::Error for ArenaError {}
