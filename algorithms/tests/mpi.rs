//! Distributed vectors and solvers under MPI. Run under `mpirun -np P` (P = 1, 2, 3, …): every
//! process runs this one test, and MPI is initialised once per process, so all checks live in
//! a single test function. `.ci/run` runs it with 1, 2 and 3 processes.
#![cfg(feature = "mpi")]

#[path = "../../tests/common/counting.rs"]
mod counting;
#[cfg(all(feature = "sparse", feature = "rayon"))]
#[path = "support/krylov_runs.rs"]
mod krylov_runs;

use approx::assert_relative_eq;
#[cfg(feature = "faer")]
use mpi::point_to_point::{Destination, Source};
use mpi::traits::{Communicator, CommunicatorCollectives};
use rvf::distributed::{BlockLayout, DistributedVector};
use rvf::prelude::*;
use rvf_algorithms::linear::{
    bicgstab, cg, gmres, minres, pgmres, pipelined_cg, BicgstabParams, CgParams, DistributedCsr,
    DistributedPoisson2d, FnOperator, GmresParams, LinearOperator, MinresParams, Poisson2d,
};
#[cfg(feature = "faer")]
use rvf_algorithms::ode::{bdf, BdfParams, Brusselator, NewtonLinearSolver, OdeSystem};
use rvf_algorithms::ode::{linear_implicit, rk4, FixedStepParams, FnSystem, ImplicitParams};
#[cfg(feature = "faer")]
use rvf_algorithms::SolverError;

/// The Brusselator on this process's block of grid points: each evaluation exchanges one
/// point (u, v) with each neighbour, then evaluates the block.
#[cfg(feature = "faer")]
struct DistributedBrusselator<'c, C> {
    comm: &'c C,
    layout: BlockLayout,
    problem: Brusselator,
}

#[cfg(feature = "faer")]
impl<C: Communicator> OdeSystem<f64> for DistributedBrusselator<'_, C> {
    fn dimension(&self) -> usize {
        2 * self.problem.n
    }

    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let points = self.layout.units_of(self.layout.rank());
        let rank = self.comm.rank();
        let (mut left, mut right) = (Brusselator::boundary(), Brusselator::boundary());
        if !points.is_empty() {
            let (first, last) = (&y[..2], &y[y.len() - 2..]);
            mpi::request::scope(|scope| {
                let below = (points.start > 0).then(|| {
                    let p = self.comm.process_at_rank(rank - 1);
                    let r = p.immediate_receive_into_with_tag(scope, &mut left[..], 1);
                    let s = p.immediate_send_with_tag(scope, first, 2);
                    (r, s)
                });
                let above = (points.end < self.problem.n).then(|| {
                    let p = self.comm.process_at_rank(rank + 1);
                    let r = p.immediate_receive_into_with_tag(scope, &mut right[..], 2);
                    let s = p.immediate_send_with_tag(scope, last, 1);
                    (r, s)
                });
                for (r, s) in [below, above].into_iter().flatten() {
                    r.wait();
                    s.wait();
                }
            });
        }
        self.problem.rhs_of_block(left, y, right, dy);
    }
}

/// Every process holds the same bits.
fn same_everywhere<C: Communicator>(comm: &C, value: f64) -> bool {
    let p = comm.size() as usize;
    let mut all = vec![0u64; p];
    comm.all_gather_into(&value.to_bits(), &mut all[..]);
    all.iter().all(|&b| b == value.to_bits())
}

fn values(_n: usize) -> impl Fn(usize) -> f64 {
    |i| ((i * 7919 % 1013) as f64) / 100.0 - 5.0
}

