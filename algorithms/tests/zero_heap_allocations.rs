//! A counting global allocator proves CG and the integrators allocate nothing per iteration
//! once set up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;

use rvf_algorithms::linear::{CgParams, CgProgress, ConjugateGradient, Jacobi, Poisson2d};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn cg_iterations_make_no_heap_allocation() {
    let n = 48;
    let a = Poisson2d::<f64>::new(n, n);
    let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 7) as f64).collect();
    let m = Jacobi::from_operator(&a).unwrap();
    let mut solver = ConjugateGradient::new();
    for preconditioned in [false, true] {
        let mut x = vec![0.0; n * n];
        let mut per_iteration = Vec::with_capacity(1000);
        let mut cb = |_: &CgProgress<f64>| {
            per_iteration.push(allocations());
            ControlFlow::Continue(())
        };
        let mut params = CgParams {
            rel_tol: 1e-10,
            record_history: true,
            callback: Some(&mut cb),
            ..Default::default()
        };
        let res = if preconditioned {
            solver.solve_preconditioned(&a, &m, &b, &mut x, &mut params)
        } else {
            solver.solve(&a, &b, &mut x, &mut params)
        }
        .unwrap();
        assert!(res.iterations > 20);
        let first = per_iteration[0];
        let last = *per_iteration.last().unwrap();
        assert_eq!(
            last - first,
            0,
            "{} heap allocations over {} iterations",
            last - first,
            per_iteration.len()
        );
    }
}
