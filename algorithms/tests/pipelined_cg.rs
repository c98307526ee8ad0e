//! Pipelined (Chronopoulos–Gear) CG against plain CG — the same method in exact arithmetic —
//! and against residuals recomputed with a product written here; identical iterates on every
//! vector type and under `Par::Rayon`; errors that say where.
// Reference computations are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]

use std::ops::ControlFlow;

use rvf::prelude::*;
#[cfg(all(feature = "nalgebra", feature = "ndarray", feature = "rayon"))]
use rvf::Par;
use rvf_algorithms::linear::{
    cg, pcg, pipelined_cg, pipelined_cg_in, pipelined_pcg, CgParams, FnOperator, Jacobi,
    LinearOperator, Poisson2d,
};
use rvf_algorithms::{SolverError, Termination};

/// `‖b − A·x‖` for the 5-point Laplacian on an `n × n` grid, written out here.
fn poisson_residual(n: usize, x: &[f64], b: &[f64]) -> f64 {
    let h2 = ((n + 1) * (n + 1)) as f64;
    let mut sum = 0.0;
    for j in 0..n {
        for i in 0..n {
            let k = j * n + i;
            let at = |ii: isize, jj: isize| -> f64 {
                if ii < 0 || jj < 0 || ii >= n as isize || jj >= n as isize {
                    0.0
                } else {
                    x[jj as usize * n + ii as usize]
                }
            };
            let (ii, jj) = (i as isize, j as isize);
            let ax = h2
                * (4.0 * x[k] - at(ii - 1, jj) - at(ii + 1, jj) - at(ii, jj - 1) - at(ii, jj + 1));
            sum += (b[k] - ax) * (b[k] - ax);
        }
    }
    sum.sqrt()
}

fn rhs(len: usize) -> Vec<f64> {
    (0..len)
        .map(|k| 1.0 + ((k * 37) % 11) as f64 * 0.3)
        .collect()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|e| e * e).sum::<f64>().sqrt()
}

#[test]
fn pipelined_cg_follows_plain_cg_and_meets_an_independent_residual() {
    let n = 48;
    let a = Poisson2d::<f64>::new(n, n);
    let b = rhs(n * n);
    let params = CgParams {
        rel_tol: 1e-10,
        record_history: true,
        ..Default::default()
    };
    let (mut x, mut x_cg) = (vec![0.0; n * n], vec![0.0; n * n]);
    let r = pipelined_cg(&a, &b, &mut x, &params).unwrap();
    let r_cg = cg(&a, &b, &mut x_cg, &params).unwrap();
    assert_eq!(r.termination, Termination::Converged);
    assert!(
        r.iterations.abs_diff(r_cg.iterations) <= 1,
        "{} vs {}",
        r.iterations,
        r_cg.iterations
    );
    // The residual histories agree to rounding while the residual is well above it.
    for (k, (p, q)) in r.history.iter().zip(&r_cg.history).enumerate().take(60) {
        assert!((p - q).abs() <= 1e-8 * q, "iteration {k}: {p} vs {q}");
    }
    let tol = 1e-10 * norm(&b);
    assert!(poisson_residual(n, &x, &b) <= tol * 1.001);
    let diff = x
        .iter()
        .zip(&x_cg)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    let scale = x_cg.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!(diff <= 1e-8 * scale, "{diff} vs {scale}");
}

#[test]
fn preconditioned_pipelined_cg_follows_pcg_on_a_badly_scaled_problem() {
    // D·A·D with D = diag(1 … 100): Jacobi undoes the scaling.
    let n = 30;
    let a = Poisson2d::<f64>::new(n, n);
    let d: Vec<f64> = (0..n * n)
        .map(|k| 1.0 + 99.0 * (k % 17) as f64 / 16.0)
        .collect();
    let scaled = FnOperator::square(n * n, |x: &[f64], y: &mut [f64]| {
        let dx: Vec<f64> = x.iter().zip(&d).map(|(p, q)| p * q).collect();
        a.apply(&dx, y);
        for (yi, di) in y.iter_mut().zip(&d) {
            *yi *= di;
        }
    });
    let diag: Vec<f64> = a
        .diagonal()
        .unwrap()
        .iter()
        .zip(&d)
        .map(|(p, q)| p * q * q)
        .collect();
    let m = Jacobi::new(&diag).unwrap();
    let b = rhs(n * n);
    let params = CgParams {
        rel_tol: 1e-9,
        ..Default::default()
    };
    let (mut x, mut x_p) = (vec![0.0; n * n], vec![0.0; n * n]);
    let r = pipelined_pcg(&scaled, &m, &b, &mut x, &params).unwrap();
    let r_p = pcg(&scaled, &m, &b, &mut x_p, &params).unwrap();
    assert!(
        r.iterations.abs_diff(r_p.iterations) <= 1,
        "{} vs {}",
        r.iterations,
        r_p.iterations
    );
    let mut plain = vec![0.0; n * n];
    let r_plain = pipelined_cg(
        &scaled,
        &b,
        &mut plain,
        &CgParams {
            max_iter: 100_000,
            ..params
        },
    )
    .unwrap();
    assert!(
        r.iterations * 2 < r_plain.iterations,
        "Jacobi helps: {} vs {}",
        r.iterations,
        r_plain.iterations
    );
    // The residual, recomputed.
    let mut ax = vec![0.0; n * n];
    scaled.apply(&x, &mut ax);
    let res: Vec<f64> = b.iter().zip(&ax).map(|(p, q)| p - q).collect();
    assert!(norm(&res) <= 1e-9 * norm(&b) * 1.001);
}

