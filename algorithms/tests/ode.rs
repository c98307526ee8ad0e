//! Time integrators against analytic solutions, convergence orders and invariants.
// Reference computations are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]

use std::f64::consts::{PI, TAU};

use approx::assert_relative_eq;
use rvf::prelude::*;
use rvf_algorithms::linear::Poisson1d;
use rvf_algorithms::ode::{
    dopri5, dopri5_in, explicit_euler, linear_implicit, rk4, rk4_in, velocity_verlet,
    velocity_verlet_in, Dopri5Params, FirstOrderForm, FixedStepParams, FnSecondOrder, FnSystem,
    ImplicitParams, ImplicitScheme, OdeSystem,
};
use rvf_algorithms::{SolverError, Termination, Workspace};

fn fixed(dt: f64) -> FixedStepParams<f64> {
    FixedStepParams {
        dt,
        ..Default::default()
    }
}

fn oscillator() -> FnSystem<impl Fn(f64, &[f64], &mut [f64])> {
    FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = -y[0];
    })
}

/// Error at t = 1 of a fixed-step method on y'' = −y, y(0) = 1, y'(0) = 0 (exact: cos t).
fn error_at_one(method: &str, steps: usize) -> f64 {
    let params = fixed(1.0 / steps as f64);
    match method {
        "euler" | "rk4" => {
            let mut y = vec![1.0, 0.0];
            if method == "euler" {
                explicit_euler(&oscillator(), (0.0, 1.0), &mut y, &params).unwrap();
            } else {
                rk4(&oscillator(), (0.0, 1.0), &mut y, &params).unwrap();
            }
            ((y[0] - 1f64.cos()).powi(2) + (y[1] + 1f64.sin()).powi(2)).sqrt()
        }
        _ => {
            let spring = FnSecondOrder::new(1, |_t: f64, x: &[f64], a: &mut [f64]| a[0] = -x[0]);
            let (mut x, mut v) = (vec![1.0], vec![0.0]);
            velocity_verlet(&spring, (0.0, 1.0), &mut x, &mut v, &params).unwrap();
            ((x[0] - 1f64.cos()).powi(2) + (v[0] + 1f64.sin()).powi(2)).sqrt()
        }
    }
}

#[test]
fn measured_orders_match_theory() {
    for (method, order, base) in [("euler", 1.0, 100), ("rk4", 4.0, 10), ("verlet", 2.0, 50)] {
        let e1 = error_at_one(method, base);
        let e2 = error_at_one(method, 2 * base);
        let e3 = error_at_one(method, 4 * base);
        let p1 = (e1 / e2).log2();
        let p2 = (e2 / e3).log2();
        println!("{method}: errors {e1:.3e} {e2:.3e} {e3:.3e}, orders {p1:.3} {p2:.3}");
        assert_relative_eq!(p2, order, epsilon = 0.1);
    }
}

fn kepler_energy(x: &[f64], v: &[f64]) -> f64 {
    0.5 * (v[0] * v[0] + v[1] * v[1]) - 1.0 / (x[0] * x[0] + x[1] * x[1]).sqrt()
}

#[test]
fn verlet_energy_stays_bounded_while_rk4_drifts_on_kepler() {
    // Eccentricity 0.5: start at perihelion r = 0.5 with speed √(3) (GM = 1, a = 1).
    let kepler = FnSecondOrder::new(2, |_t: f64, x: &[f64], a: &mut [f64]| {
        let r3 = (x[0] * x[0] + x[1] * x[1]).powf(1.5);
        a[0] = -x[0] / r3;
        a[1] = -x[1] / r3;
    });
    let (x0, v0) = (vec![0.5, 0.0], vec![0.0, 3f64.sqrt()]);
    let e0 = kepler_energy(&x0, &v0);
    assert_relative_eq!(e0, -0.5, epsilon = 1e-12);
    let params = fixed(0.02);
    let mut workspace = Workspace::new();

    let (mut x, mut v) = (x0.clone(), v0.clone());
    let mut verlet_err = Vec::new();
    for _ in 0..10 {
        workspace
            .velocity_verlet(&kepler, (0.0, 20.0), &mut x, &mut v, &params)
            .unwrap();
        verlet_err.push((kepler_energy(&x, &v) - e0).abs());
    }
    let mut y = vec![x0[0], x0[1], v0[0], v0[1]];
    let first_order = FirstOrderForm(kepler.clone());
    let mut rk4_err = Vec::new();
    for _ in 0..10 {
        workspace
            .rk4(&first_order, (0.0, 20.0), &mut y, &params)
            .unwrap();
        rk4_err.push((kepler_energy(&y[..2], &y[2..]) - e0).abs());
    }
    println!("verlet |ΔE| per 1000 steps: {verlet_err:?}");
    println!("rk4    |ΔE| per 1000 steps: {rk4_err:?}");
    // Verlet: bounded, no trend: the last error is not larger than the largest early one.
    let early_max = verlet_err[..3].iter().copied().fold(0.0, f64::max);
    assert!(verlet_err.iter().all(|&e| e < 5e-3));
    assert!(verlet_err[9] <= 2.0 * early_max);
    // RK4: a secular drift: the error grows roughly linearly over the run.
    assert!(
        rk4_err[9] > 5.0 * rk4_err[0],
        "RK4 energy error should drift"
    );
    assert!(rk4_err.windows(2).all(|w| w[1] > w[0]));
}

