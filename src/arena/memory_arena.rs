//! [`MemoryArena`]: a bump arena of chunks with scope checkpoints.
//!
//! Where things live: the bump state (cursor, limit, floor, live-count bias, scope key) is in
//! the arena itself, laid out for the short paths; [`counters`] owns every count;
//! [`ChunkList`] the chunks; [`scope_log`] what live scopes need beyond their checkpoints;
//! the growth and alignment policies decide through their own methods
//! ([`GrowthPolicy`](super::GrowthPolicy)); [`layout`](super::layout) does the address
//! arithmetic. [`bump`] allocates, [`release`] gives back, [`scopes`] enters and leaves
//! scopes, [`invariants`] checks in debug builds that all of it agrees.

use core::cell::{Cell, RefCell};
use core::ptr::NonNull;
use std::sync::Arc;

mod builder;
mod bump;
mod counters;
mod invariants;
mod release;
mod scope_log;
mod scopes;

pub use builder::ArenaBuilder;
pub(crate) use scopes::Checkpoint;
use scopes::NO_CHUNK;

use super::chunk::{Chunk, ChunkList};
use super::layout;
use super::observer::ArenaObserver;
use super::policy::{AlignmentPolicy, GrowthPolicy, MAX_ALIGN};
use super::scope::Scope;
use super::stats::{ArenaId, ArenaStatistics};
use super::ArenaError;
use counters::Counters;
use scope_log::ScopeLog;

/// Set in the arena's `key` when allocations and scope exits must take the general path
/// (timing, observers, the adaptive policy, or a scope dropped out of order); the low bits
/// are the depth.
const NOT_PLAIN: usize = 1 << (usize::BITS - 1);

/// Set in the arena's `key` when the minimum alignment exceeds the quantum: allocations
/// then pad on a second short path; scopes and releases are unaffected.
const WIDE: usize = 1 << (usize::BITS - 2);

/// The flag bits of `key`.
const KEY_FLAGS: usize = NOT_PLAIN | WIDE;

/// A bump-allocating memory arena.
///
/// Memory comes from chunks obtained from the system allocator; an allocation is a pointer
/// bump in the current chunk (O(1)). Chunks are only ever added while the arena lives, so
/// growth never moves live data. Memory is given back in bulk when a [`Scope`] ends, or all at
/// once by [`reset`](Self::reset).
///
/// The arena is `Send` but not `Sync`: one thread uses it at a time. Give each worker thread
/// its own (see [`ThreadLocalArena`](super::ThreadLocalArena)).
///
/// # Performance
///
/// Allocating from the innermost scope, dropping the latest [`ArenaVec`](super::ArenaVec)
/// and entering or leaving a scope each take a short path of a few compares and stores
/// (about 2–5 ns on the 2-core VM of `benches/arena.rs`, level with bumpalo and bump-scope
/// for allocation). Every allocation starts at a multiple of 8 bytes and is rounded up to
/// one, so scalars never need padding; a larger alignment (or an
/// [`AlignmentPolicy`] above 8 bytes) adds a few instructions of padding. Arenas that time
/// allocations, have observers or use [`GrowthPolicy::Adaptive`] take a general path instead
/// (a function call and more bookkeeping), as do growth, errors and over-aligned zero
/// sizes.
///
/// ```
/// use rvf::prelude::*;
///
/// let arena = MemoryArena::new(1 << 20);
/// let x = vec![1.0_f64, 2.0, 3.0];
/// {
///     let scope = arena.create_scope();
///     let mut t = scope.clone_of(&x).unwrap(); // a deep copy in the arena
///     t.scale_in_place(2.0);
///     assert_eq!(&t[..], &[2.0, 4.0, 6.0]);
///     assert_eq!(arena.statistics().bytes_allocated, 24);
/// } // scope dropped: its memory is free again
/// assert_eq!(arena.statistics().bytes_allocated, 0);
/// ```
#[repr(C)]
pub struct MemoryArena {
    // The state of the short paths. `repr(C)` keeps this order: the fields an allocation or
    // a release writes are never adjacent to what the other path reads in the same access,
    // since LLVM would otherwise update two of them with one 16-byte load that then stalls
    // on an 8-byte store of the other path (measured in `benches/arena.rs`).
    /// Next free byte of the current chunk (the empty arena: a dangling aligned pointer),
    /// always a multiple of the quantum. It keeps the chunk's pointer provenance; addresses
    /// are compared as integers.
    cursor: Cell<*mut u8>,
    /// Address one past the end of the current chunk.
    limit: Cell<usize>,
    /// Lowest address of the current chunk the innermost scope may reclaim down to: its
    /// checkpoint when that lies in this chunk, else the chunk's start.
    floor: Cell<usize>,
    /// Live bytes are `cursor + bias` (wrapping): an allocation of `f64`s moves the cursor by
    /// exactly its size, so only padding and rounding touch `bias`, and a scope's exit
    /// restores the live count with the cursor.
    bias: Cell<usize>,
    /// The scope depth, with [`NOT_PLAIN`] set when allocations and scope exits take the
    /// general path (the arena is not `plain`, or a scope was dropped out of order) and
    /// [`WIDE`] when allocations must pad: a scope whose depth equals it is the innermost one
    /// and may use the short paths (one compare).
    key: Cell<usize>,
    /// Every count; its first fields are the short paths'.
    counters: Counters,
    /// No timing, no observers, not adaptive: the short paths apply.
    plain: bool,

