//! [`ArenaBuilder`]: an arena's capacity, policies, timing and observers.

use core::cell::{Cell, RefCell};
use std::sync::Arc;

use super::counters::Counters;
use super::scope_log::ScopeLog;
use super::scopes::NO_CHUNK;
use super::{MemoryArena, Settings, EMPTY};
use crate::arena::chunk::{Chunk, ChunkList};
use crate::arena::observer::ArenaObserver;
use crate::arena::policy::{AlignmentPolicy, GrowthPolicy};
use crate::arena::stats::ArenaId;
use crate::arena::ArenaError;

/// Configures a [`MemoryArena`]: capacity, policies, timing and observers.
///
/// ```
/// use rvf::arena::{AlignmentPolicy, GrowthPolicy, MemoryArena};
/// let arena = MemoryArena::builder()
///     .capacity(64 * 1024)
///     .growth(GrowthPolicy::FixedSize)
///     .alignment(AlignmentPolicy::CacheLine)
///     .build()
///     .unwrap();
/// let scope = arena.create_scope();
/// let v = scope.alloc_zeroed::<f64>(3).unwrap();
/// assert_eq!(v.as_ptr() as usize % 64, 0);
/// ```
#[derive(Clone, Default)]
pub struct ArenaBuilder {
    capacity: usize,
    growth: GrowthPolicy,
    alignment: AlignmentPolicy,
    timing: bool,
    observers: Vec<Arc<dyn ArenaObserver>>,
}

impl ArenaBuilder {
    /// Bytes reserved up front, in one chunk (0: no chunk until the first allocation).
    pub fn capacity(mut self, bytes: usize) -> Self {
        self.capacity = bytes;
        self
    }

    /// What to do when full. Default: [`GrowthPolicy::Exponential`].
    pub fn growth(mut self, policy: GrowthPolicy) -> Self {
        self.growth = policy;
        self
    }

    /// Minimum alignment of every allocation. Default: [`AlignmentPolicy::Natural`].
    pub fn alignment(mut self, policy: AlignmentPolicy) -> Self {
        self.alignment = policy;
        self
    }

    /// Measure every allocation's time (for `avg_allocation_time`) and scope lifetimes.
    /// Off by default: a clock read costs more than the allocation it measures.
    pub fn timing(mut self, on: bool) -> Self {
        self.timing = on;
        self
    }

    /// Registers an observer. An observer whose [`wants_timing`](ArenaObserver::wants_timing)
    /// is true switches timing on.
    pub fn observer(mut self, observer: Arc<dyn ArenaObserver>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Builds the arena.
    ///
    /// # Errors
    /// [`ArenaError::InvalidAlignment`] for a `Custom` alignment that is not a power of two,
    /// [`ArenaError::SystemAllocationFailed`] if the first chunk cannot be allocated.
    pub fn build(self) -> Result<MemoryArena, ArenaError> {
        let min_align = self.alignment.min_align()?;
        let mut chunks = ChunkList::default();
        if self.capacity > 0 {
            chunks.push(Chunk::new(self.capacity, min_align)?);
        }
        let timing = self.timing || self.observers.iter().any(|o| o.wants_timing());
        let mut arena = MemoryArena {
            cursor: Cell::new(EMPTY),
            limit: Cell::new(EMPTY.addr()),
            floor: Cell::new(EMPTY.addr()),
            bias: Cell::new(0),
            key: Cell::new(0),
            counters: Counters::default(),
            plain: true,
            base: Cell::new(EMPTY.addr()),
            current: Cell::new(NO_CHUNK),
            region_base: Cell::new(0),
            chunks: RefCell::new(chunks),
            log: ScopeLog::default(),
            settings: Settings {
                growth: self.growth,
                alignment: self.alignment,
                min_align,
                timing,
                observers: self.observers,
            },
            notifying: Cell::new(false),
            id: ArenaId::next(),
        };
        arena.update_plain();
        arena.start_over();
        Ok(arena)
    }
}