#[test]
fn dopri5_meets_its_tolerance_on_the_harmonic_oscillator() {
    let arena = MemoryArena::new(0);
    for rtol in [1e-4, 1e-7, 1e-10] {
        let params = Dopri5Params {
            rel_tol: rtol,
            abs_tol: rtol * 1e-3,
            ..Default::default()
        };
        let mut y = vec![1.0, 0.0];
        let mut worst: f64 = 0.0;
        // The monitor sees the state after every accepted step: check each against cos t.
        let stats = dopri5_in(&oscillator(), (0.0, 10.0), &mut y, &params, &arena, |p| {
            worst = worst
                .max((p.y[0] - p.t.cos()).abs())
                .max((p.y[1] + p.t.sin()).abs());
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        println!(
            "rtol {rtol:e}: max error {worst:.2e}, {} steps, {} rejected",
            stats.steps, stats.rejected
        );
        // Global error over ~1.6 periods stays within a small multiple of the tolerance.
        assert!(worst < 50.0 * rtol, "error {worst:e} for rtol {rtol:e}");
        assert_eq!(stats.t, 10.0);
        assert_eq!(stats.termination, Termination::ReachedEnd);
        assert_eq!(stats.evaluations, 6 * (stats.steps + stats.rejected) + 2);
    }
}

#[test]
fn dopri5_matches_a_fine_rk4_reference_on_van_der_pol() {
    let mu = 1.0;
    let vdp = FnSystem::new(2, move |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
    });
    // Reference: RK4 with 200 000 steps to t = 10 (error ~ 1e-16·scale).
    let mut reference = vec![2.0, 0.0];
    let r = rk4(&vdp, (0.0, 10.0), &mut reference, &fixed(10.0 / 200_000.0)).unwrap();
    assert_eq!(r.steps, 200_000);
    for rtol in [1e-6, 1e-9] {
        let mut y = vec![2.0, 0.0];
        let params = Dopri5Params {
            rel_tol: rtol,
            abs_tol: rtol,
            ..Default::default()
        };
        let stats = dopri5(&vdp, (0.0, 10.0), &mut y, &params).unwrap();
        let err = ((y[0] - reference[0]).powi(2) + (y[1] - reference[1]).powi(2)).sqrt();
        println!(
            "Van der Pol rtol {rtol:e}: error {err:.2e} in {} steps",
            stats.steps
        );
        assert!(err < 100.0 * rtol);
    }
}

#[test]
fn dopri5_rejects_steps_that_are_too_large() {
    let mut y = vec![1.0, 0.0];
    let params = Dopri5Params {
        rel_tol: 1e-8,
        abs_tol: 1e-10,
        initial_step: Some(1.0),
        ..Default::default()
    };
    let stats = dopri5(&oscillator(), (0.0, TAU), &mut y, &params).unwrap();
    assert!(stats.rejected > 0);
    assert!((y[0] - 1.0).abs() < 1e-6);
}

#[test]
fn monitors_stop_integrators_on_a_condition() {
    // A ball thrown up at 10 m/s under g = 9.81: stop at the first step past the apex.
    let gravity = FnSecondOrder::new(1, |_t: f64, _x: &[f64], a: &mut [f64]| a[0] = -9.81);
    let (mut x, mut v) = (vec![0.0], vec![10.0]);
    let arena = MemoryArena::new(0);
    let params = fixed(1e-3);
    let r = velocity_verlet_in(
        &gravity,
        (0.0, 10.0),
        &mut x,
        &mut v,
        &params,
        &arena,
        |p| {
            if p.velocity.unwrap()[0] < 0.0 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(r.termination, Termination::StoppedByMonitor);
    assert!((r.t - 10.0 / 9.81).abs() <= 1e-3, "apex at t = {}", r.t);
    // Velocity Verlet is exact for constant acceleration: the height is the closed form.
    assert_relative_eq!(x[0], 10.0 * r.t - 0.5 * 9.81 * r.t * r.t, epsilon = 1e-9);

    let mut y = vec![1.0, 0.0];
    let mut steps = 0;
    let r = dopri5_in(
        &oscillator(),
        (0.0, 100.0),
        &mut y,
        &Dopri5Params::default(),
        &arena,
        |p| {
            steps += 1;
            if p.y[0] < 0.0 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(
        (r.termination, r.steps),
        (Termination::StoppedByMonitor, steps)
    );
    assert!(
        r.t > PI / 2.0 && r.t < PI,
        "first step past the zero of cos at t = {}",
        r.t
    );
}

#[test]
fn boxed_systems_integrate_like_concrete_ones() {
    let boxed: Box<dyn OdeSystem<f64>> = Box::new(oscillator());
    let (mut a, mut b) = (vec![1.0, 0.0], vec![1.0, 0.0]);
    rk4(&boxed, (0.0, 1.0), &mut a, &fixed(0.01)).unwrap();
    rk4(&oscillator(), (0.0, 1.0), &mut b, &fixed(0.01)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn fixed_steps_cover_the_span_exactly_in_equal_steps() {
    let mut y = vec![1.0, 0.0];
    let arena = MemoryArena::new(0);
    let mut ts = Vec::new();
    // 0.3 / 0.1 is 2.9999999999999996 in floating point: still three steps.
    let r = rk4_in(
        &oscillator(),
        (0.0, 0.3),
        &mut y,
        &fixed(0.1),
        &arena,
        |p| {
            ts.push((p.t, p.h));
            std::ops::ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(r.steps, 3);
    assert_eq!(ts.last().unwrap().0, 0.3);
    // A span that is not a multiple of dt: the steps shrink to fit.
    let r = rk4(&oscillator(), (0.0, 0.25), &mut y, &fixed(0.1)).unwrap();
    assert_eq!((r.steps, r.t), (3, 0.25));
    // An empty span takes no step.
    let r = rk4(&oscillator(), (1.0, 1.0), &mut y, &fixed(0.1)).unwrap();
    assert_eq!(r.steps, 0);
}

fn heat_setup(n: usize) -> (Poisson1d<f64>, Vec<f64>, f64, f64) {
    let a = Poisson1d::<f64>::new(n);
    let h = 1.0 / (n + 1) as f64;
    let u: Vec<f64> = (1..=n).map(|i| (PI * i as f64 * h).sin()).collect();
    // The discrete eigenvalue of that mode.
    let lambda = 4.0 / (h * h) * (PI * h / 2.0).sin().powi(2);
    (a, u, h, lambda)
}

#[test]
fn implicit_schemes_are_stable_far_above_the_explicit_limit() {
    let n = 100;
    let (a, u0, h, lambda) = heat_setup(n);
    let (_, lmax) = a.eigenvalue_bounds();
    let explicit_limit = 2.0 / lmax;
    let dt = 200.0 * explicit_limit;
    let steps = 10;
    for (scheme, factor) in [
        (ImplicitScheme::BackwardEuler, 1.0 / (1.0 + dt * lambda)),
        (
            ImplicitScheme::CrankNicolson,
            (1.0 - dt * lambda / 2.0) / (1.0 + dt * lambda / 2.0),
        ),
    ] {
        let mut u = u0.clone();
        let params = ImplicitParams {
            scheme,
            dt,
            linear_rel_tol: 1e-12,
            ..Default::default()
        };
        let stats = linear_implicit(&a, None, (0.0, steps as f64 * dt), &mut u, &params).unwrap();
        assert_eq!(stats.steps, steps);
        // The mode is an eigenvector: each step multiplies it by the scheme's amplification
        // factor, known in closed form.
        let expected = factor.powi(steps as i32);
        for (ui, u0i) in u.iter().zip(&u0) {
            assert_relative_eq!(*ui, expected * u0i, epsilon = 1e-9);
        }
        assert!(u.iter().all(|v| v.abs() <= 1.0));
        assert!(stats.linear_iterations > 0);
        let _ = h;
    }
    // Explicit Euler at the same step is unstable: the state blows up.
    let heat = FnSystem::new(n, move |_t: f64, y: &[f64], dy: &mut [f64]| {
        use rvf_algorithms::linear::LinearOperator;
        Poisson1d::<f64>::new(y.len()).apply(y, dy);
        dy.iter_mut().for_each(|v| *v = -*v);
    });
    let mut u = u0.clone();
    // Seed every mode so the unstable ones grow.
    u.iter_mut()
        .enumerate()
        .for_each(|(i, v)| *v += 1e-3 * (i as f64).sin());
    let err = explicit_euler(&heat, (0.0, 10_000.0 * dt), &mut u, &fixed(dt)).unwrap_err();
    assert!(matches!(err, SolverError::NonFiniteState { .. }), "{err:?}");
}

#[test]
fn crank_nicolson_with_forcing_converges_to_the_steady_state() {
    // u_t = u_xx + 1 with zero boundaries: steady state x(1 − x)/2, exact on the grid.
    let n = 40;
    let (a, _, h, _) = heat_setup(n);
    let mut u = vec![0.0; n];
    let params = ImplicitParams {
        scheme: ImplicitScheme::BackwardEuler,
        dt: 0.05,
        linear_rel_tol: 1e-12,
        ..Default::default()
    };
    // The forcing closure's argument types are inferred.
    linear_implicit(&a, Some(&|_t, g| g.fill(1.0)), (0.0, 10.0), &mut u, &params).unwrap();
    for (i, ui) in u.iter().enumerate() {
        let x = (i + 1) as f64 * h;
        assert_relative_eq!(*ui, x * (1.0 - x) / 2.0, epsilon = 1e-8);
    }
}

#[test]
fn integrator_errors_carry_where_they_happened() {
    // y' = y², y(0) = 1 blows up at t = 1.
    let blowup = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = y[0] * y[0]);
    let mut y = vec![1.0];
    let err = explicit_euler(&blowup, (0.0, 100.0), &mut y, &fixed(0.1)).unwrap_err();
    match err {
        SolverError::NonFiniteState { step, t } => {
            assert!(step > 5);
            assert_relative_eq!(t, (step - 1) as f64 * 0.1, epsilon = 1e-12);
        }
        other => panic!("{other:?}"),
    }
    let mut y = vec![1.0];
    let err = dopri5(&blowup, (0.0, 2.0), &mut y, &Dopri5Params::default()).unwrap_err();
    assert!(
        matches!(
            err,
            SolverError::StepSizeUnderflow { .. }
                | SolverError::NonFiniteState { .. }
                | SolverError::MaxStepsExceeded { .. }
        ),
        "{err:?}"
    );
    let SolverError::StepSizeUnderflow { t, .. } = err else {
        panic!("expected a step-size underflow near the singularity, got {err:?}")
    };
    assert!((t - 1.0).abs() < 1e-3, "stopped at t = {t}");

    let mut wrong = vec![0.0; 3];
    assert!(matches!(
        rk4(&oscillator(), (0.0, 0.1), &mut wrong, &fixed(0.1)),
        Err(SolverError::DimensionMismatch(_))
    ));
    let mut y = vec![1.0, 0.0];
    assert!(matches!(
        rk4(&oscillator(), (0.0, 0.1), &mut y, &fixed(-0.1)),
        Err(SolverError::InvalidParameter { name: "dt", .. })
    ));
    assert!(matches!(
        dopri5(&oscillator(), (2.0, 1.0), &mut y, &Dopri5Params::default()),
        Err(SolverError::InvalidParameter { .. })
    ));
    let mut nan = vec![f64::NAN, 0.0];
    assert_eq!(
        rk4(&oscillator(), (0.0, 0.1), &mut nan, &fixed(0.1)).unwrap_err(),
        SolverError::NonFiniteInput { what: "y0" }
    );
}
