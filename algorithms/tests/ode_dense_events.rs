//! Dense output and events of the adaptive integrators, against closed forms: output at any
//! times without changing the steps, the interpolant's accuracy and order, zero crossings of
//! a harmonic oscillator at kπ, a bouncing ball restarted after each terminal event, two
//! events inside one step, direction filters.

use std::f64::consts::PI;
use std::ops::ControlFlow;

use rvf::prelude::*;
use rvf_algorithms::ode::{
    dopri5, dopri5_events, dopri5_in, sample_at, Direction, Dopri5Params, Event, FnSystem,
};
use rvf_algorithms::{SolverError, Termination};

fn oscillator() -> FnSystem<impl Fn(f64, &[f64], &mut [f64])> {
    FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = -y[0];
    })
}

/// A 40-state chain of decays with different rates: y_i' = −(1 + i/10)·y_i + y_{i−1}.
fn chain() -> FnSystem<impl Fn(f64, &[f64], &mut [f64])> {
    FnSystem::new(40, |_t: f64, y: &[f64], dy: &mut [f64]| {
        for i in 0..y.len() {
            let feed = if i > 0 { y[i - 1] } else { 0.0 };
            dy[i] = -(1.0 + i as f64 / 10.0) * y[i] + feed;
        }
    })
}

#[test]
fn output_times_do_not_change_the_steps_or_the_final_state() {
    let params = Dopri5Params {
        dense_output: true,
        rel_tol: 1e-8,
        ..Default::default()
    };
    let plain = Dopri5Params {
        dense_output: false,
        ..params
    };
    let y0: Vec<f64> = (0..40).map(|i| 1.0 / (1.0 + i as f64)).collect();
    let mut reference = y0.clone();
    let r0 = dopri5(&chain(), (0.0, 10.0), &mut reference, &plain).unwrap();
    let arena = MemoryArena::new(0);
    let mut last = Vec::new();
    for count in [1usize, 100, 10_000] {
        let times: Vec<f64> = (1..=count)
            .map(|k| 10.0 * k as f64 / count as f64)
            .collect();
        let mut buffer = vec![0.0; 40];
        let mut seen = 0;
        let mut y = y0.clone();
        let monitor = sample_at(&times, &mut buffer, |_, _| {
            seen += 1;
            ControlFlow::Continue(())
        });
        let r = dopri5_in(&chain(), (0.0, 10.0), &mut y, &params, &arena, monitor).unwrap();
        assert_eq!(seen, count);
        assert_eq!(
            (r.steps, r.rejected, r.evaluations),
            (r0.steps, r0.rejected, r0.evaluations)
        );
        assert_eq!(y, reference, "{count} output times");
        last = y;
    }
    assert_eq!(last, reference);
}

#[test]
fn the_interpolant_is_accurate_between_steps_and_of_high_order() {
    // At rtol 1e-10 the interpolated oscillator follows cos t between the steps.
    let params = Dopri5Params {
        dense_output: true,
        rel_tol: 1e-10,
        abs_tol: 1e-12,
        ..Default::default()
    };
    let times: Vec<f64> = (0..=1000).map(|k| k as f64 * 0.01).collect();
    let mut buffer = vec![0.0; 2];
    let mut worst: f64 = 0.0;
    let mut y = vec![1.0, 0.0];
    let monitor = sample_at(&times, &mut buffer, |t, v: &Vec<f64>| {
        worst = worst
            .max((v[0] - t.cos()).abs())
            .max((v[1] + t.sin()).abs());
        ControlFlow::Continue(())
    });
    dopri5_in(
        &oscillator(),
        (0.0, 10.0),
        &mut y,
        &params,
        &MemoryArena::new(0),
        monitor,
    )
    .unwrap();
    assert!(worst < 1e-8, "worst interpolation error {worst:e}");

    // With forced equal steps (a loose tolerance, a step limit), halving the step divides
    // the largest error between the steps by about 2⁴–2⁵.
    let error_with = |h: f64| {
        let p = Dopri5Params {
            dense_output: true,
            rel_tol: 1.0,
            abs_tol: 1.0,
            initial_step: Some(h),
            max_step: Some(h),
            ..Default::default()
        };
        let times: Vec<f64> = (0..=400).map(|k| k as f64 * 0.005 + 0.0013).collect();
        let mut buffer = vec![0.0; 2];
        let mut worst: f64 = 0.0;
        let mut y = vec![1.0, 0.0];
        let monitor = sample_at(&times, &mut buffer, |t, v: &Vec<f64>| {
            worst = worst.max((v[0] - t.cos()).abs());
            ControlFlow::Continue(())
        });
        let r = dopri5_in(
            &oscillator(),
            (0.0, 2.1),
            &mut y,
            &p,
            &MemoryArena::new(0),
            monitor,
        )
        .unwrap();
        assert_eq!(r.rejected, 0);
        worst
    };
    let (coarse, fine) = (error_with(0.2), error_with(0.1));
    let order = (coarse / fine).log2();
    assert!(
        order > 3.8,
        "observed order {order:.2} ({coarse:e} → {fine:e})"
    );
}

