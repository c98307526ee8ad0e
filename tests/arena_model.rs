//! Model-based property test of the arena: random sequences of allocate / deallocate /
//! scope enter / scope exit (in and out of order) / growth through the allocator / reset,
//! checked against a simple model of live allocations. Every allocation must be aligned, must
//! not overlap a live one, and must keep its contents until it is released.

use std::alloc::Layout;

use allocator_api2::alloc::Allocator;
use proptest::prelude::*;
use rvf::arena::{AlignmentPolicy, ArenaError, GrowthPolicy, MemoryArena, Scope};

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
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Enter),
        2 => (0..8usize).prop_map(Op::Exit),
        6 => (0..300usize, 0..8u32, prop::option::weighted(0.2, 0..8usize))
            .prop_map(|(bytes, align_log2, through)| Op::Alloc { bytes, align_log2, through }),
        3 => (0..64usize).prop_map(Op::Dealloc),
        2 => (0..64usize, 0..200usize).prop_map(|(index, extra)| Op::Grow { index, extra }),
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

fn run_episode(
    arena: &MemoryArena,
    ops: &[Op],
    counter: &mut u64,
    failed: &mut u64,
) -> Result<(), TestCaseError> {
    // Guards in creation order; `None` marks a scope dropped out of order whose memory the
    // arena still holds. Scope ids are positions + 1 (0 = allocated by the arena itself).
    let mut guards: Vec<Option<Scope<'_>>> = Vec::new();
    let mut live: Vec<Live> = Vec::new();
    let mut next_pattern = 1u8;
    for op in ops {
        match *op {
            Op::Enter => guards.push(Some(arena.create_scope())),
            Op::Exit(k) => {
                let alive: Vec<usize> =
                    (0..guards.len()).filter(|&i| guards[i].is_some()).collect();
                if alive.is_empty() {
                    continue;
                }
                let i = alive[k % alive.len()];
                guards[i] = None;
                while guards.last().is_some_and(|g| g.is_none()) {
                    let released = guards.len();
                    guards.pop();
                    live.retain(|a| a.scope != released);
                }
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
                        match &guards[i] {
                            Some(g) => (g.allocate(bytes, align), i + 1),
                            None => continue,
                        }
                    }
                    _ if depth == 0 => (arena.allocate(bytes, align), 0),
                    _ => (
                        guards[depth - 1].as_ref().unwrap().allocate(bytes, align),
                        depth,
                    ),
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
                for a in &live {
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
                if live.is_empty() {
                    continue;
                }
                let k = index % live.len();
                let depth = guards.len();
                // Only the innermost scope (or the arena, with none alive) may grow.
                if live[k].scope != depth || (depth > 0 && guards[depth - 1].is_none()) {
                    continue;
                }
                let a = &live[k];
                let old = Layout::from_size_align(a.bytes, a.align).unwrap();
                let new = Layout::from_size_align(a.bytes + extra, a.align).unwrap();
                let ptr = std::ptr::NonNull::new(a.addr as *mut u8).unwrap();
                // SAFETY: `ptr` is a live allocation of this allocator with layout `old`, and
                // `new` is at least as large.
                let grown = unsafe {
                    match depth {
                        0 => Allocator::grow(&arena, ptr, old, new),
                        _ => Allocator::grow(guards[depth - 1].as_ref().unwrap(), ptr, old, new),
                    }
                }
                .map_err(|_| TestCaseError::fail("grow failed"))?;
                let addr = grown.as_ptr() as *mut u8 as usize;
                if addr != a.addr {
                    *counter += 1; // moved: a fresh allocation (the old one is released)
                }
                prop_assert_eq!(addr % a.align, 0, "misaligned after growing");
                // SAFETY: the old bytes were copied or kept in place.
                let kept = unsafe { std::slice::from_raw_parts(addr as *const u8, a.bytes) };
                prop_assert!(
                    kept.iter().all(|&b| b == a.pattern),
                    "contents lost in growing"
                );
                let pattern = a.pattern;
                for (j, b) in live.iter().enumerate() {
                    prop_assert!(
                        j == k || addr + a.bytes + extra <= b.addr || b.addr + b.bytes <= addr,
                        "grown allocation overlaps a live one"
                    );
                }
                // SAFETY: the allocator handed out `new.size()` bytes at `addr`.
                unsafe { std::ptr::write_bytes(addr as *mut u8, pattern, new.size()) };
                live[k].addr = addr;
                live[k].bytes = new.size();
            }
        }
        let stats = arena.statistics();
        let model_live: usize = live.iter().map(|a| a.bytes).sum();
        // Allocations of scopes dropped out of order are still in `live` until released.
        prop_assert_eq!(stats.bytes_allocated, model_live);
        prop_assert_eq!(stats.total_allocations, *counter);
        prop_assert_eq!(stats.failed_allocations, *failed);
        prop_assert_eq!(stats.scope_depth, guards.len());
        prop_assert!(stats.bytes_available <= stats.total_capacity);
        check_intact(&live)?;
    }
    // Dropping the remaining guards innermost-first releases everything scoped.
    while let Some(g) = guards.pop() {
        drop(g);
        let released = guards.len() + 1;
        live.retain(|a| a.scope != released);
    }
    prop_assert_eq!(
        arena.statistics().bytes_allocated,
        live.iter().map(|a| a.bytes).sum::<usize>()
    );
    check_intact(&live)?;
    Ok(())
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
    ) {
        let mut arena = MemoryArena::builder()
            .capacity(capacity)
            .growth(growth)
            .alignment(alignment)
            .timing(timing)
            .build()
            .unwrap();
        let (mut count, mut failed) = (0, 0);
        for ops in &episodes {
            run_episode(&arena, ops, &mut count, &mut failed)?;
            arena.reset();
            let s = arena.statistics();
            prop_assert_eq!(s.bytes_allocated, 0);
            prop_assert!(s.chunks <= 1);
        }
    }
}
