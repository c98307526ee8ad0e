//! Statistics and final states of rvf's BDF and Rodas4 on the classic stiff problems, one
//! line each, for `scripts/compare_scipy_stiff.py` (which runs SciPy's BDF and Radau on the
//! same problems at the same tolerances and prints everything side by side).
//!
//! `cargo run --release --features full --example stiff_comparison`

use rvf_algorithms::ode::{
    bdf, rodas4, BdfParams, Hires, OdeSystem, Robertson, Rodas4Params, VanDerPol,
};

fn run<F: OdeSystem<f64>>(name: &str, system: &F, y0: &[f64], t1: f64, rtol: f64, atol: f64) {
    let bdf_params = BdfParams {
        rel_tol: rtol,
        abs_tol: atol,
        ..Default::default()
    };
    let rodas4_params = Rodas4Params {
        rel_tol: rtol,
        abs_tol: atol,
        ..Default::default()
    };
    for method in ["bdf", "rodas4"] {
        let mut y = y0.to_vec();
        let r = if method == "bdf" {
            bdf(system, (0.0, t1), &mut y, &bdf_params)
        } else {
            rodas4(system, (0.0, t1), &mut y, &rodas4_params)
        }
        .expect(method);
        let state: Vec<String> = y.iter().map(|v| format!("{v:.16e}")).collect();
        println!(
            "{name} {method} {} {} {} {} {}",
            r.steps,
            r.evaluations,
            r.jacobian_evaluations,
            r.lu_decompositions,
            state.join(" ")
        );
    }
}

fn main() {
    println!("problem method steps nfev njev nlu y…");
    let robertson = Robertson::initial_state::<f64>();
    run("robertson_1e5", &Robertson, &robertson, 1e5, 1e-6, 1e-10);
    run("robertson_1e11", &Robertson, &robertson, 1e11, 1e-6, 1e-10);
    let vdp = VanDerPol { mu: 1000.0 };
    run(
        "vanderpol_1000",
        &vdp,
        &VanDerPol::<f64>::initial_state(),
        2.0,
        1e-6,
        1e-6,
    );
    run(
        "hires",
        &Hires,
        &Hires::initial_state::<f64>(),
        Hires::END,
        1e-6,
        1e-10,
    );
}