#[test]
fn distributed_suite() {
    let universe = mpi::initialize().expect("MPI initialises once per process");
    let world = universe.world();
    let rank = world.rank();
    let p = world.size() as usize;

    // Reductions: equal to the sequential ones (up to rounding), identical on every process.
    for n in [0usize, 1, 2, 5, 1000, 12_345] {
        let f = values(n);
        let x = DistributedVector::from_fn(&world, n, &f);
        let y = DistributedVector::from_fn(&world, n, |i| (i as f64).sin());
        let xs: Vec<f64> = (0..n).map(&f).collect();
        let ys: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        assert_eq!(x.dimension(), n);
        let dot = x.inner_product(&y);
        assert_relative_eq!(
            dot,
            xs.inner_product(&ys),
            max_relative = 1e-12,
            epsilon = 1e-12
        );
        assert!(same_everywhere(&world, dot));
        assert_relative_eq!(x.l2norm(), xs.l2norm(), max_relative = 1e-12);
        assert_relative_eq!(x.sum(), xs.sum(), max_relative = 1e-12, epsilon = 1e-9);
        assert_eq!(x.norm_inf(), xs.norm_inf());
        assert_eq!(x.max(), xs.max());
        assert_eq!(x.min(), xs.min());
        assert!(same_everywhere(&world, x.l2norm()));
        // Element-wise operations stay local; the gathered result equals the sequential one.
        let mut z = DistributedVector::from_fn(&world, n, &f);
        z.axpy_in_place(2.0, &y);
        let mut zs = xs.clone();
        zs.axpy_in_place(2.0, &ys);
        assert_eq!(z.gather(), zs);
    }

    // A global size smaller than the number of processes: empty blocks are fine.
    let tiny = DistributedVector::from_fn(&world, 2, |i| i as f64 + 1.0);
    assert_eq!(tiny.l2norm_squared(), 5.0);
    if p > 2 && rank as usize >= 2 {
        assert!(tiny.local_vector().is_empty());
    }

    // Mismatched vectors: every process reports the error, nobody hangs.
    let a = DistributedVector::<_, Vec<f64>>::zeros(&world, 10);
    let b = DistributedVector::<_, Vec<f64>>::zeros(&world, 11);
    let mut a2 = DistributedVector::<_, Vec<f64>>::zeros(&world, 10);
    assert!(a2.try_axpy_in_place(1.0, &b).is_err());
    assert!(a.try_inner_product(&b).is_err());
    assert!(a.check_same_layout(&b).is_err());
    assert!(a.check_same_layout(&a2).is_ok());
    // A block of the wrong length on one process only: all of them get the error.
    let layout = BlockLayout::new(10, p, rank as usize);
    let wrong_len = if rank == 0 {
        layout.local_len() + 1
    } else {
        layout.local_len()
    };
    let assembled = DistributedVector::from_local(&world, layout, vec![0.0; wrong_len]);
    assert_eq!(assembled.unwrap_err().processes, 1);

    // Arena clones keep the reduction context.
    let arena = MemoryArena::new(1 << 16);
    {
        let scope = arena.create_scope();
        let x = DistributedVector::from_fn(&world, 1000, values(1000));
        let t = scope.clone_of(&x).unwrap();
        assert_eq!(t.dimension(), 1000);
        assert_eq!(t.l2norm().to_bits(), x.l2norm().to_bits());
        let tt = scope.clone_of(&t).unwrap();
        assert_eq!(
            tt.inner_product(&x).to_bits(),
            x.inner_product(&x).to_bits()
        );
    }

    // The distributed operator equals the single-process one.
    let (nx, ny) = (24, 17);
    let a = DistributedPoisson2d::new(&world, nx, ny);
    let serial = Poisson2d::<f64>::new(nx, ny);
    let input = |k: usize| ((k * 31) % 101) as f64 - 50.0;
    let xd = DistributedVector::from_fn_with_layout(&world, a.layout(), input);
    let mut yd = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
    a.apply_local(rvf::Par::Seq, xd.local(), yd.local_mut());
    let xs: Vec<f64> = (0..nx * ny).map(input).collect();
    let mut ys = vec![0.0; nx * ny];
    serial.apply(&xs, &mut ys);
    assert_eq!(yd.gather(), ys);

    // CG unchanged on distributed vectors: the same iterates as one process, up to rounding.
    let b = DistributedVector::from_fn_with_layout(&world, a.layout(), input);
    let mut x = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
    let params = CgParams {
        rel_tol: 1e-10,
        ..Default::default()
    };
    let rd = cg(&a, &b, &mut x, &params).unwrap();
    let mut xs_sol = vec![0.0; nx * ny];
    let bs: Vec<f64> = (0..nx * ny).map(input).collect();
    let rs = cg(
        &serial,
        &bs,
        &mut xs_sol,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(rd.iterations, rs.iterations);
    assert!(same_everywhere(&world, rd.residual));
    for (p_, q) in x.gather().iter().zip(&xs_sol) {
        assert_relative_eq!(p_, q, max_relative = 1e-9, epsilon = 1e-12);
    }

    // Pipelined CG: one collective reduction per iteration (plain CG makes two), counted by
    // the difference between solves stopped after 10 and after 20 iterations; its iterates
    // are plain CG's to rounding.
    let reductions_for = |solver: &dyn Fn(&mut DistributedVector<'_, _, Vec<f64>>, usize)| {
        let mut counts = [0; 2];
        for (slot, iterations) in counts.iter_mut().zip([10, 20]) {
            let mut x = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
            let before = rvf::distributed::reductions();
            solver(&mut x, iterations);
            *slot = rvf::distributed::reductions() - before;
        }
        (counts[1] - counts[0]) / 10
    };
    let capped = |max_iter| CgParams {
        rel_tol: 1e-14,
        max_iter,
        ..Default::default()
    };
    let per_iteration_pipelined = reductions_for(&|x, k| {
        let e = pipelined_cg(&a, &b, x, &capped(k)).unwrap_err();
        assert!(matches!(
            e,
            rvf_algorithms::SolverError::NotConverged { .. }
        ));
    });
    let per_iteration_cg = reductions_for(&|x, k| {
        let e = cg(&a, &b, x, &capped(k)).unwrap_err();
        assert!(matches!(
            e,
            rvf_algorithms::SolverError::NotConverged { .. }
        ));
    });
    assert_eq!((per_iteration_pipelined, per_iteration_cg), (1, 2));
    // Preconditioned CG reduces rᵀr with rᵀz (two per iteration, not three); BiCGSTAB tᵀt
    // with tᵀs and ‖r‖ with the next r̂ᵀr (four, not six).
    let jacobi = rvf_algorithms::linear::Jacobi::from_operator(&a).unwrap();
    let per_iteration_pcg = reductions_for(&|x, k| {
        let e = rvf_algorithms::linear::pcg(&a, &jacobi, &b, x, &capped(k)).unwrap_err();
        assert!(matches!(
            e,
            rvf_algorithms::SolverError::NotConverged { .. }
        ));
    });
    let per_iteration_bicgstab = reductions_for(&|x, k| {
        let e = bicgstab(&a, &b, x, &capped(k)).unwrap_err();
        assert!(matches!(
            e,
            rvf_algorithms::SolverError::NotConverged { .. }
        ));
    });
    assert_eq!((per_iteration_pcg, per_iteration_bicgstab), (2, 4));
    let mut x = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
    let rp = pipelined_cg(&a, &b, &mut x, &params).unwrap();
    assert!(rp.iterations.abs_diff(rs.iterations) <= 1);
    assert!(same_everywhere(&world, rp.residual));
    for (p_, q) in x.gather().iter().zip(&xs_sol) {
        assert_relative_eq!(p_, q, max_relative = 1e-8, epsilon = 1e-10);
    }

    // MINRES, GMRES(10) and BiCGSTAB on distributed vectors: the iteration counts of one
    // process and its solution to rounding, the same residual bits on every process.
    for which in 0..3 {
        let mut x = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
        let mut xs = vec![0.0; nx * ny];
        let (rd, rs) = match which {
            0 => {
                let p = MinresParams {
                    rel_tol: 1e-10,
                    ..Default::default()
                };
                (
                    minres(&a, &b, &mut x, &p).unwrap(),
                    minres(&serial, &bs, &mut xs, &p).unwrap(),
                )
            }
            1 => {
                let p = GmresParams {
                    rel_tol: 1e-10,
                    restart: 10,
                    ..Default::default()
                };
                (
                    gmres(&a, &b, &mut x, &p).unwrap(),
                    gmres(&serial, &bs, &mut xs, &p).unwrap(),
                )
            }
            _ => {
                let p = BicgstabParams {
                    rel_tol: 1e-10,
                    ..Default::default()
                };
                (
                    bicgstab(&a, &b, &mut x, &p).unwrap(),
                    bicgstab(&serial, &bs, &mut xs, &p).unwrap(),
                )
            }
        };
        // The distributed reductions add the processes' partial sums in rank order, so the
        // rounding differs from one process's; BiCGSTAB's irregular convergence turns that
        // into a few iterations more or less (MINRES and GMRES stay within one).
        let slack = if which == 2 {
            rs.iterations / 10 + 1
        } else {
            1
        };
        assert!(
            rd.iterations.abs_diff(rs.iterations) <= slack,
            "solver {which}: {} iterations distributed, {} on one process",
            rd.iterations,
            rs.iterations
        );
        assert!(same_everywhere(&world, rd.residual));
        for (p_, q) in x.gather().iter().zip(&xs) {
            assert_relative_eq!(p_, q, max_relative = 1e-8, epsilon = 1e-10);
        }
    }
    // A right-hand side in another layout: every process gets the error, no process waits.
    let wrong = DistributedVector::from_fn(&world, nx * ny + 1, input);
    let mut x = DistributedVector::from_fn_with_layout(&world, a.layout(), |_| 0.0);
    assert!(matches!(
        gmres(&a, &wrong, &mut x, &GmresParams::default()),
        Err(rvf_algorithms::SolverError::DimensionMismatch(_))
    ));
    assert!(minres(&a, &wrong, &mut x, &MinresParams::default()).is_err());
    assert!(bicgstab(&a, &wrong, &mut x, &BicgstabParams::default()).is_err());

    // The integrators too: RK4 on a decoupled system, Crank–Nicolson with the operator.
    // The system's dimension is the global one, as the state's.
    let n = 50;
    let decay = FnSystem::new(n, |_t: f64, y: &[f64], dy: &mut [f64]| {
        for (d, v) in dy.iter_mut().zip(y) {
            *d = -v;
        }
    });
    let mut y = DistributedVector::from_fn(&world, n, |i| i as f64);
    let params = FixedStepParams {
        dt: 0.01,
        ..Default::default()
    };
    rk4(&decay, (0.0, 1.0), &mut y, &params).unwrap();
    for (i, v) in y.gather().iter().enumerate() {
        assert_relative_eq!(*v, i as f64 * (-1.0_f64).exp(), max_relative = 1e-9);
    }
    let mut u = DistributedVector::from_fn_with_layout(&world, a.layout(), input);
    let mut us: Vec<f64> = (0..nx * ny).map(input).collect();
    let params = ImplicitParams {
        dt: 1e-3,
        ..Default::default()
    };
    linear_implicit(&a, None, (0.0, 3e-3), &mut u, &params).unwrap();
    linear_implicit(&serial, None, (0.0, 3e-3), &mut us, &params).unwrap();
    for (p_, q) in u.gather().iter().zip(&us) {
        assert_relative_eq!(p_, q, max_relative = 1e-8, epsilon = 1e-10);
    }

    distributed_csr(&world);
    #[cfg(all(feature = "sparse", feature = "rayon"))]
    reproducible_solves(&world);
    #[cfg(feature = "sparse")]
    distributed_preconditioners_and_transpose(&world);
    no_heap_allocation_per_iteration(&world);
    #[cfg(feature = "faer")]
    distributed_bdf(&world);

    if rank == 0 {
        println!("distributed suite passed on {p} process(es)");
    }
}

/// BDF with matrix-free Newton–Krylov on a distributed reaction–diffusion problem: the states
/// of one process to rounding, every process with the same step sequence.
#[cfg(feature = "faer")]
fn distributed_bdf<C: Communicator>(world: &C) {
    let rank = world.rank();
    let p = world.size() as usize;
    let problem = Brusselator { n: 60 };
    let layout = BlockLayout::with_unit(problem.n, 2, p, rank as usize);
    let system = DistributedBrusselator {
        comm: world,
        layout,
        problem,
    };
    let y0 = problem.initial_state::<f64>();
    let mut y = DistributedVector::from_fn_with_layout(world, layout, |i| y0[i]);
    let params = BdfParams {
        rel_tol: 1e-6,
        abs_tol: 1e-10,
        linear_solver: NewtonLinearSolver::gmres(),
        ..Default::default()
    };
    let r = bdf(&system, (0.0, 10.0), &mut y, &params).unwrap();
    let mut serial = y0.clone();
    let rs = bdf(&problem, (0.0, 10.0), &mut serial, &params).unwrap();
    assert!(same_everywhere(world, r.steps as f64));
    assert!(same_everywhere(world, r.linear_iterations as f64));
    let worst = y
        .gather()
        .iter()
        .zip(&serial)
        .map(|(a, b)| (a - b).abs() / (1e-4 + b.abs()))
        .fold(0.0, f64::max);
    if rank == 0 {
        println!(
            "  bdf (Newton-Krylov) on the Brusselator: {} steps, {} GMRES iterations \
             (one process: {} steps, {}); max relative difference {worst:.1e}",
            r.steps, r.linear_iterations, rs.steps, rs.linear_iterations
        );
    }
    assert!(worst < 1e-9, "{worst:e}");
    // Dense LU cannot take a distributed state: every process gets the same error.
    let dense = BdfParams {
        linear_solver: NewtonLinearSolver::DenseLu,
        ..params
    };
    let mut y = DistributedVector::from_fn_with_layout(world, layout, |i| y0[i]);
    let e = bdf(&system, (0.0, 1.0), &mut y, &dense);
    if p > 1 {
        assert!(
            matches!(e, Err(SolverError::MissingCapability { .. })),
            "{e:?}"
        );
    } else {
        assert!(e.is_ok());
    }
}

/// A non-symmetric sparse matrix with local and far couplings: row `i` holds the diagonal, its
/// neighbours and two columns far away, sorted, with values that are not symmetric. Returns
/// (offsets, columns, values) of rows `rows`.
fn scattered_rows(n: usize, rows: std::ops::Range<usize>) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
    let (mut offsets, mut cols, mut vals) = (vec![0], Vec::new(), Vec::new());
    for i in rows {
        let mut row: Vec<usize> = [i, i + n - 1, i + 1, i * 7 + 3, i * 13 + 5]
            .iter()
            .map(|c| c % n)
            .collect();
        row.sort_unstable();
        row.dedup();
        for &j in &row {
            cols.push(j);
            vals.push(if j == i {
                10.0 + (i % 3) as f64
            } else {
                ((i * 31 + j * 17) % 11) as f64 / 10.0 - 0.5
            });
        }
        offsets.push(cols.len());
    }
    (offsets, cols, vals)
}

