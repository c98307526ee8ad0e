//! BDF on the classic stiff problems against independent references (SciPy's Radau at
//! rtol 1e-12, `scripts/compare_scipy_stiff.py`), against SciPy's BDF statistics at the same
//! tolerances, conservation laws, measured orders, dense output, and its errors.
#![cfg(feature = "faer")]
// The references are printed to 17 digits by the comparison script; kept as printed.
#![allow(clippy::excessive_precision)]

use std::ops::ControlFlow;

use rvf::prelude::*;
use rvf_algorithms::ode::{
    bdf, bdf_events_in, bdf_in, sample_at, BdfParams, Event, FnSystem, Hires, OdeSystem, Robertson,
    VanDerPol,
};
use rvf_algorithms::{SolverError, Termination};

/// Max over components of |y − ref| / (atol/rtol + |ref|): the error measured as the
/// comparison script measures it.
fn error(y: &[f64], reference: &[f64], rtol: f64, atol: f64) -> f64 {
    y.iter()
        .zip(reference)
        .map(|(v, r)| (v - r).abs() / (atol / rtol + r.abs()))
        .fold(0.0, f64::max)
}

struct Case {
    t1: f64,
    rtol: f64,
    atol: f64,
    reference: &'static [f64],
    /// SciPy 1.17's BDF at the same tolerances: nfev + njev, and its error.
    scipy_evaluations: usize,
    scipy_error: f64,
}

fn check<F: OdeSystem<f64>>(name: &str, system: &F, y0: &[f64], case: Case) -> Vec<f64> {
    let mut y = y0.to_vec();
    let params = BdfParams {
        rel_tol: case.rtol,
        abs_tol: case.atol,
        ..Default::default()
    };
    let r = bdf(system, (0.0, case.t1), &mut y, &params).unwrap();
    assert_eq!(r.termination, Termination::ReachedEnd);
    assert_eq!(r.t, case.t1);
    let e = error(&y, case.reference, case.rtol, case.atol);
    let evaluations = r.evaluations + r.jacobian_evaluations;
    println!(
        "{name}: {} steps, {} f, {} J, {} LU, {} Newton; error {e:.2e} (SciPy BDF: {} f+J, {:.2e})",
        r.steps,
        r.evaluations,
        r.jacobian_evaluations,
        r.lu_decompositions,
        r.newton_iterations,
        case.scipy_evaluations,
        case.scipy_error
    );
    assert!(e <= 1.05 * case.scipy_error, "{name}: error {e:e}");
    assert!(
        evaluations <= case.scipy_evaluations,
        "{name}: {evaluations} evaluations against SciPy's {}",
        case.scipy_evaluations
    );
    y
}

#[test]
fn robertson_to_1e5_and_1e11_matches_the_reference_and_conserves_mass() {
    let y0 = Robertson::initial_state::<f64>();
    for (t1, reference, scipy_evaluations, scipy_error) in [
        (
            1e5,
            &[
                1.7865921142100186e-02,
                7.2747514684366141e-08,
                9.8213400611038559e-01,
            ][..],
            904,
            6.15e-6,
        ),
        (
            1e11,
            &[
                2.0833401497003349e-08,
                8.3333607703309367e-14,
                9.9999997916651628e-01,
            ][..],
            1843,
            5.04e-7,
        ),
    ] {
        let case = Case {
            t1,
            rtol: 1e-6,
            atol: 1e-10,
            reference,
            scipy_evaluations,
            scipy_error,
        };
        let y = check("robertson", &Robertson, &y0, case);
        // y₁ + y₂ + y₃ = 1 is a linear invariant: BDF and its Newton iteration keep it to
        // rounding.
        assert!((y.iter().sum::<f64>() - 1.0).abs() < 1e-13);
    }
}

#[test]
fn van_der_pol_with_mu_1000_matches_the_reference() {
    let case = Case {
        t1: 2.0,
        rtol: 1e-6,
        atol: 1e-6,
        reference: &[1.7061674345671691e+00, -8.9281001973822760e-01],
        scipy_evaluations: 3643,
        scipy_error: 9.91e-6,
    };
    check(
        "vdp",
        &VanDerPol { mu: 1000.0 },
        &VanDerPol::<f64>::initial_state(),
        case,
    );
}

#[test]
fn hires_matches_the_reference() {
    let case = Case {
        t1: Hires::END,
        rtol: 1e-6,
        atol: 1e-10,
        reference: &[
            7.3713125733255059e-04,
            1.4424857263161528e-04,
            5.8887297409672777e-05,
            1.1756513432831183e-03,
            2.3863561988308659e-03,
            6.2389682527413939e-03,
            2.8499983951854146e-03,
            2.8500016048145838e-03,
        ],
        scipy_evaluations: 936,
        scipy_error: 8.48e-6,
    };
    check("hires", &Hires, &Hires::initial_state::<f64>(), case);
}

/// y' = −y + sin t + cos t, y(0) = 1: the solution is e^{−t} + sin t.
fn smooth() -> FnSystem<impl Fn(f64, &[f64], &mut [f64])> {
    FnSystem::new(1, |t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = -y[0] + t.sin() + t.cos()
    })
}

