//! Bandwidth of the core vector operations next to naive loops and `copy_from_slice`.
//!
//! Each group reports GB/s (bytes each operation must move: axpy reads x and y and writes y,
//! the inner product reads x and y, a copy reads and writes one vector) at n = 1e4 (in cache),
//! 1e6 and 1.6e7 (in memory).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rvf::prelude::*;

const SIZES: [usize; 3] = [10_000, 1_000_000, 16_000_000];

fn naive_dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[allow(clippy::needless_range_loop)] // the naive baseline, on purpose
fn naive_axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for i in 0..y.len() {
        y[i] += a * x[i];
    }
}

fn bench_ops(c: &mut Criterion) {
    for &n in &SIZES {
        let x: Vec<f64> = (0..n).map(|i| (i % 97) as f64 * 0.01).collect();
        let mut y: Vec<f64> = (0..n).map(|i| (i % 89) as f64 * 0.02).collect();
        let bytes = (n * std::mem::size_of::<f64>()) as u64;
        let mut group = c.benchmark_group(format!("ops/n={n}"));
        group.sample_size(if n > 1_000_000 { 10 } else { 30 });
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));

        group.throughput(Throughput::Bytes(2 * bytes));
        group.bench_function(BenchmarkId::new("copy_from_slice", n), |b| {
            b.iter(|| y.copy_from_slice(black_box(&x)))
        });

        group.throughput(Throughput::Bytes(3 * bytes));
        group.bench_function(BenchmarkId::new("axpy_in_place", n), |b| {
            b.iter(|| y.axpy_in_place(black_box(1e-9), black_box(&x)))
        });
        group.bench_function(BenchmarkId::new("axpy_naive_indexed", n), |b| {
            b.iter(|| naive_axpy(&mut y, black_box(1e-9), black_box(&x)))
        });

        group.throughput(Throughput::Bytes(2 * bytes));
        group.bench_function(BenchmarkId::new("inner_product", n), |b| {
            b.iter(|| black_box(x.inner_product(black_box(&y))))
        });
        group.bench_function(BenchmarkId::new("dot_naive_single_accumulator", n), |b| {
            b.iter(|| black_box(naive_dot(black_box(&x), black_box(&y))))
        });

        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(BenchmarkId::new("l2norm", n), |b| {
            b.iter(|| black_box(black_box(&x).l2norm()))
        });
        group.finish();
    }
}

/// The price of reproducibility: an exact inner product ([`Reproducible`], the local part of a
/// reduction that is bitwise independent of threads and processes) next to the blocked one
/// and a naive loop, on values of mixed magnitude and sign.
fn bench_exact(c: &mut Criterion) {
    use rvf::adapters::Reproducible;
    use rvf::Par;
    for n in [10_000usize, 1_000_000] {
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 1e3).collect();
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
        let rx = Reproducible(x.clone());
        let bytes = (n * std::mem::size_of::<f64>()) as u64;
        let mut group = c.benchmark_group(format!("ops/exact/n={n}"));
        group.sample_size(20);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));
        group.throughput(Throughput::Bytes(2 * bytes));
        group.bench_function("blocked", |b| {
            b.iter(|| black_box(x.inner_product(black_box(&y))))
        });
        group.bench_function("exact", |b| {
            b.iter(|| black_box(rx.inner_product(black_box(&y))))
        });
        group.bench_function("exact_rayon", |b| {
            b.iter(|| black_box(Par::Rayon.inner_product(&rx, black_box(&y))))
        });
        group.bench_function("naive_single_accumulator", |b| {
            b.iter(|| black_box(naive_dot(black_box(&x), black_box(&y))))
        });
        group.finish();
    }
}

criterion_group!(benches, bench_ops, bench_exact);
criterion_main!(benches);
