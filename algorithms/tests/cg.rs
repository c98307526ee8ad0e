//! Conjugate gradient against known answers, bounds and error cases.
// Reference computations are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]

use std::ops::ControlFlow;

use approx::assert_relative_eq;
use rvf::prelude::*;
use rvf::DenseMatrix;
use rvf_algorithms::linear::{
    cg, cg_in, pcg, CgParams, FnOperator, Jacobi, LinearOperator, Poisson1d, Poisson2d,
};
use rvf_algorithms::{SolverError, Termination, Workspace};

/// An independent 5-point residual `b − A·x` on an n×n grid with h = 1/(n+1), written
/// without the library's operator.
fn poisson_residual(n: usize, x: &[f64], b: &[f64]) -> f64 {
    let h2 = 1.0 / ((n + 1) as f64).powi(2);
    let at = |i: isize, j: isize| -> f64 {
        if i < 0 || j < 0 || i >= n as isize || j >= n as isize {
            0.0
        } else {
            x[j as usize * n + i as usize]
        }
    };
    let mut sum = 0.0;
    for j in 0..n as isize {
        for i in 0..n as isize {
            let ax =
                (4.0 * at(i, j) - at(i - 1, j) - at(i + 1, j) - at(i, j - 1) - at(i, j + 1)) / h2;
            let r = b[j as usize * n + i as usize] - ax;
            sum += r * r;
        }
    }
    sum.sqrt()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

#[test]
fn poisson_2d_64x64_reaches_1e_10_by_an_independent_residual() {
    let n = 64;
    let a = Poisson2d::<f64>::new(n, n);
    let h = 1.0 / (n as f64 + 1.0);
    // f = 1 + x·y: not a combination of a few eigenvectors, so CG has real work to do.
    let b: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            1.0 + (i + 1) as f64 * h * (j + 1) as f64 * h
        })
        .collect();
    let mut x = vec![0.0; n * n];
    let res = cg(
        &a,
        &b,
        &mut x,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();
    let independent = poisson_residual(n, &x, &b) / norm(&b);
    println!(
        "64×64 Poisson: {} iterations, relative residual {independent:.3e}",
        res.iterations
    );
    assert_eq!(res.termination, Termination::Converged);
    assert!(independent <= 1e-10, "independent residual {independent:e}");
    assert_relative_eq!(res.relative_residual, independent, max_relative = 1e-6);
    assert!(res.iterations > 50, "a non-trivial solve");
}

