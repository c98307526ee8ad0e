//! Solves the 2-D Poisson problem −Δu = f on the unit square (zero boundary values) with
//! conjugate gradients on a matrix-free 5-point operator, and reports iterations, residual,
//! time and the solver's arena statistics.
//!
//! ```text
//! cargo run --release --example cg_poisson -- [N] [REL_TOL]
//! ```
//! Defaults: an N×N = 300×300 interior grid (90 000 unknowns), relative tolerance 1e-8.

use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::time::Instant;

use rvf::prelude::*;
use rvf_algorithms::linear::{cg_in, CgParams, LinearOperator, Poisson2d};
use rvf_algorithms::Workspace;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse().expect("N must be a grid size"))
        .unwrap_or(300);
    let rel_tol: f64 = args
        .next()
        .map(|s| s.parse().expect("REL_TOL must be a number"))
        .unwrap_or(1e-8);

    let a = Poisson2d::<f64>::new(n, n);
    let h = 1.0 / (n + 1) as f64;
    // f(x, y) = 1 + sin(3πx)·y: smooth, with many eigen-components.
    let b: Vec<f64> = (0..n * n)
        .map(|k| {
            let (x, y) = ((k % n + 1) as f64 * h, (k / n + 1) as f64 * h);
            1.0 + (3.0 * std::f64::consts::PI * x).sin() * y
        })
        .collect();
    let mut x = vec![0.0; n * n];

    // Progress on a terminal: the monitor sees every iteration; it redraws one status line.
    let terminal = std::io::stderr().is_terminal();
    let workspace = Workspace::new();
    let params = CgParams {
        rel_tol,
        ..Default::default()
    };
    let start = Instant::now();
    let result = cg_in(&a, &b, &mut x, &params, workspace.arena(), |p| {
        if terminal && p.iteration.is_multiple_of(10) {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r  CG iteration {}: relative residual {:.2e}",
                p.iteration, p.relative_residual
            );
            let _ = err.flush();
        }
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("CG failed: {e}"));
    let elapsed = start.elapsed();
    if terminal {
        eprint!("\r{:60}\r", "");
    }

    // An independent check of the answer: r = b − A·x with a fresh product.
    let mut ax = vec![0.0; n * n];
    a.apply(&x, &mut ax);
    let mut r = b.clone();
    r.axpy_in_place(-1.0, &ax);
    let (lo, hi) = a.eigenvalue_bounds();
    let stats = workspace.statistics();

    println!(
        "cg_poisson: {n}×{n} grid, {} unknowns, κ(A) = {:.3e}",
        n * n,
        hi / lo
    );
    println!(
        "  {} iterations, relative residual {:.3e} (recomputed: {:.3e})",
        result.iterations,
        result.relative_residual,
        r.l2norm() / b.l2norm()
    );
    println!(
        "  time {:.1} ms ({:.1} µs/iteration)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / result.iterations.max(1) as f64
    );
    println!(
        "  u at the centre: {:.6e}, max u: {:.6e}",
        x[(n / 2) * n + n / 2],
        x.max().unwrap_or(0.0)
    );
    println!("  arena: {stats}");
    assert!(
        r.l2norm() / b.l2norm() <= rel_tol * 1.01,
        "residual check failed"
    );
}
