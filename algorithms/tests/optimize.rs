//! Optimisers against known optima, the trust-region guarantee, Sherman–Morrison against
//! dense solves, and the error cases.

use approx::assert_relative_eq;
use proptest::prelude::*;
use rvf::prelude::*;
use rvf::DenseMatrix;
use rvf_algorithms::linear::{Identity, Jacobi, LinearOperator};
use rvf_algorithms::optimize::{
    identity_plus_rank_one_solve, lbfgs, projected_gradient, truncated_cg, trust_region,
    trust_region_preconditioned, ConvexQuadratic, FnObjective, HessianPreconditioner,
    HessianVector, Hs1, LbfgsParams, Objective, ProjectedGradientParams, Rosenbrock,
    ShermanMorrison, TruncatedCgParams, TrustRegionParams, Zakharov,
};
use rvf_algorithms::{SolverError, Termination};

fn max_dev(x: &[f64], target: f64) -> f64 {
    x.iter().fold(0.0_f64, |m, v| m.max((v - target).abs()))
}

#[test]
fn trust_region_reaches_the_known_optima() {
    for n in [2usize, 10, 100] {
        let f = Rosenbrock { n };
        let mut x = f.start::<f64>();
        let r = trust_region(&f, &mut x, &TrustRegionParams::default()).unwrap();
        println!(
            "TR Rosenbrock n={n}: {} iterations, {} Hv, f = {:.2e}",
            r.iterations, r.hessian_products, r.value
        );
        assert_eq!(r.termination, Termination::Converged);
        assert!(max_dev(&x, 1.0) < 1e-7);
        assert!(r.value < 1e-14);
    }
    for n in [10usize, 100] {
        let f = Zakharov { n };
        let mut x = f.start::<f64>();
        let plain = trust_region(&f, &mut x, &TrustRegionParams::default()).unwrap();
        assert!(max_dev(&x, 0.0) < 1e-7);
        let mut x = f.start::<f64>();
        let pre = trust_region_preconditioned(&f, &mut x, &TrustRegionParams::default()).unwrap();
        assert!(max_dev(&x, 0.0) < 1e-7);
        println!(
            "TR Zakharov n={n}: {} iterations / {} Hv plain, {} iterations / {} Hv with the Sherman–Morrison preconditioner",
            plain.iterations, plain.hessian_products, pre.iterations, pre.hessian_products
        );
        // With the exact inverse Hessian as preconditioner, each subproblem takes one CG
        // step: the truncated CG step is the Newton step (or its cut at the boundary).
        assert!(pre.hessian_products <= pre.iterations);
    }
    let q = ConvexQuadratic::new(50);
    let mut x = vec![0.0; 50];
    let r = trust_region(
        &q,
        &mut x,
        &TrustRegionParams {
            abs_tol: 1e-9,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.termination, Termination::Converged);
    for (a, b) in x.iter().zip(q.solution()) {
        assert_relative_eq!(*a, b, epsilon = 1e-10);
    }
}

#[test]
fn lbfgs_reaches_the_known_optima() {
    for n in [2usize, 10, 100, 1000] {
        let f = Rosenbrock { n };
        let mut x = f.start::<f64>();
        let r = lbfgs(
            &f,
            &mut x,
            &LbfgsParams {
                max_iter: 5000,
                ..Default::default()
            },
        )
        .unwrap();
        println!(
            "L-BFGS Rosenbrock n={n}: {} iterations, {} evaluations",
            r.iterations, r.value_evaluations
        );
        assert_eq!(r.termination, Termination::Converged);
        assert!(max_dev(&x, 1.0) < 1e-6);
    }
    for n in [10usize, 100] {
        let f = Zakharov { n };
        let mut x = f.start::<f64>();
        let r = lbfgs(
            &f,
            &mut x,
            &LbfgsParams {
                max_iter: 5000,
                ..Default::default()
            },
        )
        .unwrap();
        println!("L-BFGS Zakharov n={n}: {} iterations", r.iterations);
        assert_eq!(r.termination, Termination::Converged);
        assert!(max_dev(&x, 0.0) < 1e-7);
    }
    let q = ConvexQuadratic::new(50);
    let mut x = vec![0.0; 50];
    // ‖g‖ ≤ 1e-6 (1e-7 relative to the start): the error is at most ‖g‖/λ_min ≈ 1e-7.
    let r = lbfgs(
        &q,
        &mut x,
        &LbfgsParams {
            abs_tol: 1e-6,
            max_iter: 5000,
            ..Default::default()
        },
    )
    .unwrap();
    println!("L-BFGS convex quadratic n=50: {} iterations", r.iterations);
    assert_eq!(r.termination, Termination::Converged);
    for (a, b) in x.iter().zip(q.solution()) {
        assert_relative_eq!(*a, b, epsilon = 2e-7);
    }
}

#[test]
fn projected_gradient_solves_bound_constrained_problems() {
    let hs1 = Hs1;
    let mut x = hs1.start::<f64>();
    let params = ProjectedGradientParams {
        abs_tol: 1e-7,
        max_iter: 100_000,
        ..Default::default()
    };
    let r = projected_gradient(
        &hs1,
        &mut x,
        &hs1.lower::<f64>(),
        &hs1.upper::<f64>(),
        &params,
    )
    .unwrap();
    println!("PG HS1: {} iterations, f = {:.2e}", r.iterations, r.value);
    assert_eq!(r.termination, Termination::Converged);
    assert!(max_dev(&x, 1.0) < 1e-5);
    assert!(x[1] >= -1.5);

    // Active bounds: min Σ (xᵢ − i)² over [0, 2]ⁿ is x = clamp(i, 0, 2).
    let n = 6;
    let f = FnObjective::new(
        n,
        |x: &[f64]| {
            x.iter()
                .enumerate()
                .map(|(i, v)| (v - i as f64).powi(2))
                .sum()
        },
        |x: &[f64], g: &mut [f64]| {
            for i in 0..x.len() {
                g[i] = 2.0 * (x[i] - i as f64);
            }
        },
    );
    let mut x = vec![1.0; n];
    let r = projected_gradient(
        &f,
        &mut x,
        &vec![0.0; n],
        &vec![2.0; n],
        &ProjectedGradientParams::default(),
    )
    .unwrap();
    assert_eq!(r.termination, Termination::Converged);
    assert_eq!(x, [0.0, 1.0, 2.0, 2.0, 2.0, 2.0]);

    // Zakharov in a box that contains the optimum.
    let z = Zakharov { n: 10 };
    let mut x = z.start::<f64>();
    let r = projected_gradient(&z, &mut x, &vec![-5.0; 10], &vec![5.0; 10], &params).unwrap();
    println!("PG Zakharov n=10: {} iterations", r.iterations);
    assert!(max_dev(&x, 0.0) < 1e-6);
}

#[test]
fn invalid_bounds_and_bad_objectives_are_reported() {
    let f = Rosenbrock { n: 2 };
    let mut x = vec![0.0, 0.0];
    let e = projected_gradient(
        &f,
        &mut x,
        &vec![0.0, 1.0],
        &vec![1.0, 0.0],
        &ProjectedGradientParams::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, SolverError::InvalidParameter { name: "bounds", value, .. } if value == 1.0)
    );

    // An objective that is NaN away from the start: the first accepted step must not be NaN.
    let nan_far = FnObjective::new(
        1,
        |x: &[f64]| {
            if x[0] > 0.5 {
                f64::NAN
            } else {
                (x[0] - 1.0).powi(2)
            }
        },
        |x: &[f64], g: &mut [f64]| g[0] = 2.0 * (x[0] - 1.0),
    );
    // The minimiser x = 1 lies beyond the NaN region: the line search must fail cleanly and
    // leave x at the last accepted point, whose value the error reports.
    let mut x = vec![0.0];
    let err = lbfgs(&nan_far, &mut x, &LbfgsParams::default()).unwrap_err();
    match err {
        SolverError::LineSearchFailed { value, .. } => {
            assert!(x[0] <= 0.5 && x[0] > 0.0, "x = {x:?}");
            assert_eq!(value, (x[0] - 1.0).powi(2));
        }
        other => panic!("expected a line-search failure, got {other:?}"),
    }

    // A gradient with the wrong sign: no descent along −g, so the line search fails and x
    // stays at the last accepted point (the start).
    let wrong = FnObjective::new(
        2,
        |x: &[f64]| x[0] * x[0] + x[1] * x[1],
        |x: &[f64], g: &mut [f64]| {
            g[0] = -2.0 * x[0];
            g[1] = -2.0 * x[1];
        },
    );
    let mut x = vec![1.0, -1.0];
    let err = lbfgs(&wrong, &mut x, &LbfgsParams::default()).unwrap_err();
    assert!(
        matches!(err, SolverError::LineSearchFailed { iteration: 1, value } if value == 2.0),
        "{err:?}"
    );
    assert_eq!(x, [1.0, -1.0]);

    let nan_start = FnObjective::new(
        1,
        |_: &[f64]| f64::NAN,
        |_: &[f64], g: &mut [f64]| g[0] = 0.0,
    );
    let mut x = vec![0.0];
    assert_eq!(
        trust_region_like(&nan_start, &mut x),
        SolverError::NonFiniteObjective { iteration: 0 }
    );
}

