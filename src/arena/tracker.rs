//! [`PerformanceTracker`]: an RAII guard that reports what an arena did during a stretch of
//! code.

use core::fmt;
use std::time::{Duration, Instant};

use super::memory_arena::MemoryArena;
use super::stats::ArenaStatistics;

/// Watches `arena` from its creation to its end: when dropped it prints a
/// [`TrackerReport`] (elapsed time, allocations made, peak usage, memory efficiency); ask for
/// the report earlier with [`report`](Self::report), or end it without printing with
/// [`finish`](Self::finish).
///
/// ```
/// use rvf::arena::{MemoryArena, PerformanceTracker};
/// let arena = MemoryArena::new(1 << 16);
/// let tracker = PerformanceTracker::new(&arena, "ten temporaries").quiet();
/// for _ in 0..10 {
///     let scope = arena.create_scope();
///     let _t = scope.alloc_zeroed::<f64>(100).unwrap();
/// }
/// let report = tracker.finish();
/// assert_eq!(report.allocations, 10);
/// assert_eq!(report.peak_usage, 800);
/// assert!(report.memory_efficiency > 0.99);
/// println!("{report}"); // ten temporaries: 10 allocations (0 failed) in …
/// ```
pub struct PerformanceTracker<'a> {
    arena: &'a MemoryArena,
    label: String,
    start: Instant,
    at_start: ArenaStatistics,
    print: bool,
}

/// What a [`PerformanceTracker`] saw.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TrackerReport {
    /// The tracker's label.
    pub label: String,
    /// Time since the tracker was created.
    pub elapsed: Duration,
    /// Successful allocations made meanwhile.
    pub allocations: u64,
    /// Refused allocations meanwhile.
    pub failed_allocations: u64,
    /// The arena's peak live bytes so far (see
    /// [`ArenaStatistics::peak_usage`](super::ArenaStatistics::peak_usage)).
    pub peak_usage: usize,
    /// Live bytes now.
    pub bytes_allocated: usize,
    /// `1 − fragmentation`: the share of the used region that holds live data now (1 when
    /// nothing is used).
    pub memory_efficiency: f64,
}

impl<'a> PerformanceTracker<'a> {
    /// Starts watching `arena`; the report is printed to standard output when the tracker is
    /// dropped (see [`quiet`](Self::quiet)).
    pub fn new(arena: &'a MemoryArena, label: impl Into<String>) -> Self {
        Self {
            arena,
            label: label.into(),
            start: Instant::now(),
            at_start: arena.statistics(),
            print: true,
        }
    }

    /// Does not print when dropped.
    pub fn quiet(mut self) -> Self {
        self.print = false;
        self
    }

    /// The report so far.
    pub fn report(&self) -> TrackerReport {
        let now = self.arena.statistics();
        TrackerReport {
            label: self.label.clone(),
            elapsed: self.start.elapsed(),
            allocations: now.total_allocations - self.at_start.total_allocations,
            failed_allocations: now.failed_allocations - self.at_start.failed_allocations,
            peak_usage: now.peak_usage,
            bytes_allocated: now.bytes_allocated,
            memory_efficiency: 1.0 - now.fragmentation_ratio,
        }
    }

    /// Ends the tracking and returns the report, without printing it.
    pub fn finish(mut self) -> TrackerReport {
        self.print = false;
        self.report()
    }
}

impl Drop for PerformanceTracker<'_> {
    fn drop(&mut self) {
        if self.print {
            println!("{}", self.report());
        }
    }
}

impl fmt::Display for TrackerReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} allocations ({} failed) in {:.3} ms, peak {} B, {} B live, memory \
             efficiency {:.1}%",
            self.label,
            self.allocations,
            self.failed_allocations,
            self.elapsed.as_secs_f64() * 1e3,
            self.peak_usage,
            self.bytes_allocated,
            100.0 * self.memory_efficiency
        )
    }
}
