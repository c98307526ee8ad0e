//! Each bundled optimiser on the chained Rosenbrock and the Zakharov functions in 10 and 1000
//! dimensions from their standard starting points: iterations, evaluations, time, and the
//! distance to the known minimiser.
//!
//! ```text
//! cargo run --release --example optimize
//! ```

use std::time::Instant;

use rvf_algorithms::optimize::{
    LbfgsParams, OptimizeReport, ProjectedGradientParams, Rosenbrock, TrustRegionParams, Zakharov,
};
use rvf_algorithms::{SolverError, Workspace};

fn report(
    problem: &str,
    method: &str,
    x: &[f64],
    optimum: f64,
    run: Result<OptimizeReport<f64>, SolverError>,
    seconds: f64,
) {
    match run {
        Ok(r) => {
            let dist = x.iter().fold(0.0_f64, |m, v| m.max((v - optimum).abs()));
            println!(
                "{problem:<17} {method:<22} {:>6} it {:>7} f-evals {:>7} g-evals {:>7} Hv  f = {:>9.2e}  ‖x − x*‖∞ = {:>8.1e}  {:>8.1} ms  {:?}",
                r.iterations,
                r.value_evaluations,
                r.gradient_evaluations,
                r.hessian_products,
                r.value,
                dist,
                seconds * 1e3,
                r.termination
            );
        }
        Err(e) => println!("{problem:<17} {method:<22} failed: {e}"),
    }
}

fn main() {
    // One workspace for every run: its arena grows on the first and is reused after.
    let mut ws = Workspace::new();
    for n in [10usize, 1000] {
        let rosen = Rosenbrock { n };
        let zak = Zakharov { n };
        let tr = TrustRegionParams {
            max_iter: 20_000,
            ..Default::default()
        };
        let lb = LbfgsParams {
            max_iter: 20_000,
            ..Default::default()
        };
        let pg = ProjectedGradientParams {
            max_iter: 20_000,
            abs_tol: 1e-6,
            ..Default::default()
        };
        let (lo, hi) = (vec![-5.0; n], vec![5.0; n]);

        for (name, start, optimum) in [
            (format!("Rosenbrock n={n}"), rosen.start::<f64>(), 1.0),
            (format!("Zakharov n={n}"), zak.start::<f64>(), 0.0),
        ] {
            let is_rosen = name.starts_with("Rosenbrock");
            let mut x = start.clone();
            let t = Instant::now();
            let r = if is_rosen {
                ws.trust_region(&rosen, &mut x, &tr)
            } else {
                ws.trust_region(&zak, &mut x, &tr)
            };
            report(
                &name,
                "trust region (tCG)",
                &x,
                optimum,
                r,
                t.elapsed().as_secs_f64(),
            );
            if !is_rosen {
                let mut x = start.clone();
                let t = Instant::now();
                let r = ws.trust_region_preconditioned(&zak, &mut x, &tr);
                report(
                    &name,
                    "TR + Sherman–Morrison",
                    &x,
                    optimum,
                    r,
                    t.elapsed().as_secs_f64(),
                );
            }
            let mut x = start.clone();
            let t = Instant::now();
            let r = if is_rosen {
                ws.lbfgs(&rosen, &mut x, &lb)
            } else {
                ws.lbfgs(&zak, &mut x, &lb)
            };
            report(
                &name,
                "L-BFGS (m = 10)",
                &x,
                optimum,
                r,
                t.elapsed().as_secs_f64(),
            );
            let mut x = start.clone();
            let t = Instant::now();
            let r = if is_rosen {
                ws.projected_gradient(&rosen, &mut x, &lo, &hi, &pg)
            } else {
                ws.projected_gradient(&zak, &mut x, &lo, &hi, &pg)
            };
            report(
                &name,
                "projected gradient",
                &x,
                optimum,
                r,
                t.elapsed().as_secs_f64(),
            );
        }
    }
    println!("workspace arena: {}", ws.statistics());
}
