//! Observers of arena events, and the two builtin ones.

use core::ptr::NonNull;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

use super::stats::{ArenaId, ArenaStatistics, ScopeStatistics};

/// One successful allocation, as seen by an [`ArenaObserver`].
#[derive(Debug, Clone, Copy)]
pub struct AllocationEvent {
    /// Start of the allocation.
    pub ptr: NonNull<u8>,
    /// Bytes requested.
    pub bytes: usize,
    /// Alignment granted (the request's, raised to the arena's alignment policy).
    pub align: usize,
    /// Depth of the scope that allocated (0: the arena itself).
    pub scope_depth: usize,
    /// Time the allocation took, when the arena times allocations.
    pub elapsed: Option<Duration>,
    /// The arena that made the allocation.
    pub arena: ArenaId,
}

/// Hooks called by a [`MemoryArena`](super::MemoryArena) (RVF's `arena_observers`).
///
/// Every method has an empty default. Observers are shared (`Arc`) so the caller keeps a
/// handle to read results; they take `&self` and use interior mutability. The arena never
/// calls an observer from inside another observer call, so an observer that allocates from
/// the arena it watches does not recurse.
pub trait ArenaObserver: Send + Sync {
    /// After a successful allocation.
    fn on_allocation(&self, _event: &AllocationEvent) {}
    /// When an allocation is given back individually (explicit `deallocate`, or an
    /// [`ArenaVec`](super::ArenaVec) dropped). Bulk release at scope end is
    /// [`on_scope_exit`](Self::on_scope_exit).
    fn on_deallocation(&self, _ptr: NonNull<u8>, _bytes: usize) {}
    /// When a block grows or shrinks in place (through the `allocator_api2` allocator): the
    /// block at `ptr` now spans `new` bytes instead of `old`. Neither an allocation nor a
    /// deallocation.
    fn on_resize(&self, _ptr: NonNull<u8>, _old: usize, _new: usize) {}
    /// When a scope at `depth` is entered (just before the arena records it, so a panicking
    /// observer leaves no scope behind).
    fn on_scope_enter(&self, _depth: usize) {}
    /// When the scope at `depth` has ended and its memory is released; `stats` describe it
    /// as it ended.
    fn on_scope_exit(&self, _depth: usize, _stats: &ScopeStatistics) {}
    /// When the arena `arena` is [reset](super::MemoryArena::reset): every allocation is gone
    /// at once.
    fn on_reset(&self, _arena: ArenaId) {}
    /// When the arena is dropped.
    fn on_arena_drop(&self, _stats: &ArenaStatistics) {}
    /// Whether the arena should time allocations for this observer.
    fn wants_timing(&self) -> bool {
        false
    }
}

/// Number of buckets in [`PerformanceReport::latency_histogram`].
pub const HISTOGRAM_BUCKETS: usize = 16;

/// Counts arena events and keeps a histogram of allocation times (RVF's
/// `make_performance_observer()`). Registering it switches timing on.
///
/// Who measures what: the arena alone reads the clock, once per timed allocation, and hands
/// the duration to its own mean ([`ArenaStatistics::avg_allocation_time`](super::ArenaStatistics::avg_allocation_time))
/// and to every observer in [`AllocationEvent::elapsed`]. This observer only aggregates those
/// durations (sum and histogram), so its totals and the arena's agree, and one observer
/// watching several arenas sums them all; nothing is timed twice.
///
/// ```
/// use std::sync::Arc;
/// use rvf::prelude::*;
/// use rvf::arena::PerformanceObserver;
///
/// let perf = Arc::new(PerformanceObserver::new());
/// let arena = MemoryArena::builder().capacity(4096).observer(perf.clone()).build().unwrap();
/// for _ in 0..10 {
///     let scope = arena.create_scope();
///     let _t = scope.alloc_zeroed::<f64>(8).unwrap();
/// }
/// let report = perf.report();
/// assert_eq!(report.allocations, 10);
/// assert_eq!(report.bytes_requested, 640);
/// assert_eq!(report.scopes_entered, 10);
/// assert_eq!(report.latency_histogram.iter().sum::<u64>(), 10);
/// ```
#[derive(Debug, Default)]
pub struct PerformanceObserver {
    allocations: AtomicU64,
    deallocations: AtomicU64,
    resizes: AtomicU64,
    bytes_requested: AtomicU64,
    largest_allocation: AtomicU64,
    scopes_entered: AtomicU64,
    scopes_exited: AtomicU64,
    timed_nanos: AtomicU64,
    histogram: [AtomicU64; HISTOGRAM_BUCKETS],
}