#[cfg(all(feature = "nalgebra", feature = "ndarray", feature = "rayon"))]
#[test]
fn every_vector_type_and_par_gives_the_same_iterates_bitwise() {
    let n = 20;
    let a = Poisson2d::<f64>::new(n, n);
    let m = Jacobi::from_operator(&a).unwrap();
    let b = rhs(n * n);
    let params = |par| CgParams {
        rel_tol: 1e-10,
        par,
        ..Default::default()
    };
    let run = |par: Par| {
        let mut out = Vec::new();
        let mut x = vec![0.0; n * n];
        pipelined_cg(&a, &b, &mut x, &params(par)).unwrap();
        out.push(x);
        let mut x = vec![0.0; n * n];
        pipelined_pcg(&a, &m, &b, &mut x, &params(par)).unwrap();
        out.push(x);
        let bn = nalgebra::DVector::from_vec(b.clone());
        let mut x = nalgebra::DVector::zeros(n * n);
        pipelined_cg(&a, &bn, &mut x, &params(par)).unwrap();
        out.push(x.as_slice().to_vec());
        let ba = ndarray::Array1::from(b.clone());
        let mut x = ndarray::Array1::zeros(n * n);
        pipelined_pcg(&a, &m, &ba, &mut x, &params(par)).unwrap();
        out.push(x.to_vec());
        // Strided b and x: the unfused path.
        let spread: ndarray::Array1<f64> = b.iter().flat_map(|&e| [e, f64::NAN]).collect();
        let bs = spread.slice(ndarray::s![..;2]);
        let mut xs_backing = ndarray::Array1::<f64>::zeros(2 * n * n);
        let mut xs = xs_backing.slice_mut(ndarray::s![..;2]);
        pipelined_cg(&a, &bs, &mut xs, &params(par)).unwrap();
        out.push(xs.to_vec());
        let mut xs_backing2 = ndarray::Array1::<f64>::zeros(2 * n * n);
        let mut xs = xs_backing2.slice_mut(ndarray::s![..;2]);
        pipelined_pcg(&a, &m, &bs, &mut xs, &params(par)).unwrap();
        out.push(xs.to_vec());
        out
    };
    let seq = run(Par::Seq);
    assert_eq!(seq[2], seq[0]);
    assert_eq!(seq[3], seq[1]);
    assert_eq!(seq[4], seq[0]);
    assert_eq!(seq[5], seq[1]);
    assert_eq!(run(Par::Rayon), seq);
}

#[test]
fn bad_inputs_and_limits_are_errors_that_say_where() {
    let a = Poisson2d::<f64>::new(10, 10);
    let b = rhs(100);
    let mut x = vec![0.0; 100];
    let e = pipelined_cg(
        &a,
        &b,
        &mut x,
        &CgParams {
            max_iter: 5,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(e, SolverError::NotConverged { iterations: 5, .. }),
        "{e}"
    );
    let e = pipelined_cg(&a, &b, &mut vec![0.0; 99], &CgParams::default()).unwrap_err();
    assert!(matches!(e, SolverError::DimensionMismatch { .. }), "{e}");
    let mut nan = b.clone();
    nan[3] = f64::NAN;
    let e = pipelined_cg(&a, &nan, &mut x, &CgParams::default()).unwrap_err();
    assert!(
        matches!(e, SolverError::NonFiniteInput { what: "b" }),
        "{e}"
    );
    // −A is negative definite: pᵀAp < 0 at once.
    let neg = FnOperator::square(100, |x: &[f64], y: &mut [f64]| {
        a.apply(x, y);
        y.iter_mut().for_each(|v| *v = -*v);
    });
    let e = pipelined_cg(&neg, &b, &mut vec![0.0; 100], &CgParams::default()).unwrap_err();
    assert!(
        matches!(
            e,
            SolverError::Breakdown {
                iteration: 1,
                quantity: "pᵀAp",
                ..
            }
        ),
        "{e}"
    );
    // A monitor stops the solve where it says.
    let arena = MemoryArena::new(0);
    let mut seen = 0;
    let r = pipelined_cg_in(
        &a,
        &b,
        &mut vec![0.0; 100],
        &CgParams::default(),
        &arena,
        |p| {
            seen += 1;
            if p.iteration == 4 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(
        (r.termination, r.iterations, seen),
        (Termination::StoppedByMonitor, 4, 4)
    );
}