fn trust_region_like<F: Objective<f64>>(f: &F, x: &mut Vec<f64>) -> SolverError {
    lbfgs(f, x, &LbfgsParams::default()).unwrap_err()
}

#[test]
fn iteration_limits_are_errors_that_say_where_the_optimiser_stopped() {
    let f = Rosenbrock { n: 10 };
    let mut x = f.start::<f64>();
    let params = LbfgsParams {
        max_iter: 3,
        ..Default::default()
    };
    let e = lbfgs(&f, &mut x, &params).unwrap_err();
    let SolverError::NotConverged {
        iterations,
        residual,
        tolerance,
    } = e
    else {
        panic!("expected NotConverged, got {e:?}");
    };
    assert_eq!((iterations, tolerance), (3, 1e-8));
    // The residual is the gradient norm at the point left in x.
    let mut g = vec![0.0; 10];
    f.gradient(&x, &mut g);
    assert_relative_eq!(residual, g.l2norm(), max_relative = 1e-12);
    assert_ne!(x, f.start::<f64>());
    let mut x = f.start::<f64>();
    let params = TrustRegionParams {
        max_iter: 2,
        ..Default::default()
    };
    let e = trust_region(&f, &mut x, &params).unwrap_err();
    assert!(
        matches!(e, SolverError::NotConverged { iterations: 2, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("after 2 iterations"));
}

#[test]
fn monitors_see_every_iteration_and_can_stop_each_optimiser() {
    use rvf_algorithms::optimize::{lbfgs_in, projected_gradient_in, trust_region_in};
    use std::ops::ControlFlow;
    let arena = MemoryArena::new(0);
    let f = Rosenbrock { n: 6 };
    let stop_at_4 = |seen: &mut Vec<(usize, f64)>, k: usize, v: f64| {
        seen.push((k, v));
        if k == 4 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    for which in 0..3 {
        let mut x = f.start::<f64>();
        let mut seen = Vec::new();
        let r = match which {
            0 => lbfgs_in(&f, &mut x, &LbfgsParams::default(), &arena, |p| {
                stop_at_4(&mut seen, p.iteration, p.value)
            }),
            1 => trust_region_in(&f, &mut x, &TrustRegionParams::default(), &arena, |p| {
                stop_at_4(&mut seen, p.iteration, p.value)
            }),
            _ => {
                let (lo, hi) = (vec![-5.0; 6], vec![5.0; 6]);
                let params = ProjectedGradientParams::default();
                projected_gradient_in(&f, &mut x, &lo, &hi, &params, &arena, |p| {
                    stop_at_4(&mut seen, p.iteration, p.value)
                })
            }
        }
        .unwrap();
        assert_eq!(
            r.termination,
            Termination::StoppedByMonitor,
            "optimiser {which}"
        );
        assert_eq!(r.iterations, 4);
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
        // The monitor saw the value at the point returned.
        assert_eq!(seen[3].1, r.value);
        assert_eq!(f.value(&x), r.value);
    }
}

#[test]
fn zakharov_preconditioner_is_the_exact_inverse_hessian() {
    let z = Zakharov { n: 7 };
    let x: Vec<f64> = (0..7).map(|i| (i as f64 * 0.7).sin()).collect();
    let v: Vec<f64> = (0..7).map(|i| 1.0 + i as f64).collect();
    let mut hv = vec![0.0; 7];
    z.hessian_vector(&x, &v, &mut hv);
    let mut back = vec![0.0; 7];
    z.precondition(&x, &hv, &mut back);
    for (a, b) in back.iter().zip(&v) {
        assert_relative_eq!(a, b, max_relative = 1e-12);
    }
    // And the Hessian-vector product matches finite differences of the gradient.
    let (mut g1, mut g2) = (vec![0.0; 7], vec![0.0; 7]);
    let eps = 1e-6;
    let xp: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + eps * b).collect();
    let xm: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a - eps * b).collect();
    z.gradient(&xp, &mut g1);
    z.gradient(&xm, &mut g2);
    for i in 0..7 {
        assert_relative_eq!((g1[i] - g2[i]) / (2.0 * eps), hv[i], max_relative = 1e-6);
    }
    let r = Rosenbrock { n: 5 };
    let x = r.start::<f64>();
    r.hessian_vector(&x, &v[..5], &mut hv[..5]);
    let xp: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + eps * b).collect();
    let xm: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a - eps * b).collect();
    r.gradient(&xp, &mut g1[..5]);
    r.gradient(&xm, &mut g2[..5]);
    for i in 0..5 {
        assert_relative_eq!((g1[i] - g2[i]) / (2.0 * eps), hv[i], max_relative = 1e-5);
    }
}

