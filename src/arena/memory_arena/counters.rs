//! What an arena counts: the one owner of the numbers its statistics, its scopes and its
//! observers' events read.

use core::cell::Cell;
use std::time::Duration;

/// The arena's counters. The first two are on the short paths (an allocation counts itself,
/// a release notes the peak), so they come first and sit next to the bump state.
#[repr(C)]
#[derive(Default)]
pub(super) struct Counters {
    /// Successful allocations since the arena was created (zero sizes included).
    allocations: Cell<u64>,
    /// The largest live count seen when it last decreased: `max(peak_live, live)` is the peak
    /// (live bytes only grow by allocating, so noting them before each decrease is enough).
    peak_live: Cell<usize>,
    /// Refused requests since the arena was created.
    failed: Cell<u64>,
    /// The largest used region seen, kept only when the growth policy needs it.
    peak_region: Cell<usize>,
    /// Allocations timed, and their total time in nanoseconds (saturating: 584 years).
    timed: Cell<u64>,
    timed_nanos: Cell<u64>,
}

impl Counters {
    #[inline(always)]
    pub(super) fn allocations(&self) -> u64 {
        self.allocations.get()
    }

    #[inline(always)]
    pub(super) fn count_allocation(&self) {
        self.allocations.set(self.allocations.get() + 1);
    }

    #[inline]
    pub(super) fn failed(&self) -> u64 {
        self.failed.get()
    }

    #[inline]
    pub(super) fn count_failure(&self) {
        self.failed.set(self.failed.get() + 1);
    }

    /// Notes `live` bytes before the live count decreases.
    #[inline(always)]
    pub(super) fn note_live(&self, live: usize) {
        if live > self.peak_live.get() {
            self.peak_live.set(live);
        }
    }

    /// The peak of the live count, given the current one.
    #[inline]
    pub(super) fn peak_live(&self, live: usize) -> usize {
        self.peak_live.get().max(live)
    }

    /// Notes a used region of `region` bytes before the cursor moves back.
    #[inline]
    pub(super) fn note_region(&self, region: usize) {
        if region > self.peak_region.get() {
            self.peak_region.set(region);
        }
    }

    #[inline]
    pub(super) fn peak_region(&self) -> usize {
        self.peak_region.get()
    }

    /// Adds one timed allocation that took `elapsed`.
    pub(super) fn add_time(&self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.timed_nanos
            .set(self.timed_nanos.get().saturating_add(nanos));
        self.timed.set(self.timed.get() + 1);
    }

    /// The mean time of the timed allocations, if any were timed.
    pub(super) fn mean_time(&self) -> Option<Duration> {
        let n = self.timed.get();
        (n > 0).then(|| Duration::from_nanos(self.timed_nanos.get() / n))
    }
}