    // The current chunk's place among the chunks.
    /// Start of the current chunk (the used region is `region_base + cursor - base`).
    base: Cell<usize>,
    /// Index of the current chunk ([`NO_CHUNK`] while there is none).
    current: Cell<usize>,
    /// Capacity of the chunks before `current`.
    region_base: Cell<usize>,

    chunks: RefCell<ChunkList>,
    log: ScopeLog,
    settings: Settings,
    /// Set while observers are being called (an observer that allocates from this arena
    /// must not recurse into itself).
    notifying: Cell<bool>,
    /// This arena's identity in statistics and observer events.
    id: ArenaId,
}

/// What the user configured.
struct Settings {
    growth: GrowthPolicy,
    alignment: AlignmentPolicy,
    /// `alignment`'s minimum in bytes.
    min_align: usize,
    timing: bool,
    observers: Vec<Arc<dyn ArenaObserver>>,
}

// SAFETY: every raw pointer in the arena points into chunks the arena owns, and no state is
// tied to a thread; observers are `Send + Sync`. Moving the whole arena to another thread is
// therefore sound. It is not `Sync` (its `Cell`s make shared use from two threads a race).
unsafe impl Send for MemoryArena {}

/// The cursor of an arena without chunks: non-null and aligned to every accepted alignment,
/// with no room behind it.
const EMPTY: *mut u8 = core::ptr::without_provenance_mut(MAX_ALIGN);

impl MemoryArena {
    /// An arena with `capacity_bytes` reserved in one chunk, growing exponentially when full.
    ///
    /// # Panics
    /// If the system cannot allocate `capacity_bytes`; see [`try_new`](Self::try_new).
    pub fn new(capacity_bytes: usize) -> Self {
        match Self::try_new(capacity_bytes) {
            Ok(a) => a,
            Err(e) => panic!("MemoryArena::new: {e}"),
        }
    }

    /// An arena with `capacity_bytes` reserved, or an error if the system refuses them.
    pub fn try_new(capacity_bytes: usize) -> Result<Self, ArenaError> {
        Self::builder().capacity(capacity_bytes).build()
    }

    /// A builder for an arena with non-default policies, timing or observers.
    pub fn builder() -> ArenaBuilder {
        ArenaBuilder::default()
    }

