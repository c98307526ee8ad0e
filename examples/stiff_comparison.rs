//! Statistics and final states of rvf's BDF (dense LU, matrix-free Newton–Krylov, and
//! ILU(0)-preconditioned GMRES on the sparse Jacobian where the problem gives one) and
//! Rodas4 on the classic stiff problems and the 1-D Brusselator, one line each, for
//! `scripts/compare_scipy_stiff.py` (which runs SciPy's BDF and Radau on the same problems at
//! the same tolerances and prints everything side by side).
//!
//! `cargo run --release --features full --example stiff_comparison`

use rvf_algorithms::ode::{
    bdf, rodas4, BdfParams, Brusselator, Hires, NewtonLinearSolver, OdeSystem, Robertson,
    Rodas4Params, VanDerPol,
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
    let gmres_params = BdfParams {
        linear_solver: NewtonLinearSolver::gmres(),
        ..bdf_params
    };
    let ilu0_params = BdfParams {
        linear_solver: NewtonLinearSolver::sparse_ilu0(),
        ..bdf_params
    };
    for method in ["bdf", "bdf_gmres", "bdf_ilu0", "rodas4"] {
        if method == "bdf_gmres" && name == "robertson_1e11" {
            // Without a preconditioner the difference products lose the Newton systems'
            // accuracy once h·‖J‖ reaches ~10¹⁴: 12 343 steps and 9·10⁶ GMRES iterations.
            continue;
        }
        if method == "bdf_ilu0" && system.jacobian_pattern().is_none() {
            continue; // no sparse Jacobian
        }
        let mut y = y0.to_vec();
        let r = match method {
            "bdf" => bdf(system, (0.0, t1), &mut y, &bdf_params),
            "bdf_gmres" => bdf(system, (0.0, t1), &mut y, &gmres_params),
            "bdf_ilu0" => bdf(system, (0.0, t1), &mut y, &ilu0_params),
            _ => rodas4(system, (0.0, t1), &mut y, &rodas4_params),
        }
        .expect(method);
        let state: Vec<String> = y.iter().map(|v| format!("{v:.16e}")).collect();
        println!(
            "{name} {method} {} {} {} {} {} {}",
            r.steps,
            r.evaluations,
            r.jacobian_evaluations,
            r.lu_decompositions,
            r.linear_iterations,
            state.join(" ")
        );
    }
}

fn main() {
    println!("problem method steps nfev njev nlu linear_iterations y…");
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
    let brusselator = Brusselator { n: 500 };
    run(
        "brusselator_500",
        &brusselator,
        &brusselator.initial_state::<f64>(),
        10.0,
        1e-6,
        1e-10,
    );
}
