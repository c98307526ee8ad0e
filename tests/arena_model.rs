//! Model-based property test of the arena: random sequences of allocate / deallocate /
//! scope enter / scope exit (in and out of order) / `mem::forget` of a scope / growth and
//! shrinking through the allocator / an observer that panics on scope entry or exit / reset,
//! checked against a simple model of live allocations. Every allocation must be aligned, must
//! not overlap a live one, and must keep its contents until it is released.

use std::alloc::Layout;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use allocator_api2::alloc::Allocator;
use proptest::prelude::*;
use rvf::arena::{
    AlignmentPolicy, ArenaError, ArenaObserver, GrowthPolicy, MemoryArena, Scope, ScopeStatistics,
};

#[derive(Debug, Clone)]
enum Op {
    Enter,
    /// Drop the scope at this position (modulo the number of live guards).
    Exit(usize),
    /// Allocate through the scope at this position (modulo), or the innermost if `None`.
    Alloc {
        bytes: usize,
        align_log2: u32,
        through: Option<usize>,
    },
    /// Deallocate the live allocation at this position (modulo).
    Dealloc(usize),
    /// Grow the live allocation at this position (modulo) by `extra` bytes through the
    /// `allocator_api2` allocator of its scope (in place when it is on top and fits).
    Grow {
        index: usize,
        extra: usize,
    },
    /// Shrink the live allocation at this position (modulo) to `keep` of its bytes (modulo
    /// its size + 1) through its scope's allocator.
    Shrink {
        index: usize,
        keep: usize,
    },
    /// `mem::forget` the live guard at this position (modulo): its scope stays live until the
    /// reset, and blocks every scope below it.
    Forget(usize),
    /// Arm the observer to panic, then enter a scope (`None`) or exit the live guard at this
    /// position (modulo), catching the panic. Without the observer, does nothing.
    Panicking(Option<usize>),
}

/// What became of a guard.
enum Guard<'a> {
    Alive(Scope<'a>),
    /// Dropped out of order: the arena still holds its memory until the scopes after it go.
    Dropped,
    /// Leaked with `mem::forget`: live until the reset.
    Forgotten,
}

impl<'a> Guard<'a> {
    fn alive(&self) -> Option<&Scope<'a>> {
        match self {
            Guard::Alive(g) => Some(g),
            _ => None,
        }
    }
}

/// An observer that panics on the next scope entry or exit when armed.
#[derive(Default)]
struct Panicky {
    armed: AtomicBool,
}

impl ArenaObserver for Panicky {
    fn on_scope_enter(&self, _depth: usize) {
        if self.armed.swap(false, Ordering::Relaxed) {
            panic!("observer panics on scope entry");
        }
    }
    fn on_scope_exit(&self, _depth: usize, _stats: &ScopeStatistics) {
        if self.armed.swap(false, Ordering::Relaxed) {
            panic!("observer panics on scope exit");
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Enter),
        2 => (0..8usize).prop_map(Op::Exit),
        6 => (0..300usize, 0..8u32, prop::option::weighted(0.2, 0..8usize))
            .prop_map(|(bytes, align_log2, through)| Op::Alloc { bytes, align_log2, through }),
        3 => (0..64usize).prop_map(Op::Dealloc),
        2 => (0..64usize, 0..200usize).prop_map(|(index, extra)| Op::Grow { index, extra }),
        1 => (0..64usize, 0..300usize).prop_map(|(index, keep)| Op::Shrink { index, keep }),
        1 => (0..8usize).prop_map(Op::Forget),
        1 => prop::option::of(0..8usize).prop_map(Op::Panicking),
    ]
}

struct Live {
    addr: usize,
    bytes: usize,
    align: usize,
    pattern: u8,
    scope: usize,
}

