//! Parallel solvers: the same iterates as sequential ones, and zero heap allocations per step
//! in each worker thread's steady state.
#![cfg(feature = "rayon")]

use rvf::parallel::ensemble;
use rvf::Par;
use rvf_algorithms::linear::{cg, CgParams, LinearOperator, Poisson2d};
use rvf_algorithms::ode::{linear_implicit, rk4_in, FixedStepParams, FnSystem, ImplicitParams};
use rvf_algorithms::optimize::{lbfgs, LbfgsParams, Rosenbrock};

#[path = "../../tests/common/counting.rs"]
mod counting;
use counting::heap_allocations as allocations;

#[test]
fn parallel_cg_gives_the_sequential_iterates_bitwise() {
    let n = 256;
    let a = Poisson2d::<f64>::new(n, n);
    let b: Vec<f64> = (0..n * n).map(|k| ((k * 31) % 101) as f64 - 50.0).collect();
    let mut xs = vec![0.0; n * n];
    let mut xp = vec![0.0; n * n];
    let seq = cg(
        &a,
        &b,
        &mut xs,
        &CgParams {
            rel_tol: 1e-8,
            ..Default::default()
        },
    )
    .unwrap();
    let par = cg(
        &a,
        &b,
        &mut xp,
        &CgParams {
            rel_tol: 1e-8,
            par: Par::Rayon,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(seq.iterations, par.iterations);
    assert_eq!(seq.residual.to_bits(), par.residual.to_bits());
    assert_eq!(xs, xp);
}

#[test]
fn parallel_implicit_steps_give_the_sequential_state_bitwise() {
    let n = 200;
    let a = Poisson2d::<f64>::new(n, n);
    let u0: Vec<f64> = (0..n * n).map(|k| ((k % n) as f64 * 0.01).sin()).collect();
    let mut us = u0.clone();
    let mut up = u0.clone();
    let seq = ImplicitParams {
        dt: 1e-3,
        ..Default::default()
    };
    linear_implicit(&a, None, (0.0, 5e-3), &mut us, &seq).unwrap();
    let par = ImplicitParams {
        par: Par::Rayon,
        ..seq
    };
    linear_implicit(&a, None, (0.0, 5e-3), &mut up, &par).unwrap();
    assert_eq!(us, up);
}

#[test]
fn parallel_optimiser_gives_the_sequential_iterates_bitwise() {
    // Large enough for the parallel kernels to split the vectors.
    let f = Rosenbrock { n: 600_000 };
    let (mut xs, mut xp) = (f.start::<f64>(), f.start::<f64>());
    let seq = LbfgsParams {
        max_iter: 5,
        memory: 3,
        ..Default::default()
    };
    let par = LbfgsParams {
        par: Par::Rayon,
        ..seq
    };
    let es = lbfgs(&f, &mut xs, &seq).unwrap_err();
    let ep = lbfgs(&f, &mut xp, &par).unwrap_err();
    assert_eq!(es, ep);
    assert!(xs == xp);
}

/// The row-block parallel products of the library matrices: bitwise the sequential ones, on
/// matrices large enough to be split.
#[cfg(feature = "sparse")]
#[test]
fn parallel_matrix_products_give_the_sequential_result_bitwise() {
    use rvf::ops::{Local, LocalMut};
    use rvf_algorithms::linear::poisson_2d_csr;
    let n = 300;
    let csr = poisson_2d_csr::<f64>(n, n);
    let x: Vec<f64> = (0..n * n).map(|k| ((k * 7) % 13) as f64 - 6.0).collect();
    let (mut ys, mut yp) = (vec![0.0; n * n], vec![0.0; n * n]);
    csr.apply_local(
        Par::Seq,
        Local::Contiguous(&x),
        LocalMut::Contiguous(&mut ys),
    );
    csr.apply_local(
        Par::Rayon,
        Local::Contiguous(&x),
        LocalMut::Contiguous(&mut yp),
    );
    assert_eq!(ys, yp);
    let m = 400;
    let dense = nalgebra::DMatrix::from_fn(m, m, |i, j| 1.0 / (1.0 + i as f64 + 2.0 * j as f64));
    let array = ndarray::Array2::from_shape_fn((m, m), |(i, j)| dense[(i, j)]);
    let x = &x[..m];
    for op in [&dense as &dyn LinearOperator<f64>, &array] {
        let (mut ys, mut yp) = (vec![0.0; m], vec![0.0; m]);
        op.apply_local(
            Par::Seq,
            Local::Contiguous(x),
            LocalMut::Contiguous(&mut ys),
        );
        op.apply_local(
            Par::Rayon,
            Local::Contiguous(x),
            LocalMut::Contiguous(&mut yp),
        );
        assert_eq!(ys, yp);
        // And the product is right: an independent dot product per row.
        for (i, yi) in ys.iter().enumerate() {
            let direct: f64 = (0..m).map(|j| dense[(i, j)] * x[j]).sum();
            assert!((yi - direct).abs() <= 1e-12 * direct.abs().max(1.0));
        }
    }
}

#[test]
fn ensemble_workers_allocate_nothing_per_step_once_warm() {
    let deltas = ensemble(32, |member, arena| {
        let rate = 1.0 + member as f64 * 0.1;
        let sys = FnSystem::new(16, move |_t: f64, y: &[f64], dy: &mut [f64]| {
            for (d, v) in dy.iter_mut().zip(y) {
                *d = -rate * v;
            }
        });
        let mut y = vec![1.0; 16];
        let params = FixedStepParams {
            dt: 1e-3,
            ..Default::default()
        };
        // The worker's own arena, through the `_in` form; the monitor sees every step.
        let mut counts = Vec::with_capacity(1000);
        rk4_in(&sys, (0.0, 0.5), &mut y, &params, arena, |_| {
            counts.push(allocations());
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        // The system is autonomous: 500 steps of 1e-3 from y = 1.
        assert!((y[0] - (-rate * 0.5_f64).exp()).abs() < 1e-9);
        counts.last().unwrap() - counts[0]
    });
    assert!(deltas.iter().all(|&d| d == 0), "{deltas:?}");
}

#[test]
fn parallel_gmres_bicgstab_and_minres_give_the_sequential_iterates_bitwise() {
    use rvf_algorithms::linear::{
        bicgstab, gmres, minres, BicgstabParams, ConvectionDiffusion2d, GmresParams, MinresParams,
    };
    // Long enough for the parallel reductions to split (2¹⁹ elements and more).
    let n = 760;
    let a = ConvectionDiffusion2d::<f64>::new(n, n, (40.0, 15.0));
    let spd = Poisson2d::<f64>::new(n, n);
    let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 11) as f64 * 0.1).collect();
    let run = |par: Par| {
        let mut xs = Vec::new();
        let mut x = vec![0.0; n * n];
        let e = gmres(
            &a,
            &b,
            &mut x,
            &GmresParams {
                max_iter: 6,
                restart: 4,
                par,
                ..Default::default()
            },
        )
        .unwrap_err();
        xs.push((format!("{e:?}"), x));
        let mut x = vec![0.0; n * n];
        let e = bicgstab(
            &a,
            &b,
            &mut x,
            &BicgstabParams {
                max_iter: 4,
                par,
                ..Default::default()
            },
        )
        .unwrap_err();
        xs.push((format!("{e:?}"), x));
        let mut x = vec![0.0; n * n];
        let e = minres(
            &spd,
            &b,
            &mut x,
            &MinresParams {
                max_iter: 4,
                par,
                ..Default::default()
            },
        )
        .unwrap_err();
        xs.push((format!("{e:?}"), x));
        xs
    };
    let (seq, par) = (run(Par::Seq), run(Par::Rayon));
    for ((es, xs), (ep, xp)) in seq.iter().zip(&par) {
        assert_eq!(es, ep);
        assert!(xs == xp);
    }
}
