//! Any sparse matrix over MPI processes: read a Matrix Market file (or build a 2-D
//! convection–diffusion or 3-D Poisson matrix) on rank 0, scatter its rows, and solve with a
//! chosen Krylov method and preconditioner; report iterations, the true residual, time, and
//! what each process sends per iteration; optionally compare with a latency–bandwidth model.
//!
//! ```text
//! cargo build --release --features mpi,rvf-algorithms/mpi,rvf-algorithms/sparse --example mpi_sparse
//! mpirun -np 4 target/release/examples/mpi_sparse [options]
//!   --matrix FILE.mtx      a Matrix Market file (default: convection–diffusion on a grid)
//!   --grid N               N×N grid for the generated matrix (default 160)
//!   --grid3d N             a 7-point Poisson matrix on an N×N×N grid instead
//!   --beta B               convection strength (default 0: symmetric; 20 with gmres/bicgstab)
//!   --method M             cg (default), pipelined_cg, minres, gmres, bicgstab
//!   --precond P            none, jacobi, ilu0 (default), ic0, ssor, chebyshev
//!   --reproducible         exact sums: the same iterates on any number of processes
//!   --model                measure the local kernel and α, β here, and print the model
//! ```
//! (as root add `--allow-run-as-root`; more processes than cores need `--oversubscribe`).
//! The right-hand side is `b = A·x*` with `x*ᵢ = 1 + sin(i)`, so the error is known too.

use std::time::Instant;

use mpi::traits::{Communicator, CommunicatorCollectives};
use rvf::adapters::Reproducible;
use rvf::arena::ArenaClone;
use rvf::distributed::DistributedVector;
use rvf::prelude::*;
use rvf::Par;
use rvf_algorithms::linear::{
    convection_diffusion_2d_csr, pbicgstab, pcg, pgmres, pipelined_pcg, pminres,
    read_matrix_market, Chebyshev, DistributedCsr, GmresParams, Ic0, Identity, Jacobi,
    KrylovParams, LinearOperator, Preconditioner, SolveReport, Ssor,
};
use rvf_algorithms::SolverError;

#[path = "support/scaling_model.rs"]
mod scaling_model;

#[derive(Clone, Copy, PartialEq)]
enum Method {
    Cg,
    PipelinedCg,
    Minres,
    Gmres,
    Bicgstab,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Cg => "cg",
            Method::PipelinedCg => "pipelined_cg",
            Method::Minres => "minres",
            Method::Gmres => "gmres",
            Method::Bicgstab => "bicgstab",
        }
    }
}

struct Options {
    matrix: Option<String>,
    grid: usize,
    grid3d: Option<usize>,
    beta: Option<f64>,
    method: Method,
    precond: String,
    reproducible: bool,
    model: bool,
}

fn usage(problem: &str) -> ! {
    eprintln!("mpi_sparse: {problem}");
    eprintln!(
        "options: --matrix FILE.mtx | --grid N | --grid3d N, --beta B, \
         --method cg|pipelined_cg|minres|gmres|bicgstab, \
         --precond none|jacobi|ilu0|ic0|ssor|chebyshev, --reproducible, --model"
    );
    std::process::exit(2)
}

fn parse_options() -> Options {
    let mut o = Options {
        matrix: None,
        grid: 160,
        grid3d: None,
        beta: None,
        method: Method::Cg,
        precond: "ilu0".into(),
        reproducible: false,
        model: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--matrix" => o.matrix = Some(value("--matrix")),
            "--grid" => {
                o.grid = value("--grid")
                    .parse()
                    .unwrap_or_else(|_| usage("--grid N"))
            }
            "--grid3d" => {
                o.grid3d = Some(
                    value("--grid3d")
                        .parse()
                        .unwrap_or_else(|_| usage("--grid3d N")),
                )
            }
            "--beta" => {
                o.beta = Some(
                    value("--beta")
                        .parse()
                        .unwrap_or_else(|_| usage("--beta B")),
                )
            }
            "--method" => {
                o.method = match value("--method").as_str() {
                    "cg" => Method::Cg,
                    "pipelined_cg" => Method::PipelinedCg,
                    "minres" => Method::Minres,
                    "gmres" => Method::Gmres,
                    "bicgstab" => Method::Bicgstab,
                    m => usage(&format!("unknown method {m}")),
                }
            }
            "--precond" => o.precond = value("--precond"),
            "--reproducible" => o.reproducible = true,
            "--model" => o.model = true,
            a => usage(&format!("unknown argument {a}")),
        }
    }
    o
}

