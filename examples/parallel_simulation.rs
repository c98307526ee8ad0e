//! rayon-parallel simulations, each run on one thread and on all of rayon's threads:
//!
//! 1. an ensemble: a parameter sweep of Van der Pol oscillators (μ from 0.1 to 5), each
//!    integrated by adaptive Dormand–Prince in its worker thread's arena;
//! 2. one large simulation: the 2-D heat equation on a 1024×1024 grid (about 10⁶ unknowns) by
//!    Crank–Nicolson, with the parallel vector operations and stencil inside each CG solve.
//!
//! Prints throughput, speedup over one thread, and per-thread arena statistics.
//!
//! ```text
//! cargo run --release --features rayon --example parallel_simulation -- [MEMBERS] [GRID]
//! ```
//! Defaults: 256 ensemble members, a 1024×1024 grid.

use std::time::Instant;

use rvf::parallel::{ensemble, thread_arena_statistics};
use rvf::prelude::*;
use rvf::Par;
use rvf_algorithms::linear::Poisson2d;
use rvf_algorithms::no_monitor;
use rvf_algorithms::ode::{dopri5_in, linear_implicit_in, Dopri5Params, FnSystem, ImplicitParams};

/// Integrates Van der Pol with parameter μ to t = 20 and returns the final state.
fn van_der_pol(mu: f64, arena: &MemoryArena) -> [f64; 2] {
    let sys = FnSystem::new(2, move |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
    });
    let mut y = vec![2.0, 0.0];
    let params = Dopri5Params {
        rel_tol: 1e-9,
        abs_tol: 1e-12,
        ..Default::default()
    };
    // The worker thread's arena, through the `_in` form.
    dopri5_in(&sys, (0.0, 20.0), &mut y, &params, arena, no_monitor!()).expect("Van der Pol");
    [y[0], y[1]]
}

fn sweep(members: usize) -> Vec<[f64; 2]> {
    ensemble(members, |i, arena| {
        let mu = 0.1 + 4.9 * i as f64 / members.max(2) as f64;
        van_der_pol(mu, arena)
    })
}

/// Crank–Nicolson steps of the large simulation.
const STEPS: usize = 4;

fn heat(n: usize, par: Par, steps: usize, arena: &MemoryArena) -> (Vec<f64>, usize) {
    let a = Poisson2d::<f64>::new(n, n);
    let h = 1.0 / (n + 1) as f64;
    let mut u: Vec<f64> = (0..n * n)
        .map(|k| {
            let (x, y) = ((k % n + 1) as f64 * h, (k / n + 1) as f64 * h);
            (-((x - 0.5).powi(2) + (y - 0.5).powi(2)) / 0.01).exp()
        })
        .collect();
    let params = ImplicitParams {
        dt: 2e-4,
        par,
        ..Default::default()
    };
    let span = (0.0, steps as f64 * 2e-4);
    let stats = linear_implicit_in(&a, None, span, &mut u, &params, arena, no_monitor!())
        .expect("heat equation");
    (u, stats.linear_iterations)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let members: usize = args
        .next()
        .map(|s| s.parse().expect("MEMBERS must be a count"))
        .unwrap_or(256);
    let grid: usize = args
        .next()
        .map(|s| s.parse().expect("GRID must be a grid size"))
        .unwrap_or(1024);
    assert!(members >= 1, "MEMBERS must be at least 1");
    assert!(grid >= 1, "GRID must be at least 1");
    let threads = rayon::current_num_threads();
    println!("parallel_simulation: {threads} rayon threads");

    // One arena for both runs, warmed by a first step: the timings then measure the solver,
    // not the operating system handing out fresh pages.
    let arena = MemoryArena::new(8 * grid * grid * std::mem::size_of::<f64>());
    heat(grid, Par::Seq, 1, &arena);
    let start = Instant::now();
    let (useq, cg_iterations) = heat(grid, Par::Seq, STEPS, &arena);
    let t1 = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let (upar, _) = heat(grid, Par::Rayon, STEPS, &arena);
    let tp = start.elapsed().as_secs_f64();
    assert_eq!(useq, upar, "deterministic reductions: the same bits");
    println!(
        "  heat equation: {grid}×{grid} grid, {STEPS} Crank–Nicolson steps, {cg_iterations} CG iterations"
    );
    println!(
        "    Par::Seq {:.1} ms, Par::Rayon {:.1} ms: {:.2e} unknown-steps/s, speedup {:.2}× (bitwise equal)",
        t1 * 1e3,
        tp * 1e3,
        (grid * grid * STEPS) as f64 / tp,
        t1 / tp
    );
    println!("    peak temperature {:.6}", upar.max().unwrap_or(0.0));

    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a 1-thread pool");
    let start = Instant::now();
    let serial = one.install(|| sweep(members));
    let t1 = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let parallel = sweep(members);
    let tp = start.elapsed().as_secs_f64();
    assert_eq!(
        serial, parallel,
        "ensemble members are independent: same results"
    );
    println!("  ensemble: {members} Van der Pol oscillators to t = 20 (Dormand–Prince, rtol 1e-9)");
    println!(
        "    1 thread {:.1} ms, {threads} threads {:.1} ms: {:.0} members/s, speedup {:.2}×",
        t1 * 1e3,
        tp * 1e3,
        members as f64 / tp,
        t1 / tp
    );
    println!(
        "    x(20) for μ = 0.1 … 5: {:.4} … {:.4}",
        parallel[0][0],
        parallel[members - 1][0]
    );
    for (index, stats) in thread_arena_statistics() {
        println!(
            "    thread {index} arena: {} allocations, peak {} B, capacity {} B, fragmentation {:.3}",
            stats.total_allocations, stats.peak_usage, stats.total_capacity, stats.fragmentation_ratio
        );
    }
}