fn check_intact(live: &[Live]) -> Result<(), TestCaseError> {
    for a in live {
        // SAFETY: the model says this allocation is live, so its bytes belong to it.
        let s = unsafe { std::slice::from_raw_parts(a.addr as *const u8, a.bytes) };
        prop_assert!(s.iter().all(|&b| b == a.pattern), "allocation overwritten");
    }
    Ok(())
}

/// Drops trailing guards that were dropped out of order: their memory is released now.
fn pop_dropped(guards: &mut Vec<Guard<'_>>, live: &mut Vec<Live>) {
    while matches!(guards.last(), Some(Guard::Dropped)) {
        let released = guards.len();
        guards.pop();
        live.retain(|a| a.scope != released);
    }
}

/// Exits the live guard `k` (modulo the live ones), if any.
/// (An observer's panic leaves the guard `Dropped`, then unwinds out of here.)
fn exit(guards: &mut Vec<Guard<'_>>, live: &mut Vec<Live>, k: usize) {
    let alive: Vec<usize> = (0..guards.len())
        .filter(|&i| guards[i].alive().is_some())
        .collect();
    if !alive.is_empty() {
        let i = alive[k % alive.len()];
        drop(std::mem::replace(&mut guards[i], Guard::Dropped));
        pop_dropped(guards, live);
    }
}

