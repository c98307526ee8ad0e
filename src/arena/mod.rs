//! The memory arena: bump allocation, RAII scopes, arena vectors, statistics, observers.
//!
//! - [`MemoryArena`]: chunks of memory with O(1) bump allocation; [`GrowthPolicy`] and
//!   [`AlignmentPolicy`]; [`ArenaStatistics`].
//! - [`Scope`]: an RAII region; dropping it releases everything allocated through it.
//! - [`ArenaVec`]: a vector in a scope, implementing every vector operation.
//! - [`ArenaClone`] / [`arena_clone`]: deep copies into a scope, with a fallback for types
//!   without arena support.
//! - [`ArenaObserver`] with [`PerformanceObserver`] and [`LeakObserver`].
//! - [`PerformanceTracker`]: a guard that reports what an arena did meanwhile.
//! - [`ThreadLocalArena`]: one arena per thread.
//! - [`SharedArena`]: one arena that many threads allocate from at once, with [`SharedVec`]s
//!   that can move between threads.
//! - `allocator_api2::alloc::Allocator` for `MemoryArena` and `Scope`.

mod allocator;
mod chunk;
mod clone;
mod error;
mod layout;
mod memory_arena;
mod observer;
mod policy;
mod scope;
mod shared;
mod stats;
mod thread_local;
mod tracker;
mod uninit;
mod vec;

pub use clone::{arena_allocate, arena_clone, estimate_arena_size, ArenaClone};
pub use error::ArenaError;
pub use memory_arena::{ArenaBuilder, MemoryArena};
pub use observer::{
    AllocationEvent, ArenaObserver, LeakObserver, LeakReport, PerformanceObserver,
    PerformanceReport, HISTOGRAM_BUCKETS,
};
pub use policy::{AlignmentPolicy, GrowthPolicy, MAX_ALIGN};
pub use scope::Scope;
pub use shared::{SharedArena, SharedArenaBuilder, SharedVec};
pub use stats::{ArenaId, ArenaStatistics, ScopeStatistics, SharedArenaStatistics};
pub use thread_local::ThreadLocalArena;
pub use tracker::{PerformanceTracker, TrackerReport};
pub use vec::ArenaVec;
