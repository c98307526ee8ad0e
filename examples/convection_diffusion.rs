//! A non-symmetric system: 2-D convection–diffusion −Δu + β·∇u = f on the unit square with
//! zero boundary values, as a CSR matrix, solved by GMRES(30) and BiCGSTAB, each plain and
//! with ILU(0). Prints iterations, the residual recomputed from the solution, time, and the
//! preconditioner's set-up time and memory.
//!
//! ```text
//! cargo run --release --features full --example convection_diffusion -- [N] [BETA] [--plot FILE.png]
//! ```
//! Defaults: a 200×200 interior grid (40 000 unknowns), β = (BETA, BETA/2) with BETA = 100.
//! `--plot` writes the solution as a heat map.

use std::time::Instant;

use rvf::prelude::*;
use rvf_algorithms::linear::{
    convection_diffusion_2d_csr, GmresParams, Identity, Ilu0, KrylovParams, LinearOperator,
    Preconditioner,
};
use rvf_algorithms::{SolverError, Workspace};

mod support;

fn main() {
    let mut positional = Vec::new();
    let mut plot = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--plot" {
            plot = Some(args.next().expect("--plot needs a file name"));
        } else {
            positional.push(a);
        }
    }
    let n: usize = positional
        .first()
        .map(|s| s.parse().expect("N must be a grid size"))
        .unwrap_or(200);
    let beta: f64 = positional
        .get(1)
        .map(|s| s.parse().expect("BETA must be a number"))
        .unwrap_or(100.0);
    let velocity = (beta, beta / 2.0);
    let a = convection_diffusion_2d_csr::<f64>(n, n, velocity);
    let h = 1.0 / (n + 1) as f64;
    // A source in the lower left quarter: the flow carries it up and to the right.
    let f: Vec<f64> = (0..n * n)
        .map(|k| {
            let (x, y) = ((k % n + 1) as f64 * h, (k / n + 1) as f64 * h);
            if x < 0.5 && y < 0.5 {
                100.0
            } else {
                0.0
            }
        })
        .collect();
    println!(
        "convection_diffusion: {n}×{n} grid, {} unknowns, {} nonzeros, β = ({}, {}), mesh Péclet {:.2}",
        n * n,
        a.nnz(),
        velocity.0,
        velocity.1,
        velocity.0 * h / 2.0
    );

    let start = Instant::now();
    let ilu = Ilu0::new(&a).expect("ILU(0)");
    println!(
        "  ILU(0): set-up {:.1} ms, {} nonzeros, {:.2} MB (measured {:?} inside)",
        start.elapsed().as_secs_f64() * 1e3,
        ilu.nnz(),
        ilu.memory_bytes() as f64 / 1e6,
        ilu.setup_time()
    );

    let mut workspace = Workspace::new();
    let mut solution = vec![0.0; n * n];
    type Run<'a> = (&'a str, &'a dyn Preconditioner<f64>, bool);
    let runs: [Run; 4] = [
        ("GMRES(30)", &Identity, true),
        ("GMRES(30) + ILU(0)", &ilu, true),
        ("BiCGSTAB", &Identity, false),
        ("BiCGSTAB + ILU(0)", &ilu, false),
    ];
    for (name, m, is_gmres) in runs {
        let mut x = vec![0.0; n * n];
        let start = Instant::now();
        let result: Result<_, SolverError> = if is_gmres {
            workspace.pgmres(&a, m, &f, &mut x, &GmresParams::default())
        } else {
            workspace.pbicgstab(&a, m, &f, &mut x, &KrylovParams::default())
        };
        let seconds = start.elapsed().as_secs_f64();
        match result {
            Ok(r) => {
                // An independent check: b − A·x with a fresh product.
                let mut ax = vec![0.0; n * n];
                a.apply(&x, &mut ax);
                ax.axpby_in_place(1.0, &f, -1.0);
                let recomputed = ax.l2norm() / f.l2norm();
                println!(
                    "  {name:<20} {:>5} iterations, relative residual {:.2e} (recomputed {:.2e}), {:>8.1} ms",
                    r.iterations,
                    r.relative_residual,
                    recomputed,
                    seconds * 1e3
                );
                assert!(recomputed <= 1e-8 * 1.01, "{name}: residual check failed");
                solution = x;
            }
            Err(e) => println!("  {name:<20} failed: {e}"),
        }
    }
    println!("  workspace arena: {}", workspace.statistics());

    if let Some(path) = plot {
        support::plot::heat_map(
            &path,
            &solution,
            (n, n),
            (0.0, 1.0),
            (0.0, 1.0),
            &format!("Convection-diffusion, β = ({}, {})", velocity.0, velocity.1),
            ("x", "y"),
            "u(x, y)",
        )
        .expect("writing the plot");
        println!("  solution written to {path}");
    }
}