/// What a [`PerformanceObserver`] has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerformanceReport {
    /// Successful allocations.
    pub allocations: u64,
    /// Individual deallocations.
    pub deallocations: u64,
    /// Blocks grown or shrunk in place (neither allocations nor deallocations).
    pub resizes: u64,
    /// Bytes requested by all allocations ever made (not the live bytes of
    /// [`ArenaStatistics::bytes_allocated`]), growth in place included.
    pub bytes_requested: u64,
    /// Largest single allocation in bytes.
    pub largest_allocation: u64,
    /// Scopes entered.
    pub scopes_entered: u64,
    /// Scopes exited.
    pub scopes_exited: u64,
    /// Total time of the timed allocations.
    pub total_allocation_time: Duration,
    /// Allocation times: bucket `k` counts allocations that took `[2ᵏ⁻¹, 2ᵏ)` ns (bucket 0:
    /// under 1 ns; the last bucket: everything longer).
    pub latency_histogram: [u64; HISTOGRAM_BUCKETS],
}

impl PerformanceObserver {
    /// A fresh observer with all counts at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// A snapshot of the counts.
    pub fn report(&self) -> PerformanceReport {
        PerformanceReport {
            allocations: self.allocations.load(Relaxed),
            deallocations: self.deallocations.load(Relaxed),
            resizes: self.resizes.load(Relaxed),
            bytes_requested: self.bytes_requested.load(Relaxed),
            largest_allocation: self.largest_allocation.load(Relaxed),
            scopes_entered: self.scopes_entered.load(Relaxed),
            scopes_exited: self.scopes_exited.load(Relaxed),
            total_allocation_time: Duration::from_nanos(self.timed_nanos.load(Relaxed)),
            latency_histogram: core::array::from_fn(|k| self.histogram[k].load(Relaxed)),
        }
    }
}

impl ArenaObserver for PerformanceObserver {
    fn on_allocation(&self, event: &AllocationEvent) {
        self.allocations.fetch_add(1, Relaxed);
        let bytes = event.bytes as u64;
        self.bytes_requested.fetch_add(bytes, Relaxed);
        self.largest_allocation.fetch_max(bytes, Relaxed);
        if let Some(t) = event.elapsed {
            let nanos = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
            self.timed_nanos.fetch_add(nanos, Relaxed);
            let bucket = (u64::BITS - nanos.leading_zeros()) as usize;
            self.histogram[bucket.min(HISTOGRAM_BUCKETS - 1)].fetch_add(1, Relaxed);
        }
    }
    fn on_deallocation(&self, _ptr: NonNull<u8>, _bytes: usize) {
        self.deallocations.fetch_add(1, Relaxed);
    }
    fn on_resize(&self, _ptr: NonNull<u8>, old: usize, new: usize) {
        self.resizes.fetch_add(1, Relaxed);
        if new > old {
            self.bytes_requested.fetch_add((new - old) as u64, Relaxed);
            self.largest_allocation.fetch_max(new as u64, Relaxed);
        }
    }
    fn on_scope_enter(&self, _depth: usize) {
        self.scopes_entered.fetch_add(1, Relaxed);
    }
    fn on_scope_exit(&self, _depth: usize, _stats: &ScopeStatistics) {
        self.scopes_exited.fetch_add(1, Relaxed);
    }
    fn wants_timing(&self) -> bool {
        true
    }
}

impl fmt::Display for PerformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let avg = if self.allocations > 0 {
            self.total_allocation_time.as_secs_f64() * 1e9 / self.allocations as f64
        } else {
            0.0
        };
        write!(
            f,
            "{} allocations ({} B requested, largest {} B, {:.1} ns avg), {} deallocations, \
             {} resizes in place, {} scopes",
            self.allocations,
            self.bytes_requested,
            self.largest_allocation,
            avg,
            self.deallocations,
            self.resizes,
            self.scopes_entered
        )
    }
}

