//! The iterative-algorithm pattern: two arena temporaries per iteration inside a
//! per-iteration scope, next to the same loop with `Vec` temporaries.
//!
//! ```text
//! cargo run --release --example iterative_algorithm -- [N] [ITERATIONS]
//! ```
//! Defaults: N = 100000 elements, 2000 iterations.

use std::time::Instant;

use rvf::arena::{estimate_arena_size, PerformanceTracker};
use rvf::prelude::*;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("argument {i} must be a count, got {s}"))
        })
        .unwrap_or(default)
}

/// One iteration with arena temporaries: x ← 0.9·x + 0.025·(x + 1.5·2x), which is x again in
/// exact arithmetic, so rounding is all that can change it.
fn iterate_arena<V>(x: &mut V, arena: &MemoryArena)
where
    V: RealVectorMut<Scalar = f64> + ArenaClone,
{
    let scope = arena.create_scope();
    let mut t1 = scope
        .clone_of(x)
        .expect("arena sized by estimate_arena_size");
    let mut t2 = scope
        .clone_of(x)
        .expect("arena sized by estimate_arena_size");
    t1.scale_in_place(2.0);
    t2.axpy_in_place(1.5, &t1);
    x.axpby_in_place(0.025, &t2, 0.9);
}

/// The same iteration with heap temporaries.
fn iterate_vec(x: &mut Vec<f64>) {
    let mut t1 = x.clone();
    let mut t2 = x.clone();
    t1.scale_in_place(2.0);
    t2.axpy_in_place(1.5, &t1);
    x.axpby_in_place(0.025, &t2, 0.9);
}

fn main() {
    let n = arg(1, 100_000);
    let iterations = arg(2, 2000);
    let x0: Vec<f64> = (0..n).map(|i| (i as f64 * 1e-3).sin()).collect();

    let mut x = x0.clone();
    let arena = MemoryArena::new(estimate_arena_size(&x, 2, 1));
    let tracker = PerformanceTracker::new(&arena, "  arena tracker").quiet();
    let start = Instant::now();
    for _ in 0..iterations {
        iterate_arena(&mut x, &arena);
    }
    let arena_time = start.elapsed();
    let tracked = tracker.finish();

    let mut y = x0.clone();
    let start = Instant::now();
    for _ in 0..iterations {
        iterate_vec(&mut y);
    }
    let vec_time = start.elapsed();

    // Each iteration multiplies x by 0.9 + 0.025·4 = 1 in exact arithmetic.
    let mut diff = x.clone();
    diff.axpy_in_place(-1.0, &x0);
    let s = arena.statistics();
    println!("iterative_algorithm: n = {n}, {iterations} iterations");
    println!(
        "  arena temporaries: {:>8.2} ms ({:.2} us/iteration)",
        arena_time.as_secs_f64() * 1e3,
        arena_time.as_secs_f64() * 1e6 / iterations as f64
    );
    println!(
        "  Vec temporaries:   {:>8.2} ms ({:.2} us/iteration)",
        vec_time.as_secs_f64() * 1e3,
        vec_time.as_secs_f64() * 1e6 / iterations as f64
    );
    println!(
        "  ‖x − x0‖∞ = {:.3e} (the iteration is the identity)",
        diff.norm_inf()
    );
    println!(
        "  arena: peak usage {} B, total allocations {}, fragmentation {:.3}, chunks {}",
        s.peak_usage, s.total_allocations, s.fragmentation_ratio, s.chunks
    );
    println!("{tracked}");
    assert_eq!(tracked.allocations, 2 * iterations as u64);
    assert_eq!(x, y, "arena and Vec runs must agree bit for bit");
}
