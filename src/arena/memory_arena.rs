//! [`MemoryArena`]: a bump arena of chunks with scope checkpoints.

use core::cell::{Cell, RefCell, UnsafeCell};
use core::ptr::NonNull;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::chunk::Chunk;
use super::observer::{AllocationEvent, ArenaObserver};
use super::policy::{AlignmentPolicy, GrowthPolicy, MAX_ALIGN};
use super::scope::Scope;
use super::stats::{ArenaStatistics, ScopeStatistics};
use super::ArenaError;

/// Smallest chunk an exponentially growing arena asks the system for.
const MIN_CHUNK: usize = 4096;

/// A place in the arena: a chunk and a byte offset in it. Ordered as allocation proceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Position {
    chunk: usize,
    offset: usize,
}

/// The record of one live (or dropped-but-not-yet-released) scope.
#[derive(Debug, Clone, Copy)]
struct Frame {
    checkpoint: Position,
    live_at_entry: usize,
    dropped: bool,
}

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
pub struct MemoryArena {
    // Bump state of the current chunk, read on every allocation.
    base: Cell<*mut u8>,
    cursor: Cell<usize>,
    limit: Cell<usize>,
    current: Cell<usize>,
    /// Capacity of the chunks before `current`: the used region is `region_base + cursor`.
    region_base: Cell<usize>,
    chunks: RefCell<Vec<Chunk>>,

    // Scopes: `depth == frames.len()`, kept apart so the hot path needs no `RefCell` borrow.
    depth: Cell<usize>,
    floor: Cell<Position>,
    /// Only touched through [`frames`](Self::frames), never across a call out of the arena.
    frames: UnsafeCell<Vec<Frame>>,

    // Statistics.
    total_allocations: Cell<u64>,
    failed_allocations: Cell<u64>,
    live: Cell<usize>,
    peak_live: Cell<usize>,
    /// The largest used region seen, kept only under [`GrowthPolicy::Adaptive`] (its reset
    /// sizes the single chunk from it).
    peak_region: Cell<usize>,
    timed_nanos: Cell<u128>,
    timed_allocations: Cell<u64>,

    // Configuration.
    growth: GrowthPolicy,
    alignment: AlignmentPolicy,
    min_align: usize,
    timing: bool,
    observers: Vec<Arc<dyn ArenaObserver>>,
    notifying: Cell<bool>,
    /// `!timing && observers.is_empty()`: allocations take the short path.
    plain: bool,
    /// `growth == GrowthPolicy::Adaptive`, the only policy that needs the peak region.
    adaptive: bool,
}