/// A square matrix's CSR arrays (what rank 0 scatters).
pub struct Parts {
    n: usize,
    offsets: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
}

impl Parts {
    /// Copies of a matrix's arrays (the reader's and generators' nalgebra-sparse matrices
    /// give them with `row_offsets()`, `col_indices()`, `values()`).
    fn from_arrays(offsets: &[usize], cols: &[usize], vals: &[f64]) -> Self {
        Self {
            n: offsets.len() - 1,
            offsets: offsets.to_vec(),
            cols: cols.to_vec(),
            vals: vals.to_vec(),
        }
    }
}

/// The 7-point Poisson matrix (6 on the diagonal, −1 to each neighbour) on an n³ grid.
pub fn poisson_3d(n: usize) -> Parts {
    let (mut offsets, mut cols, mut vals) = (vec![0], Vec::new(), Vec::new());
    let index = |i: usize, j: usize, k: usize| (k * n + j) * n + i;
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                let mut row = vec![(index(i, j, k), 6.0)];
                if i > 0 {
                    row.push((index(i - 1, j, k), -1.0));
                }
                if i + 1 < n {
                    row.push((index(i + 1, j, k), -1.0));
                }
                if j > 0 {
                    row.push((index(i, j - 1, k), -1.0));
                }
                if j + 1 < n {
                    row.push((index(i, j + 1, k), -1.0));
                }
                if k > 0 {
                    row.push((index(i, j, k - 1), -1.0));
                }
                if k + 1 < n {
                    row.push((index(i, j, k + 1), -1.0));
                }
                row.sort_unstable_by_key(|e| e.0);
                for (c, v) in row {
                    cols.push(c);
                    vals.push(v);
                }
                offsets.push(cols.len());
            }
        }
    }
    Parts {
        n: n * n * n,
        offsets,
        cols,
        vals,
    }
}

fn exact_solution(i: usize) -> f64 {
    1.0 + (i as f64).sin()
}

/// The chosen method with preconditioner `m` on vectors of type `V`.
fn solve<V, M>(
    method: Method,
    a: &DistributedCsr<'_, impl Communicator, f64>,
    m: &M,
    b: &V,
    x: &mut V,
) -> Result<SolveReport<f64>, SolverError>
where
    V: RealVectorMut<Scalar = f64> + ArenaClone,
    M: Preconditioner<f64> + ?Sized,
{
    let params = KrylovParams {
        rel_tol: 1e-10,
        max_iter: 20_000,
        ..Default::default()
    };
    match method {
        Method::Cg => pcg(a, m, b, x, &params),
        Method::PipelinedCg => pipelined_pcg(a, m, b, x, &params),
        Method::Minres => pminres(a, m, b, x, &params),
        Method::Bicgstab => pbicgstab(a, m, b, x, &params),
        Method::Gmres => pgmres(
            a,
            m,
            b,
            x,
            &GmresParams {
                rel_tol: 1e-10,
                restart: 30,
                max_iter: 20_000,
                ..Default::default()
            },
        ),
    }
}

