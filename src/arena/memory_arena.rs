//! [`MemoryArena`]: a bump arena of chunks with scope checkpoints.

use core::cell::{Cell, RefCell};
use core::ptr::NonNull;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod scopes;

pub(crate) use scopes::Checkpoint;
use scopes::NO_CHUNK;

use super::chunk::Chunk;
use super::observer::{AllocationEvent, ArenaObserver};
use super::policy::{AlignmentPolicy, GrowthPolicy, MAX_ALIGN};
use super::scope::Scope;
use super::stats::{ArenaId, ArenaStatistics};
use super::ArenaError;

/// Smallest chunk an exponentially growing arena asks the system for.
const MIN_CHUNK: usize = 4096;

/// Set in the arena's `key` when allocations and scope exits must take the general path
/// (timing, observers, the adaptive policy, or a scope dropped out of order); the low bits
/// are the depth.
const NOT_PLAIN: usize = 1 << (usize::BITS - 1);

/// Set in the arena's `key` when the minimum alignment exceeds [`QUANTUM`]: allocations
/// then pad on a second short path; scopes and releases are unaffected.
const WIDE: usize = 1 << (usize::BITS - 2);

/// The flag bits of `key`.
const KEY_FLAGS: usize = NOT_PLAIN | WIDE;

/// Every allocation starts at a multiple of this and is rounded up to one, so the cursor
/// stays aligned to it: requests aligned to at most this (all scalars) need no padding.
const QUANTUM: usize = 8;

