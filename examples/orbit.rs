//! A Kepler orbit (eccentricity 0.5) integrated with velocity Verlet and with classical RK4 at
//! the same step: the symplectic method's energy error stays bounded, RK4's drifts.
//!
//! ```text
//! cargo run --release --example orbit -- [STEPS] [DT]
//! ```
//! Defaults: 20000 steps of dt = 0.01 (about 32 orbits).

use rvf_algorithms::ode::{FirstOrderForm, FixedStepParams, FnSecondOrder};
use rvf_algorithms::Workspace;

fn energy(x: &[f64], v: &[f64]) -> f64 {
    0.5 * (v[0] * v[0] + v[1] * v[1]) - 1.0 / (x[0] * x[0] + x[1] * x[1]).sqrt()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let steps: usize = args
        .next()
        .map(|s| s.parse().expect("STEPS"))
        .unwrap_or(20_000);
    let dt: f64 = args.next().map(|s| s.parse().expect("DT")).unwrap_or(0.01);

    let kepler = FnSecondOrder::new(2, |_t: f64, x: &[f64], a: &mut [f64]| {
        let r3 = (x[0] * x[0] + x[1] * x[1]).powf(1.5);
        a[0] = -x[0] / r3;
        a[1] = -x[1] / r3;
    });
    // Perihelion of an orbit with semi-major axis 1 and eccentricity 0.5 (GM = 1).
    let (x0, v0) = ([0.5, 0.0], [0.0, 3f64.sqrt()]);
    let e0 = energy(&x0, &v0);
    let mut ws = Workspace::new();
    let params = FixedStepParams {
        dt,
        ..Default::default()
    };

    let (mut x, mut v) = (x0.to_vec(), v0.to_vec());
    let mut y = vec![x0[0], x0[1], v0[0], v0[1]];
    let first_order = FirstOrderForm(kepler.clone());

    println!("orbit: e = 0.5, dt = {dt}, {steps} steps, E0 = {e0}");
    println!(
        "{:>8} {:>10} {:>16} {:>16}",
        "step", "t", "Verlet ΔE", "RK4 ΔE"
    );
    let chunk = 1000;
    let mut done = 0;
    while done < steps {
        let k = chunk.min(steps - done);
        let span = (done as f64 * dt, (done + k) as f64 * dt);
        ws.velocity_verlet(&kepler, span, &mut x, &mut v, &params)
            .expect("Verlet steps");
        ws.rk4(&first_order, span, &mut y, &params)
            .expect("RK4 steps");
        done += k;
        println!(
            "{:>8} {:>10.2} {:>16.3e} {:>16.3e}",
            done,
            done as f64 * dt,
            energy(&x, &v) - e0,
            energy(&y[..2], &y[2..]) - e0
        );
    }
}