/// Resizes the live allocation `k` to `bytes` through the allocator of its scope, which must
/// be the innermost (the arena itself when no scope is live); checks the contents survive.
fn resize(
    arena: &MemoryArena,
    guards: &[Guard<'_>],
    live: &mut [Live],
    k: usize,
    bytes: usize,
    counter: &mut u64,
) -> Result<(), TestCaseError> {
    let depth = guards.len();
    if live[k].scope != depth {
        return Ok(());
    }
    let scope = match depth {
        0 => None,
        _ => match guards[depth - 1].alive() {
            Some(g) => Some(g),
            None => return Ok(()),
        },
    };
    let a = &live[k];
    let old = Layout::from_size_align(a.bytes, a.align).unwrap();
    let new = Layout::from_size_align(bytes, a.align).unwrap();
    let ptr = std::ptr::NonNull::new(a.addr as *mut u8).unwrap();
    // SAFETY: `ptr` is a live allocation of this allocator with layout `old`; `grow` gets a
    // larger layout, `shrink` a smaller one.
    let resized = unsafe {
        match (scope, bytes >= a.bytes) {
            (None, true) => Allocator::grow(&arena, ptr, old, new),
            (None, false) => Allocator::shrink(&arena, ptr, old, new),
            (Some(g), true) => Allocator::grow(g, ptr, old, new),
            (Some(g), false) => Allocator::shrink(g, ptr, old, new),
        }
    }
    .map_err(|_| TestCaseError::fail("resize failed"))?;
    let addr = resized.as_ptr() as *mut u8 as usize;
    // Moved: a fresh allocation (the old one released). A zero-size block is never the top,
    // so resizing one always allocates afresh, possibly at the same address.
    if addr != a.addr || a.bytes == 0 {
        *counter += 1;
    }
    prop_assert_eq!(addr % a.align, 0, "misaligned after resizing");
    let kept_len = a.bytes.min(bytes);
    // SAFETY: the old bytes (up to the new size) were copied or kept in place.
    let kept = unsafe { std::slice::from_raw_parts(addr as *const u8, kept_len) };
    prop_assert!(
        kept.iter().all(|&b| b == a.pattern),
        "contents lost in resizing"
    );
    let pattern = a.pattern;
    for (j, b) in live.iter().enumerate() {
        prop_assert!(
            j == k
                || bytes == 0
                || b.bytes == 0
                || addr + bytes <= b.addr
                || b.addr + b.bytes <= addr,
            "resized allocation overlaps a live one"
        );
    }
    // SAFETY: the allocator handed out `bytes` bytes at `addr`.
    unsafe { std::ptr::write_bytes(addr as *mut u8, pattern, bytes) };
    live[k].addr = addr;
    live[k].bytes = bytes;
    Ok(())
}

fn run_episode(
    arena: &MemoryArena,
    observer: Option<&Panicky>,
    ops: &[Op],
    counter: &mut u64,
    failed: &mut u64,
) -> Result<(), TestCaseError> {
    // Guards in creation order. Scope ids are positions + 1 (0 = allocated by the arena).
    let mut guards: Vec<Guard<'_>> = Vec::new();
    let mut live: Vec<Live> = Vec::new();
    let mut next_pattern = 1u8;
    for op in ops {
        match *op {
            Op::Enter => guards.push(Guard::Alive(arena.create_scope())),
            Op::Exit(k) => exit(&mut guards, &mut live, k),
            Op::Forget(k) => {
                let alive: Vec<usize> = (0..guards.len())
                    .filter(|&i| guards[i].alive().is_some())
                    .collect();
                if let Some(&i) = alive.get(k % alive.len().max(1)) {
                    let Guard::Alive(g) = std::mem::replace(&mut guards[i], Guard::Forgotten)
                    else {
                        unreachable!()
                    };
                    std::mem::forget(g);
                }
            }
            Op::Panicking(what) => {
                let Some(observer) = observer else { continue };
                observer.armed.store(true, Ordering::Relaxed);
                match what {
                    None => {
                        let entered = catch_unwind(AssertUnwindSafe(|| arena.create_scope()));
                        prop_assert!(entered.is_err(), "the observer panicked");
                    }
                    Some(k) => {
                        // An exit that reaches the observer panics (an out-of-order drop
                        // defers it); either way the arena must agree with the model below.
                        let _ = catch_unwind(AssertUnwindSafe(|| exit(&mut guards, &mut live, k)));
                        // A panic skipped the model's bookkeeping of the exit; redo it.
                        pop_dropped(&mut guards, &mut live);
                    }
                }
                observer.armed.store(false, Ordering::Relaxed);
            }
            Op::Alloc {
                bytes,
                align_log2,
                through,
            } => {
                let align = 1usize << align_log2;
                let depth = guards.len();
                let (result, asked) = match through {
                    Some(k) if depth > 0 => {
                        let i = k % depth;
                        match guards[i].alive() {
                            Some(g) => (g.allocate(bytes, align), i + 1),
                            None => continue,
                        }
                    }
                    _ => match depth.checked_sub(1).and_then(|i| guards[i].alive()) {
                        Some(g) => (g.allocate(bytes, align), depth),
                        // No scope, or the innermost was forgotten: ask the arena itself.
                        None => (arena.allocate(bytes, align), 0),
                    },
                };
                if asked != depth {
                    prop_assert_eq!(
                        result.unwrap_err(),
                        ArenaError::ScopeNotInnermost {
                            depth: asked,
                            innermost: depth
                        }
                    );
                    *failed += 1;
                    continue;
                }
                let ptr = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
                *counter += 1;
                let addr = ptr.as_ptr() as usize;
                prop_assert_eq!(addr % align, 0, "misaligned");
                let policy_align = arena.alignment_policy().min_align().unwrap();
                prop_assert_eq!(addr % policy_align, 0, "below the policy's alignment");
                if bytes == 0 {
                    continue;
                }
                // (A zero-size block, left by shrinking, occupies nothing.)
                for a in live.iter().filter(|a| a.bytes > 0) {
                    prop_assert!(
                        addr + bytes <= a.addr || a.addr + a.bytes <= addr,
                        "overlap with a live allocation"
                    );
                }
                let pattern = next_pattern;
                next_pattern = next_pattern.wrapping_add(1).max(1);
                // SAFETY: the arena just handed out `bytes` bytes at `ptr`.
                unsafe { std::ptr::write_bytes(ptr.as_ptr(), pattern, bytes) };
                live.push(Live {
                    addr,
                    bytes,
                    align,
                    pattern,
                    scope: depth,
                });
            }
            Op::Dealloc(k) => {
                if live.is_empty() {
                    continue;
                }
                let a = live.remove(k % live.len());
                let ptr = std::ptr::NonNull::new(a.addr as *mut u8).unwrap();
                // SAFETY: a live allocation of this arena with its exact size, never used again.
                unsafe { arena.deallocate(ptr, a.bytes) };
            }
            Op::Grow { index, extra } => {
                if !live.is_empty() {
                    let k = index % live.len();
                    let bytes = live[k].bytes + extra;
                    resize(arena, &guards, &mut live, k, bytes, counter)?;
                }
            }
            Op::Shrink { index, keep } => {
                if !live.is_empty() {
                    let k = index % live.len();
                    let bytes = keep % (live[k].bytes + 1);
                    resize(arena, &guards, &mut live, k, bytes, counter)?;
                }
            }
        }
        let stats = arena.statistics();
        let model_live: usize = live.iter().map(|a| a.bytes).sum();
        // Allocations of scopes dropped out of order or forgotten stay in `live` until
        // released.
        prop_assert_eq!(stats.bytes_allocated, model_live);
        prop_assert_eq!(stats.total_allocations, *counter);
        prop_assert_eq!(stats.failed_allocations, *failed);
        prop_assert_eq!(stats.scope_depth, guards.len());
        prop_assert!(stats.bytes_available <= stats.total_capacity);
        check_intact(&live)?;
    }
    // Dropping the remaining live guards innermost-first releases what they hold, down to
    // the innermost forgotten scope (which keeps the rest until the reset).
    while let Some(Guard::Alive(_) | Guard::Dropped) = guards.last() {
        guards.pop();
        let released = guards.len() + 1;
        live.retain(|a| a.scope != released);
    }
    prop_assert_eq!(
        arena.statistics().bytes_allocated,
        live.iter().map(|a| a.bytes).sum::<usize>()
    );
    check_intact(&live)?;
    // Forgotten scopes may remain; the guards below them drop here (out of order) and the
    // reset after the episode frees everything.
    Ok(())
}

/// Keeps the observer's deliberate panics out of the test output (others still print).
fn quiet_observer_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
            if !msg.starts_with("observer panics") {
                default(info);
            }
        }));
    });
}

