//! A bouncing ball: free fall with a terminal event at the ground, restarted after each
//! bounce with the velocity reversed and scaled by the restitution coefficient. Prints the
//! bounce times next to the closed form t₁ = √(2h/g), tₖ₊₁ = tₖ + 2·eᵏ·√(2h/g).
//!
//! ```text
//! cargo run --release --example events -- [BOUNCES]
//! ```

use rvf_algorithms::ode::{dopri5_events, Direction, Dopri5Params, Event, FnSystem};
use rvf_algorithms::Termination;

fn main() {
    let bounces: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("BOUNCES"))
        .unwrap_or(10);
    let (g, e, h0) = (9.81, 0.8, 10.0);
    let fall = FnSystem::new(2, move |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = -g;
    });
    // The height reaches zero while falling: stop there.
    let ground = |_t: f64, y: &[f64]| y[0];
    let events = [Event::new(&ground).direction(Direction::Falling).terminal()];
    let params = Dopri5Params {
        rel_tol: 1e-10,
        abs_tol: 1e-12,
        ..Default::default()
    };

    println!("events: a ball dropped from {h0} m, restitution {e}");
    println!(
        "  {:>6}  {:>16}  {:>16}  {:>9}",
        "bounce", "t (dopri5)", "t (closed form)", "|diff|"
    );
    let first = (2.0 * h0 / g).sqrt();
    let (mut t, mut y) = (0.0, vec![h0, 0.0]);
    let mut exact = first;
    let mut worst: f64 = 0.0;
    for k in 0..bounces {
        let report = dopri5_events(&fall, (t, 1e3), &mut y, &params, &events).expect("dopri5");
        assert_eq!(report.termination, Termination::TerminalEvent);
        let diff = (report.t - exact).abs();
        worst = worst.max(diff);
        println!(
            "  {:>6}  {:16.12}  {:16.12}  {diff:9.1e}",
            k + 1,
            report.t,
            exact
        );
        t = report.t;
        y[1] *= -e;
        exact += 2.0 * e.powi(k as i32 + 1) * first;
    }
    println!("  largest difference: {worst:.1e}");
    assert!(worst < 1e-9, "bounce times disagree with the closed form");
}