#[test]
fn each_fixed_maximum_order_shows_its_order() {
    // Error against steps over a range of tolerances: a method of order k needs N ∝ e^{−1/k}
    // steps for a global error e, so log e / log N has slope −k.
    let mut previous = 0.0;
    for k in 1..=5 {
        let mut points = Vec::new();
        // Order 1 needs h ∝ tol^(1/2): stop at 1e-6 to stay within 10⁵ steps.
        let tolerances: &[f64] = if k == 1 {
            &[1e-3, 1e-4, 1e-5, 1e-6]
        } else {
            &[1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
        };
        for &tol in tolerances {
            let params = BdfParams {
                rel_tol: tol,
                abs_tol: tol,
                max_order: k,
                ndf: false,
                ..Default::default()
            };
            let mut y = vec![1.0];
            // The largest error over all step ends (the error at one time can cancel by
            // chance).
            let mut worst: f64 = 0.0;
            let arena = MemoryArena::new(0);
            let r = bdf_in(&smooth(), (0.0, 10.0), &mut y, &params, &arena, |p| {
                worst = worst.max((p.y[0] - ((-p.t).exp() + p.t.sin())).abs());
                ControlFlow::Continue(())
            })
            .unwrap();
            points.push(((r.steps as f64).ln(), worst.ln()));
        }
        // Least-squares slope.
        let m = points.len() as f64;
        let (sx, sy) = points
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1));
        let (mx, my) = (sx / m, sy / m);
        let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
            / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
        println!("max order {k}: observed order {:.2}", -slope);
        // Variable steps blur the measure (the start-up steps at low orders weigh more at
        // loose tolerances): observed 1.01, 2.00, 3.14, 4.50, 5.62.
        assert!(
            (-slope - k as f64).abs() < 0.7,
            "max order {k}: observed order {:.2}",
            -slope
        );
        assert!(-slope > previous, "orders increase with the maximum order");
        previous = -slope;
    }
}

#[test]
fn the_interpolating_polynomial_gives_dense_output_without_changing_steps() {
    let params = BdfParams {
        dense_output: true,
        rel_tol: 1e-8,
        abs_tol: 1e-10,
        ..Default::default()
    };
    let times: Vec<f64> = (0..=500).map(|k| k as f64 * 0.02).collect();
    let mut buffer = vec![0.0];
    let mut worst: f64 = 0.0;
    let mut y = vec![1.0];
    let arena = MemoryArena::new(0);
    let monitor = sample_at(&times, &mut buffer, |t, v: &Vec<f64>| {
        worst = worst.max((v[0] - ((-t).exp() + t.sin())).abs());
        ControlFlow::Continue(())
    });
    let r = bdf_in(&smooth(), (0.0, 10.0), &mut y, &params, &arena, monitor).unwrap();
    assert!(worst < 1e-6, "worst {worst:e}");
    let mut plain = vec![1.0];
    let r2 = bdf(
        &smooth(),
        (0.0, 10.0),
        &mut plain,
        &BdfParams {
            dense_output: false,
            ..params
        },
    )
    .unwrap();
    assert_eq!((r.steps, y), (r2.steps, plain));
}

#[test]
fn a_terminal_event_stops_bdf_where_robertsons_product_reaches_one_half() {
    // y₃ crosses 1/2 once; the crossing time, recomputed on a fine second run, must agree.
    let half = |_t: f64, y: &[f64]| y[2] - 0.5;
    let events = [Event::new(&half).terminal()];
    let params = BdfParams {
        rel_tol: 1e-8,
        abs_tol: 1e-12,
        ..Default::default()
    };
    let arena = MemoryArena::new(0);
    let mut y = Robertson::initial_state::<f64>().to_vec();
    let r = bdf_events_in(
        &Robertson,
        (0.0, 1e5),
        &mut y,
        &params,
        &events,
        &arena,
        |_| ControlFlow::Continue(()),
    )
    .unwrap();
    assert_eq!(r.termination, Termination::TerminalEvent);
    assert!((y[2] - 0.5).abs() < 1e-7, "{y:?}");
    // Integrating to the event time again gives the same state.
    let mut again = Robertson::initial_state::<f64>().to_vec();
    bdf(&Robertson, (0.0, r.t), &mut again, &params).unwrap();
    assert!((again[2] - 0.5).abs() < 1e-6, "{again:?} at {}", r.t);
}

#[test]
fn failures_are_errors_that_say_where() {
    let mut y = vec![1.0];
    let e = bdf(
        &smooth(),
        (0.0, 1.0),
        &mut y,
        &BdfParams {
            max_order: 6,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            SolverError::InvalidParameter {
                name: "max_order",
                ..
            }
        ),
        "{e}"
    );
    // The right-hand side becomes NaN past t = 1: Newton cannot converge at any step size.
    let blows_up = FnSystem::new(1, |t: f64, y: &[f64], dy: &mut [f64]| {
        dy[0] = if t > 1.0 { f64::NAN } else { -y[0] };
    });
    let mut y = vec![1.0];
    let e = bdf(&blows_up, (0.0, 2.0), &mut y, &BdfParams::default()).unwrap_err();
    match e {
        SolverError::NewtonFailed { t, .. } => assert!((t - 1.0).abs() < 1e-6, "{e}"),
        other => panic!("{other}"),
    }
    let e = bdf(
        &Robertson,
        (0.0, 1.0),
        &mut vec![1.0; 2],
        &BdfParams::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SolverError::DimensionMismatch(_)), "{e}");
}