// SAFETY: every raw pointer in the arena points into chunks the arena owns, and no state is
// tied to a thread; observers are `Send + Sync`. Moving the whole arena to another thread is
// therefore sound. It is not `Sync` (its `Cell`s make shared use from two threads a race).
unsafe impl Send for MemoryArena {}

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
        let mut chunks = Vec::new();
        if self.capacity > 0 {
            chunks.push(Chunk::new(self.capacity, min_align)?);
        }
        let (base, limit) = chunks.first().map_or((core::ptr::null_mut(), 0), |c| {
            (c.ptr().as_ptr(), c.capacity())
        });
        let timing = self.timing || self.observers.iter().any(|o| o.wants_timing());
        Ok(MemoryArena {
            base: Cell::new(base),
            cursor: Cell::new(0),
            limit: Cell::new(limit),
            current: Cell::new(0),
            region_base: Cell::new(0),
            chunks: RefCell::new(chunks),
            depth: Cell::new(0),
            floor: Cell::new(Position::default()),
            frames: UnsafeCell::new(Vec::new()),
            total_allocations: Cell::new(0),
            failed_allocations: Cell::new(0),
            live: Cell::new(0),
            peak_live: Cell::new(0),
            peak_region: Cell::new(0),
            timed_nanos: Cell::new(0),
            timed_allocations: Cell::new(0),
            growth: self.growth,
            alignment: self.alignment,
            min_align,
            timing,
            plain: !timing && self.observers.is_empty(),
            adaptive: self.growth == GrowthPolicy::Adaptive,
            observers: self.observers,
            notifying: Cell::new(false),
        })
    }
}

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
    /// A zero-size request returns a dangling, aligned pointer and uses no space.
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
    /// `ptr` and `bytes` must describe one allocation made by this arena that has not been
    /// released, and the memory must not be used afterwards.
    #[inline]
    pub unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
        self.release(ptr, bytes);
    }

    /// A snapshot of the arena's statistics.
    pub fn statistics(&self) -> ArenaStatistics {
        let chunks = self.chunks.borrow();
        let total_capacity: usize = chunks.iter().map(Chunk::capacity).sum();
        let region = self.used_region();
        let live = self.live.get();
        let fragmentation_ratio = if region == 0 {
            0.0
        } else {
            region.saturating_sub(live) as f64 / region as f64
        };
        let avg_allocation_time = (self.timing && self.timed_allocations.get() > 0).then(|| {
            let avg = self.timed_nanos.get() / u128::from(self.timed_allocations.get());
            Duration::from_nanos(u64::try_from(avg).unwrap_or(u64::MAX))
        });
        ArenaStatistics {
            total_capacity,
            bytes_allocated: live,
            bytes_available: total_capacity.saturating_sub(region),
            peak_usage: self.peak_live.get(),
            total_allocations: self.total_allocations.get(),
            failed_allocations: self.failed_allocations.get(),
            fragmentation_ratio,
            avg_allocation_time,
            chunks: chunks.len(),
            scope_depth: self.depth.get(),
        }
    }

    /// Frees everything and keeps only the largest chunk (under [`GrowthPolicy::Adaptive`],
    /// one chunk sized for the peak footprint). Counters of allocations are kept.
    ///
    /// Taking `&mut self` guarantees no scope or arena vector is alive. Scopes leaked with
    /// `mem::forget` are discarded.
    pub fn reset(&mut self) {
        if self.adaptive {
            self.note_peak_region();
        }
        self.frames.get_mut().clear();
        self.depth.set(0);
        self.floor.set(Position::default());
        let chunks = self.chunks.get_mut();
        let largest = chunks
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| c.capacity())
            .map(|(i, _)| i);
        if let Some(i) = largest {
            let keep = chunks.swap_remove(i);
            chunks.clear();
            let target = self.peak_region.get().next_power_of_two();
            let replacement = (self.growth == GrowthPolicy::Adaptive && keep.capacity() < target)
                .then(|| Chunk::new(target, self.min_align).ok())
                .flatten();
            chunks.push(replacement.unwrap_or(keep));
        }
        let (base, limit) = chunks.first().map_or((core::ptr::null_mut(), 0), |c| {
            (c.ptr().as_ptr(), c.capacity())
        });
        self.base.set(base);
        self.limit.set(limit);
        self.cursor.set(0);
        self.current.set(0);
        self.region_base.set(0);
        self.live.set(0);
    }

    /// Sets the growth policy for future growth.
    pub fn set_growth_policy(&mut self, policy: GrowthPolicy) {
        self.growth = policy;
        self.adaptive = policy == GrowthPolicy::Adaptive;
    }

    /// The growth policy.
    pub fn growth_policy(&self) -> GrowthPolicy {
        self.growth
    }

    /// Sets the minimum alignment of future allocations.
    ///
    /// # Errors
    /// [`ArenaError::InvalidAlignment`] for a `Custom` value that is not a power of two (the
    /// policy is then unchanged).
    pub fn set_alignment_policy(&mut self, policy: AlignmentPolicy) -> Result<(), ArenaError> {
        self.min_align = policy.min_align()?;
        self.alignment = policy;
        Ok(())
    }

    /// The alignment policy.
    pub fn alignment_policy(&self) -> AlignmentPolicy {
        self.alignment
    }

    /// Registers an observer (RVF's `arena_observers(arena, observer)`). Taking `&mut self`
    /// means no scope is alive, so an observer sees every scope from its start.
    pub fn add_observer(&mut self, observer: Arc<dyn ArenaObserver>) {
        self.timing |= observer.wants_timing();
        self.observers.push(observer);
        self.plain = false;
    }

    /// Number of live scopes (0 outside any scope).
    #[inline]
    pub fn scope_depth(&self) -> usize {
        self.depth.get()
    }

    /// Whether this arena allocated the byte at `ptr` (it lies inside one of its chunks).
    pub fn owns(&self, ptr: *const u8) -> bool {
        let addr = ptr as usize;
        self.chunks.borrow().iter().any(|c| c.contains(addr))
    }

    // ----- crate-internal machinery used by scopes, arena vectors and the allocator -----

    /// Allocates on behalf of the scope at `depth` (0: the arena itself).
    #[inline]
    pub(crate) fn allocate_at(
        &self,
        depth: usize,
        bytes: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ArenaError> {
        // The common case in as few instructions as possible: the innermost scope, a valid
        // alignment, no timing or observers, a non-empty request that fits the current chunk.
        if self.plain
            && depth == self.depth.get()
            && align.is_power_of_two()
            && align <= MAX_ALIGN
            && bytes != 0
            && bytes <= isize::MAX as usize
        {
            let align = align.max(self.min_align);
            let base = self.base.get();
            let cursor = self.cursor.get();
            let pad = (base as usize).wrapping_add(cursor).wrapping_neg() & (align - 1);
            // No overflow: cursor ≤ limit ≤ isize::MAX, pad < align ≤ 2³⁰, bytes ≤ isize::MAX.
            let end = cursor + pad + bytes;
            if end <= self.limit.get() {
                self.cursor.set(end);
                self.record_success(bytes, None);
                // SAFETY: `cursor + pad < end <= limit`, the current chunk's capacity, so the
                // offset stays inside the chunk `base` points to (non-null, as `limit > 0`).
                return Ok(unsafe { NonNull::new_unchecked(base.add(cursor + pad)) });
            }
        }
        self.allocate_general(depth, bytes, align)
    }

    /// Every other allocation: errors, timing, observers, zero sizes, growth.
    #[cold]
    #[inline(never)]
    fn allocate_general(
        &self,
        depth: usize,
        bytes: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ArenaError> {
        let innermost = self.depth.get();
        if depth != innermost {
            return Err(self.fail(ArenaError::ScopeNotInnermost { depth, innermost }));
        }
        if !align.is_power_of_two() || align > MAX_ALIGN {
            return Err(self.fail(ArenaError::InvalidAlignment { align }));
        }
        let align = align.max(self.min_align);
        let (result, elapsed) = if self.timing {
            let start = Instant::now();
            let r = self.bump(bytes, align);
            (r, Some(start.elapsed()))
        } else {
            (self.bump(bytes, align), None)
        };
        match result {
            Ok(ptr) => {
                self.record_success(bytes, elapsed);
                if !self.observers.is_empty() {
                    let event = AllocationEvent {
                        ptr,
                        bytes,
                        align,
                        scope_depth: depth,
                        elapsed,
                    };
                    self.notify(|o| o.on_allocation(&event));
                }
                Ok(ptr)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    #[inline(always)]
    fn record_success(&self, bytes: usize, elapsed: Option<Duration>) {
        self.total_allocations.set(self.total_allocations.get() + 1);
        let live = self.live.get() + bytes;
        self.live.set(live);
        if live > self.peak_live.get() {
            self.peak_live.set(live);
        }
        if let Some(t) = elapsed {
            self.timed_nanos.set(self.timed_nanos.get() + t.as_nanos());
            self.timed_allocations.set(self.timed_allocations.get() + 1);
        }
    }

    #[cold]
    fn fail(&self, e: ArenaError) -> ArenaError {
        self.failed_allocations
            .set(self.failed_allocations.get() + 1);
        e
    }

    #[inline]
    fn used_region(&self) -> usize {
        self.region_base.get() + self.cursor.get()
    }

    /// The bump itself: `align` is a valid power of two.
    #[inline]
    fn bump(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        if bytes == 0 {
            // A zero-size allocation needs no space, only a non-null aligned address.
            let dangling = core::ptr::without_provenance_mut::<u8>(align);
            // SAFETY: `align` is a power of two, hence non-zero.
            return Ok(unsafe { NonNull::new_unchecked(dangling) });
        }
        let base = self.base.get();
        let cursor = self.cursor.get();
        let pad = (base as usize).wrapping_add(cursor).wrapping_neg() & (align - 1);
        if let Some(end) = cursor.checked_add(pad).and_then(|s| s.checked_add(bytes)) {
            if end <= self.limit.get() {
                self.cursor.set(end);
                // SAFETY: `cursor + pad < end <= limit`, the current chunk's capacity, so the
                // offset stays inside the chunk `base` points to (non-null, as `limit > 0`).
                return Ok(unsafe { NonNull::new_unchecked(base.add(cursor + pad)) });
            }
        }
        self.bump_slow(bytes, align)
    }

    /// The request does not fit in the current chunk: move to a later empty chunk that fits,
    /// or grow.
    #[cold]
    fn bump_slow(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        let mut chunks = self.chunks.borrow_mut();
        let first_free = if chunks.is_empty() {
            0
        } else {
            self.current.get() + 1
        };
        // Chunks after the current one hold no live data (the cursor only moves forward while
        // scopes are live, and rewinds reset to a checkpoint), so any of them can be used.
        let reuse = (first_free..chunks.len())
            .find_map(|i| chunks[i].fits(bytes, align).map(|pad| (i, pad)));
        let (index, pad) = match reuse {
            Some(found) => found,
            None => {
                let total: usize = chunks.iter().map(Chunk::capacity).sum();
                let chunk = self.new_chunk(total, bytes, align)?;
                let pad = chunk
                    .fits(bytes, align)
                    .ok_or(ArenaError::SystemAllocationFailed {
                        chunk_bytes: chunk.capacity(),
                    })?;
                chunks.push(chunk);
                (chunks.len() - 1, pad)
            }
        };
        self.switch_to(&chunks, index, pad + bytes);
        // SAFETY: `pad + bytes <= capacity` of chunk `index` (checked by `fits`).
        Ok(unsafe { NonNull::new_unchecked(chunks[index].ptr().as_ptr().add(pad)) })
    }

    /// A chunk for a request of `bytes` at `align` under the growth policy.
    fn new_chunk(&self, total: usize, bytes: usize, align: usize) -> Result<Chunk, ArenaError> {
        let wanted = match self.growth {
            GrowthPolicy::FixedSize => {
                return Err(ArenaError::Exhausted {
                    requested: bytes,
                    available: total.saturating_sub(self.used_region()),
                })
            }
            GrowthPolicy::Linear(step) => step.max(bytes),
            GrowthPolicy::Exponential | GrowthPolicy::Adaptive => total.max(MIN_CHUNK).max(bytes),
        };
        // The chunk is aligned to at least `align`, so the request fits at offset 0.
        match Chunk::new(wanted, align) {
            Ok(c) => Ok(c),
            Err(_) if wanted > bytes => Chunk::new(bytes, align),
            Err(e) => Err(e),
        }
    }

    fn switch_to(&self, chunks: &[Chunk], index: usize, cursor: usize) {
        let chunk = &chunks[index];
        self.base.set(chunk.ptr().as_ptr());
        self.limit.set(chunk.capacity());
        self.cursor.set(cursor);
        self.current.set(index);
        self.region_base
            .set(chunks[..index].iter().map(Chunk::capacity).sum());
    }

    /// The scope frames.
    ///
    /// # Safety
    /// The arena is `!Sync`, so only one thread calls this. The caller must not hold the
    /// returned reference across anything that could call back into the arena (observers,
    /// user code) or across another call of this function.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn frames(&self) -> &mut Vec<Frame> {
        // SAFETY: exclusive by the caller's contract: single-threaded (`!Sync`) and no
        // overlapping use.
        unsafe { &mut *self.frames.get() }
    }

    /// Records the used region in `peak_region`. The region only shrinks when the cursor
    /// moves back, so noting it there (and when statistics are read) tracks the peak without
    /// a compare on every allocation.
    #[inline]
    fn note_peak_region(&self) {
        let region = self.used_region();
        if region > self.peak_region.get() {
            self.peak_region.set(region);
        }
    }

    /// Moves the cursor back to `to`, which lies at or before the current position.
    #[inline]
    fn rewind(&self, to: Position) {
        if self.adaptive {
            self.note_peak_region();
        }
        if to.chunk == self.current.get() {
            // Same chunk: only the cursor moves (the common case of a scope ending).
            self.cursor.set(to.offset);
            return;
        }
        let chunks = self.chunks.borrow();
        if chunks.is_empty() {
            return;
        }
        self.switch_to(&chunks, to.chunk, to.offset);
    }

    /// Gives back an allocation (see [`deallocate`](Self::deallocate)).
    #[inline]
    pub(crate) fn release(&self, ptr: NonNull<u8>, bytes: usize) {
        if bytes == 0 {
            return;
        }
        if !self.observers.is_empty() {
            self.notify(|o| o.on_deallocation(ptr, bytes));
        }
        let addr = ptr.as_ptr() as usize;
        let base = self.base.get() as usize;
        let cursor = self.cursor.get();
        if addr >= base && addr.wrapping_add(bytes) == base.wrapping_add(cursor) {
            let offset = addr - base;
            let here = Position {
                chunk: self.current.get(),
                offset,
            };
            if here >= self.floor.get() {
                // The most recent allocation of the innermost scope: reclaim its space. Only
                // the adaptive policy uses the peak region.
                if self.adaptive {
                    self.note_peak_region();
                }
                self.cursor.set(offset);
                self.live.set(self.live.get().saturating_sub(bytes));
                return;
            }
        }
        self.release_slow(addr, bytes);
    }

    /// Extends the most recent allocation of the innermost scope from `old` to `new` bytes
    /// in place, if the current chunk has room. Returns whether it did.
    pub(crate) fn try_extend_top(&self, ptr: NonNull<u8>, old: usize, new: usize) -> bool {
        let addr = ptr.as_ptr() as usize;
        let base = self.base.get() as usize;
        let cursor = self.cursor.get();
        if addr < base || addr.wrapping_add(old) != base.wrapping_add(cursor) {
            return false;
        }
        let offset = addr - base;
        let here = Position {
            chunk: self.current.get(),
            offset,
        };
        let fits = offset
            .checked_add(new)
            .is_some_and(|end| end <= self.limit.get());
        if here < self.floor.get() || !fits || new < old {
            return false;
        }
        self.cursor.set(offset + new);
        let live = self.live.get() + (new - old);
        self.live.set(live);
        self.peak_live.set(self.peak_live.get().max(live));
        self.peak_region
            .set(self.peak_region.get().max(self.used_region()));
        if !self.observers.is_empty() {
            let event = AllocationEvent {
                ptr,
                bytes: new,
                align: 1,
                scope_depth: self.depth.get(),
                elapsed: None,
            };
            self.notify(|o| {
                o.on_deallocation(ptr, old);
                o.on_allocation(&event);
            });
        }
        true
    }

    #[cold]
    fn release_slow(&self, addr: usize, bytes: usize) {
        let chunks = self.chunks.borrow();
        let Some(index) = chunks.iter().position(|c| c.contains(addr)) else {
            debug_assert!(
                false,
                "MemoryArena::deallocate: pointer {addr:#x} is not owned by this arena"
            );
            return;
        };
        let here = Position {
            chunk: index,
            offset: addr - chunks[index].ptr().as_ptr() as usize,
        };
        self.live.set(self.live.get().saturating_sub(bytes));
        // Scopes entered after this allocation restore a live count that includes it; take it
        // out of theirs too. Checkpoints grow from the bottom frame to the top one.
        // SAFETY: see `frames`; no call out of the arena while the reference lives.
        let frames = unsafe { self.frames() };
        for frame in frames.iter_mut().rev() {
            if frame.checkpoint > here {
                frame.live_at_entry = frame.live_at_entry.saturating_sub(bytes);
            } else {
                break;
            }
        }
    }

    /// Records a new innermost scope and returns its depth.
    #[inline]
    pub(crate) fn enter_scope(&self) -> usize {
        let checkpoint = Position {
            chunk: self.current.get(),
            offset: self.cursor.get(),
        };
        // SAFETY: see `frames`; the reference ends with this statement.
        unsafe { self.frames() }.push(Frame {
            checkpoint,
            live_at_entry: self.live.get(),
            dropped: false,
        });
        let depth = self.depth.get() + 1;
        self.depth.set(depth);
        self.floor.set(checkpoint);
        if !self.observers.is_empty() {
            self.notify(|o| o.on_scope_enter(depth));
        }
        depth
    }

    /// Ends the scope at `depth`. The innermost scope releases its memory at once, along with
    /// any outer scopes already dropped out of order; a scope dropped while a later one lives
    /// only marks itself, so nothing still in use is freed.
    #[inline]
    pub(crate) fn exit_scope(&self, depth: usize, stats: impl FnOnce() -> ScopeStatistics) {
        if !self.observers.is_empty() {
            let stats = stats();
            self.notify(|o| o.on_scope_exit(depth, &stats));
        }
        // SAFETY: see `frames`; `rewind` below does not touch the frames.
        let frames = unsafe { self.frames() };
        let len = frames.len();
        if depth == len && len > 0 && (len == 1 || !frames[len - 2].dropped) {
            // The usual case: the innermost scope ends and the one below it is alive.
            let (checkpoint, live) = (frames[len - 1].checkpoint, frames[len - 1].live_at_entry);
            let floor = if len > 1 {
                frames[len - 2].checkpoint
            } else {
                Position::default()
            };
            // SAFETY: `len - 1 < len`; `Frame` is `Copy`, so nothing needs dropping.
            unsafe { frames.set_len(len - 1) };
            self.rewind(checkpoint);
            self.live.set(live);
            self.depth.set(len - 1);
            self.floor.set(floor);
            return;
        }
        if depth == len {
            let mut target = None;
            while let Some(frame) = frames.last() {
                if target.is_some() && !frame.dropped {
                    break;
                }
                target = Some(*frame);
                frames.pop();
            }
            let new_depth = frames.len();
            let floor = frames.last().map(|f| f.checkpoint).unwrap_or_default();
            if let Some(frame) = target {
                self.rewind(frame.checkpoint);
                self.live.set(frame.live_at_entry);
            }
            self.depth.set(new_depth);
            self.floor.set(floor);
        } else if let Some(frame) = frames.get_mut(depth.wrapping_sub(1)) {
            frame.dropped = true;
        }
    }

    /// Whether the arena measures time (for scope lifetimes).
    #[inline]
    pub(crate) fn timing(&self) -> bool {
        self.timing
    }

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
        for o in &self.observers {
            f(o.as_ref());
        }
    }
}

impl Drop for MemoryArena {
    fn drop(&mut self) {
        if !self.observers.is_empty() {
            let stats = self.statistics();
            self.notify(|o| o.on_arena_drop(&stats));
        }
    }
}

impl core::fmt::Debug for MemoryArena {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryArena")
            .field("growth", &self.growth)
            .field("alignment", &self.alignment)
            .field("statistics", &self.statistics())
            .finish()
    }
}