/// Allocations still live when their scope (or the arena) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakReport {
    /// Depth of the scope that ended, or `None` for allocations still live when the arena was
    /// dropped.
    pub scope_depth: Option<usize>,
    /// `(address, bytes)` of each allocation, in address order.
    pub allocations: Vec<(usize, usize)>,
}

/// Reports allocations that were never given back individually before their scope or arena
/// ended: memory handed out through the raw or `Allocator` interfaces and never deallocated,
/// or arena vectors passed to `mem::forget`. The scope still frees them; the report says the
/// code relied on that.
///
/// ```
/// use std::sync::Arc;
/// use rvf::prelude::*;
/// use rvf::arena::LeakObserver;
///
/// let leaks = Arc::new(LeakObserver::new());
/// let arena = MemoryArena::builder().capacity(4096).observer(leaks.clone()).build().unwrap();
/// {
///     let scope = arena.create_scope();
///     let kept = scope.alloc_zeroed::<f64>(4).unwrap(); // dropped normally: not a leak
///     drop(kept);
///     std::mem::forget(scope.alloc_zeroed::<f64>(2).unwrap()); // never given back
/// }
/// let reports = leaks.reports();
/// assert_eq!(reports.len(), 1);
/// assert_eq!(reports[0].scope_depth, Some(1));
/// assert_eq!(reports[0].allocations[0].1, 16);
/// ```
#[derive(Debug, Default)]
pub struct LeakObserver {
    /// Live allocations by address: (bytes, scope depth, arena).
    live: Mutex<HashMap<usize, (usize, usize, ArenaId)>>,
    reports: Mutex<Vec<LeakReport>>,
}

impl LeakObserver {
    /// A fresh observer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The reports so far, oldest first.
    pub fn reports(&self) -> Vec<LeakReport> {
        lock(&self.reports).clone()
    }

    /// Number of allocations currently live and tracked.
    pub fn live_allocations(&self) -> usize {
        lock(&self.live).len()
    }

    fn report_where(&self, scope_depth: Option<usize>, matches: impl Fn(usize, ArenaId) -> bool) {
        let mut live = lock(&self.live);
        let mut leaked: Vec<(usize, usize)> = live
            .iter()
            .filter(|(_, &(_, depth, arena))| matches(depth, arena))
            .map(|(&addr, &(bytes, _, _))| (addr, bytes))
            .collect();
        if leaked.is_empty() {
            return;
        }
        for (addr, _) in &leaked {
            live.remove(addr);
        }
        drop(live);
        leaked.sort_unstable();
        lock(&self.reports).push(LeakReport {
            scope_depth,
            allocations: leaked,
        });
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it: an observer's
/// bookkeeping stays usable after a panic elsewhere.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ArenaObserver for LeakObserver {
    fn on_allocation(&self, event: &AllocationEvent) {
        if event.bytes > 0 {
            lock(&self.live).insert(
                event.ptr.as_ptr() as usize,
                (event.bytes, event.scope_depth, event.arena),
            );
        }
    }
    fn on_deallocation(&self, ptr: NonNull<u8>, _bytes: usize) {
        lock(&self.live).remove(&(ptr.as_ptr() as usize));
    }
    fn on_resize(&self, ptr: NonNull<u8>, _old: usize, new: usize) {
        if let Some(entry) = lock(&self.live).get_mut(&(ptr.as_ptr() as usize)) {
            entry.0 = new;
        }
    }
    fn on_reset(&self, arena: ArenaId) {
        // Everything of that arena was freed at once: nothing of it is live, nothing leaked.
        lock(&self.live).retain(|_, &mut (_, _, a)| a != arena);
    }
    fn on_scope_exit(&self, depth: usize, stats: &ScopeStatistics) {
        self.report_where(Some(depth), |d, a| d == depth && a == stats.arena);
    }
    fn on_arena_drop(&self, stats: &ArenaStatistics) {
        self.report_where(None, |_, a| a == stats.arena);
    }
}