proptest! {
    #[test]
    fn arena_matches_a_model_of_live_allocations(
        episodes in prop::collection::vec(prop::collection::vec(op(), 0..60), 1..4),
        growth in prop_oneof![
            Just(GrowthPolicy::Exponential),
            Just(GrowthPolicy::Linear(512)),
            Just(GrowthPolicy::Adaptive),
        ],
        capacity in prop_oneof![Just(0usize), Just(64), Just(1000)],
        // A minimum alignment above 8 bytes and timing both send every allocation and scope
        // exit through the general paths; the defaults use the short ones.
        alignment in prop_oneof![
            3 => Just(AlignmentPolicy::Natural),
            1 => Just(AlignmentPolicy::Custom(16)),
            1 => Just(AlignmentPolicy::CacheLine),
        ],
        timing in prop::bool::weighted(0.2),
        panicky in prop::bool::weighted(0.3),
    ) {
        quiet_observer_panics();
        let observer = Arc::new(Panicky::default());
        let mut builder = MemoryArena::builder()
            .capacity(capacity)
            .growth(growth)
            .alignment(alignment)
            .timing(timing);
        if panicky {
            builder = builder.observer(observer.clone());
        }
        let mut arena = builder.build().unwrap();
        let (mut count, mut failed) = (0, 0);
        for ops in &episodes {
            run_episode(&arena, panicky.then_some(&*observer), ops, &mut count, &mut failed)?;
            arena.reset();
            let s = arena.statistics();
            prop_assert_eq!(s.bytes_allocated, 0);
            prop_assert!(s.chunks <= 1);
        }
    }
}
