//! The integrators on a non-stiff 2000-state linear chain `y'ᵢ = −yᵢ + ½·yᵢ₊₁` (cyclic), side
//! by side in one run:
//!
//! - `rk4`: 1000 fixed steps to t = 1 by rvf's `rk4` (arena stages), a hand-written RK4 loop
//!   over preallocated `Vec`s (the limit), and `ode_solvers::Rk4` on a `DVector`;
//! - `dopri5`: t = 0 … 10 at rtol 1e-6, atol 1e-9 by rvf's `dopri5` and `ode_solvers::Dopri5`
//!   (sparse output: the end state only); the step counts are printed, so equal work is seen;
//!   and rvf's with its continuous extension sampled at 10 000 times (the same steps);
//! - `dop853`: at rtol 1e-10 (atol 1e-12), the chain to t = 10 and ten orbits of Kepler's
//!   problem (e = 0.5, 4 states), by rvf's `dop853`, `ode_solvers::Dop853` (sparse output;
//!   `SVector` for Kepler) and rvf's `dopri5` at the same tolerances; steps, evaluations and
//!   errors are printed;
//! - `stiff`: BDF and Rodas4 on Robertson to t = 10¹¹ and HIRES at rtol 1e-6, time per
//!   solve, statistics printed;
//! - `brusselator_200`: the 1-D Brusselator (400 unknowns) by BDF with dense LU, by
//!   matrix-free BDF (GMRES), by BDF with the sparse Jacobian (ILU(0)-GMRES) and by Rodas4.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::ops::ControlFlow;

use rvf_algorithms::ode::{
    dopri5_in, sample_at, BdfParams, Brusselator, Dop853Params, Dopri5Params, FixedStepParams,
    FnSystem, Hires, NewtonLinearSolver, OdeSystem, Robertson, Rodas4Params,
};
use rvf_algorithms::Workspace;

const N: usize = 2000;
const STEPS: usize = 1000;

fn chain(y: &[f64], dy: &mut [f64]) {
    let n = y.len();
    for i in 0..n {
        dy[i] = -y[i] + 0.5 * y[(i + 1) % n];
    }
}

fn start() -> Vec<f64> {
    (0..N).map(|i| 1.0 + (i % 17) as f64 * 0.1).collect()
}

/// RK4 over preallocated vectors: no allocation, plain loops.
fn hand_rk4(y: &mut [f64], h: f64, steps: usize) {
    let n = y.len();
    let (mut k1, mut k2, mut k3, mut k4, mut s) = (
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
    );
    for _ in 0..steps {
        chain(y, &mut k1);
        for i in 0..n {
            s[i] = y[i] + 0.5 * h * k1[i];
        }
        chain(&s, &mut k2);
        for i in 0..n {
            s[i] = y[i] + 0.5 * h * k2[i];
        }
        chain(&s, &mut k3);
        for i in 0..n {
            s[i] = y[i] + h * k3[i];
        }
        chain(&s, &mut k4);
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * (k2[i] + k3[i]) + k4[i]);
        }
    }
}

struct OdeSolversChain;

impl ode_solvers::System<f64, ode_solvers::DVector<f64>> for OdeSolversChain {
    fn system(&self, _t: f64, y: &ode_solvers::DVector<f64>, dy: &mut ode_solvers::DVector<f64>) {
        chain(y.as_slice(), dy.as_mut_slice());
    }
}

fn bench_rk4(c: &mut Criterion) {
    let system = FnSystem::new(N, |_t: f64, y: &[f64], dy: &mut [f64]| chain(y, dy));
    let params = FixedStepParams {
        dt: 1.0 / STEPS as f64,
        ..Default::default()
    };
    // Equal work: the three end states agree.
    let mut a = start();
    Workspace::new()
        .rk4(&system, (0.0, 1.0), &mut a, &params)
        .unwrap();
    let mut b = start();
    hand_rk4(&mut b, 1.0 / STEPS as f64, STEPS);
    let diff = a
        .iter()
        .zip(&b)
        .fold(0.0_f64, |m, (p, q)| m.max((p - q).abs()));
    assert!(
        diff < 1e-12,
        "rvf and the hand-written RK4 differ by {diff:e}"
    );

    let mut group = c.benchmark_group("ode/rk4_chain_2000x1000");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(STEPS as u64));
    let mut workspace = Workspace::new();
    group.bench_function("rvf", |bench| {
        bench.iter(|| {
            let mut y = start();
            workspace.rk4(&system, (0.0, 1.0), &mut y, &params).unwrap();
            black_box(y)
        })
    });
    group.bench_function("hand_written", |bench| {
        bench.iter(|| {
            let mut y = start();
            hand_rk4(&mut y, 1.0 / STEPS as f64, STEPS);
            black_box(y)
        })
    });
    group.bench_function("ode_solvers", |bench| {
        bench.iter(|| {
            let y0 = ode_solvers::DVector::from_vec(start());
            let mut s = ode_solvers::Rk4::new(OdeSolversChain, 0.0, y0, 1.0, 1.0 / STEPS as f64);
            s.integrate().unwrap();
            black_box(s.y_out().last().cloned())
        })
    });
    group.finish();
}