fn main() {
    let universe = mpi::initialize().expect("MPI could not be initialised");
    let world = universe.world();
    let rank = world.rank();
    let p = world.size() as usize;
    let root = rank == 0;
    let o = parse_options();
    let beta = o
        .beta
        .unwrap_or(if matches!(o.method, Method::Gmres | Method::Bicgstab) {
            20.0
        } else {
            0.0
        });

    // The matrix, on rank 0 only; a failure there reaches every process through the scatter.
    let (global, what) = if root {
        match (&o.matrix, o.grid3d) {
            (Some(path), _) => match read_matrix_market::<f64>(path) {
                Ok(m) => (
                    Some(Parts::from_arrays(
                        m.row_offsets(),
                        m.col_indices(),
                        m.values(),
                    )),
                    path.clone(),
                ),
                Err(e) => {
                    eprintln!("mpi_sparse: {e}");
                    (None, String::new())
                }
            },
            (None, Some(n)) => (Some(poisson_3d(n)), format!("3-D Poisson {n}³")),
            (None, None) => {
                let m = convection_diffusion_2d_csr::<f64>(o.grid, o.grid, (beta, beta / 2.0));
                (
                    Some(Parts::from_arrays(
                        m.row_offsets(),
                        m.col_indices(),
                        m.values(),
                    )),
                    format!(
                        "convection–diffusion {0}×{0}, β = ({1}, {2})",
                        o.grid,
                        beta,
                        beta / 2.0
                    ),
                )
            }
        }
    } else {
        (None, String::new())
    };
    let parts = global
        .as_ref()
        .map(|m| (&m.offsets[..], &m.cols[..], &m.vals[..]));
    let a = match DistributedCsr::scatter_from(&world, 0, parts) {
        Ok(a) => a,
        Err(e) => {
            if root {
                eprintln!("mpi_sparse: the matrix could not be distributed: {e}");
            }
            std::process::exit(1);
        }
    };
    let layout = a.layout();
    let n = layout.global_len();
    let xstar = DistributedVector::from_fn_with_layout(&world, layout, exact_solution);
    let mut b = DistributedVector::from_fn_with_layout(&world, layout, |_| 0.0);
    a.apply_local(Par::Seq, xstar.local(), b.local_mut());

    let m: Box<dyn Preconditioner<f64> + '_> = match o.precond.as_str() {
        "none" => Box::new(Identity),
        "jacobi" => Box::new(Jacobi::from_operator(&a).unwrap_or_else(|e| fail(root, e))),
        "ilu0" => Box::new(a.block_jacobi_ilu0().unwrap_or_else(|e| fail(root, e))),
        "ic0" => Box::new(a.block_jacobi(Ic0::new).unwrap_or_else(|e| fail(root, e))),
        "ssor" => Box::new(
            a.block_jacobi(|d| Ssor::new(d, 1.2))
                .unwrap_or_else(|e| fail(root, e)),
        ),
        "chebyshev" => {
            let bounds = Chebyshev::estimate_bounds(&a, &b, 20).unwrap_or_else(|e| fail(root, e));
            Box::new(Chebyshev::new(&a, bounds, 6).unwrap_or_else(|e| fail(root, e)))
        }
        other => usage(&format!("unknown preconditioner {other}")),
    };

    let (products, reductions, reduction_bytes) = (
        a.products(),
        rvf::distributed::reductions(),
        rvf::distributed::reduction_bytes(),
    );
    let (report, seconds, x, b) = timed_solve(&world, o.method, &a, &*m, b, o.reproducible);
    let report = report.unwrap_or_else(|e| fail(root, e));
    let iterations = report.iterations.max(1) as f64;
    let products = (a.products() - products) as f64 / iterations;
    let reductions = (rvf::distributed::reductions() - reductions) as f64 / iterations;
    let reduction_bytes =
        (rvf::distributed::reduction_bytes() - reduction_bytes) as f64 / iterations;

    // The true residual and the error, recomputed.
    let mut r = DistributedVector::from_fn_with_layout(&world, layout, |_| 0.0);
    a.apply_local(Par::Seq, x.local(), r.local_mut());
    r.axpby_in_place(1.0, &b, -1.0);
    let relative = r.l2norm() / b.l2norm();
    let mut e = DistributedVector::from_fn_with_layout(&world, layout, exact_solution);
    e.axpy_in_place(-1.0, &x);
    let error = e.norm_inf() / xstar.norm_inf();

    // What each process sends per product.
    let t = a.halo_traffic();
    let (interior, rows) = a.interior_rows();
    let mine = [
        rows,
        interior,
        t.messages_sent,
        t.bytes_sent,
        t.messages_received,
        t.bytes_received,
    ]
    .map(|v| v as u64);
    let mut all = vec![0u64; 6 * p];
    world.all_gather_into(&mine[..], &mut all[..]);
    let nnz_local = a.local_nnz() as u64;
    let mut nnz = 0u64;
    world.all_reduce_into(
        &nnz_local,
        &mut nnz,
        mpi::collective::SystemOperation::sum(),
    );

    if root {
        let method = o.method.name();
        let sums = if o.reproducible {
            "exact sums"
        } else {
            "blocked sums"
        };
        println!(
            "mpi_sparse: {what}: {n} unknowns, {nnz} entries, {p} process(es); {method} with {} \
             preconditioner, {sums}",
            o.precond
        );
        println!(
            "  {} iterations, relative residual {:.2e} (recomputed {relative:.2e}), error {error:.2e}",
            report.iterations, report.relative_residual
        );
        println!(
            "  time {:.1} ms ({:.1} µs per iteration); per iteration {products:.2} products, \
             {reductions:.2} reductions ({reduction_bytes:.0} B of payload)",
            seconds * 1e3,
            seconds * 1e6 / iterations
        );
        println!("  rank   rows  interior  sent per iteration     received per iteration");
        for (r, v) in all.chunks_exact(6).enumerate() {
            println!(
                "  {r:>4} {:>6} {:>9}  {:>5.1} msgs {:>9.0} B   {:>5.1} msgs {:>9.0} B",
                v[0],
                v[1],
                v[2] as f64 * products,
                v[3] as f64 * products,
                v[4] as f64 * products,
                v[5] as f64 * products
            );
        }
        assert!(
            relative <= 2e-10,
            "the recomputed residual must meet the tolerance"
        );
    }

    if o.model {
        // The same solve with the other summation, in this run: the price of exact sums.
        let (other, other_seconds, _, _) =
            timed_solve(&world, o.method, &a, &*m, b, !o.reproducible);
        let other = other.unwrap_or_else(|e| fail(root, e));
        let per = |s: f64, r: &SolveReport<f64>| s * 1e6 / r.iterations.max(1) as f64;
        let (blocked, exact) = if o.reproducible {
            (per(other_seconds, &other), per(seconds, &report))
        } else {
            (per(seconds, &report), per(other_seconds, &other))
        };
        if root {
            println!(
                "  the same solve in this run: blocked sums {blocked:.1} µs, exact sums {exact:.1} µs \
                 per iteration ({:.2}×)",
                exact / blocked
            );
        }
        scaling_model::measure_and_print(&world, &a, &x, seconds / iterations, reductions);
    }
}