#[test]
fn sherman_morrison_matches_a_dense_solve_for_several_right_hand_sides() {
    let n = 6;
    // A = diag(1..n), A⁻¹ as a dense operator.
    let a_inv = DenseMatrix::from_fn(n, n, |i, j| if i == j { 1.0 / (i + 1) as f64 } else { 0.0 });
    let u: Vec<f64> = (0..n).map(|i| 0.3 * i as f64 - 0.5).collect();
    let v: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
    let sm = ShermanMorrison::new(&a_inv, &u, &v).unwrap();
    let updated = DenseMatrix::from_fn(
        n,
        n,
        |i, j| if i == j { (i + 1) as f64 } else { 0.0 } + u[i] * v[j],
    );
    for k in 0..3 {
        let b: Vec<f64> = (0..n).map(|i| ((i + k) as f64).cos()).collect();
        let mut x = vec![0.0; n];
        sm.solve(&b, &mut x).unwrap();
        let mut back = vec![0.0; n];
        updated.apply(&x, &mut back);
        for (p, q) in back.iter().zip(&b) {
            assert_relative_eq!(p, q, epsilon = 1e-12);
        }
    }
    // Identity plus rank one.
    let mut x = vec![0.0; n];
    identity_plus_rank_one_solve(&u, &v, &vec![1.0; n], &mut x).unwrap();
    let vx: f64 = v.iter().zip(&x).map(|(a, b)| a * b).sum();
    for i in 0..n {
        assert_relative_eq!(x[i] + u[i] * vx, 1.0, epsilon = 1e-12);
    }
}

