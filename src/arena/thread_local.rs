//! [`ThreadLocalArena`]: one arena per thread, created on first use.

use core::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::clone::ArenaClone;
use super::memory_arena::MemoryArena;
use super::scope::Scope;
use super::stats::ArenaStatistics;
use super::ArenaError;

/// Capacity of thread arenas created from now on, in bytes.
static THREAD_ARENA_CAPACITY: AtomicUsize = AtomicUsize::new(ThreadLocalArena::DEFAULT_CAPACITY);

thread_local! {
    static ARENA: RefCell<Option<MemoryArena>> = const { RefCell::new(None) };
}

/// Access to a per-thread [`MemoryArena`], created on first use with the capacity set by
/// [`set_thread_arena_capacity`](Self::set_thread_arena_capacity) (it grows exponentially
/// beyond that).
///
/// The worker-thread pattern: each thread sets its arena's size, then allocates from it.
///
/// ```
/// use rvf::prelude::*;
/// use rvf::arena::ThreadLocalArena;
///
/// ThreadLocalArena::set_thread_arena_capacity(1 << 20);
/// let worker = std::thread::spawn(|| {
///     let data = vec![1.0_f64; 10_000];
///     let mut total = 0.0;
///     for _ in 0..100 {
///         // A scope per iteration: the temporary's memory is reused every time.
///         total += ThreadLocalArena::clone(&data, |temp| {
///             temp.scale_in_place(0.5);
///             temp.sum()
///         })
///         .unwrap();
///     }
///     (total, ThreadLocalArena::statistics().peak_usage)
/// });
/// let (total, peak) = worker.join().unwrap();
/// assert_eq!(total, 500_000.0);
/// assert_eq!(peak, 80_000);
/// ```
pub struct ThreadLocalArena;

impl ThreadLocalArena {
    /// Capacity of a thread arena when none was set: 1 MiB.
    pub const DEFAULT_CAPACITY: usize = 1 << 20;

    /// Sets the capacity of thread arenas created from now on, on every thread. The calling
    /// thread's arena, if it exists and is not in use, is replaced by a fresh one of that
    /// capacity (its statistics start over).
    pub fn set_thread_arena_capacity(bytes: usize) {
        THREAD_ARENA_CAPACITY.store(bytes, Ordering::Relaxed);
        ARENA.with(|cell| {
            if let Ok(mut slot) = cell.try_borrow_mut() {
                if slot.is_some() {
                    *slot = None;
                }
            }
        });
    }

    /// The capacity new thread arenas get.
    pub fn thread_arena_capacity() -> usize {
        THREAD_ARENA_CAPACITY.load(Ordering::Relaxed)
    }

    /// Runs `f` with this thread's arena, creating it first if needed. Calls may nest.
    ///
    /// This is how "get the thread's arena" reads in Rust: the arena is lent to `f` rather
    /// than returned, because a reference to it must not outlive the thread (or the slot's
    /// replacement by [`set_thread_arena_capacity`](Self::set_thread_arena_capacity)).
    ///
    /// # Panics
    /// If the thread arena does not exist yet and the system cannot allocate it, and when
    /// called from a thread-local destructor after the arena's own slot was destroyed (the
    /// standard library's `LocalKey::with` rule); [`try_with`](Self::try_with) returns an
    /// error there instead.
    pub fn with<R>(f: impl FnOnce(&MemoryArena) -> R) -> R {
        match Self::try_with(f) {
            Ok(r) => r,
            Err(e) => panic!("ThreadLocalArena::with: {e}"),
        }
    }

    /// [`with`](Self::with), or [`ArenaError::ThreadArenaGone`] when the thread's arena has
    /// already been destroyed (a call from a thread-local destructor during thread exit).
    ///
    /// # Errors
    /// [`ArenaError::ThreadArenaGone`].
    pub fn try_with<R>(f: impl FnOnce(&MemoryArena) -> R) -> Result<R, ArenaError> {
        ARENA
            .try_with(|cell| {
                if cell.borrow().is_none() {
                    let arena = MemoryArena::new(Self::thread_arena_capacity());
                    *cell.borrow_mut() = Some(arena);
                }
                let slot = cell.borrow();
                let arena = slot.as_ref().expect("thread arena was just created");
                f(arena)
            })
            .map_err(|_| ArenaError::ThreadArenaGone)
    }

    /// Runs `f` inside a new scope of this thread's arena.
    pub fn scope<R>(f: impl FnOnce(&Scope<'_>) -> R) -> R {
        Self::with(|arena| {
            let scope = arena.create_scope();
            f(&scope)
        })
    }

    /// Copies `v` into a new scope of this thread's arena and runs `f` on the copy (RVF's
    /// `ThreadLocalArena::clone(v)`); the copy is released when `f` returns.
    ///
    /// # Errors
    /// The arena errors of [`Scope::alloc_uninit`](super::Scope::alloc_uninit).
    pub fn clone<V, R>(v: &V, f: impl FnOnce(&mut V::Temp<'_>) -> R) -> Result<R, ArenaError>
    where
        V: ArenaClone + ?Sized + 'static,
    {
        Self::scope(|scope| {
            let mut temp = scope.clone_of(v)?;
            Ok(f(&mut temp))
        })
    }

    /// Statistics of this thread's arena (creating it if needed), from outside any closure.
    ///
    /// # Panics
    /// As [`with`](Self::with); [`try_statistics`](Self::try_statistics) does not.
    pub fn statistics() -> ArenaStatistics {
        Self::with(MemoryArena::statistics)
    }

    /// [`statistics`](Self::statistics), or an error when the thread's arena is gone.
    ///
    /// # Errors
    /// [`ArenaError::ThreadArenaGone`].
    pub fn try_statistics() -> Result<ArenaStatistics, ArenaError> {
        Self::try_with(MemoryArena::statistics)
    }
}