/// `bytes ≤ isize::MAX` rounded up to a multiple of [`QUANTUM`] (no overflow).
#[inline(always)]
fn quantum_size(bytes: usize) -> usize {
    (bytes + (QUANTUM - 1)) & !(QUANTUM - 1)
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
    // a release writes are never adjacent, since LLVM would otherwise update two of them with
    // one 16-byte load that then stalls on an 8-byte store of the other path.
    /// Next free byte of the current chunk (the empty arena: a dangling aligned pointer),
    /// always a multiple of [`QUANTUM`]. It keeps the chunk's pointer provenance; addresses
    /// are compared as integers.
    cursor: Cell<*mut u8>,
    /// Address one past the end of the current chunk.
    limit: Cell<usize>,
    total_allocations: Cell<u64>,
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
    /// The largest live count seen when it last decreased; `max(peak_live, live)` is the
    /// peak (live bytes only grow by allocating, so noting them before each decrease is
    /// enough).
    peak_live: Cell<usize>,
    /// No timing, no observers, not adaptive: the short paths apply.
    plain: bool,

    // Everything else: chunks, holes and deferred scopes, policies, observers.
    /// Start of the current chunk (the used region is `region_base + cursor - base`).
    base: Cell<usize>,
    /// Index of the current chunk ([`NO_CHUNK`] while there is none).
    current: Cell<usize>,
    /// Capacity of the chunks before `current`.
    region_base: Cell<usize>,
    chunks: RefCell<Vec<Chunk>>,
    /// The length of `holes`, read by every scope exit.
    hole_count: Cell<usize>,
    /// Allocations released while not on top, with scopes alive (see [`scopes`]).
    holes: RefCell<Vec<scopes::Hole>>,
    /// Scopes dropped while a later one lived, with their depths: their memory is released
    /// when the scopes above them end. While any is kept, `key` sends exits to the general
    /// path.
    deferred: RefCell<Vec<(usize, Checkpoint)>>,
    failed_allocations: Cell<u64>,
    /// The largest used region seen, kept only under [`GrowthPolicy::Adaptive`] (its reset
    /// sizes the single chunk from it).
    peak_region: Cell<usize>,
    timed_nanos: Cell<u128>,
    /// When each live scope began, kept only while timing (so scopes stay small).
    starts: RefCell<Vec<Option<Instant>>>,
    timed_allocations: Cell<u64>,
    growth: GrowthPolicy,
    alignment: AlignmentPolicy,
    min_align: usize,
    timing: bool,
    observers: Vec<Arc<dyn ArenaObserver>>,
    notifying: Cell<bool>,
    /// This arena's identity in statistics and observer events.
    id: ArenaId,
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
        let timing = self.timing || self.observers.iter().any(|o| o.wants_timing());
        let mut arena = MemoryArena {
            cursor: Cell::new(EMPTY),
            limit: Cell::new(EMPTY.addr()),
            total_allocations: Cell::new(0),
            floor: Cell::new(EMPTY.addr()),
            bias: Cell::new(0),
            key: Cell::new(0),
            peak_live: Cell::new(0),
            plain: true,
            base: Cell::new(EMPTY.addr()),
            current: Cell::new(0),
            region_base: Cell::new(0),
            chunks: RefCell::new(chunks),
            hole_count: Cell::new(0),
            holes: RefCell::new(Vec::new()),
            deferred: RefCell::new(Vec::new()),
            failed_allocations: Cell::new(0),
            peak_region: Cell::new(0),
            timed_nanos: Cell::new(0),
            starts: RefCell::new(Vec::new()),
            timed_allocations: Cell::new(0),
            growth: self.growth,
            alignment: self.alignment,
            min_align,
            timing,
            observers: self.observers,
            notifying: Cell::new(false),
            id: ArenaId::next(),
        };
        arena.update_plain();
        arena.start_over();
        Ok(arena)
    }
}

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
        let total_capacity: usize = chunks.iter().map(Chunk::capacity).sum();
        let region = self.used_region();
        let live = self.live();
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
            peak_usage: self.peak_live.get().max(live),
            total_allocations: self.total_allocations.get(),
            failed_allocations: self.failed_allocations.get(),
            fragmentation_ratio,
            avg_allocation_time,
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
        if self.growth == GrowthPolicy::Adaptive {
            self.note_peak_region();
        }
        self.note_peak_live();
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
        self.start_over();
        if !self.observers.is_empty() {
            let id = self.id;
            self.notify(|o| o.on_reset(id));
        }
    }

    /// Sets the growth policy for future growth.
    pub fn set_growth_policy(&mut self, policy: GrowthPolicy) {
        self.growth = policy;
        self.update_plain();
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
        self.update_plain();
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
        self.update_plain();
    }

    /// Number of live scopes (0 outside any scope).
    #[inline]
    pub fn scope_depth(&self) -> usize {
        self.key.get() & !KEY_FLAGS
    }

    /// Whether this arena allocated the byte at `ptr` (it lies inside one of its chunks).
    pub fn owns(&self, ptr: *const u8) -> bool {
        let addr = ptr.addr();
        self.chunks.borrow().iter().any(|c| c.contains(addr))
    }

    // ----- configuration -----

    /// Recomputes `plain` and the flag in `key` after a configuration change.
    fn update_plain(&mut self) {
        self.plain =
            !self.timing && self.observers.is_empty() && self.growth != GrowthPolicy::Adaptive;
        self.set_key(self.scope_depth());
    }

    /// Sets `key` for `depth` live scopes (see its doc).
    fn set_key(&self, depth: usize) {
        let general = !self.plain || !self.deferred.borrow().is_empty();
        let mut key = depth;
        if general {
            key |= NOT_PLAIN;
        }
        if self.min_align > QUANTUM {
            key |= WIDE;
        }
        self.key.set(key);
    }

    /// Empties the arena onto its first chunk (if any) with no scope alive.
    fn start_over(&mut self) {
        self.holes.get_mut().clear();
        self.hole_count.set(0);
        self.deferred.get_mut().clear();
        self.starts.get_mut().clear();
        self.set_key(0);
        let chunks = self.chunks.get_mut();
        match chunks.first() {
            Some(c) => {
                let (ptr, cap) = (c.ptr().as_ptr(), c.capacity());
                self.cursor.set(ptr);
                self.base.set(ptr.addr());
                self.limit.set(ptr.addr() + cap);
                self.floor.set(ptr.addr());
                self.current.set(0);
            }
            None => {
                self.cursor.set(EMPTY);
                self.base.set(EMPTY.addr());
                self.limit.set(EMPTY.addr());
                self.floor.set(EMPTY.addr());
                self.current.set(NO_CHUNK);
            }
        }
        self.region_base.set(0);
        self.set_live(0);
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
        // The common case in as few instructions as possible: the innermost scope of a plain
        // arena whose minimum alignment is at most QUANTUM (one compare), a valid alignment
        // (constant for typed requests), a request that fits the current chunk.
        let key = self.key.get();
        if depth == key && align.is_power_of_two() && bytes <= isize::MAX as usize {
            if align <= QUANTUM {
                let cursor = self.cursor.get();
                let size = quantum_size(bytes);
                // The cursor is always QUANTUM-aligned: no padding, and the cursor moves by a
                // size that folds to `bytes` for `f64` vectors (one add on the critical path).
                // A zero-size request gets the cursor itself and uses no space.
                if size <= self.limit.get() - cursor.addr() {
                    // SAFETY: `size` bytes from the cursor lie inside the current chunk, so
                    // the result points into it or one past its end.
                    self.cursor.set(unsafe { cursor.add(size) });
                    self.count_allocation(size - bytes);
                    // SAFETY: the cursor is never null.
                    return Ok(unsafe { NonNull::new_unchecked(cursor) });
                }
            } else if let Some(ptr) = self.bump_padded(bytes, align) {
                return Ok(ptr);
            }
        } else if depth | WIDE == key && align.is_power_of_two() && bytes <= isize::MAX as usize {
            // A minimum alignment above QUANTUM: the same, with padding.
            if let Some(ptr) = self.bump_padded(bytes, align.max(self.min_align)) {
                return Ok(ptr);
            }
        }
        self.allocate_general(depth, bytes, align)
    }

    /// The short path's bump with padding for `align`, a power of two: `None` when the
    /// request is empty, over-aligned or does not fit the current chunk.
    #[inline(always)]
    fn bump_padded(&self, bytes: usize, align: usize) -> Option<NonNull<u8>> {
        if align > MAX_ALIGN || bytes == 0 {
            return None;
        }
        let cursor = self.cursor.get();
        let pad = cursor.addr().wrapping_neg() & (align - 1);
        // No overflow: pad < 2³⁰ and the rounded size ≤ isize::MAX + 1 − QUANTUM.
        let need = pad + quantum_size(bytes);
        if need > self.limit.get() - cursor.addr() {
            return None;
        }
        // SAFETY: `need` bytes from the cursor lie inside the current chunk.
        let (ptr, end) = unsafe { (cursor.add(pad), cursor.add(need)) };
        self.cursor.set(end);
        self.count_allocation(need - bytes);
        // SAFETY: a pointer into a chunk is non-null.
        Some(unsafe { NonNull::new_unchecked(ptr) })
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
        let innermost = self.scope_depth();
        if depth != innermost {
            return Err(self.fail(ArenaError::ScopeNotInnermost { depth, innermost }));
        }
        if !align.is_power_of_two() || align > MAX_ALIGN {
            return Err(self.fail(ArenaError::InvalidAlignment { align }));
        }
        let align = align.max(self.min_align);
        let live = self.live();
        let (result, elapsed) = if self.timing {
            let start = Instant::now();
            let r = self.bump(bytes, align);
            (r, Some(start.elapsed()))
        } else {
            (self.bump(bytes, align), None)
        };
        match result {
            Ok(ptr) => {
                self.total_allocations.set(self.total_allocations.get() + 1);
                // The cursor may have moved to another chunk: set the live count afresh.
                self.set_live(live + bytes);
                if let Some(t) = elapsed {
                    self.timed_nanos.set(self.timed_nanos.get() + t.as_nanos());
                    self.timed_allocations.set(self.timed_allocations.get() + 1);
                }
                if !self.observers.is_empty() {
                    let event = AllocationEvent {
                        ptr,
                        bytes,
                        align,
                        scope_depth: self.scope_depth(),
                        elapsed,
                        arena: self.id,
                    };
                    self.notify(|o| o.on_allocation(&event));
                }
                Ok(ptr)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Counts a short-path allocation after the cursor moved by `waste` bytes more than the
    /// request (padding and rounding; a constant 0 for `f64` vectors, so `bias` stays
    /// untouched).
    #[inline(always)]
    fn count_allocation(&self, waste: usize) {
        self.total_allocations.set(self.total_allocations.get() + 1);
        if waste != 0 {
            self.bias.set(self.bias.get().wrapping_sub(waste));
        }
    }

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

    /// Allocations since the arena was created, from which a scope counts its own.
    #[inline(always)]
    pub(crate) fn allocation_count(&self) -> u64 {
        self.total_allocations.get()
    }

    #[cold]
    pub(crate) fn fail(&self, e: ArenaError) -> ArenaError {
        self.failed_allocations
            .set(self.failed_allocations.get() + 1);
        e
    }

    #[inline]
    fn used_region(&self) -> usize {
        self.region_base.get() + (self.cursor.get().addr() - self.base.get())
    }

    /// The bump itself: `align` is a valid power of two.
    fn bump(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        if bytes == 0 {
            // A zero-size allocation needs no space, only a non-null aligned address.
            let dangling = core::ptr::without_provenance_mut::<u8>(align);
            // SAFETY: `align` is a power of two, hence non-zero.
            return Ok(unsafe { NonNull::new_unchecked(dangling) });
        }
        if bytes > isize::MAX as usize {
            return self.bump_slow(bytes, align);
        }
        let size = quantum_size(bytes);
        let cursor = self.cursor.get();
        let pad = cursor.addr().wrapping_neg() & (align - 1);
        let room = self.limit.get() - cursor.addr();
        if pad + size <= room {
            // SAFETY: `pad + size` bytes from the cursor lie inside the current chunk.
            let (ptr, end) = unsafe { (cursor.add(pad), cursor.add(pad + size)) };
            self.cursor.set(end);
            // SAFETY: a pointer into a chunk is non-null.
            return Ok(unsafe { NonNull::new_unchecked(ptr) });
        }
        self.bump_slow(bytes, align)
    }

    /// The request does not fit in the current chunk: move to a later empty chunk that fits,
    /// or grow.
    #[cold]
    fn bump_slow(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        if bytes > isize::MAX as usize {
            // No chunk can be that large; the growth policy decides which error it is.
            let total: usize = self.chunks.borrow().iter().map(Chunk::capacity).sum();
            return Err(match self.growth {
                GrowthPolicy::FixedSize => ArenaError::Exhausted {
                    requested: bytes,
                    available: total.saturating_sub(self.used_region()),
                },
                _ => ArenaError::SystemAllocationFailed { chunk_bytes: bytes },
            });
        }
        let size = quantum_size(bytes);
        let mut chunks = self.chunks.borrow_mut();
        let first_free = if chunks.is_empty() {
            0
        } else {
            self.current.get() + 1
        };
        // Chunks after the current one hold no live data (the cursor only moves forward while
        // scopes are live, and rewinds reset to a checkpoint), so any of them can be used.
        let reuse = (first_free..chunks.len())
            .find_map(|i| chunks[i].fits(size, align).map(|pad| (i, pad)));
        let (index, pad) = match reuse {
            Some(found) => found,
            None => {
                let total: usize = chunks.iter().map(Chunk::capacity).sum();
                let chunk = self.new_chunk(total, bytes, size, align)?;
                let pad = chunk
                    .fits(size, align)
                    .ok_or(ArenaError::SystemAllocationFailed {
                        chunk_bytes: chunk.capacity(),
                    })?;
                chunks.push(chunk);
                (chunks.len() - 1, pad)
            }
        };
        // The innermost checkpoint lies in an earlier chunk: all of this one is the scope's.
        self.switch_to(&chunks, index, pad + size);
        self.floor.set(self.base.get());
        // SAFETY: `pad + size <= capacity` of chunk `index` (checked by `fits`).
        Ok(unsafe { NonNull::new_unchecked(chunks[index].ptr().as_ptr().add(pad)) })
    }

    /// A chunk for a request of `bytes` at `align` under the growth policy.
    /// `size` is `bytes` rounded up to the quantum (what the request uses of a chunk).
    fn new_chunk(
        &self,
        total: usize,
        bytes: usize,
        size: usize,
        align: usize,
    ) -> Result<Chunk, ArenaError> {
        let wanted = match self.growth {
            GrowthPolicy::FixedSize => {
                return Err(ArenaError::Exhausted {
                    requested: bytes,
                    available: total.saturating_sub(self.used_region()),
                })
            }
            GrowthPolicy::Linear(step) => step.max(size),
            GrowthPolicy::Exponential | GrowthPolicy::Adaptive => total.max(MIN_CHUNK).max(size),
        };
        // The chunk is aligned to at least `align`, so the request fits at offset 0.
        match Chunk::new(wanted, align) {
            Ok(c) => Ok(c),
            Err(_) if wanted > size => Chunk::new(size, align),
            Err(e) => Err(e),
        }
    }

    /// Makes chunk `index` current with the cursor `offset` bytes into it (the caller sets
    /// `floor`).
    fn switch_to(&self, chunks: &[Chunk], index: usize, offset: usize) {
        let chunk = &chunks[index];
        let ptr = chunk.ptr().as_ptr();
        // SAFETY: callers pass `offset <= capacity`: the pointer stays in the chunk or one
        // past its end.
        self.cursor.set(unsafe { ptr.add(offset) });
        self.base.set(ptr.addr());
        self.limit.set(ptr.addr() + chunk.capacity());
        self.current.set(index);
        self.region_base
            .set(chunks[..index].iter().map(Chunk::capacity).sum());
    }

    /// Records the used region in `peak_region` (before the cursor moves back).
    #[inline]
    fn note_peak_region(&self) {
        let region = self.used_region();
        if region > self.peak_region.get() {
            self.peak_region.set(region);
        }
    }

    /// Records the live bytes in `peak_live` (before they decrease).
    #[inline(always)]
    fn note_peak_live(&self) {
        let live = self.live();
        if live > self.peak_live.get() {
            self.peak_live.set(live);
        }
    }

    /// Gives back an allocation (see [`deallocate`](Self::deallocate)).
    #[inline]
    pub(crate) fn release(&self, ptr: NonNull<u8>, bytes: usize) {
        if bytes <= isize::MAX as usize {
            self.release_allocation(ptr, bytes);
        } else {
            // No allocation is that large: only the general path's ownership check applies.
            self.release_general(ptr, bytes);
        }
    }

    /// [`release`](Self::release) of `bytes` known to come from a successful allocation
    /// (so at most `isize::MAX`), as an arena vector's are.
    #[inline]
    pub(crate) fn release_allocation(&self, ptr: NonNull<u8>, bytes: usize) {
        debug_assert!(bytes <= isize::MAX as usize);
        let addr = ptr.as_ptr().addr();
        // The most recent allocation of the innermost scope: move the cursor back over it.
        // (A zero-size request never matches unless it is a no-op: `addr == cursor`.)
        if self.plain && self.is_top(addr, bytes) {
            self.release_top(ptr, bytes);
            return;
        }
        self.release_general(ptr, bytes);
    }

    /// Whether the allocation of `bytes ≤ isize::MAX` at `addr` is the most recent one of
    /// the innermost scope: it ends at the cursor and lies above the scope's floor.
    #[inline(always)]
    fn is_top(&self, addr: usize, bytes: usize) -> bool {
        addr.wrapping_add(quantum_size(bytes)) == self.cursor.get().addr()
            && addr >= self.floor.get()
    }

    /// Moves the cursor back over the allocation that ends at it, and over the holes that
    /// then end at it.
    #[inline(always)]
    fn release_top(&self, ptr: NonNull<u8>, bytes: usize) {
        self.note_peak_live();
        self.cursor.set(ptr.as_ptr());
        // The cursor moved back by the rounded size, live bytes by `bytes`.
        let rounding = quantum_size(bytes) - bytes;
        if rounding != 0 {
            self.bias.set(self.bias.get().wrapping_add(rounding));
        }
        if self.hole_count.get() != 0 {
            self.reclaim_holes();
        }
    }

    /// Releases with observers or the adaptive policy, or an allocation not on top.
    #[cold]
    #[inline(never)]
    fn release_general(&self, ptr: NonNull<u8>, bytes: usize) {
        if bytes == 0 {
            return;
        }
        if !self.observers.is_empty() {
            self.notify(|o| o.on_deallocation(ptr, bytes));
        }
        let addr = ptr.as_ptr().addr();
        self.note_peak_live();
        if bytes <= isize::MAX as usize && self.is_top(addr, bytes) {
            if self.growth == GrowthPolicy::Adaptive {
                self.note_peak_region();
            }
            self.release_top(ptr, bytes);
            return;
        }
        let chunks = self.chunks.borrow();
        let Some(index) = chunks.iter().position(|c| c.contains(addr)) else {
            debug_assert!(
                false,
                "MemoryArena::deallocate: pointer {addr:#x} is not owned by this arena"
            );
            return;
        };
        // A hole: the bytes stay in the used region until the enclosing scope ends.
        self.bias.set(self.bias.get().wrapping_sub(bytes));
        // Scopes entered after this allocation restore a live count that includes it: they
        // find it in the hole log when they end.
        self.log_hole((index, addr), bytes);
    }

    /// Extends the most recent allocation of the innermost scope from `old` to `new` bytes
    /// in place, if the current chunk has room. Returns whether it did.
    pub(crate) fn try_extend_top(&self, ptr: NonNull<u8>, old: usize, new: usize) -> bool {
        let addr = ptr.as_ptr().addr();
        let cursor = self.cursor.get().addr();
        if new < old
            || new > isize::MAX as usize
            || !self.is_top(addr, old)
            || quantum_size(new) - quantum_size(old) > self.limit.get() - cursor
        {
            return false;
        }
        let live = self.live();
        let grow = quantum_size(new) - quantum_size(old);
        // SAFETY: `grow` more bytes fit before the chunk's end.
        self.cursor.set(unsafe { self.cursor.get().add(grow) });
        self.set_live(live + (new - old));
        if !self.observers.is_empty() {
            self.report_resize(ptr, old, new);
        }
        true
    }

    /// Shrinks the most recent allocation of the innermost scope from `old` to `new ≤ old`
    /// bytes in place: the cursor moves back to its new end. Returns whether it did.
    pub(crate) fn try_shrink_top(&self, ptr: NonNull<u8>, old: usize, new: usize) -> bool {
        let addr = ptr.as_ptr().addr();
        if new > old || !self.is_top(addr, old) {
            return false;
        }
        self.note_peak_live();
        let live = self.live();
        let give_back = quantum_size(old) - quantum_size(new);
        // SAFETY: the block spans `quantum_size(old)` bytes below the cursor, so moving the
        // cursor back by less than that stays inside it (and the chunk).
        self.cursor.set(unsafe { self.cursor.get().sub(give_back) });
        self.set_live(live - (old - new));
        if !self.observers.is_empty() {
            self.report_resize(ptr, old, new);
        }
        true
    }

    /// Tells the observers that the block at `ptr` changed from `old` to `new` bytes in place.
    #[cold]
    fn report_resize(&self, ptr: NonNull<u8>, old: usize, new: usize) {
        self.notify(|o| o.on_resize(ptr, old, new));
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