    /// Enters a new scope. Everything allocated through it is released when it is dropped.
    ///
    /// Scopes nest: [`Scope::create_scope`] enters a child. Only the innermost live scope can
    /// allocate.
    #[inline]
    pub fn create_scope(&self) -> Scope<'_> {
        Scope::enter(self)
    }

    /// Allocates `bytes` bytes aligned to at least `align` directly in the arena, outside any
    /// scope. The memory stays allocated until [`reset`](Self::reset), the end of the arena,
    /// or [`deallocate`](Self::deallocate).
    ///
    /// A zero-size request returns a non-null, aligned pointer (valid for zero bytes) and
    /// uses no space.
    ///
    /// # Errors
    /// [`ArenaError::InvalidAlignment`] if `align` is not a power of two,
    /// [`ArenaError::ScopeNotInnermost`] while a scope is alive (a scope ending must never
    /// free memory allocated after it began), [`ArenaError::Exhausted`] when full under
    /// [`GrowthPolicy::FixedSize`], [`ArenaError::SystemAllocationFailed`] if growth fails.
    #[inline]
    pub fn allocate(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        self.allocate_at(0, bytes, align)
    }

    /// Gives back an allocation. If it is the most recent one in the innermost scope, its
    /// space is reclaimed at once; otherwise it is recorded (no longer live) and its space is
    /// reclaimed when the enclosing scope ends.
    ///
    /// In debug builds, a pointer the arena does not own triggers an assertion; in release
    /// builds it is ignored.
    ///
    /// # Safety
    /// `ptr` and `bytes` must describe one allocation made by this arena (by
    /// [`allocate`](Self::allocate)) that the caller owns and that has not been released;
    /// afterwards the caller must neither use the memory nor release it again. In particular
    /// the block of an [`ArenaVec`](crate::arena::ArenaVec) belongs to the vector, which
    /// releases it when dropped: deallocating it as well would let a later allocation overlap
    /// a live vector.
    #[inline]
    pub unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
        self.release(ptr, bytes);
    }

    /// A snapshot of the arena's statistics.
    pub fn statistics(&self) -> ArenaStatistics {
        let chunks = self.chunks.borrow();
        let total_capacity = chunks.total_capacity();
        let region = self.used_region();
        let live = self.live();
        let fragmentation_ratio = if region == 0 {
            0.0
        } else {
            region.saturating_sub(live) as f64 / region as f64
        };
        ArenaStatistics {
            total_capacity,
            bytes_allocated: live,
            bytes_available: total_capacity.saturating_sub(region),
            peak_usage: self.counters.peak_live(live),
            total_allocations: self.counters.allocations(),
            failed_allocations: self.counters.failed(),
            fragmentation_ratio,
            avg_allocation_time: self.counters.mean_time().filter(|_| self.settings.timing),
            chunks: chunks.len(),
            scope_depth: self.scope_depth(),
            arena: self.id,
        }
    }

    /// This arena's identity, as statistics and observer events give it.
    pub fn id(&self) -> ArenaId {
        self.id
    }

    /// Frees everything and keeps only the largest chunk (under [`GrowthPolicy::Adaptive`],
    /// one chunk sized for the peak footprint). Counters of allocations are kept.
    ///
    /// Taking `&mut self` guarantees no scope or arena vector is alive. Scopes leaked with
    /// `mem::forget` are discarded.
    pub fn reset(&mut self) {
        let growth = self.settings.growth;
        if growth.tracks_peak_region() {
            self.counters.note_region(self.used_region());
        }
        self.counters.note_live(self.live());
        let chunks = self.chunks.get_mut();
        if let Some(kept) = chunks.take_largest() {
            let replacement = growth
                .chunk_after_reset(kept.capacity(), self.counters.peak_region())
                .and_then(|bytes| Chunk::new(bytes, self.settings.min_align).ok());
            chunks.push(replacement.unwrap_or(kept));
        }
        self.start_over();
        if !self.settings.observers.is_empty() {
            let id = self.id;
            self.notify(|o| o.on_reset(id));
        }
    }

    /// Sets the growth policy for future growth.
    pub fn set_growth_policy(&mut self, policy: GrowthPolicy) {
        self.settings.growth = policy;
        self.update_plain();
    }

    /// The growth policy.
    pub fn growth_policy(&self) -> GrowthPolicy {
        self.settings.growth
    }

    /// Sets the minimum alignment of future allocations.
    ///
    /// # Errors
    /// [`ArenaError::InvalidAlignment`] for a `Custom` value that is not a power of two (the
    /// policy is then unchanged).
    pub fn set_alignment_policy(&mut self, policy: AlignmentPolicy) -> Result<(), ArenaError> {
        self.settings.min_align = policy.min_align()?;
        self.settings.alignment = policy;
        self.update_plain();
        Ok(())
    }

    /// The alignment policy.
    pub fn alignment_policy(&self) -> AlignmentPolicy {
        self.settings.alignment
    }

    /// Registers an observer (RVF's `arena_observers(arena, observer)`). Taking `&mut self`
    /// means no scope is alive, so an observer sees every scope from its start.
    pub fn add_observer(&mut self, observer: Arc<dyn ArenaObserver>) {
        self.settings.timing |= observer.wants_timing();
        self.settings.observers.push(observer);
        self.update_plain();
    }

    /// Number of live scopes (0 outside any scope).
    #[inline]
    pub fn scope_depth(&self) -> usize {
        self.key.get() & !KEY_FLAGS
    }

    /// Whether this arena allocated the byte at `ptr` (it lies inside one of its chunks).
    pub fn owns(&self, ptr: *const u8) -> bool {
        self.chunks.borrow().owns(ptr.addr())
    }

    // ----- configuration -----

    /// Recomputes `plain` and the flag in `key` after a configuration change.
    fn update_plain(&mut self) {
        let s = &self.settings;
        self.plain = !s.timing && s.observers.is_empty() && !s.growth.tracks_peak_region();
        self.set_key(self.scope_depth());
    }

    /// Sets `key` for `depth` live scopes (see its doc).
    fn set_key(&self, depth: usize) {
        let mut key = depth;
        if !self.plain || self.log.has_deferred() {
            key |= NOT_PLAIN;
        }
        if self.settings.min_align > layout::QUANTUM {
            key |= WIDE;
        }
        self.key.set(key);
    }

    /// Empties the arena onto its first chunk (if any) with no scope alive.
    fn start_over(&mut self) {
        self.log.clear();
        self.set_key(0);
        let first = self
            .chunks
            .get_mut()
            .first()
            .map(|c| (c.ptr().as_ptr(), c.capacity()));
        let (cursor, capacity, current) = match first {
            Some((ptr, capacity)) => (ptr, capacity, 0),
            None => (EMPTY, 0, NO_CHUNK),
        };
        self.cursor.set(cursor);
        self.base.set(cursor.addr());
        self.limit.set(cursor.addr() + capacity);
        self.floor.set(cursor.addr());
        self.current.set(current);
        self.region_base.set(0);
        self.set_live(0);
        self.check_invariants();
    }

    // ----- the live count and the used region -----

    /// Bytes of live allocations.
    #[inline(always)]
    fn live(&self) -> usize {
        self.cursor.get().addr().wrapping_add(self.bias.get())
    }

    /// Sets the live count for the current cursor.
    #[inline(always)]
    fn set_live(&self, live: usize) {
        self.bias.set(live.wrapping_sub(self.cursor.get().addr()));
    }

    /// Notes the live count before it decreases.
    #[inline(always)]
    fn note_peak_live(&self) {
        self.counters.note_live(self.live());
    }

    /// Notes the used region before the cursor moves back, if the growth policy needs it.
    #[inline]
    fn note_peak_region(&self) {
        if self.settings.growth.tracks_peak_region() {
            self.counters.note_region(self.used_region());
        }
    }

    /// Everything from the first chunk's start to the cursor.
    #[inline]
    fn used_region(&self) -> usize {
        self.region_base.get() + (self.cursor.get().addr() - self.base.get())
    }

    /// Allocations since the arena was created, from which a scope counts its own.
    #[inline(always)]
    pub(crate) fn allocation_count(&self) -> u64 {
        self.counters.allocations()
    }

    /// Counts a refused request and passes its error on.
    #[cold]
    pub(crate) fn fail(&self, e: ArenaError) -> ArenaError {
        self.counters.count_failure();
        e
    }

    // ----- observers -----

    /// Calls `f` on every observer, unless an observer is already being called (an observer
    /// that allocates from this arena must not recurse into itself).
    #[inline]
    fn notify(&self, f: impl Fn(&dyn ArenaObserver)) {
        if self.notifying.replace(true) {
            return;
        }
        struct Reset<'a>(&'a Cell<bool>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let _reset = Reset(&self.notifying);
        for o in &self.settings.observers {
            f(o.as_ref());
        }
    }

    #[inline(always)]
    fn observed(&self) -> bool {
        !self.settings.observers.is_empty()
    }
}

impl Drop for MemoryArena {
    fn drop(&mut self) {
        if self.observed() {
            let stats = self.statistics();
            self.notify(|o| o.on_arena_drop(&stats));
        }
    }
}

impl core::fmt::Debug for MemoryArena {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryArena")
            .field("growth", &self.settings.growth)
            .field("alignment", &self.settings.alignment)
            .field("statistics", &self.statistics())
            .finish()
    }
}
