//! Parallel solvers: the same iterates as sequential ones, and zero heap allocations per step
//! in each worker thread's steady state.
#![cfg(feature = "rayon")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rvf::parallel::ensemble;
use rvf::prelude::*;
use rvf::Par;
use rvf_algorithms::linear::{cg, CgParams, Poisson2d};
use rvf_algorithms::ode::{linear_implicit, rk4, FnSystem, ImplicitParams};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls per thread.
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
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn parallel_cg_gives_the_sequential_iterates_bitwise() {
    let n = 256;
    let a = Poisson2d::<f64>::new(n, n);
    let b: Vec<f64> = (0..n * n).map(|k| ((k * 31) % 101) as f64 - 50.0).collect();
    let mut xs = vec![0.0; n * n];
    let mut xp = vec![0.0; n * n];
    let seq = cg(
        &a,
        &b,
        &mut xs,
        &mut CgParams {
            rel_tol: 1e-8,
            ..Default::default()
        },
    )
    .unwrap();
    let par = cg(
        &a,
        &b,
        &mut xp,
        &mut CgParams {
            rel_tol: 1e-8,
            par: Par::Rayon,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(seq.iterations, par.iterations);
    assert_eq!(seq.residual.to_bits(), par.residual.to_bits());
    assert_eq!(xs, xp);
}

#[test]
fn parallel_implicit_steps_give_the_sequential_state_bitwise() {
    let n = 200;
    let a = Poisson2d::<f64>::new(n, n);
    let u0: Vec<f64> = (0..n * n).map(|k| ((k % n) as f64 * 0.01).sin()).collect();
    let arena = MemoryArena::new(1 << 22);
    let none: Option<&fn(f64, &mut [f64])> = None;
    let mut us = u0.clone();
    let mut up = u0.clone();
    linear_implicit(
        &a,
        none,
        0.0,
        1e-3,
        5,
        &mut us,
        &ImplicitParams::default(),
        &arena,
    )
    .unwrap();
    let params = ImplicitParams {
        par: Par::Rayon,
        ..Default::default()
    };
    linear_implicit(&a, none, 0.0, 1e-3, 5, &mut up, &params, &arena).unwrap();
    assert_eq!(us, up);
}

#[test]
fn ensemble_workers_allocate_nothing_per_step_once_warm() {
    let deltas = ensemble(32, |member, arena| {
        let rate = 1.0 + member as f64 * 0.1;
        let sys = FnSystem::new(16, move |_t: f64, y: &[f64], dy: &mut [f64]| {
            for (d, v) in dy.iter_mut().zip(y) {
                *d = -rate * v;
            }
        });
        let mut y = vec![1.0; 16];
        rk4(&sys, 0.0, 1e-3, 5, &mut y, arena).unwrap(); // warm-up
        let before = allocations();
        rk4(&sys, 0.0, 1e-3, 500, &mut y, arena).unwrap();
        let delta = allocations() - before;
        // The system is autonomous: 505 steps of 1e-3 from y = 1.
        assert!((y[0] - (-rate * 0.505_f64).exp()).abs() < 1e-9);
        delta
    });
    assert!(deltas.iter().all(|&d| d == 0), "{deltas:?}");
}
