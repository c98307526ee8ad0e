//! Robertson's chemical kinetics, the classic very stiff problem, by variable-order BDF from
//! t = 0 to t = 10¹¹ with output at 111 times on a logarithmic scale (dense output: the steps
//! do not depend on the output times), checked against the conservation law
//! y₁ + y₂ + y₃ = 1 and a reference state at t = 10¹¹ (SciPy's Radau at rtol 10⁻¹²).
//!
//! ```text
//! cargo run --release --features full --example stiff_chemistry -- [--plot FILE.png]
//! ```
//! `--plot` draws the three concentrations against log t (y₂ scaled by 10⁴, as usual).

use std::ops::ControlFlow;
use std::time::Instant;

use rvf::prelude::*;
use rvf_algorithms::ode::{bdf_in, sample_at, BdfParams, Robertson};

mod support;

fn main() {
    let mut plot = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--plot" {
            plot = Some(args.next().expect("--plot needs a file name"));
        }
    }

    // 10 outputs per decade from 10⁻⁶ to 10¹¹.
    let times: Vec<f64> = (0..=170)
        .map(|k| 10f64.powf(-6.0 + k as f64 / 10.0))
        .collect();
    let params = BdfParams {
        rel_tol: 1e-6,
        abs_tol: 1e-10,
        dense_output: true,
        ..Default::default()
    };
    let arena = MemoryArena::new(0);
    let mut y = Robertson::initial_state::<f64>().to_vec();
    let mut buffer = vec![0.0; 3];
    let mut samples: Vec<(f64, [f64; 3])> = Vec::with_capacity(times.len());
    let start = Instant::now();
    let monitor = sample_at(&times, &mut buffer, |t, v: &Vec<f64>| {
        samples.push((t, [v[0], v[1], v[2]]));
        ControlFlow::Continue(())
    });
    let report = bdf_in(&Robertson, (0.0, 1e11), &mut y, &params, &arena, monitor)
        .expect("BDF on Robertson");
    let elapsed = start.elapsed();

    println!("stiff_chemistry: Robertson's kinetics to t = 1e11 by BDF (rtol 1e-6, atol 1e-10)");
    println!(
        "  {} steps ({} rejected), {} f evaluations, {} Jacobians, {} LU factorisations, \
         {} Newton iterations, {:.2} ms",
        report.steps,
        report.rejected,
        report.evaluations,
        report.jacobian_evaluations,
        report.lu_decompositions,
        report.newton_iterations,
        elapsed.as_secs_f64() * 1e3
    );
    println!("  {:>10}  {:>12}  {:>12}  {:>12}", "t", "y1", "y2", "y3");
    for (t, v) in samples.iter().step_by(20) {
        println!(
            "  {t:10.1e}  {:12.5e}  {:12.5e}  {:12.5e}",
            v[0], v[1], v[2]
        );
    }
    let worst_mass = samples
        .iter()
        .map(|(_, v)| (v.iter().sum::<f64>() - 1.0).abs())
        .fold(0.0, f64::max);
    let reference = [
        2.083_340_149_700_335e-8,
        8.333_360_770_330_937e-14,
        0.999_999_979_166_516_3,
    ];
    let error = y
        .iter()
        .zip(reference)
        .map(|(v, r)| (v - r).abs() / (1e-4 + r.abs()))
        .fold(0.0, f64::max);
    println!("  largest |y1 + y2 + y3 − 1| over the outputs: {worst_mass:.1e}");
    println!("  at t = 1e11 against the reference: largest relative error {error:.1e}");
    assert!(worst_mass < 1e-12 && error < 1e-5, "check failed");

    if let Some(path) = plot {
        use support::plot::{line_plot, Scale, Series};
        let curve = |k: usize, scale: f64| -> Vec<(f64, f64)> {
            samples.iter().map(|(t, v)| (*t, v[k] * scale)).collect()
        };
        let (a, b, c) = (curve(0, 1.0), curve(1, 1e4), curve(2, 1.0));
        line_plot(
            &path,
            &[
                Series {
                    label: "y1",
                    points: &a,
                },
                Series {
                    label: "1e4 * y2",
                    points: &b,
                },
                Series {
                    label: "y3",
                    points: &c,
                },
            ],
            (Scale::Log, Scale::Linear),
            "Robertson kinetics by BDF",
            ("t", "concentration"),
        )
        .expect("writing the plot");
        println!("  plot written to {path}");
    }
}