/// The distributed CSR product equals the serial one bitwise, for uneven and empty blocks;
/// GMRES on it reaches one process's solution; a malformed block is an error everywhere.
fn distributed_csr<C: Communicator>(world: &C) {
    let rank = world.rank() as usize;
    let p = world.size() as usize;
    for n in [2usize, 37, 1000] {
        let layout = BlockLayout::new(n, p, rank);
        let (offsets, cols, vals) = scattered_rows(n, layout.local_range());
        let a = DistributedCsr::from_local_rows(world, layout, &offsets, &cols, &vals).unwrap();
        let (so, sc, sv) = scattered_rows(n, 0..n);
        let serial = FnOperator::new(n, n, move |x: &[f64], y: &mut [f64]| {
            for (i, yi) in y.iter_mut().enumerate() {
                let mut s = 0.0;
                for k in so[i]..so[i + 1] {
                    s += sv[k] * x[sc[k]];
                }
                *yi = s;
            }
        });
        let x = DistributedVector::from_fn_with_layout(world, layout, |i| (i as f64 * 0.37).sin());
        let mut y = DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
        a.apply_local(rvf::Par::Seq, x.local(), y.local_mut());
        let xs: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut ys = vec![0.0; n];
        serial.apply(&xs, &mut ys);
        let gathered = y.gather();
        for (i, (a, b)) in gathered.iter().zip(&ys).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "n = {n}, row {i}");
        }
        // GMRES on the distributed matrix against one process's solve.
        let b = DistributedVector::from_fn_with_layout(world, layout, |_| 1.0);
        let mut x = DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
        let params = GmresParams {
            rel_tol: 1e-10,
            ..Default::default()
        };
        let r = gmres(&a, &b, &mut x, &params).unwrap();
        let mut xs = vec![0.0; n];
        let rs = gmres(&serial, &vec![1.0; n], &mut xs, &params).unwrap();
        assert!(same_everywhere(world, r.iterations as f64));
        for (a, b) in x.gather().iter().zip(&xs) {
            assert_relative_eq!(*a, *b, max_relative = 1e-8, epsilon = 1e-12);
        }
        // Block Jacobi with ILU(0) blocks: fewer iterations, the same solution.
        let m = a.block_jacobi_ilu0().unwrap();
        let mut xm = DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
        let rm = pgmres(&a, &m, &b, &mut xm, &params).unwrap();
        assert!(same_everywhere(world, rm.iterations as f64));
        assert!(
            rm.iterations <= r.iterations,
            "{} > {}",
            rm.iterations,
            r.iterations
        );
        for (a, b) in xm.gather().iter().zip(&xs) {
            assert_relative_eq!(*a, *b, max_relative = 1e-8, epsilon = 1e-12);
        }
        if rank == 0 && n == 1000 {
            println!(
                "  block Jacobi ILU(0): GMRES {} iterations (unpreconditioned {})",
                rm.iterations, r.iterations
            );
            let t = a.halo_traffic();
            println!(
                "  distributed CSR, n = {n}: GMRES {} iterations (one process {}); rank 0 sends \
                 {} messages ({} B), receives {} ({} B) per product",
                r.iterations,
                rs.iterations,
                t.messages_sent,
                t.bytes_sent,
                t.messages_received,
                t.bytes_received
            );
        }
    }
    // A column past the end on the last process only: every process gets the error.
    let n = 10;
    let layout = BlockLayout::new(n, p, rank);
    let (offsets, mut cols, vals) = scattered_rows(n, layout.local_range());
    if rank == p - 1 && !cols.is_empty() {
        cols[0] = n;
    }
    let e = DistributedCsr::from_local_rows(world, layout, &offsets, &cols, &vals);
    assert!(e.is_err(), "every process reports the malformed block");
}