#[test]
fn singular_rank_one_updates_are_refused() {
    // 1 + vᵀu = 0: I + u·vᵀ is singular.
    let u = vec![1.0, 0.0];
    let v = vec![-1.0, 0.0];
    let mut x = vec![0.0; 2];
    let e = identity_plus_rank_one_solve(&u, &v, &vec![1.0, 1.0], &mut x).unwrap_err();
    assert!(matches!(
        e,
        SolverError::Breakdown {
            quantity: "1 + vᵀA⁻¹u",
            ..
        }
    ));
    // Nearly so: cancellation to rounding level.
    let v = vec![-1.0 + 1e-17, 0.0];
    assert!(identity_plus_rank_one_solve(&u, &v, &vec![1.0, 1.0], &mut x).is_err());
    let id = DenseMatrix::<f64>::identity(2);
    assert!(ShermanMorrison::new(&id, &u, &vec![-1.0, 0.0]).is_err());
}

fn random_symmetric(n: usize, seed: u64, shift: f64) -> DenseMatrix<f64> {
    let mut s = seed.wrapping_add(0x9E3779B97F4A7C15);
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let b = DenseMatrix::from_fn(n, n, |_, _| next());
    DenseMatrix::from_fn(n, n, |i, j| {
        let mut v = 0.0;
        for k in 0..n {
            v += b.get(i, k) * b.get(j, k);
        }
        v / n as f64 + if i == j { shift } else { 0.0 }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_truncated_cg_step_never_leaves_the_trust_region(
        n in 1usize..12,
        seed in 0u64..10_000,
        shift in -1.0..1.0_f64,
        radius in 1e-3..10.0_f64,
        precondition in any::<bool>(),
    ) {
        // shift < 0 makes many of these indefinite: negative curvature must stop at the boundary.
        let h = random_symmetric(n, seed, shift);
        let g: Vec<f64> = (0..n).map(|i| ((i as u64 * 7 + seed) % 13) as f64 - 6.0).collect();
        let mut s = vec![0.0; n];
        let params = TruncatedCgParams { rel_tol: 1e-10, max_iter: 4 * n, ..Default::default() };
        let r = if precondition {
            let diag: Vec<f64> = (0..n).map(|i| 0.5 + i as f64).collect();
            let m = Jacobi::new(&diag).unwrap();
            let res = truncated_cg(&h, &m, &g, radius, &mut s, &params).unwrap();
            // ‖s‖_M with M = diag.
            let norm_m: f64 = s.iter().zip(&diag).map(|(a, d)| a * a * d).sum::<f64>().sqrt();
            prop_assert!(norm_m <= radius * (1.0 + 1e-9), "M-norm {norm_m} > {radius}");
            prop_assert!((norm_m - res.step_norm).abs() <= 1e-8 * (1.0 + radius));
            res
        } else {
            let res = truncated_cg(&h, &Identity, &g, radius, &mut s, &params).unwrap();
            prop_assert!(s.l2norm() <= radius * (1.0 + 1e-9), "‖s‖ = {} > {radius}", s.l2norm());
            res
        };
        // The model decreases, and the reported reduction is the model's.
        let mut hs = vec![0.0; n];
        h.apply(&s, &mut hs);
        let model = g.inner_product(&s) + 0.5 * s.inner_product(&hs);
        prop_assert!(r.predicted_reduction >= -1e-12);
        prop_assert!((r.predicted_reduction + model).abs() <= 1e-8 * (1.0 + model.abs()));
        if r.termination == Termination::Converged {
            // g + H·s ≈ 0 inside the region.
            let res: f64 = g.iter().zip(&hs).map(|(a, b)| (a + b).powi(2)).sum::<f64>().sqrt();
            prop_assert!(res <= 1e-8 * (1.0 + g.l2norm()));
        }
    }
}