fn bench_dopri5(c: &mut Criterion) {
    let system = FnSystem::new(N, |_t: f64, y: &[f64], dy: &mut [f64]| chain(y, dy));
    let params = Dopri5Params {
        rel_tol: 1e-6,
        abs_tol: 1e-9,
        ..Default::default()
    };
    let mut y = start();
    let r = Workspace::new()
        .dopri5(&system, (0.0, 10.0), &mut y, &params)
        .unwrap();
    let mut s = ode_solvers::Dopri5::from_param(
        OdeSolversChain,
        0.0,
        10.0,
        10.0,
        ode_solvers::DVector::from_vec(start()),
        1e-6,
        1e-9,
        0.9,
        0.04,
        0.2,
        10.0,
        10.0,
        0.0,
        100_000,
        1000,
        ode_solvers::OutputType::Sparse,
    );
    let stats = s.integrate().unwrap();
    println!(
        "dopri5 on the chain to t = 10: rvf {} steps ({} rejected, {} evaluations), \
         ode_solvers {} steps ({} rejected, {} evaluations)",
        r.steps,
        r.rejected,
        r.evaluations,
        stats.accepted_steps,
        stats.rejected_steps,
        stats.num_eval
    );

    let mut group = c.benchmark_group("ode/dopri5_chain_2000_to_10");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    let mut workspace = Workspace::new();
    group.bench_function("rvf", |bench| {
        bench.iter(|| {
            let mut y = start();
            workspace
                .dopri5(&system, (0.0, 10.0), &mut y, &params)
                .unwrap();
            black_box(y)
        })
    });
    // The same steps with the continuous extension sampled at 10 000 output times.
    let dense = Dopri5Params {
        dense_output: true,
        ..params
    };
    let times: Vec<f64> = (1..=10_000).map(|k| k as f64 * 1e-3).collect();
    let mut buffer = vec![0.0; N];
    group.bench_function("rvf_dense_10000_outputs", |bench| {
        bench.iter(|| {
            let mut y = start();
            let mut sum = 0.0;
            let monitor = sample_at(&times, &mut buffer, |_, v: &Vec<f64>| {
                sum += v[0];
                ControlFlow::Continue(())
            });
            dopri5_in(
                &system,
                (0.0, 10.0),
                &mut y,
                &dense,
                workspace.arena(),
                monitor,
            )
            .unwrap();
            black_box((y, sum))
        })
    });
    group.bench_function("ode_solvers", |bench| {
        bench.iter(|| {
            let mut s = ode_solvers::Dopri5::new(
                OdeSolversChain,
                0.0,
                10.0,
                10.0,
                ode_solvers::DVector::from_vec(start()),
                1e-6,
                1e-9,
            );
            s.integrate().unwrap();
            black_box(s.y_out().last().cloned())
        })
    });
    group.finish();
}

/// Kepler's problem `q'' = −q/|q|³` with eccentricity 0.5 from its pericentre: after whole
/// periods (2π) the state is the start again.
fn kepler(y: &[f64], dy: &mut [f64]) {
    let r3 = (y[0] * y[0] + y[1] * y[1]).powf(1.5);
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = -y[0] / r3;
    dy[3] = -y[1] / r3;
}

const KEPLER_START: [f64; 4] = [0.5, 0.0, 0.0, 1.7320508075688772];
const KEPLER_END: f64 = 20.0 * std::f64::consts::PI;

struct OdeSolversKepler;

impl ode_solvers::System<f64, ode_solvers::Vector4<f64>> for OdeSolversKepler {
    fn system(&self, _t: f64, y: &ode_solvers::Vector4<f64>, dy: &mut ode_solvers::Vector4<f64>) {
        kepler(y.as_slice(), dy.as_mut_slice());
    }
}