/// Exact sums (`Reproducible` vectors): CG, pipelined CG, MINRES, GMRES and BiCGSTAB on a
/// distributed convection–diffusion matrix and on a Matrix Market file give the serial
/// solve's iterates bit for bit — every residual of the history and the final iterate — on 1,
/// 2 or 3 processes, with one thread or two per process.
#[cfg(all(feature = "sparse", feature = "rayon"))]
fn reproducible_solves<C: Communicator>(world: &C) {
    use krylov_runs::{krylov_runs, Run};
    use rvf::adapters::Reproducible;
    use rvf::Par;
    use rvf_algorithms::linear::{convection_diffusion_2d_csr, read_matrix_market};

    let rank = world.rank();
    let root = rank == 0;
    // Already built if another part of the test used rayon first: then it has its default
    // size, which on the CI machine is two threads as well.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global();
    let compare = |what: &str, distributed: &[Run], serial: &[Run]| {
        assert_eq!(distributed.len(), serial.len());
        for (d, s) in distributed.iter().zip(serial) {
            assert!(
                d == s,
                "{what}, {}: {} iterations vs {} serially; history equal: {}; solution equal: {}",
                d.method,
                d.iterations,
                s.iterations,
                d.history == s.history,
                d.solution == s.solution
            );
        }
    };
    let solve_both = |what: &str,
                      spd_full: &nalgebra_sparse::CsrMatrix<f64>,
                      nonsym_full: &nalgebra_sparse::CsrMatrix<f64>,
                      stop_after: usize| {
        let n = spd_full.nrows();
        let rhs = |i: usize| 1.0 + (i as f64 * 0.37).sin();
        // Scattered from rank 0, as an application that reads or assembles on one process.
        let spd = DistributedCsr::scatter_csr(world, 0, root.then_some(spd_full)).unwrap();
        let nonsym = DistributedCsr::scatter_csr(world, 0, root.then_some(nonsym_full)).unwrap();
        let layout = spd.layout();
        let b = Reproducible(DistributedVector::from_fn_with_layout(world, layout, rhs));
        let x0 = || {
            Reproducible(DistributedVector::from_fn_with_layout(
                world,
                layout,
                |_| 0.0,
            ))
        };
        let gather = |v: &Reproducible<DistributedVector<'_, C, Vec<f64>>>| v.0.gather();
        let serial = krylov_runs(
            spd_full,
            nonsym_full,
            &Reproducible((0..n).map(rhs).collect::<Vec<f64>>()),
            || Reproducible(vec![0.0; n]),
            |v| v.0.clone(),
            Par::Seq,
            stop_after,
        );
        let distributed = krylov_runs(&spd, &nonsym, &b, x0, gather, Par::Seq, stop_after);
        compare(what, &distributed, &serial);
        // Two threads: rayon's global pool, set to two threads below (the communicator is
        // not `Sync`, so the solve cannot move into a pool's `install`).
        let threaded = krylov_runs(&spd, &nonsym, &b, x0, gather, Par::Rayon, stop_after);
        compare(what, &threaded, &serial);
        if root {
            let its: Vec<String> = serial
                .iter()
                .map(|r| format!("{} {}", r.method, r.iterations))
                .collect();
            println!("  {what}: bitwise the serial iterates ({})", its.join(", "));
        }
    };

    // Convection–diffusion on a 37 × 23 grid: 851 rows, uneven blocks.
    let (nx, ny) = (37, 23);
    // The rows computed while the halo travels: all but one grid row per neighbour.
    let five_point = convection_diffusion_2d_csr::<f64>(nx, ny, (1.0, 1.0));
    let a = DistributedCsr::scatter_csr(world, 0, root.then_some(&five_point)).unwrap();
    let (interior, rows) = a.interior_rows();
    let p = world.size();
    let neighbours = usize::from(rank > 0) + usize::from(rank + 1 < p);
    assert_eq!(interior, rows - nx * neighbours, "rank {rank}");
    solve_both(
        "convection-diffusion",
        &convection_diffusion_2d_csr::<f64>(nx, ny, (0.0, 0.0)),
        &convection_diffusion_2d_csr::<f64>(nx, ny, (40.0, -25.0)),
        usize::MAX,
    );

    // A Matrix Market file with a symmetric matrix (lower triangle stored): rank 0 writes it,
    // every process reads it for its serial solve, and rank 0's copy is scattered.
    let mut tag = std::process::id();
    mpi::traits::Root::broadcast_into(&world.process_at_rank(0), &mut tag);
    let path = std::env::temp_dir().join(format!("rvf_mpi_reproducible_{tag}.mtx"));
    if root {
        let n = 300;
        let mut text = String::from("%%MatrixMarket matrix coordinate real symmetric\n");
        let mut entries = Vec::new();
        for i in 0..n {
            entries.push((i, i, 4.0 + (i % 7) as f64 * 0.25));
            if i >= 1 {
                entries.push((i, i - 1, -1.0 - (i % 3) as f64 * 0.1));
            }
            if i >= 17 {
                entries.push((i, i - 17, -0.5));
            }
        }
        text.push_str(&format!("{n} {n} {}\n", entries.len()));
        for (i, j, v) in entries {
            text.push_str(&format!("{} {} {v}\n", i + 1, j + 1));
        }
        std::fs::write(&path, text).unwrap();
    }
    world.barrier();
    let from_file = read_matrix_market::<f64>(&path).unwrap();
    solve_both("Matrix Market file", &from_file, &from_file, usize::MAX);
    world.barrier();

    // A malformed file read on the root: every process gets the error from the scatter.
    if root {
        std::fs::write(
            &path,
            "%%MatrixMarket matrix coordinate real general\n3 3 1\n4 1 1.0\n",
        )
        .unwrap();
        let bad = read_matrix_market::<f64>(&path);
        assert!(bad.is_err());
        let e = DistributedCsr::scatter_csr(world, 0, bad.as_ref().ok());
        assert!(e.is_err());
        std::fs::remove_file(&path).unwrap();
    } else {
        let e = DistributedCsr::<_, f64>::scatter_csr(world, 0, None);
        assert!(e.is_err(), "every process sees the root's failure");
    }

    // A root that is not a rank: an error everywhere, before any message.
    let p = world.size();
    assert!(DistributedCsr::<_, f64>::scatter_csr(world, p, None).is_err());

    // A breakdown (CG on a negative definite matrix) is decided on reduced values: every
    // process stops at the same iteration with the same error.
    let negative = -convection_diffusion_2d_csr::<f64>(nx, ny, (0.0, 0.0));
    let a = DistributedCsr::scatter_csr(world, 0, root.then_some(&negative)).unwrap();
    let b = Reproducible(DistributedVector::from_fn_with_layout(
        world,
        a.layout(),
        |_| 1.0,
    ));
    let mut x = Reproducible(DistributedVector::from_fn_with_layout(
        world,
        a.layout(),
        |_| 0.0,
    ));
    match cg(&a, &b, &mut x, &CgParams::default()) {
        Err(SolverError::Breakdown {
            iteration, value, ..
        }) => {
            assert!(same_everywhere(world, iteration as f64));
            assert!(same_everywhere(world, value));
        }
        other => panic!("expected a breakdown, got {other:?}"),
    }
}