#[test]
fn oscillator_zero_crossings_are_found_at_k_pi() {
    let params = Dopri5Params {
        rel_tol: 1e-12,
        abs_tol: 1e-14,
        ..Default::default()
    };
    let g = |_t: f64, y: &[f64]| y[0];
    let events = [Event::new(&g)];
    let mut y = vec![0.0, 1.0]; // sin t
    let r = dopri5_events(&oscillator(), (0.0, 20.0), &mut y, &params, &events).unwrap();
    assert_eq!(r.termination, Termination::ReachedEnd);
    // The start is a zero and is not reported; π … 6π are.
    assert_eq!(r.events.len(), 6);
    for (k, hit) in r.events.iter().enumerate() {
        let exact = (k + 1) as f64 * PI;
        assert!(
            (hit.t - exact).abs() < 1e-10,
            "crossing {k}: {} vs {exact}",
            hit.t
        );
        assert!(hit.y[0].abs() < 1e-10);
        assert_eq!(hit.event, 0);
    }
    // Rising crossings only: sin t rises through zero at 2π, 4π, 6π.
    let rising = [Event::new(&g).direction(Direction::Rising)];
    let mut y = vec![0.0, 1.0];
    let r = dopri5_events(&oscillator(), (0.0, 20.0), &mut y, &params, &rising).unwrap();
    let times: Vec<f64> = r.events.iter().map(|h| h.t / PI).collect();
    assert_eq!(times.len(), 3);
    for (k, t) in times.iter().enumerate() {
        assert!((t - 2.0 * (k + 1) as f64).abs() < 1e-9, "{times:?}");
    }
}

#[test]
fn a_bouncing_ball_restarted_after_each_terminal_event_bounces_on_time() {
    // Dropped from h0 = 10 m, restitution e = 0.8: the first impact at t1 = √(2h0/g), then
    // each flight lasts 2·e^k·v1/g with v1 = g·t1.
    let (g, e, h0) = (9.81, 0.8, 10.0);
    let fall = FnSystem::new(2, move |_t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = -g;
    });
    let ground = |_t: f64, y: &[f64]| y[0];
    let events = [Event::new(&ground).direction(Direction::Falling).terminal()];
    let params = Dopri5Params {
        rel_tol: 1e-10,
        abs_tol: 1e-12,
        ..Default::default()
    };
    let (mut t, mut y) = (0.0, vec![h0, 0.0]);
    let t1 = (2.0 * h0 / g).sqrt();
    let mut exact = t1;
    for bounce in 0..6 {
        let r = dopri5_events(&fall, (t, 100.0), &mut y, &params, &events).unwrap();
        assert_eq!(r.termination, Termination::TerminalEvent);
        assert!(
            (r.t - exact).abs() < 1e-9,
            "bounce {bounce}: {} vs {exact}",
            r.t
        );
        assert!(y[0].abs() < 1e-9 && y[1] < 0.0);
        // Restart with the velocity reversed and damped.
        t = r.t;
        y[1] *= -e;
        exact += 2.0 * e.powi(bounce + 1) * g * t1 / g;
    }
}

#[test]
fn two_events_inside_one_step_are_both_found_in_order() {
    // y' = 0 takes one step over [0, 1]; g = (t − 0.3)(t − 0.6) changes sign twice in it.
    let still = FnSystem::new(1, |_t: f64, _y: &[f64], dy: &mut [f64]| dy[0] = 0.0);
    let g = |t: f64, _y: &[f64]| (t - 0.3) * (t - 0.6);
    let h = |t: f64, _y: &[f64]| t - 0.45;
    let events = [Event::new(&g), Event::new(&h).direction(Direction::Falling)];
    let params = Dopri5Params {
        max_step: Some(1.0),
        initial_step: Some(1.0),
        ..Default::default()
    };
    let mut y = vec![1.0];
    let r = dopri5_events(&still, (0.0, 1.0), &mut y, &params, &events).unwrap();
    assert_eq!(r.steps, 1);
    // g falls through zero at 0.3 and rises at 0.6; h rises at 0.45, which is filtered out.
    let found: Vec<(usize, f64)> = r.events.iter().map(|e| (e.event, e.t)).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[0].0, found[1].0), (0, 0));
    assert!(
        (found[0].1 - 0.3).abs() < 1e-14 && (found[1].1 - 0.6).abs() < 1e-14,
        "{found:?}"
    );
}

#[test]
fn interpolating_without_dense_output_or_outside_the_step_is_an_error() {
    let mut errors = Vec::new();
    let mut y = vec![1.0, 0.0];
    let mut buffer = vec![0.0; 2];
    dopri5_in(
        &oscillator(),
        (0.0, 1.0),
        &mut y,
        &Dopri5Params::default(),
        &MemoryArena::new(0),
        |p| {
            errors.push(p.interpolate(p.t, &mut buffer).unwrap_err());
            ControlFlow::Break(())
        },
    )
    .unwrap();
    assert!(matches!(errors[0], SolverError::MissingCapability { .. }));
    let params = Dopri5Params {
        dense_output: true,
        ..Default::default()
    };
    let mut y = vec![1.0, 0.0];
    dopri5_in(
        &oscillator(),
        (0.0, 1.0),
        &mut y,
        &params,
        &MemoryArena::new(0),
        |p| {
            errors.push(p.interpolate(p.t + 1.0, &mut buffer).unwrap_err());
            errors.push(p.interpolate(p.t, &mut vec![0.0; 3]).unwrap_err());
            // At the end of the step the interpolant is the state itself.
            p.interpolate(p.t, &mut buffer).unwrap();
            assert_eq!(&buffer, p.y);
            ControlFlow::Break(())
        },
    )
    .unwrap();
    assert!(matches!(errors[1], SolverError::InvalidParameter { .. }));
    assert!(matches!(errors[2], SolverError::DimensionMismatch(_)));
}