/// Solves from `x = 0` with blocked or exact sums, timed between barriers; gives back `b`.
#[allow(clippy::type_complexity)]
fn timed_solve<'c, C: Communicator>(
    world: &'c C,
    method: Method,
    a: &DistributedCsr<'c, C, f64>,
    m: &dyn Preconditioner<f64>,
    b: DistributedVector<'c, C, Vec<f64>>,
    reproducible: bool,
) -> (
    Result<SolveReport<f64>, SolverError>,
    f64,
    DistributedVector<'c, C, Vec<f64>>,
    DistributedVector<'c, C, Vec<f64>>,
) {
    let x = DistributedVector::from_fn_with_layout(world, a.layout(), |_| 0.0);
    world.barrier();
    let start = Instant::now();
    let (report, x, b) = if reproducible {
        let (rb, mut rx) = (Reproducible(b), Reproducible(x));
        let report = solve(method, a, m, &rb, &mut rx);
        (report, rx.0, rb.0)
    } else {
        let mut x = x;
        let report = solve(method, a, m, &b, &mut x);
        (report, x, b)
    };
    world.barrier();
    (report, start.elapsed().as_secs_f64(), x, b)
}

fn fail(root: bool, e: SolverError) -> ! {
    if root {
        eprintln!("mpi_sparse: {e}");
    }
    std::process::exit(1)
}