#[test]
fn an_eigenmode_right_hand_side_gives_the_analytic_solution_to_second_order() {
    // f = 2π² sin(πx) sin(πy): −Δu = f has u = sin(πx) sin(πy). The grid function is an
    // eigenvector of the discrete operator, so CG needs one iteration, and the discrete
    // solution differs from u by O(h²).
    let pi = std::f64::consts::PI;
    let mut errors = Vec::new();
    for n in [16usize, 32, 64] {
        let h = 1.0 / (n as f64 + 1.0);
        let grid = |k: usize| ((k % n + 1) as f64 * h, (k / n + 1) as f64 * h);
        let b: Vec<f64> = (0..n * n)
            .map(|k| {
                let (x, y) = grid(k);
                2.0 * pi * pi * (pi * x).sin() * (pi * y).sin()
            })
            .collect();
        let mut u = vec![0.0; n * n];
        let a = Poisson2d::<f64>::new(n, n);
        let res = cg(
            &a,
            &b,
            &mut u,
            &CgParams {
                rel_tol: 1e-12,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(res.iterations <= 2);
        let err = (0..n * n)
            .map(|k| {
                let (x, y) = grid(k);
                (u[k] - (pi * x).sin() * (pi * y).sin()).abs()
            })
            .fold(0.0_f64, f64::max);
        errors.push((h, err));
    }
    for w in errors.windows(2) {
        let order = (w[0].1 / w[1].1).ln() / (w[0].0 / w[1].0).ln();
        assert_relative_eq!(order, 2.0, epsilon = 0.05);
    }
}

#[test]
fn iterations_stay_within_the_condition_number_bound() {
    // ‖r_k‖/‖r_0‖ ≤ √κ·‖e_k‖_A/‖e_0‖_A ≤ 2√κ·ρᵏ, ρ = (√κ − 1)/(√κ + 1).
    for n in [16usize, 32, 64] {
        let a = Poisson2d::<f64>::new(n, n);
        let (lo, hi) = a.eigenvalue_bounds();
        let kappa = hi / lo;
        let tol = 1e-8;
        let rho = (kappa.sqrt() - 1.0) / (kappa.sqrt() + 1.0);
        let bound = ((2.0 * kappa.sqrt() / tol).ln() / (1.0 / rho).ln()).ceil() as usize;
        let b: Vec<f64> = (0..n * n).map(|k| ((k * 37) % 11) as f64 - 5.0).collect();
        let mut x = vec![0.0; n * n];
        let res = cg(
            &a,
            &b,
            &mut x,
            &CgParams {
                rel_tol: tol,
                ..Default::default()
            },
        )
        .unwrap();
        println!(
            "n = {n}: κ = {kappa:.1}, {} iterations, bound {bound}",
            res.iterations
        );
        assert!(res.iterations <= bound);
    }
}

#[test]
fn jacobi_pcg_beats_cg_on_a_badly_scaled_matrix() {
    // A = D·T·D with T the 1-D Poisson stencil and D spanning two orders of magnitude.
    let n = 100;
    let d: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(2.0 * i as f64 / n as f64))
        .collect();
    let dense = DenseMatrix::from_fn(n, n, |i, j| {
        let tij = if i == j {
            2.0
        } else if i.abs_diff(j) == 1 {
            -1.0
        } else {
            0.0
        };
        d[i] * tij * d[j]
    });
    let b: Vec<f64> = (0..n).map(|i| (i as f64).sin() + 1.0).collect();
    let params = || CgParams {
        rel_tol: 1e-10,
        max_iter: 50 * n,
        ..Default::default()
    };
    let mut x1 = vec![0.0; n];
    let plain = cg(&dense, &b, &mut x1, &params()).unwrap();
    let m = Jacobi::from_operator(&dense).unwrap();
    let mut x2 = vec![0.0; n];
    let pre = pcg(&dense, &m, &b, &mut x2, &params()).unwrap();
    println!(
        "CG {} iterations, Jacobi-PCG {} iterations",
        plain.iterations, pre.iterations
    );
    assert!(pre.iterations < plain.iterations);
    // Both solve the system: check A·x = b independently.
    for x in [&x1, &x2] {
        let mut r = b.clone();
        for i in 0..n {
            for j in 0..n {
                r[i] -= dense.get(i, j) * x[j];
            }
        }
        assert!(norm(&r) / norm(&b) < 1e-9);
    }
}

#[test]
fn zero_right_hand_side_gives_zero_in_zero_iterations() {
    let a = Poisson1d::<f64>::new(10);
    let mut x = vec![3.0; 10];
    let res = cg(&a, &vec![0.0; 10], &mut x, &CgParams::default()).unwrap();
    assert_eq!(res.iterations, 0);
    assert_eq!(x, vec![0.0; 10]);
}

#[test]
fn not_converged_reports_iterations_and_residual_and_keeps_the_iterate() {
    let a = Poisson1d::<f64>::new(100);
    let b = vec![1.0; 100];
    let mut x = vec![0.0; 100];
    let err = cg(
        &a,
        &b,
        &mut x,
        &CgParams {
            max_iter: 5,
            ..Default::default()
        },
    )
    .unwrap_err();
    match err {
        SolverError::NotConverged {
            iterations,
            residual,
            tolerance,
        } => {
            assert_eq!(iterations, 5);
            // The reported residual is that of the iterate left in x.
            let mut r = vec![0.0; 100];
            a.apply(&x, &mut r);
            r.axpby_in_place(1.0, &b, -1.0);
            assert_relative_eq!(residual, r.l2norm(), max_relative = 1e-8);
            assert_relative_eq!(tolerance, 1e-8 * 10.0, max_relative = 1e-12); // rel_tol·‖b‖
            assert!(x.iter().any(|&v| v != 0.0));
        }
        other => panic!("expected NotConverged, got {other:?}"),
    }
}

#[test]
fn indefinite_operators_break_down() {
    let a = DenseMatrix::from_row_major(2, 2, vec![1.0, 0.0, 0.0, -1.0]).unwrap();
    let mut x = vec![0.0; 2];
    let err = cg(&a, &vec![1.0, 2.0], &mut x, &CgParams::default()).unwrap_err();
    assert!(
        matches!(
            err,
            SolverError::Breakdown {
                quantity: "pᵀAp",
                iteration: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("symmetric positive definite"));
}

#[test]
fn bad_inputs_are_refused_before_iterating() {
    let a = Poisson1d::<f64>::new(4);
    let mut x = vec![0.0; 4];
    let mut nan_b = vec![1.0; 4];
    nan_b[2] = f64::NAN;
    assert_eq!(
        cg(&a, &nan_b, &mut x, &CgParams::default()).unwrap_err(),
        SolverError::NonFiniteInput { what: "b" }
    );
    let mut inf_x = vec![0.0, f64::INFINITY, 0.0, 0.0];
    assert_eq!(
        cg(&a, &vec![1.0; 4], &mut inf_x, &CgParams::default()).unwrap_err(),
        SolverError::NonFiniteInput { what: "x0" }
    );
    let e = cg(&a, &vec![1.0; 5], &mut x, &CgParams::default()).unwrap_err();
    assert!(matches!(e, SolverError::DimensionMismatch(d) if d.expected == 4 && d.found == 5));
    let e = cg(
        &a,
        &vec![1.0; 4],
        &mut x,
        &CgParams {
            rel_tol: -1.0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(
        e,
        SolverError::InvalidParameter {
            name: "rel_tol",
            ..
        }
    ));
    let rect = DenseMatrix::<f64>::zeros(3, 4);
    let e = cg(
        &rect,
        &vec![1.0; 3],
        &mut vec![0.0; 3],
        &CgParams::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SolverError::DimensionMismatch(_)));
    assert!(Jacobi::new(&[1.0, 0.0]).is_err());
    assert!(Jacobi::from_operator(&FnOperator::square(2, |_: &[f64], _: &mut [f64]| {})).is_err());
}

#[test]
fn an_unannotated_monitor_can_stop_early_and_history_is_recorded() {
    let a = Poisson1d::<f64>::new(100);
    let b = vec![1.0; 100];
    let mut x = vec![0.0; 100];
    let mut seen = Vec::new();
    let arena = MemoryArena::new(0);
    let params = CgParams {
        record_history: true,
        ..Default::default()
    };
    // The closure's argument type is inferred, like any closure passed to a function.
    let res = cg_in(&a, &b, &mut x, &params, &arena, |p| {
        seen.push(p.iteration);
        if p.iteration == 7 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(res.termination, Termination::StoppedByMonitor);
    assert_eq!(res.iterations, 7);
    assert_eq!(res.history.len(), 8);
    assert_eq!(res.history[0], 1.0);
    assert_eq!(seen, (1..=7).collect::<Vec<_>>());
}

#[test]
fn boxed_and_borrowed_trait_objects_are_operators_and_preconditioners() {
    let n = 40;
    let a: Box<dyn LinearOperator<f64>> = Box::new(Poisson1d::<f64>::new(n));
    let m_owned = Jacobi::from_operator(&a).unwrap();
    let m: &dyn rvf_algorithms::linear::Preconditioner<f64> = &m_owned;
    let b = vec![1.0; n];
    let (mut x1, mut x2) = (vec![0.0; n], vec![0.0; n]);
    let plain = cg(&Poisson1d::<f64>::new(n), &b, &mut x1, &CgParams::default()).unwrap();
    let dynamic = pcg(&a, m, &b, &mut x2, &CgParams::default()).unwrap();
    // Jacobi on a constant diagonal is a scaling: the same iterates as plain CG.
    assert_eq!(plain.iterations, dynamic.iterations);
    for (p, q) in x1.iter().zip(&x2) {
        assert_relative_eq!(p, q, max_relative = 1e-12);
    }
}

#[test]
fn matrix_free_closure_dense_and_stencil_operators_agree() {
    let n = 30;
    let stencil = Poisson1d::<f64>::new(n);
    let h2 = ((n + 1) as f64).powi(2);
    let closure = FnOperator::square(n, move |x: &[f64], y: &mut [f64]| {
        for i in 0..x.len() {
            let l = if i > 0 { x[i - 1] } else { 0.0 };
            let r = if i + 1 < x.len() { x[i + 1] } else { 0.0 };
            y[i] = h2 * (2.0 * x[i] - l - r);
        }
    });
    let dense = DenseMatrix::from_fn(n, n, |i, j| {
        h2 * if i == j {
            2.0
        } else if i.abs_diff(j) == 1 {
            -1.0
        } else {
            0.0
        }
    });
    let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).cos()).collect();
    let mut xs = Vec::new();
    for which in 0..3 {
        let mut x = vec![0.0; n];
        let p = &CgParams {
            rel_tol: 1e-12,
            ..Default::default()
        };
        match which {
            0 => cg(&stencil, &b, &mut x, p),
            1 => cg(&closure, &b, &mut x, p),
            _ => cg(&dense, &b, &mut x, p),
        }
        .unwrap();
        xs.push(x);
    }
    for x in &xs[1..] {
        for i in 0..n {
            assert_relative_eq!(x[i], xs[0][i], max_relative = 1e-9);
        }
    }
}

#[test]
fn a_reused_workspace_settles_in_one_chunk_after_the_first_solve() {
    let a = Poisson2d::<f64>::new(20, 20);
    let mut workspace = Workspace::new();
    let mut capacities = Vec::new();
    for k in 0..5 {
        let b = vec![k as f64 + 1.0; 400];
        let mut x = vec![0.0; 400];
        workspace.cg(&a, &b, &mut x, &CgParams::default()).unwrap();
        let s = workspace.statistics();
        assert_eq!(s.bytes_allocated, 0);
        capacities.push((s.total_capacity, s.chunks));
    }
    // The first solve grows the arena chunk by chunk; the next replaces the chunks by one,
    // and from then on nothing changes.
    assert!(
        capacities[1..].windows(2).all(|w| w[0] == w[1]),
        "{capacities:?}"
    );
    assert_eq!(capacities[1].1, 1, "{capacities:?}");
}

#[test]
fn f32_solves_converge_with_the_default_parameters() {
    // With an f64 tolerance of 1e-8 this solve stopped at 6.3e-8 with NotConverged.
    let a = Poisson1d::<f32>::new(50);
    let b = vec![1.0_f32; 50];
    let mut x = vec![0.0_f32; 50];
    let r = cg(&a, &b, &mut x, &CgParams::default()).unwrap();
    assert_eq!(r.termination, Termination::Converged);
    let h = 1.0 / 51.0;
    for (i, xi) in x.iter().enumerate() {
        let t = (i + 1) as f32 * h;
        assert!((xi - t * (1.0 - t) / 2.0).abs() < 1e-4);
    }
}

#[test]
fn f32_problems_solve_too() {
    let a = Poisson1d::<f32>::new(20);
    let b = vec![1.0_f32; 20];
    let mut x = vec![0.0_f32; 20];
    let r = cg(
        &a,
        &b,
        &mut x,
        &CgParams {
            rel_tol: 1e-5,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.relative_residual <= 1e-5);
}
