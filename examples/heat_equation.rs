//! The 2-D heat equation u_t = Δu + f on the unit square with zero boundary values, stepped by
//! Crank–Nicolson (each step a CG solve) at a time step far above the explicit stability
//! limit. The initial state is the lowest eigenmode, whose exact decay is known, plus a source.
//!
//! ```text
//! cargo run --release --example heat_equation -- [N] [STEPS] [--plot FILE.png]
//! ```
//! `--plot` writes the final field as a heat map (viridis colour map, axes, colour bar).
//! Defaults: a 128×128 grid, 40 steps of dt = 2·10⁻³ (about 130× the explicit limit).

use std::f64::consts::PI;
use std::time::Instant;

use rvf::prelude::*;
use rvf_algorithms::linear::Poisson2d;
use rvf_algorithms::ode::{ImplicitParams, ImplicitScheme};
use rvf_algorithms::Workspace;

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
        .map(|s| s.parse().expect("N"))
        .unwrap_or(128);
    let steps: usize = positional
        .get(1)
        .map(|s| s.parse().expect("STEPS"))
        .unwrap_or(40);
    let dt = 2e-3;

    let a = Poisson2d::<f64>::new(n, n);
    let h = 1.0 / (n + 1) as f64;
    let (lo, hi) = a.eigenvalue_bounds();
    let mode: Vec<f64> = (0..n * n)
        .map(|k| {
            let (x, y) = ((k % n + 1) as f64 * h, (k / n + 1) as f64 * h);
            (PI * x).sin() * (PI * y).sin()
        })
        .collect();

    // First: the pure mode, to compare with the exact discrete decay.
    let mut workspace = Workspace::new();
    let params = ImplicitParams {
        scheme: ImplicitScheme::CrankNicolson,
        dt,
        linear_rel_tol: 1e-10,
        ..Default::default()
    };
    let span = (0.0, steps as f64 * dt);
    let mut u = mode.clone();
    let start = Instant::now();
    let stats = workspace
        .linear_implicit(&a, None, span, &mut u, &params)
        .expect("Crank–Nicolson");
    let elapsed = start.elapsed();
    let factor = (1.0 - dt * lo / 2.0) / (1.0 + dt * lo / 2.0);
    let expected = factor.powi(steps as i32);
    let mut err = u.clone();
    err.axpy_in_place(-expected, &mode);

    println!("heat_equation: {n}×{n} grid, dt = {dt}, {steps} Crank–Nicolson steps");
    println!(
        "  explicit stability limit 2/λmax = {:.3e}: dt is {:.0}× larger",
        2.0 / hi,
        dt * hi / 2.0
    );
    println!(
        "  {:.1} ms, {} CG iterations in total ({:.1} per step)",
        elapsed.as_secs_f64() * 1e3,
        stats.linear_iterations,
        stats.linear_iterations as f64 / steps as f64
    );
    println!(
        "  lowest mode: amplitude {:.6e}, exact {:.6e} (continuous exp(−2π²t) = {:.6e}), max deviation {:.2e}",
        u[(n / 2) * n + n / 2] / mode[(n / 2) * n + n / 2],
        expected,
        (-2.0 * PI * PI * dt * steps as f64).exp(),
        err.norm_inf()
    );

    // Second: a hot spot source switched on, starting from the decayed mode.
    let source = move |_t: f64, g: &mut [f64]| {
        for (k, gk) in g.iter_mut().enumerate() {
            let (x, y) = ((k % n + 1) as f64 * h, (k / n + 1) as f64 * h);
            let r2 = (x - 0.3).powi(2) + (y - 0.6).powi(2);
            *gk = 200.0 * (-r2 / 0.005).exp();
        }
    };
    workspace
        .linear_implicit(&a, Some(&source), span, &mut u, &params)
        .expect("Crank–Nicolson with source");
    println!(
        "  with a source: max temperature {:.4}",
        u.max().unwrap_or(0.0)
    );
    println!("  arena: {}", workspace.statistics());

    if let Some(path) = plot {
        // The interior grid points cover the unit square; each is drawn as its cell.
        support::plot::heat_map(
            &path,
            &u,
            (n, n),
            (0.0, 1.0),
            (0.0, 1.0),
            &format!("Heat equation: u at t = {:.2}", 2.0 * span.1),
            ("x", "y"),
            "u(x, y)",
        )
        .expect("writing the plot");
        println!("  heat map written to {path}");
    }
}
