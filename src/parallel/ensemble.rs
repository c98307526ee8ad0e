//! Ensembles of independent simulations across rayon's threads, each with its thread's arena.

use core::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::arena::{ArenaStatistics, MemoryArena, ThreadLocalArena};

/// Runs `members` independent simulations across rayon's threads and collects their results
/// in member order. Member `i` runs `f(i, arena)` with the arena of the worker thread it
/// lands on ([`ThreadLocalArena`]), so per-step scopes inside `f` reuse that thread's memory
/// from one member to the next.
///
/// ```
/// use rvf::prelude::*;
/// use rvf::parallel::ensemble;
/// // A parameter sweep: decay rates k = 1, 2, …, 8, each integrated by explicit Euler with a
/// // temporary per step in the thread's arena.
/// let finals = ensemble(8, |i, arena| {
///     let k = (i + 1) as f64;
///     let mut y = vec![1.0];
///     for _ in 0..1000 {
///         let scope = arena.create_scope();
///         let mut dy = scope.clone_of(&y).unwrap();
///         dy.scale_in_place(-k * 1e-3);
///         y.add_in_place(&dy);
///     }
///     y[0]
/// });
/// assert!((finals[0] - (-1.0_f64).exp()).abs() < 1e-3);
/// assert!(finals.windows(2).all(|w| w[1] < w[0]));
/// ```
pub fn ensemble<R, F>(members: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize, &MemoryArena) -> R + Sync + Send,
{
    (0..members)
        .into_par_iter()
        .map(|i| ThreadLocalArena::with(|arena| f(i, arena)))
        .collect()
}

/// [`ensemble`], reporting as it goes: after each member finishes, `progress(done, members)`
/// is called on the worker thread that ran it, `done` counting the members finished so far
/// (1, 2, …, `members`, in order of completion). A long sweep can be watched this way, or
/// fed to a progress bar.
///
/// ```
/// use std::sync::Mutex;
/// use rvf::parallel::ensemble_with_progress;
/// let seen = Mutex::new(Vec::new());
/// let squares = ensemble_with_progress(
///     16,
///     |i, _arena| i * i,
///     |done, total| seen.lock().unwrap().push((done, total)),
/// );
/// assert_eq!(squares[5], 25);
/// let mut seen = seen.into_inner().unwrap();
/// seen.sort();
/// assert_eq!(seen, (1..=16).map(|d| (d, 16)).collect::<Vec<_>>());
/// ```
pub fn ensemble_with_progress<R, F, P>(members: usize, f: F, progress: P) -> Vec<R>
where
    R: Send,
    F: Fn(usize, &MemoryArena) -> R + Sync + Send,
    P: Fn(usize, usize) + Sync + Send,
{
    let finished = AtomicUsize::new(0);
    ensemble(members, |i, arena| {
        let r = f(i, arena);
        progress(finished.fetch_add(1, Ordering::Relaxed) + 1, members);
        r
    })
}

/// The statistics of every rayon worker thread's arena, as `(thread index, statistics)`, in
/// thread-index order. Runs a task on each worker (`rayon::broadcast`).
pub fn thread_arena_statistics() -> Vec<(usize, ArenaStatistics)> {
    rayon::broadcast(|ctx| (ctx.index(), ThreadLocalArena::statistics()))
}