/// After the first iteration, no iteration of CG, pipelined CG, MINRES, GMRES or BiCGSTAB on
/// a distributed CSR matrix allocates from the heap, on any process, with blocked or exact
/// sums (the halo buffers, the reduction buffers and the work vectors are made before).
/// Counted by the counting global allocator: Rust allocations only, not those inside the
/// MPI library.
fn no_heap_allocation_per_iteration<C: Communicator>(world: &C) {
    use core::ops::ControlFlow;
    use counting::heap_allocations;
    use rvf::adapters::Reproducible;
    use rvf::arena::{ArenaClone, MemoryArena};
    use rvf_algorithms::linear::{
        bicgstab_in, cg_in, gmres_in, minres_in, pipelined_cg_in, SolveProgress,
    };

    let rank = world.rank() as usize;
    let p = world.size() as usize;
    let n = 1000;
    let layout = BlockLayout::new(n, p, rank);
    let (offsets, cols, vals) = scattered_rows(n, layout.local_range());
    let a = DistributedCsr::from_local_rows(world, layout, &offsets, &cols, &vals).unwrap();

    fn check<V: RealVectorMut<Scalar = f64> + ArenaClone, A: LinearOperator<f64>>(
        what: &str,
        a: &A,
        b: &V,
        x0: impl Fn() -> V,
    ) {
        let arena = MemoryArena::new(1 << 20);
        let params = CgParams {
            rel_tol: 1e-300,
            ..Default::default()
        };
        let gmres_params = GmresParams {
            rel_tol: 1e-300,
            restart: 8,
            ..Default::default()
        };
        for method in ["cg", "pipelined_cg", "minres", "gmres", "bicgstab"] {
            // Room made first: the record itself must not allocate.
            let mut at: Vec<usize> = Vec::with_capacity(64);
            let monitor = |progress: &SolveProgress<f64>| {
                at.push(heap_allocations());
                if progress.iteration >= 12 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            };
            let mut x = x0();
            // The matrix is not symmetric: CG-type methods may break down early, which is fine
            // here as long as they ran a few iterations.
            let _ = match method {
                "cg" => cg_in(a, b, &mut x, &params, &arena, monitor),
                "pipelined_cg" => pipelined_cg_in(a, b, &mut x, &params, &arena, monitor),
                "minres" => minres_in(a, b, &mut x, &params, &arena, monitor),
                "gmres" => gmres_in(a, b, &mut x, &gmres_params, &arena, monitor),
                _ => bicgstab_in(a, b, &mut x, &params, &arena, monitor),
            };
            assert!(
                at.len() >= 3,
                "{what} {method}: only {} iterations",
                at.len()
            );
            assert_eq!(
                at[1],
                *at.last().unwrap(),
                "{what} {method}: allocations per iteration {at:?}"
            );
        }
    }
    let b = DistributedVector::from_fn_with_layout(world, layout, |i| 1.0 + (i % 5) as f64);
    let zeros = || DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
    check("blocked sums", &a, &b, zeros);
    let b = Reproducible(DistributedVector::from_fn_with_layout(world, layout, |i| {
        1.0 + (i % 5) as f64
    }));
    check("exact sums", &a, &b, || Reproducible(zeros()));
}

