//! Sequential against rayon-parallel, side by side: the vector operations at 1e4, 1e6 and
//! 1.6e7 elements, a compute-bound map, and an ensemble of independent simulations. Run with
//! `cargo bench --features rayon --bench parallel`; the speedup is the ratio of the `seq` and
//! `par` times of one group.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rvf::parallel::{ensemble, ParRealVector, ParRealVectorMut};
use rvf::prelude::*;
use rvf_algorithms::no_monitor;
use rvf_algorithms::ode::{rk4_in, FixedStepParams, FnSystem};

fn ops(c: &mut Criterion) {
    for n in [10_000usize, 1_000_000, 16_000_000] {
        let x: Vec<f64> = (0..n).map(|i| (i % 97) as f64 * 0.01).collect();
        let mut y: Vec<f64> = (0..n).map(|i| (i % 89) as f64 * 0.02).collect();
        let mut g = c.benchmark_group(format!("parallel/n={n}"));
        g.sample_size(10);
        g.warm_up_time(Duration::from_millis(300));
        g.measurement_time(Duration::from_secs(if n > 1_000_000 { 3 } else { 1 }));
        g.bench_function("dot/seq", |b| {
            b.iter(|| black_box(x.inner_product(black_box(&y))))
        });
        g.bench_function("dot/par", |b| {
            b.iter(|| black_box(x.par_inner_product(black_box(&y))))
        });
        g.bench_function("axpy/seq", |b| {
            b.iter(|| y.axpy_in_place(black_box(1e-9), &x))
        });
        g.bench_function("axpy/par", |b| {
            b.iter(|| y.par_axpy_in_place(black_box(1e-9), &x))
        });
        g.bench_function("l2norm/seq", |b| {
            b.iter(|| black_box(black_box(&x).l2norm()))
        });
        g.bench_function("l2norm/par", |b| {
            b.iter(|| black_box(black_box(&x).par_l2norm()))
        });
        g.bench_function("exp_map/seq", |b| {
            b.iter(|| y.unary_in_place(|v| (v * 1e-3).exp()))
        });
        g.bench_function("exp_map/par", |b| {
            b.iter(|| y.par_unary_in_place(|v| (v * 1e-3).exp()))
        });
        g.finish();
    }
}

fn ensembles(c: &mut Criterion) {
    let run = || {
        ensemble(64, |i, arena| {
            let w = 1.0 + i as f64 * 0.01;
            let sys = FnSystem::new(2, move |_t: f64, y: &[f64], dy: &mut [f64]| {
                dy[0] = y[1];
                dy[1] = -w * w * y[0] - 0.1 * y[1].powi(3);
            });
            let mut y = vec![1.0, 0.0];
            let params = FixedStepParams {
                dt: 1e-3,
                ..Default::default()
            };
            rk4_in(&sys, (0.0, 2.0), &mut y, &params, arena, no_monitor!()).expect("rk4");
            y[0]
        })
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a 1-thread pool");
    let mut g = c.benchmark_group("parallel/ensemble_64x2000_rk4");
    g.sample_size(10);
    g.bench_function("seq", |b| b.iter(|| black_box(one.install(run))));
    g.bench_function("par", |b| b.iter(|| black_box(run())));
    g.finish();
}

criterion_group!(benches, ops, ensembles);
criterion_main!(benches);
