//! The 2-D Poisson problem solved by the bundled CG on vectors distributed over MPI
//! processes, with the grid split by rows and halo exchange between neighbours.
//!
//! ```text
//! cargo build --release --features mpi,rvf-algorithms/mpi --example mpi_poisson
//! mpirun -np 2 target/release/examples/mpi_poisson [N]
//! ```
//! (as root add `--allow-run-as-root`; more processes than cores need `--oversubscribe`).
//! Default: a 400×400 interior grid. Rank 0 prints iterations, residual and time, and checks
//! the answer against a single-process solve.

use std::time::Instant;

use mpi::traits::{Communicator, CommunicatorCollectives};
use rvf::distributed::DistributedVector;
use rvf::prelude::*;
use rvf_algorithms::linear::{
    cg, pipelined_cg, CgParams, DistributedPoisson2d, LinearOperator, Poisson2d,
};

fn main() {
    let universe = mpi::initialize().expect("MPI could not be initialised");
    let world = universe.world();
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N must be a grid size"))
        .unwrap_or(400);
    let h = 1.0 / (n + 1) as f64;
    let f = |k: usize| {
        let (x, y) = ((k % n + 1) as f64 * h, (k / n + 1) as f64 * h);
        1.0 + (3.0 * std::f64::consts::PI * x).sin() * y
    };

    let a = DistributedPoisson2d::new(&world, n, n);
    let b = DistributedVector::from_fn_with_layout(&world, a.layout(), f);
    let mut x = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
    world.barrier();
    let start = Instant::now();
    let reductions_before = rvf::distributed::reductions();
    let result = cg(&a, &b, &mut x, &CgParams::default()).expect("distributed CG");
    let cg_reductions = rvf::distributed::reductions() - reductions_before;
    world.barrier();
    let elapsed = start.elapsed();

    // Pipelined CG: one reduction per iteration instead of two.
    let mut xp = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
    world.barrier();
    let start_p = Instant::now();
    let reductions_before = rvf::distributed::reductions();
    let pipelined =
        pipelined_cg(&a, &b, &mut xp, &CgParams::default()).expect("distributed pipelined CG");
    let pipelined_reductions = rvf::distributed::reductions() - reductions_before;
    world.barrier();
    let elapsed_p = start_p.elapsed();

    // The residual recomputed with a fresh distributed product.
    let mut r = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
    a.apply_local(rvf::Par::Seq, x.local(), r.local_mut());
    r.axpby_in_place(1.0, &b, -1.0);
    let relative = r.l2norm() / b.l2norm();
    let solution = x.gather();

    if world.rank() == 0 {
        let p = world.size();
        println!(
            "mpi_poisson: {n}×{n} grid, {} unknowns, {p} process(es)",
            n * n
        );
        println!(
            "  {} iterations, relative residual {:.3e} (recomputed {:.3e})",
            result.iterations, result.relative_residual, relative
        );
        println!(
            "  time {:.1} ms ({:.1} µs/iteration), {} rows on rank 0, {cg_reductions} reductions",
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e6 / result.iterations.max(1) as f64,
            a.layout().units_of(0).len()
        );
        println!(
            "  pipelined CG: {} iterations, time {:.1} ms ({:.1} µs/iteration), \
             {pipelined_reductions} reductions",
            pipelined.iterations,
            elapsed_p.as_secs_f64() * 1e3,
            elapsed_p.as_secs_f64() * 1e6 / pipelined.iterations.max(1) as f64,
        );
        // Against one process.
        let serial = Poisson2d::<f64>::new(n, n);
        let bs: Vec<f64> = (0..n * n).map(f).collect();
        let mut xs = vec![0.0; n * n];
        let rs = cg(&serial, &bs, &mut xs, &CgParams::default()).expect("serial CG");
        let diff = solution
            .iter()
            .zip(&xs)
            .fold(0.0_f64, |m, (p, q)| m.max((p - q).abs()));
        println!(
            "  single process: {} iterations; max |x_distributed − x_serial| = {diff:.2e}",
            rs.iterations
        );
        assert!(relative <= 1.01e-8, "residual check failed");
    }
}