/// The transpose product against the serial one, LSQR on the distributed matrix, and the
/// distributed preconditioners: point Jacobi from the local diagonal, block Jacobi with IC(0)
/// and SSOR blocks, and Chebyshev (no inner products: with exact sums its iterates are the
/// serial ones bit for bit).
#[cfg(feature = "sparse")]
fn distributed_preconditioners_and_transpose<C: Communicator>(world: &C) {
    use rvf::adapters::Reproducible;
    use rvf_algorithms::linear::{
        convection_diffusion_2d_csr, lsqr, pcg, Chebyshev, Ic0, Jacobi, LsqrParams, Ssor,
    };

    let rank = world.rank() as usize;
    let p = world.size() as usize;
    let root = rank == 0;

    // Aᵀ·x: the serial scatter's bits on one process, its value to rounding on several.
    for n in [2usize, 37, 1000] {
        let layout = BlockLayout::new(n, p, rank);
        let (offsets, cols, vals) = scattered_rows(n, layout.local_range());
        let a = DistributedCsr::from_local_rows(world, layout, &offsets, &cols, &vals).unwrap();
        let (so, sc, sv) = scattered_rows(n, 0..n);
        let serial = nalgebra_sparse::CsrMatrix::try_from_csr_data(n, n, so, sc, sv).unwrap();
        let xs: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut ys = vec![0.0; n];
        serial.apply_transpose(&xs, &mut ys).unwrap();
        let x = DistributedVector::from_fn_with_layout(world, layout, |i| xs[i]);
        let mut y = DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
        a.apply_transpose(x.local_vector(), y.local_vector_mut())
            .unwrap();
        for (i, (d, s)) in y.gather().iter().zip(&ys).enumerate() {
            if p == 1 {
                assert_eq!(d.to_bits(), s.to_bits(), "n = {n}, column {i}");
            } else {
                assert_relative_eq!(*d, *s, max_relative = 1e-14, epsilon = 1e-15);
            }
        }
        // LSQR (which needs Aᵀ) on the distributed matrix reaches the serial solution.
        let b = DistributedVector::from_fn_with_layout(world, layout, |i| 1.0 + (i % 4) as f64);
        let mut x = DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
        let params = LsqrParams {
            rel_tol: 1e-12,
            ..Default::default()
        };
        let r = lsqr(&a, &b, &mut x, &params).unwrap();
        let bs: Vec<f64> = (0..n).map(|i| 1.0 + (i % 4) as f64).collect();
        let mut xs = vec![0.0; n];
        let rs = lsqr(&serial, &bs, &mut xs, &params).unwrap();
        assert!(same_everywhere(world, r.iterations as f64));
        assert!(
            r.iterations.abs_diff(rs.iterations) <= 2,
            "{} vs {}",
            r.iterations,
            rs.iterations
        );
        for (d, s) in x.gather().iter().zip(&xs) {
            assert_relative_eq!(*d, *s, max_relative = 1e-9, epsilon = 1e-12);
        }
    }

    // Preconditioned CG on a symmetric positive definite grid matrix, scattered from rank 0.
    let (nx, ny) = (41, 29);
    let n = nx * ny;
    let full = convection_diffusion_2d_csr::<f64>(nx, ny, (0.0, 0.0));
    let a = DistributedCsr::scatter_csr(world, 0, root.then_some(&full)).unwrap();
    let layout = a.layout();
    let rhs = |i: usize| 1.0 + ((i * 7) % 11) as f64 * 0.1;
    let b = DistributedVector::from_fn_with_layout(world, layout, rhs);
    let bs: Vec<f64> = (0..n).map(rhs).collect();
    let params = CgParams {
        rel_tol: 1e-10,
        ..Default::default()
    };
    let mut xs = vec![0.0; n];
    let plain = cg(&full, &bs, &mut xs, &params).unwrap();
    let check = |name: &str, x: &DistributedVector<'_, C, Vec<f64>>, iterations: usize| {
        assert!(same_everywhere(world, iterations as f64));
        assert!(
            iterations < plain.iterations,
            "{name}: {iterations} ≥ {}",
            plain.iterations
        );
        for (d, s) in x.gather().iter().zip(&xs) {
            assert_relative_eq!(*d, *s, max_relative = 1e-7, epsilon = 1e-9);
        }
        if root && p == 4 {
            println!(
                "  {name}: CG {iterations} iterations (unpreconditioned {})",
                plain.iterations
            );
        }
    };
    let jacobi = Jacobi::from_operator(&a).unwrap();
    let serial_jacobi = Jacobi::from_operator(&full).unwrap();
    assert_eq!(
        jacobi.inverse_diagonal(),
        &serial_jacobi.inverse_diagonal()[layout.local_range()]
    );
    let ic0 = a.block_jacobi(Ic0::new).unwrap();
    let mut x = DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
    let r = pcg(&a, &ic0, &b, &mut x, &params).unwrap();
    check("block Jacobi IC(0)", &x, r.iterations);
    if p == 1 {
        // One block: the IC(0) of the whole matrix, the same iterations as the serial one.
        let mut x1 = vec![0.0; n];
        let serial = pcg(&full, &Ic0::new(&full).unwrap(), &bs, &mut x1, &params).unwrap();
        assert_eq!(serial.iterations, r.iterations);
    }
    let ssor = a.block_jacobi(|block| Ssor::new(block, 1.2)).unwrap();
    let mut x = DistributedVector::from_fn_with_layout(world, layout, |_| 0.0);
    let r = pcg(&a, &ssor, &b, &mut x, &params).unwrap();
    check("block Jacobi SSOR(1.2)", &x, r.iterations);
    // A block that cannot be factored on one process only: every process gets an error.
    let failing = a.block_jacobi(|block| {
        if rank == p - 1 {
            Ic0::new(&(-block.clone()))
        } else {
            Ic0::new(block)
        }
    });
    assert!(failing.is_err(), "rank {rank} sees the failure");

    // Chebyshev on exact-sum vectors: bounds from Lanczos and every CG iterate equal to the
    // serial ones bit for bit.
    let bx = Reproducible(DistributedVector::from_fn_with_layout(world, layout, rhs));
    let bounds = Chebyshev::estimate_bounds(&a, &bx, 20).unwrap();
    let serial_bounds = Chebyshev::estimate_bounds(&full, &Reproducible(bs.clone()), 20).unwrap();
    assert_eq!(bounds, serial_bounds);
    let m = Chebyshev::new(&a, bounds, 6).unwrap();
    let mut x = Reproducible(DistributedVector::from_fn_with_layout(
        world,
        layout,
        |_| 0.0,
    ));
    let history = CgParams {
        record_history: true,
        ..params
    };
    let r = pcg(&a, &m, &bx, &mut x, &history).unwrap();
    let ms = Chebyshev::new(&full, serial_bounds, 6).unwrap();
    let mut x1 = Reproducible(vec![0.0; n]);
    let rs = pcg(&full, &ms, &Reproducible(bs.clone()), &mut x1, &history).unwrap();
    assert_eq!(r.history, rs.history);
    let gathered = x.0.gather();
    assert!(gathered
        .iter()
        .zip(&x1.0)
        .all(|(d, s)| d.to_bits() == s.to_bits()));
    check("Chebyshev(6)", &x.0, r.iterations);
}
