//! A counting global allocator proves that the steady state of the iterative pattern of
//! `examples/iterative_algorithm.rs` makes no heap allocation.

use rvf::prelude::*;

#[path = "common/counting.rs"]
mod counting;
use counting::heap_allocations;

/// The iterative pattern: two arena temporaries per iteration in a per-iteration scope.
fn iteration<V>(x: &mut V, arena: &MemoryArena)
where
    V: RealVectorMut<Scalar = f64> + ArenaClone,
{
    let scope = arena.create_scope();
    let mut t1 = scope.clone_of(x).unwrap();
    let mut t2 = scope.clone_of(x).unwrap();
    t1.scale_in_place(2.0);
    t2.axpy_in_place(1.5, &t1);
    t2.scale_in_place(-0.25);
    x.add_in_place(&t2);
}

#[test]
fn iterative_algorithm_steady_state_makes_no_heap_allocation() {
    let mut x: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
    let arena = MemoryArena::new(rvf::arena::estimate_arena_size(&x, 2, 1));
    for _ in 0..3 {
        iteration(&mut x, &arena); // warm-up: the scope stack reaches its capacity
    }
    let before = heap_allocations();
    for _ in 0..1000 {
        iteration(&mut x, &arena);
    }
    let during = heap_allocations() - before;
    assert_eq!(
        during, 0,
        "{during} heap allocations in 1000 steady-state iterations"
    );
    // x ← x + (-0.25)(x + 1.5·2x) = x − x = 0 each iteration.
    assert!(x.iter().all(|&v| v == 0.0));
    let s = arena.statistics();
    assert_eq!(s.chunks, 1);
    assert_eq!(s.total_allocations, 2 * 1003);
}

#[test]
fn the_counting_allocator_does_see_vec_temporaries() {
    // The control: the same pattern with `Vec` temporaries allocates every iteration, so the
    // zero above is not an artefact of the counter.
    let mut x: Vec<f64> = vec![1.0; 1000];
    let before = heap_allocations();
    for _ in 0..10 {
        let mut t = x.clone_vector();
        t.scale_in_place(0.5);
        x.axpy_in_place(-1.0, &t);
    }
    assert!(heap_allocations() - before >= 10);
}
