//! GMRES, FGMRES, BiCGSTAB and MINRES against independent answers: residuals recomputed with
//! a product written here, the finite-termination property of full GMRES, MINRES against CG
//! on SPD problems, identical iterates on every vector type, and the error cases.
// Reference computations are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]

use std::ops::ControlFlow;

use approx::assert_relative_eq;
use rvf::ops::{Local, LocalMut};
use rvf::prelude::*;
use rvf::Par;
use rvf_algorithms::linear::{
    bicgstab, bicgstab_in, cg, fgmres, gmres, gmres_in, minres, pbicgstab, pgmres, pminres,
    BicgstabParams, CgParams, ConvectionDiffusion2d, FnOperator, GmresParams, Jacobi,
    LinearOperator, MinresParams, Poisson2d, Preconditioner, SolveReport,
};
use rvf_algorithms::{SolverError, Termination};

/// `b − A·x` for convection–diffusion, from the stencil written out here (not the library's).
fn cd_residual(nx: usize, ny: usize, beta: (f64, f64), x: &[f64], b: &[f64]) -> f64 {
    let (hx, hy) = (1.0 / (nx + 1) as f64, 1.0 / (ny + 1) as f64);
    let at = |i: isize, j: isize| -> f64 {
        if i < 0 || j < 0 || i >= nx as isize || j >= ny as isize {
            0.0
        } else {
            x[j as usize * nx + i as usize]
        }
    };
    let mut sum = 0.0;
    for j in 0..ny as isize {
        for i in 0..nx as isize {
            let lap = (2.0 * at(i, j) - at(i - 1, j) - at(i + 1, j)) / (hx * hx)
                + (2.0 * at(i, j) - at(i, j - 1) - at(i, j + 1)) / (hy * hy);
            let conv = beta.0 * (at(i + 1, j) - at(i - 1, j)) / (2.0 * hx)
                + beta.1 * (at(i, j + 1) - at(i, j - 1)) / (2.0 * hy);
            let r = b[j as usize * nx + i as usize] - (lap + conv);
            sum += r * r;
        }
    }
    sum.sqrt()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

fn rhs(n: usize) -> Vec<f64> {
    (0..n).map(|k| 1.0 + ((k * 7) % 11) as f64 * 0.1).collect()
}

const BETA: (f64, f64) = (40.0, 15.0);

#[test]
fn nonsymmetric_solvers_meet_the_tolerance_on_an_independent_residual() {
    let (nx, ny) = (32, 24);
    let a = ConvectionDiffusion2d::<f64>::new(nx, ny, BETA);
    let b = rhs(nx * ny);
    for (name, solve) in [
        ("gmres(30)", 0),
        ("gmres(10)", 1),
        ("bicgstab", 2),
        ("fgmres(30)", 3),
    ] {
        let mut x = vec![0.0; nx * ny];
        let r = match solve {
            0 => gmres(&a, &b, &mut x, &GmresParams::default()),
            1 => gmres(
                &a,
                &b,
                &mut x,
                &GmresParams {
                    restart: 10,
                    ..Default::default()
                },
            ),
            2 => bicgstab(&a, &b, &mut x, &BicgstabParams::default()),
            _ => fgmres(
                &a,
                &rvf_algorithms::linear::Identity,
                &b,
                &mut x,
                &GmresParams::default(),
            ),
        }
        .unwrap();
        let independent = cd_residual(nx, ny, BETA, &x, &b) / norm(&b);
        println!(
            "{name}: {} iterations, relative residual {independent:.2e}",
            r.iterations
        );
        assert_eq!(r.termination, Termination::Converged);
        assert!(independent <= 1e-8, "{name}: {independent:e}");
        assert_relative_eq!(r.relative_residual, independent, max_relative = 1e-6);
    }
}

#[test]
fn full_gmres_terminates_within_n_iterations() {
    // n = 36 unknowns; restart ≥ n is full GMRES: the exact solution lies in the n-th Krylov
    // space, so n iterations reach rounding level.
    let (nx, ny) = (6, 6);
    let a = ConvectionDiffusion2d::<f64>::new(nx, ny, (60.0, -25.0));
    let b = rhs(36);
    let mut x = vec![0.0; 36];
    let params = GmresParams {
        restart: 100,
        rel_tol: 1e-12,
        ..Default::default()
    };
    let r = gmres(&a, &b, &mut x, &params).unwrap();
    assert!(r.iterations <= 36, "{} iterations", r.iterations);
    assert!(cd_residual(nx, ny, (60.0, -25.0), &x, &b) / norm(&b) <= 1e-12);
}

#[test]
fn minres_takes_cg_iterations_on_spd_problems_and_solves_indefinite_ones() {
    let n = 40;
    let a = Poisson2d::<f64>::new(n, n);
    let b = rhs(n * n);
    let (mut xc, mut xm) = (vec![0.0; n * n], vec![0.0; n * n]);
    let rc = cg(&a, &b, &mut xc, &CgParams::default()).unwrap();
    let rm = minres(&a, &b, &mut xm, &MinresParams::default()).unwrap();
    println!("CG {} iterations, MINRES {}", rc.iterations, rm.iterations);
    // Same Krylov spaces: MINRES minimises ‖r‖ over them, so it never needs more iterations
    // than CG, whose residual oscillates above MINRES's (here by a few iterations' worth).
    assert!(rm.iterations <= rc.iterations);
    assert!(rc.iterations - rm.iterations <= (rc.iterations / 20).max(1));
    for (p, q) in xc.iter().zip(&xm) {
        assert_relative_eq!(p, q, max_relative = 1e-6, epsilon = 1e-9);
    }

    // −Δ − σI with σ between the 10th and 11th eigenvalues: symmetric indefinite.
    let (lo, _) = a.eigenvalue_bounds();
    let sigma = 5.5 * lo;
    let shifted = FnOperator::square(n * n, move |x: &[f64], y: &mut [f64]| {
        a.apply(x, y);
        y.iter_mut().zip(x).for_each(|(yi, xi)| *yi -= sigma * xi);
    });
    let mut x = vec![0.0; n * n];
    let r = minres(&shifted, &b, &mut x, &MinresParams::default()).unwrap();
    let mut ax = vec![0.0; n * n];
    shifted.apply(&x, &mut ax);
    let res = ax
        .iter()
        .zip(&b)
        .map(|(p, q)| (p - q) * (p - q))
        .sum::<f64>()
        .sqrt();
    assert!(res / norm(&b) <= 1e-8);
    assert_relative_eq!(r.residual, res, max_relative = 1e-6);
    // CG is not for indefinite matrices: it breaks down or fails to converge.
    let mut x = vec![0.0; n * n];
    assert!(cg(&shifted, &b, &mut x, &CgParams::default()).is_err());
}

#[test]
fn right_preconditioning_reports_the_true_residual_and_jacobi_helps_a_scaled_problem() {
    // Rows scaled over two orders of magnitude: Jacobi undoes the scaling.
    let (nx, ny) = (24, 24);
    let cd = ConvectionDiffusion2d::<f64>::new(nx, ny, BETA);
    let n = nx * ny;
    let scale: Vec<f64> = (0..n)
        .map(|k| 10f64.powf(2.0 * k as f64 / n as f64))
        .collect();
    let s2 = scale.clone();
    let a = FnOperator::square(n, move |x: &[f64], y: &mut [f64]| {
        cd.apply(x, y);
        y.iter_mut().zip(&s2).for_each(|(yi, s)| *yi *= s);
    });
    let diag: Vec<f64> = scale
        .iter()
        .map(|s| s * cd.diagonal().unwrap()[0])
        .collect();
    let m = Jacobi::new(&diag).unwrap();
    let b = rhs(n);
    for which in 0..2 {
        let (mut x0, mut x1) = (vec![0.0; n], vec![0.0; n]);
        let (plain, pre): (SolveReport<f64>, SolveReport<f64>) = if which == 0 {
            let p = GmresParams::default();
            (
                gmres(&a, &b, &mut x0, &p).unwrap(),
                pgmres(&a, &m, &b, &mut x1, &p).unwrap(),
            )
        } else {
            let p = BicgstabParams::default();
            (
                bicgstab(&a, &b, &mut x0, &p).unwrap(),
                pbicgstab(&a, &m, &b, &mut x1, &p).unwrap(),
            )
        };
        println!(
            "solver {which}: plain {}, Jacobi {}",
            plain.iterations, pre.iterations
        );
        assert!(pre.iterations < plain.iterations);
        let mut ax = vec![0.0; n];
        a.apply(&x1, &mut ax);
        let res = ax
            .iter()
            .zip(&b)
            .map(|(p, q)| (p - q) * (p - q))
            .sum::<f64>()
            .sqrt();
        assert!(res <= 1e-8 * norm(&b));
        assert_relative_eq!(pre.residual, res, max_relative = 1e-6);
    }
}

/// A preconditioner that changes at every application: a few CG iterations on the
/// symmetric part (the Laplacian), with an iteration count that cycles.
struct InnerCg {
    lap: Poisson2d<f64>,
    calls: std::cell::Cell<usize>,
    arena: MemoryArena,
}

impl Preconditioner<f64> for InnerCg {
    fn apply(&self, r: &[f64], z: &mut [f64]) {
        let k = self.calls.get();
        self.calls.set(k + 1);
        z.fill(0.0);
        let params = CgParams {
            max_iter: 2 + k % 5,
            rel_tol: 0.0,
            ..Default::default()
        };
        // Stopping at the iteration limit is the point: an inexact, varying solve.
        let _ = rvf_algorithms::linear::cg_in(&self.lap, r, z, &params, &self.arena, |_| {
            ControlFlow::Continue(())
        });
    }
}

#[test]
fn flexible_gmres_accepts_a_preconditioner_that_changes_between_iterations() {
    let (nx, ny) = (24, 24);
    let a = ConvectionDiffusion2d::<f64>::new(nx, ny, BETA);
    let m = InnerCg {
        lap: Poisson2d::new(nx, ny),
        calls: std::cell::Cell::new(0),
        arena: MemoryArena::new(0),
    };
    let b = rhs(nx * ny);
    let mut x = vec![0.0; nx * ny];
    let r = fgmres(&a, &m, &b, &mut x, &GmresParams::default()).unwrap();
    let mut plain_x = vec![0.0; nx * ny];
    let plain = gmres(&a, &b, &mut plain_x, &GmresParams::default()).unwrap();
    println!(
        "FGMRES + inner CG: {} iterations; GMRES: {}",
        r.iterations, plain.iterations
    );
    assert!(cd_residual(nx, ny, BETA, &x, &b) / norm(&b) <= 1e-8);
    assert!(r.iterations < plain.iterations);
    assert!(m.calls.get() >= r.iterations);
}

/// Runs each solver on `b` and `x` of one vector type and returns the solution as a `Vec`.
fn solve_all<B, X>(b: &B, x: impl Fn() -> X, out: impl Fn(&X) -> Vec<f64>) -> Vec<Vec<f64>>
where
    B: RealVector<Scalar = f64> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = f64> + ArenaClone,
{
    let a = ConvectionDiffusion2d::<f64>::new(16, 12, BETA);
    let spd = Poisson2d::<f64>::new(16, 12);
    let mut results = Vec::new();
    let mut v = x();
    gmres(&a, b, &mut v, &GmresParams::default()).unwrap();
    results.push(out(&v));
    let mut v = x();
    bicgstab(&a, b, &mut v, &BicgstabParams::default()).unwrap();
    results.push(out(&v));
    let mut v = x();
    let m = Jacobi::from_operator(&spd).unwrap();
    pminres(&spd, &m, b, &mut v, &MinresParams::default()).unwrap();
    results.push(out(&v));
    let mut v = x();
    fgmres(&a, &m, b, &mut v, &GmresParams::default()).unwrap();
    results.push(out(&v));
    let mut v = x();
    let lp = rvf_algorithms::linear::LsqrParams {
        max_iter: 40,
        ..Default::default()
    };
    // A fixed number of LSQR iterations (the limit is an error that leaves the iterate).
    let _ = rvf_algorithms::linear::lsqr(&a, b, &mut v, &lp);
    results.push(out(&v));
    results
}

#[cfg(all(feature = "nalgebra", feature = "ndarray"))]
#[test]
fn every_vector_type_gives_the_same_iterates_bitwise() {
    let n = 16 * 12;
    let b = rhs(n);
    let reference = solve_all(&b, || vec![0.0; n], |x| x.clone());
    let bn = nalgebra::DVector::from_vec(b.clone());
    let dv = solve_all(
        &bn,
        || nalgebra::DVector::zeros(n),
        |x| x.as_slice().to_vec(),
    );
    let ba = ndarray::Array1::from(b.clone());
    let ar = solve_all(&ba, || ndarray::Array1::zeros(n), |x| x.to_vec());
    // A strided view: every other element of a longer array.
    let spread: ndarray::Array1<f64> = b.iter().flat_map(|&e| [e, f64::NAN]).collect();
    let bs = spread.slice(ndarray::s![..;2]);
    let st = solve_all(&bs, || ndarray::Array1::zeros(n), |x| x.to_vec());
    assert_eq!(dv, reference);
    assert_eq!(ar, reference);
    assert_eq!(st, reference);
}

#[test]
fn monitors_stop_each_solver_and_see_every_iteration() {
    let a = ConvectionDiffusion2d::<f64>::new(20, 20, BETA);
    let b = rhs(400);
    let arena = MemoryArena::new(0);
    let stop_at = |k: usize| {
        move |p: &rvf_algorithms::linear::SolveProgress<f64>| {
            if p.iteration == k {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    };
    let mut x = vec![0.0; 400];
    let r = gmres_in(&a, &b, &mut x, &GmresParams::default(), &arena, stop_at(7)).unwrap();
    assert_eq!(
        (r.termination, r.iterations),
        (Termination::StoppedByMonitor, 7)
    );
    // GMRES reports the true residual of the iterate it formed.
    assert_relative_eq!(
        r.residual,
        cd_residual(20, 20, BETA, &x, &b),
        max_relative = 1e-9
    );
    let mut x = vec![0.0; 400];
    let r = bicgstab_in(
        &a,
        &b,
        &mut x,
        &BicgstabParams::default(),
        &arena,
        stop_at(3),
    )
    .unwrap();
    assert_eq!(
        (r.termination, r.iterations),
        (Termination::StoppedByMonitor, 3)
    );
}

#[test]
fn bad_inputs_and_limits_are_errors_that_say_where() {
    let a = ConvectionDiffusion2d::<f64>::new(10, 10, BETA);
    let b = rhs(100);
    let mut x = vec![0.0; 100];
    let e = gmres(
        &a,
        &b,
        &mut x,
        &GmresParams {
            restart: 0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(
        e,
        SolverError::InvalidParameter {
            name: "restart",
            ..
        }
    ));
    let e = bicgstab(&a, &vec![1.0; 99], &mut x, &BicgstabParams::default()).unwrap_err();
    assert!(matches!(e, SolverError::DimensionMismatch(_)));
    let mut nan = vec![0.0; 100];
    nan[3] = f64::NAN;
    let e = minres(
        &Poisson2d::<f64>::new(10, 10),
        &b,
        &mut nan,
        &MinresParams::default(),
    )
    .unwrap_err();
    assert_eq!(e, SolverError::NonFiniteInput { what: "x0" });
    for which in 0..3 {
        let mut x = vec![0.0; 100];
        let e = match which {
            0 => gmres(
                &a,
                &b,
                &mut x,
                &GmresParams {
                    max_iter: 4,
                    ..Default::default()
                },
            ),
            1 => bicgstab(
                &a,
                &b,
                &mut x,
                &BicgstabParams {
                    max_iter: 4,
                    ..Default::default()
                },
            ),
            _ => minres(
                &Poisson2d::<f64>::new(10, 10),
                &b,
                &mut x,
                &MinresParams {
                    max_iter: 4,
                    ..Default::default()
                },
            ),
        }
        .unwrap_err();
        let SolverError::NotConverged {
            iterations,
            residual,
            tolerance,
        } = e
        else {
            panic!("solver {which}: expected NotConverged, got {e:?}");
        };
        assert_eq!(iterations, 4, "solver {which}");
        assert!(residual > tolerance && x.iter().any(|&v| v != 0.0));
    }
    // MINRES needs a positive definite preconditioner.
    let negative = Jacobi::new(&[1.0; 100]).unwrap();
    struct Negated(Jacobi<f64>);
    impl Preconditioner<f64> for Negated {
        fn apply(&self, r: &[f64], z: &mut [f64]) {
            self.0.apply(r, z);
            z.iter_mut().for_each(|v| *v = -*v);
        }
    }
    let mut x = vec![0.0; 100];
    let e = pminres(
        &Poisson2d::<f64>::new(10, 10),
        &Negated(negative),
        &b,
        &mut x,
        &MinresParams::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            SolverError::Breakdown {
                quantity: "rᵀM⁻¹r",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn transposes_are_the_adjoint_and_missing_ones_are_errors() {
    // ⟨A·x, y⟩ = ⟨x, Aᵀ·y⟩ for the matrix-free and dense operators.
    let a = ConvectionDiffusion2d::<f64>::new(7, 5, BETA);
    let x: Vec<f64> = (0..35).map(|k| (k as f64 * 0.37).sin()).collect();
    let y: Vec<f64> = (0..35).map(|k| (k as f64 * 0.11).cos()).collect();
    let (mut ax, mut aty) = (vec![0.0; 35], vec![0.0; 35]);
    a.apply(&x, &mut ax);
    a.apply_transpose(&y, &mut aty).unwrap();
    assert_relative_eq!(
        ax.inner_product(&y),
        x.inner_product(&aty),
        max_relative = 1e-12
    );
    let dense = DenseMatrix::from_fn(3, 4, |i, j| (i * 4 + j) as f64);
    let mut t = vec![0.0; 4];
    dense.apply_transpose(&[1.0, 0.0, 2.0], &mut t).unwrap();
    assert_eq!(t, [16.0, 19.0, 22.0, 25.0]);
    let closure = FnOperator::square(2, |x: &[f64], y: &mut [f64]| y.copy_from_slice(x));
    let e = closure
        .apply_transpose(&[1.0, 2.0], &mut [0.0; 2])
        .unwrap_err();
    assert!(matches!(e, SolverError::MissingCapability { .. }));
    let mut out = vec![0.0; 2];
    assert!(closure
        .apply_transpose_local(
            Par::Seq,
            Local::Contiguous(&[1.0, 2.0]),
            LocalMut::Contiguous(&mut out)
        )
        .is_err());
}

/// Solves the small SPD system `M·c = d` by Cholesky, written here (the independent check).
fn cholesky_solve(m: &[Vec<f64>], d: &[f64]) -> Vec<f64> {
    let n = d.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            l[i][j] = if i == j {
                (m[i][i] - s).sqrt()
            } else {
                (m[i][j] - s) / l[j][j]
            };
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (d[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut c = vec![0.0; n];
    for i in (0..n).rev() {
        c[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * c[k]).sum::<f64>()) / l[i][i];
    }
    c
}

#[test]
fn lsqr_solves_least_squares_problems_to_the_normal_equations() {
    use rvf_algorithms::linear::{lsqr, LsqrParams};
    // 300 samples of a smooth function fitted by 12 Chebyshev polynomials on [−1, 1].
    let (m, n) = (300, 12);
    let t: Vec<f64> = (0..m)
        .map(|i| -1.0 + 2.0 * i as f64 / (m - 1) as f64)
        .collect();
    let a = DenseMatrix::from_fn(m, n, |i, j| (j as f64 * t[i].acos()).cos());
    let y: Vec<f64> = t
        .iter()
        .map(|&s| (3.0 * s).exp() * (5.0 * s).sin())
        .collect();
    let mut c = vec![0.0; n];
    let r = lsqr(
        &a,
        &y,
        &mut c,
        &LsqrParams {
            normal_tol: 1e-12,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.termination, Termination::Converged);
    // Normal equations AᵀA·c = Aᵀy, formed and solved here.
    let ata: Vec<Vec<f64>> = (0..n)
        .map(|p| {
            (0..n)
                .map(|q| (0..m).map(|i| a.get(i, p) * a.get(i, q)).sum())
                .collect()
        })
        .collect();
    let aty: Vec<f64> = (0..n)
        .map(|p| (0..m).map(|i| a.get(i, p) * y[i]).sum())
        .collect();
    let reference = cholesky_solve(&ata, &aty);
    for (p, q) in c.iter().zip(&reference) {
        assert_relative_eq!(p, q, max_relative = 1e-8, epsilon = 1e-10);
    }
    // The residual is orthogonal to the range of A.
    let mut ax = vec![0.0; m];
    a.apply(&c, &mut ax);
    let res: Vec<f64> = y.iter().zip(&ax).map(|(p, q)| p - q).collect();
    let mut atr = vec![0.0; n];
    a.apply_transpose(&res, &mut atr).unwrap();
    assert!(norm(&atr) <= 1e-10 * norm(&res) * 300f64.sqrt());
    assert_relative_eq!(r.residual, norm(&res), max_relative = 1e-9);
}

#[cfg(feature = "sparse")]
#[test]
fn lsqr_recovers_the_solution_of_a_consistent_rectangular_sparse_system() {
    use nalgebra_sparse::{CooMatrix, CsrMatrix};
    use rvf_algorithms::linear::{lsqr, LsqrParams};
    // Rows: the identity on 500 unknowns, then 300 difference rows; b = A·x*.
    let (n, extra) = (500, 300);
    let mut coo = CooMatrix::new(n + extra, n);
    for i in 0..n {
        coo.push(i, i, 2.0 + (i % 3) as f64);
    }
    for k in 0..extra {
        coo.push(n + k, k, 1.0);
        coo.push(n + k, k + 1, -1.0);
    }
    let a = CsrMatrix::from(&coo);
    let exact: Vec<f64> = (0..n).map(|i| (i as f64 * 0.05).sin()).collect();
    let mut b = vec![0.0; n + extra];
    a.apply(&exact, &mut b);
    let mut x = vec![0.0; n];
    let r = lsqr(
        &a,
        &b,
        &mut x,
        &LsqrParams {
            rel_tol: 1e-12,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.relative_residual <= 1e-12);
    for (p, q) in x.iter().zip(&exact) {
        assert_relative_eq!(p, q, epsilon = 1e-10);
    }
}

#[test]
fn lsqr_needs_a_transpose_and_fitting_dimensions() {
    use rvf_algorithms::linear::{lsqr, LsqrParams};
    let closure = FnOperator::new(3, 2, |x: &[f64], y: &mut [f64]| {
        y[0] = x[0];
        y[1] = x[1];
        y[2] = x[0] + x[1];
    });
    let mut x = vec![0.0; 2];
    let e = lsqr(
        &closure,
        &vec![1.0, 2.0, 4.0],
        &mut x,
        &LsqrParams::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SolverError::MissingCapability { .. }), "{e:?}");
    let a = DenseMatrix::from_fn(3, 2, |i, j| (i + j) as f64 + 1.0);
    let e = lsqr(&a, &vec![1.0; 2], &mut x, &LsqrParams::default()).unwrap_err();
    assert!(matches!(e, SolverError::DimensionMismatch(_)));
    let e = lsqr(&a, &vec![1.0; 3], &mut vec![0.0; 3], &LsqrParams::default()).unwrap_err();
    assert!(matches!(e, SolverError::DimensionMismatch(_)));
}

#[test]
fn the_chebyshev_preconditioner_is_the_chebyshev_polynomial_of_a() {
    use rvf_algorithms::linear::{Chebyshev, Poisson1d};
    // On an eigenvector v of A (a sine mode of the 1-D Laplacian), p(A)·v = p(λ)·v with
    // p(λ) = (1 − T_k((θ − λ)/δ)/T_k(θ/δ))/λ: the residual polynomial of Chebyshev iteration.
    let n = 64;
    let a = Poisson1d::<f64>::new(n);
    let (lo, hi) = a.eigenvalue_bounds();
    let (degree, bounds) = (5, (lo, 1.05 * hi));
    let m = Chebyshev::new(&a, bounds, degree).unwrap();
    let h = 1.0 / (n + 1) as f64;
    let cheb = |k: usize, x: f64| -> f64 {
        if x.abs() <= 1.0 {
            (k as f64 * x.acos()).cos()
        } else {
            (k as f64 * x.abs().acosh()).cosh() * if x < 0.0 && k % 2 == 1 { -1.0 } else { 1.0 }
        }
    };
    let (theta, delta) = ((bounds.1 + bounds.0) / 2.0, (bounds.1 - bounds.0) / 2.0);
    for mode in [1usize, 7, 30, 64] {
        let v: Vec<f64> = (1..=n)
            .map(|i| (std::f64::consts::PI * (mode * i) as f64 * h).sin())
            .collect();
        let lambda = 4.0 / (h * h) * (std::f64::consts::PI * mode as f64 * h / 2.0).sin().powi(2);
        let p =
            (1.0 - cheb(degree, (theta - lambda) / delta) / cheb(degree, theta / delta)) / lambda;
        let mut z = vec![0.0; n];
        m.apply(&v, &mut z);
        for (zi, vi) in z.iter().zip(&v) {
            assert_relative_eq!(*zi, p * vi, max_relative = 1e-8, epsilon = 1e-12);
        }
        assert!(p > 0.0);
    }
    // Symmetric: ⟨p(A)u, w⟩ = ⟨u, p(A)w⟩.
    let u: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).sin()).collect();
    let w: Vec<f64> = (0..n).map(|i| (i as f64 * 0.17).cos()).collect();
    let (mut pu, mut pw) = (vec![0.0; n], vec![0.0; n]);
    m.apply(&u, &mut pu);
    m.apply(&w, &mut pw);
    assert_relative_eq!(
        pu.inner_product(&w),
        u.inner_product(&pw),
        max_relative = 1e-10
    );
    // Bad parameters are refused.
    assert!(Chebyshev::new(&a, (0.0, hi), 3).is_err());
    assert!(Chebyshev::new(&a, (hi, lo), 3).is_err());
    assert!(Chebyshev::new(&a, (lo, hi), 0).is_err());
    assert!(Chebyshev::estimate_bounds(&a, &vec![1.0; n + 1], 10).is_err());
}

/// An operator that counts its applications.
struct Counting<'a> {
    inner: &'a Poisson2d<f64>,
    applications: std::cell::Cell<usize>,
}

impl LinearOperator<f64> for Counting<'_> {
    fn nrows(&self) -> usize {
        self.inner.nrows()
    }
    fn ncols(&self) -> usize {
        self.inner.ncols()
    }
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        self.applications.set(self.applications.get() + 1);
        self.inner.apply(x, y);
    }
}

#[test]
fn a_zero_start_costs_no_product_and_changes_no_iterate() {
    let a = Poisson2d::<f64>::new(12, 12);
    let b = rhs(144);
    let solve = |name: &str, x0: f64| -> (usize, usize, Vec<f64>) {
        let op = Counting {
            inner: &a,
            applications: std::cell::Cell::new(0),
        };
        let mut x = vec![x0; 144];
        let report: SolveReport<f64> = match name {
            "cg" => cg(&op, &b, &mut x, &CgParams::default()),
            "minres" => minres(&op, &b, &mut x, &MinresParams::default()),
            "gmres" => gmres(&op, &b, &mut x, &GmresParams::default()),
            _ => bicgstab(&op, &b, &mut x, &BicgstabParams::default()),
        }
        .unwrap();
        (op.applications.get(), report.iterations, x)
    };
    for name in ["cg", "minres", "gmres", "bicgstab"] {
        let (zero, zero_its, x_zero) = solve(name, 0.0);
        // −0.0 is a zero start too; a start of 1e-300 is not, and costs the product.
        let (neg, _, x_neg) = solve(name, -0.0);
        let (tiny, tiny_its, _) = solve(name, 1e-300);
        assert_eq!(zero, neg, "{name}");
        assert_eq!(x_zero, x_neg, "{name}: same iterates");
        assert_eq!(zero_its, tiny_its, "{name}");
        assert_eq!(
            tiny,
            zero + 1,
            "{name}: x₀ = 0 skips exactly the product A·x₀"
        );
        // The answer is still right: its residual, recomputed here.
        let mut ax = vec![0.0; 144];
        a.apply(&x_zero, &mut ax);
        let r: Vec<f64> = b.iter().zip(&ax).map(|(p, q)| p - q).collect();
        assert!(norm(&r) <= 1e-6 * norm(&b) * 1.01, "{name}");
    }
}
