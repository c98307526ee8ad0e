//! Per-iteration time of conjugate gradient on the 2-D Poisson problem (100², 300², 1000²
//! unknowns), side by side in one run:
//!
//! - `rvf`: the bundled solver (`ConjugateGradient`, arena work vectors);
//! - `hand_written`: an allocation-free CG loop on `Vec<f64>` over the same operator, with
//!   plain loops: the limit;
//! - `allocating`: the same CG allocating a fresh `Vec` for each temporary in each iteration.
//!
//! Each measurement runs a fixed number of iterations (the tolerance is unreachable), so the
//! time per iteration is the measured time divided by `ITERATIONS`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rvf_algorithms::linear::{CgParams, ConjugateGradient, LinearOperator, Poisson2d};

const ITERATIONS: usize = 50;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// CG with plain loops and no allocation inside the iteration.
fn hand_written(a: &Poisson2d<f64>, b: &[f64], x: &mut [f64], iterations: usize) -> f64 {
    let n = b.len();
    let mut r = vec![0.0; n];
    let mut ap = vec![0.0; n];
    a.apply(&*x, &mut ap);
    for i in 0..n {
        r[i] = b[i] - ap[i];
    }
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    for _ in 0..iterations {
        a.apply(&p, &mut ap);
        let alpha = rr / dot(&p, &ap);
        for i in 0..n {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        for i in 0..n {
            p[i] = r[i] + beta * p[i];
        }
        rr = rr_new;
    }
    rr
}

/// The same CG allocating its temporaries afresh in every iteration.
fn allocating(a: &Poisson2d<f64>, b: &[f64], x: &mut [f64], iterations: usize) -> f64 {
    let n = b.len();
    let mut ap = vec![0.0; n];
    a.apply(&*x, &mut ap);
    let mut r: Vec<f64> = b.iter().zip(&ap).map(|(bi, ai)| bi - ai).collect();
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    for _ in 0..iterations {
        let mut ap = vec![0.0; n];
        a.apply(&p, &mut ap);
        let alpha = rr / dot(&p, &ap);
        let step: Vec<f64> = p.iter().map(|v| alpha * v).collect();
        for (xi, s) in x.iter_mut().zip(&step) {
            *xi += s;
        }
        let r_new: Vec<f64> = r.iter().zip(&ap).map(|(ri, ai)| ri - alpha * ai).collect();
        let rr_new = dot(&r_new, &r_new);
        let beta = rr_new / rr;
        p = r_new
            .iter()
            .zip(&p)
            .map(|(ri, pi)| ri + beta * pi)
            .collect();
        r = r_new;
        rr = rr_new;
    }
    rr
}

fn bench_cg(c: &mut Criterion) {
    for n in [100usize, 300, 1000] {
        let a = Poisson2d::<f64>::new(n, n);
        let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 13) as f64 * 0.1).collect();
        let mut group = c.benchmark_group(format!("cg/poisson_{n}x{n}"));
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n == 1000 { 6 } else { 2 }));
        group.throughput(Throughput::Elements(ITERATIONS as u64));

        let mut solver = ConjugateGradient::new();
        group.bench_function(BenchmarkId::new("rvf", n), |bench| {
            bench.iter(|| {
                let mut x = vec![0.0; n * n];
                let mut params = CgParams {
                    rel_tol: 0.0,
                    max_iter: Some(ITERATIONS),
                    ..Default::default()
                };
                // The tolerance is unreachable: this returns NotConverged after ITERATIONS.
                let _ = black_box(solver.solve(&a, &b, &mut x, &mut params));
                x
            })
        });
        group.bench_function(BenchmarkId::new("hand_written", n), |bench| {
            bench.iter(|| {
                let mut x = vec![0.0; n * n];
                black_box(hand_written(&a, &b, &mut x, ITERATIONS));
                x
            })
        });
        group.bench_function(BenchmarkId::new("allocating", n), |bench| {
            bench.iter(|| {
                let mut x = vec![0.0; n * n];
                black_box(allocating(&a, &b, &mut x, ITERATIONS));
                x
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_cg);
criterion_main!(benches);