/// DOP853 beside `ode_solvers::Dop853` (Hairer's method and controller too, with his
/// default parameters and sparse output: no dense-output stages) and beside rvf's
/// Dormand–Prince 5(4) at the same tolerances.
fn bench_dop853(c: &mut Criterion) {
    let (rtol, atol) = (1e-10, 1e-12);
    let params = Dop853Params {
        rel_tol: rtol,
        abs_tol: atol,
        ..Default::default()
    };
    let chain_system = FnSystem::new(N, |_t: f64, y: &[f64], dy: &mut [f64]| chain(y, dy));
    let kepler_system = FnSystem::new(4, |_t: f64, y: &[f64], dy: &mut [f64]| kepler(y, dy));
    let ode_solvers_chain = || {
        ode_solvers::Dop853::from_param(
            OdeSolversChain,
            0.0,
            10.0,
            10.0,
            ode_solvers::DVector::from_vec(start()),
            rtol,
            atol,
            0.9,
            0.0,
            0.333,
            6.0,
            10.0,
            0.0,
            100_000,
            1000,
            ode_solvers::OutputType::Sparse,
        )
    };
    let ode_solvers_kepler = || {
        ode_solvers::Dop853::from_param(
            OdeSolversKepler,
            0.0,
            KEPLER_END,
            KEPLER_END,
            ode_solvers::Vector4::from_column_slice(&KEPLER_START),
            rtol,
            atol,
            0.9,
            0.0,
            0.333,
            6.0,
            KEPLER_END,
            0.0,
            100_000,
            1000,
            ode_solvers::OutputType::Sparse,
        )
    };

    let mut workspace = Workspace::new();
    let mut y = start();
    let r8 = workspace
        .dop853(&chain_system, (0.0, 10.0), &mut y, &params)
        .unwrap();
    let mut y = start();
    let r5 = workspace
        .dopri5(&chain_system, (0.0, 10.0), &mut y, &params)
        .unwrap();
    let mut s = ode_solvers_chain();
    let os = s.integrate().unwrap();
    println!(
        "chain to t = 10 at rtol 1e-10: rvf dop853 {} steps ({} rejected, {} evaluations), \
         ode_solvers Dop853 {} steps ({} rejected, {} evaluations), rvf dopri5 {} steps \
         ({} evaluations)",
        r8.steps,
        r8.rejected,
        r8.evaluations,
        os.accepted_steps,
        os.rejected_steps,
        os.num_eval,
        r5.steps,
        r5.evaluations
    );
    let error = |y: &[f64]| {
        y.iter()
            .zip(KEPLER_START)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    let mut y = KEPLER_START.to_vec();
    let r8 = workspace
        .dop853(&kepler_system, (0.0, KEPLER_END), &mut y, &params)
        .unwrap();
    let e8 = error(&y);
    let mut y = KEPLER_START.to_vec();
    let r5 = workspace
        .dopri5(&kepler_system, (0.0, KEPLER_END), &mut y, &params)
        .unwrap();
    let e5 = error(&y);
    let mut s = ode_solvers_kepler();
    let os = s.integrate().unwrap();
    let eo = error(s.y_out().last().unwrap().as_slice());
    println!(
        "Kepler, ten orbits at rtol 1e-10: rvf dop853 {} steps ({} evaluations, error {e8:.1e}), \
         ode_solvers Dop853 {} steps ({} evaluations, error {eo:.1e}), rvf dopri5 {} steps \
         ({} evaluations, error {e5:.1e})",
        r8.steps, r8.evaluations, os.accepted_steps, os.num_eval, r5.steps, r5.evaluations
    );

    let mut group = c.benchmark_group("ode/dop853_chain_2000_to_10");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("rvf_dop853", |bench| {
        bench.iter(|| {
            let mut y = start();
            workspace
                .dop853(&chain_system, (0.0, 10.0), &mut y, &params)
                .unwrap();
            black_box(y)
        })
    });
    group.bench_function("ode_solvers_dop853", |bench| {
        bench.iter(|| {
            let mut s = ode_solvers_chain();
            s.integrate().unwrap();
            black_box(s.y_out().last().cloned())
        })
    });
    group.bench_function("rvf_dopri5", |bench| {
        bench.iter(|| {
            let mut y = start();
            workspace
                .dopri5(&chain_system, (0.0, 10.0), &mut y, &params)
                .unwrap();
            black_box(y)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("ode/dop853_kepler_10_orbits");
    group.sample_size(30);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("rvf_dop853", |bench| {
        bench.iter(|| {
            let mut y = KEPLER_START;
            workspace
                .dop853(&kepler_system, (0.0, KEPLER_END), &mut y, &params)
                .unwrap();
            black_box(y)
        })
    });
    group.bench_function("ode_solvers_dop853", |bench| {
        bench.iter(|| {
            let mut s = ode_solvers_kepler();
            s.integrate().unwrap();
            black_box(s.y_out().last().cloned())
        })
    });
    group.bench_function("rvf_dopri5", |bench| {
        bench.iter(|| {
            let mut y = KEPLER_START;
            workspace
                .dopri5(&kepler_system, (0.0, KEPLER_END), &mut y, &params)
                .unwrap();
            black_box(y)
        })
    });
    group.finish();
}

/// BDF on the stiff test problems: time per solve, with the statistics printed (SciPy's BDF
/// takes the same steps: `scripts/compare_scipy_stiff.py`).
fn bench_stiff(c: &mut Criterion) {
    let mut group = c.benchmark_group("ode/stiff");
    group.sample_size(30);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    let bdf_params = BdfParams {
        rel_tol: 1e-6,
        abs_tol: 1e-10,
        ..Default::default()
    };
    let rodas4_params = Rodas4Params {
        rel_tol: 1e-6,
        abs_tol: 1e-10,
        ..Default::default()
    };
    let mut workspace = Workspace::new();
    let robertson = Robertson::initial_state::<f64>();
    let hires = Hires::initial_state::<f64>();
    type Problem<'a> = (&'a str, &'a dyn OdeSystem<f64>, &'a [f64], f64);
    let problems: [Problem<'_>; 2] = [
        ("robertson_to_1e11", &Robertson, &robertson, 1e11),
        ("hires", &Hires, &hires, Hires::END),
    ];
    for (name, system, y0, t1) in problems {
        for method in ["bdf", "rodas4"] {
            let mut solve = |y: &mut Vec<f64>| {
                if method == "bdf" {
                    workspace.bdf(&system, (0.0, t1), y, &bdf_params)
                } else {
                    workspace.rodas4(&system, (0.0, t1), y, &rodas4_params)
                }
                .unwrap()
            };
            let mut y = y0.to_vec();
            let r = solve(&mut y);
            println!(
                "{method} {name}: {} steps, {} f, {} J, {} LU",
                r.steps, r.evaluations, r.jacobian_evaluations, r.lu_decompositions
            );
            group.bench_function(format!("{method}_{name}"), |bench| {
                bench.iter(|| {
                    let mut y = y0.to_vec();
                    solve(&mut y);
                    black_box(y)
                })
            });
        }
    }
    group.finish();
}

/// The 1-D Brusselator with 200 points (400 unknowns, t = 0 … 10, rtol 1e-6): BDF with dense
/// LU factors (the analytic Jacobian), BDF matrix-free (GMRES, differenced products), BDF
/// with the sparse Jacobian and ILU(0)-preconditioned GMRES, and Rodas4.
fn bench_brusselator(c: &mut Criterion) {
    let mut group = c.benchmark_group("ode/brusselator_200");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    let b = Brusselator { n: 200 };
    let y0 = b.initial_state::<f64>();
    let dense = BdfParams {
        rel_tol: 1e-6,
        abs_tol: 1e-10,
        ..Default::default()
    };
    let matrix_free = BdfParams {
        linear_solver: NewtonLinearSolver::gmres(),
        ..dense
    };
    let sparse = BdfParams {
        linear_solver: NewtonLinearSolver::sparse_ilu0(),
        ..dense
    };
    let rodas4_params = Rodas4Params {
        rel_tol: 1e-6,
        abs_tol: 1e-10,
        ..Default::default()
    };
    let mut workspace = Workspace::new();
    for method in ["bdf_dense_lu", "bdf_gmres", "bdf_sparse_ilu0", "rodas4"] {
        let mut solve = |y: &mut Vec<f64>| {
            match method {
                "bdf_dense_lu" => workspace.bdf(&b, (0.0, 10.0), y, &dense),
                "bdf_gmres" => workspace.bdf(&b, (0.0, 10.0), y, &matrix_free),
                "bdf_sparse_ilu0" => workspace.bdf(&b, (0.0, 10.0), y, &sparse),
                _ => workspace.rodas4(&b, (0.0, 10.0), y, &rodas4_params),
            }
            .unwrap()
        };
        let mut y = y0.clone();
        let r = solve(&mut y);
        println!(
            "{method} brusselator 200: {} steps, {} f, {} J, {} LU, {} linear iterations",
            r.steps,
            r.evaluations,
            r.jacobian_evaluations,
            r.lu_decompositions,
            r.linear_iterations
        );
        group.bench_function(method, |bench| {
            bench.iter(|| {
                let mut y = y0.clone();
                solve(&mut y);
                black_box(y)
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_rk4,
    bench_dopri5,
    bench_dop853,
    bench_stiff,
    bench_brusselator
);
criterion_main!(benches);
