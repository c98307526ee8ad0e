//! The latency–bandwidth model of a distributed CG iteration, with its inputs measured here:
//! the local kernel rate (seconds per row and iteration, blocked and exact sums), the MPI
//! latency α and bandwidth β between two processes (ping-pong), and the cost of one
//! reduction three ways, measured (MPI_Allreduce of a double, rvf's rank-order all-gather,
//! rvf's exact integer all-reduce).
//!
//! Per iteration and process, for CG with one product and two reductions of one value:
//!
//! ```text
//! T = n·c  +  Σ_messages (α + bytes/β)  +  2·T_reduce(P)
//! T_reduce: rank-order gather  ⌈log₂P⌉·α + (P−1)·8 B/β        (recursive doubling all-gather)
//!           exact              ⌈log₂P⌉·(α + 568 B/β)           (71 integer words, all-reduce)
//! ```
//! with `c` the measured time per row (blocked or exact sums) and the halo of a box
//! partition: 2-D boxes of `√n × √n` rows exchange a side (`√n` values) with up to 4
//! neighbours, 3-D boxes a face (`n^{2/3}`) with up to 6. Communication is not overlapped
//! with the interior rows in the model (a pessimistic bound; `DistributedCsr` overlaps it).

use core::ops::ControlFlow;
use std::time::Instant;

use mpi::collective::SystemOperation;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Source};
use rvf::adapters::Reproducible;
use rvf::arena::MemoryArena;
use rvf::distributed::{BlockLayout, DistributedVector};
use rvf::ops::ExactSum;
use rvf::prelude::*;
use rvf_algorithms::linear::{cg_in, poisson_2d_csr, CgParams, DistributedCsr, SolveProgress};

/// A cluster's network as the model's default: InfiniBand HDR100 as MPI micro-benchmarks
/// (OSU latency and bandwidth) typically report it between two nodes.
const CLUSTER_ALPHA: f64 = 1.5e-6;
const CLUSTER_BETA: f64 = 12e9;

/// Measured inputs of the model.
#[derive(Clone, Copy)]
struct Rates {
    /// Seconds per row and CG iteration: 2-D 5-point and 3-D 7-point, blocked and exact.
    c2: f64,
    c2_exact: f64,
    c3: f64,
    c3_exact: f64,
}

fn log2_ceil(p: usize) -> f64 {
    (p as f64).log2().ceil()
}

/// One reduction of one value: (rank-order gather, exact all-reduce).
fn reduction_times(p: usize, alpha: f64, beta: f64) -> (f64, f64) {
    let steps = log2_ceil(p);
    (
        steps * alpha + (p as f64 - 1.0) * 8.0 / beta,
        steps * (alpha + 8.0 * rvf::ops::WORDS as f64 / beta),
    )
}

/// The process grid of a box partition: `P` split over `dims` dimensions as evenly as powers
/// of two allow; returns the number of messages of an interior process.
fn messages(p: usize, dims: u32) -> f64 {
    let k = (p as f64).log2().round() as u32;
    (0..dims)
        .map(|d| {
            let pd = 1usize << (k / dims + u32::from(d < k % dims));
            if pd > 1 {
                2.0
            } else {
                0.0
            }
        })
        .sum()
}

/// Time per CG iteration (blocked, exact) for `n` rows per process on `P` processes.
fn iteration(rates: Rates, dims: u32, n: f64, p: usize, alpha: f64, beta: f64) -> [f64; 5] {
    let (c, c_exact, face) = if dims == 2 {
        (rates.c2, rates.c2_exact, n.sqrt())
    } else {
        (rates.c3, rates.c3_exact, n.powf(2.0 / 3.0))
    };
    let halo = messages(p, dims) * (alpha + 8.0 * face / beta);
    let (gather, exact) = reduction_times(p, alpha, beta);
    let local = n * c;
    [
        local,
        halo,
        2.0 * gather,
        local + halo + 2.0 * gather,
        n * c_exact + halo + 2.0 * exact,
    ]
}

