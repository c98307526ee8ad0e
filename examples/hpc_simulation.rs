//! A large-simulation workflow: a large state advanced for many steps with three arena
//! temporaries per step. The physics is the 1-D wave equation u_tt = c²·u_xx on [0, 1] with
//! fixed ends, integrated with symplectic Euler; the initial state is one discrete normal mode,
//! whose exact discrete-in-space solution is known, so the run reports its error.
//!
//! ```text
//! cargo run --release --example hpc_simulation -- [N] [STEPS]
//! ```
//! Defaults: N = 200000 interior points, 400 steps.

use std::f64::consts::PI;
use std::time::Instant;

use rvf::prelude::*;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("argument {i} must be a count, got {s}"))
        })
        .unwrap_or(default)
}

/// out ← c²·D²u with zero Dirichlet boundaries (second difference over h²).
fn compute_derivatives(out: &mut [f64], u: &[f64], c2_over_h2: f64) {
    let n = u.len();
    for i in 0..n {
        let left = if i > 0 { u[i - 1] } else { 0.0 };
        let right = if i + 1 < n { u[i + 1] } else { 0.0 };
        out[i] = c2_over_h2 * (left - 2.0 * u[i] + right);
    }
}

fn main() {
    let n = arg(1, 200_000);
    let steps = arg(2, 400);
    let c = 1.0;
    let h = 1.0 / (n as f64 + 1.0);
    // The mode sin(πx) oscillates with the discrete frequency ω = (2c/h)·sin(πh/2).
    let omega = 2.0 * c / h * (PI * h / 2.0).sin();
    // Stable step (CFL) well inside the limit h/c.
    let dt = 0.5 * h / c;
    let c2_over_h2 = c * c / (h * h);

    let mode: Vec<f64> = (1..=n).map(|i| (PI * i as f64 * h).sin()).collect();
    let mut u = mode.clone(); // displacement
    let mut v = vec![0.0; n]; // velocity

    let estimated = n * std::mem::size_of::<f64>() * 3; // three temporaries per step
    let arena = MemoryArena::new(estimated);

    let start = Instant::now();
    for _ in 0..steps {
        let scope = arena.create_scope();
        let mut accel = scope
            .alloc_zeroed::<f64>(n)
            .expect("arena sized for the step");
        let mut v_half = scope.clone_of(&v).expect("arena sized for the step");
        let mut u_trial = scope.clone_of(&u).expect("arena sized for the step");

        // Symplectic Euler: v ← v + dt·a(u); u ← u + dt·v.
        compute_derivatives(&mut accel, &u, c2_over_h2);
        v_half.axpy_in_place(dt, &accel);
        u_trial.axpy_in_place(dt, &v_half);
        v.copy_from(&v_half);
        u.copy_from(&u_trial);
    }
    let elapsed = start.elapsed();

    // The exact solution is cos(ω t)·mode; the deviation is the method's O(dt) error.
    let t = steps as f64 * dt;
    let mut err = u.clone();
    err.axpy_in_place(-(omega * t).cos(), &mode);
    let energy = 0.5 * v.l2norm_squared() * h;
    let s = arena.statistics();
    println!("hpc_simulation: wave equation, n = {n}, {steps} steps, dt = {dt:.3e}");
    println!(
        "  simulation completed in {:.1} ms ({:.3} ms/step)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e3 / steps as f64
    );
    println!(
        "  max deviation from the exact mode solution at t = {t:.3e}: {:.3e}",
        err.norm_inf()
    );
    println!("  kinetic energy {energy:.6e}");
    println!(
        "  arena: peak usage {} B, total allocations {}, fragmentation {:.3}, chunks {}",
        s.peak_usage, s.total_allocations, s.fragmentation_ratio, s.chunks
    );
    assert!(err.norm_inf() < 1e-2, "the mode solution drifted");
}