/// Seconds per row and CG iteration of one process's share of the work: CG on a
/// `DistributedCsr` and `DistributedVector`s over a communicator of this process alone (the
/// same kernels and copies as in a distributed run, no messages), blocked and exact sums.
fn local_rates(matrix: &super::Parts) -> (f64, f64) {
    let alone = mpi::topology::SimpleCommunicator::self_comm();
    let n = matrix.n;
    let layout = BlockLayout::new(n, 1, 0);
    let a = DistributedCsr::from_local_rows(
        &alone,
        layout,
        &matrix.offsets,
        &matrix.cols,
        &matrix.vals,
    )
    .expect("a valid matrix");
    let arena = MemoryArena::new(1 << 20);
    let iterations = 30;
    let stop = |p: &SolveProgress<f64>| {
        if p.iteration >= iterations {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let params = CgParams::default();
    let time = |f: &mut dyn FnMut()| {
        f(); // warm up: page faults, the arena
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() / (iterations as f64 * n as f64)
    };
    let b = DistributedVector::from_fn_with_layout(&alone, layout, |_| 1.0);
    let blocked = time(&mut || {
        let mut x = DistributedVector::from_fn_with_layout(&alone, layout, |_| 0.0);
        cg_in(&a, &b, &mut x, &params, &arena, stop).expect("CG runs");
    });
    let rb = Reproducible(DistributedVector::from_fn_with_layout(
        &alone,
        layout,
        |_| 1.0,
    ));
    let exact = time(&mut || {
        let mut x = Reproducible(DistributedVector::from_fn_with_layout(
            &alone,
            layout,
            |_| 0.0,
        ));
        cg_in(&a, &rb, &mut x, &params, &arena, stop).expect("CG runs");
    });
    (blocked, exact)
}

/// Measures α and β (ping-pong between ranks 0 and 1), the reductions and the local rates,
/// predicts this run's time per iteration, and prints the model's table for a cluster.
pub fn measure_and_print<C: Communicator>(
    world: &C,
    a: &DistributedCsr<'_, C, f64>,
    x: &DistributedVector<'_, C, Vec<f64>>,
    measured_per_iteration: f64,
    reductions_per_iteration: f64,
) {
    let rank = world.rank();
    let p = world.size() as usize;

    // α and β from a ping-pong between ranks 0 and 1 (here: two processes of one machine).
    let (mut alpha, mut beta) = (f64::NAN, f64::NAN);
    if p >= 2 {
        let pingpong = |bytes: usize, reps: usize| -> f64 {
            let mut buf = vec![0u8; bytes];
            world.barrier();
            let start = Instant::now();
            for _ in 0..reps {
                match rank {
                    0 => {
                        world.process_at_rank(1).send(&buf[..]);
                        world.process_at_rank(1).receive_into(&mut buf[..]);
                    }
                    1 => {
                        world.process_at_rank(0).receive_into(&mut buf[..]);
                        world.process_at_rank(0).send(&buf[..]);
                    }
                    _ => {}
                }
            }
            start.elapsed().as_secs_f64() / (2 * reps) as f64
        };
        let small = pingpong(8, 2000);
        let large = pingpong(1 << 20, 50);
        let mut both = [small, (1 << 20) as f64 / (large - small)];
        world.process_at_rank(0).broadcast_into(&mut both[..]);
        (alpha, beta) = (both[0], both[1]);
    }

    // One reduction of one value, three ways, on every process.
    let reps = 2000;
    let time_all = |f: &mut dyn FnMut()| {
        world.barrier();
        let start = Instant::now();
        for _ in 0..reps {
            f();
        }
        world.barrier();
        start.elapsed().as_secs_f64() / reps as f64
    };
    let mut sink = 0.0;
    let t_allreduce = time_all(&mut || {
        let mut out = 0.0;
        world.all_reduce_into(&1.0f64, &mut out, SystemOperation::sum());
        sink += out;
    });
    let t_gather = time_all(&mut || sink += x.reduce_sum(1.0));
    let t_exact = time_all(&mut || {
        let mut s = ExactSum::new();
        s.add(1.0);
        let [v] = x.reduce_exact([s]);
        sink += v;
    });
    // The local part of an inner product on this process's block, blocked and exact.
    let local = x.local_vector();
    let dot_reps = 200;
    let time_local = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..dot_reps {
            f();
        }
        start.elapsed().as_secs_f64() / dot_reps as f64
    };
    let t_dot = time_local(&mut || sink += local.inner_product(local));
    let rl = Reproducible(local.clone());
    let t_dot_exact = time_local(&mut || sink += rl.inner_product(local));
    assert!(sink.is_finite());

    // The local kernel, on rank 0 while the others wait.
    // Its rate at ~2.6e5 rows (out of cache, as at 1e6 rows) for the table, and at the
    // busiest process's number of rows for this run's prediction.
    let (_, rows) = a.interior_rows();
    let per_row = a.local_nnz() as f64 / rows.max(1) as f64;
    let mut most_rows = 0u64;
    world.all_reduce_into(&(rows as u64), &mut most_rows, SystemOperation::max());
    let mut rates = [0.0f64; 5];
    if rank == 0 {
        let poisson_2d = |s: usize| {
            let m = poisson_2d_csr::<f64>(s, s);
            super::Parts::from_arrays(m.row_offsets(), m.col_indices(), m.values())
        };
        let (c2, c2x) = local_rates(&poisson_2d(512));
        let (c3, c3x) = local_rates(&super::poisson_3d(64));
        let this_run = if per_row <= 6.0 {
            local_rates(&poisson_2d(
                (most_rows as f64).sqrt().round().max(2.0) as usize
            ))
            .0
        } else {
            local_rates(&super::poisson_3d(
                (most_rows as f64).cbrt().round().max(2.0) as usize,
            ))
            .0
        };
        rates = [c2, c2x, c3, c3x, this_run];
    }
    use mpi::traits::Root;
    world.process_at_rank(0).broadcast_into(&mut rates[..]);
    let rates_of_run = rates[4];
    let rates = Rates {
        c2: rates[0],
        c2_exact: rates[1],
        c3: rates[2],
        c3_exact: rates[3],
    };

    // This run's prediction: the most rows of any process at the kernel rate measured on as
    // many rows of the matrix's kind, this process's messages, the run's reductions. (The
    // model knows no preconditioner: compare runs with `--precond none`.)
    let t = a.halo_traffic();
    let c = rates_of_run;
    let (alpha_here, beta_here) = if p >= 2 {
        (alpha, beta)
    } else {
        (0.0, f64::INFINITY)
    };
    let (gather, _) = reduction_times(p, alpha_here, beta_here);
    let predicted = most_rows as f64 * c
        + (t.messages_sent as f64) * alpha_here
        + t.bytes_sent as f64 / beta_here
        + reductions_per_iteration * gather;
    let mut worst = [predicted, measured_per_iteration];
    let mut out = [0.0f64; 2];
    world.all_reduce_into(&worst[..], &mut out[..], SystemOperation::max());
    worst = out;

    if rank != 0 {
        return;
    }
    println!("\nscaling model (inputs measured in this run)");
    if p >= 2 {
        println!(
            "  ping-pong rank 0 ↔ 1: α = {:.2} µs, β = {:.2} GB/s",
            alpha * 1e6,
            beta / 1e9
        );
    }
    println!(
        "  one reduction of one value: MPI_Allreduce {:.2} µs, rvf rank-order gather {:.2} µs, \
         rvf exact {:.2} µs",
        t_allreduce * 1e6,
        t_gather * 1e6,
        t_exact * 1e6
    );
    println!(
        "  local part of an inner product over {} elements: blocked {:.1} µs, exact {:.1} µs \
         ({:.1}×)",
        local.len(),
        t_dot * 1e6,
        t_dot_exact * 1e6,
        t_dot_exact / t_dot
    );
    println!(
        "  local CG iteration per row: 2-D {:.2} ns (exact sums {:.2} ns), 3-D {:.2} ns ({:.2} ns)",
        rates.c2 * 1e9,
        rates.c2_exact * 1e9,
        rates.c3 * 1e9,
        rates.c3_exact * 1e9
    );
    println!(
        "  this run, busiest process: model {:.1} µs per iteration, measured {:.1} µs",
        worst[0] * 1e6,
        worst[1] * 1e6
    );
    for (dims, name) in [(2u32, "2-D 5-point"), (3, "3-D 7-point")] {
        for (scaling, label) in [(0, "weak, 1e6 rows per process"), (1, "strong, 1e8 rows")] {
            println!(
                "\n  {name}, {label}; α = {} µs, β = {} GB/s (cluster); µs per CG iteration",
                CLUSTER_ALPHA * 1e6,
                CLUSTER_BETA / 1e9
            );
            println!(
                "  {:>6} {:>10} {:>9} {:>8} {:>9} {:>10} {:>10} {:>9}",
                "P", "rows/proc", "local", "halo", "reduce", "blocked", "exact", "effic."
            );
            let base = iteration(
                rates,
                dims,
                if scaling == 0 { 1e6 } else { 1e8 },
                1,
                0.0,
                1.0,
            )[3];
            for p in [1usize, 4, 16, 64, 256, 1024, 4096] {
                let n = if scaling == 0 { 1e6 } else { 1e8 / p as f64 };
                let [local, halo, reduce, blocked, exact] =
                    iteration(rates, dims, n, p, CLUSTER_ALPHA, CLUSTER_BETA);
                let efficiency = if scaling == 0 {
                    base / blocked
                } else {
                    base / (p as f64 * blocked)
                };
                println!(
                    "  {p:>6} {n:>10.3e} {:>9.1} {:>8.1} {:>9.1} {:>10.1} {:>10.1} {:>8.0}%",
                    local * 1e6,
                    halo * 1e6,
                    reduce * 1e6,
                    blocked * 1e6,
                    exact * 1e6,
                    efficiency * 100.0
                );
            }
        }
    }
}
