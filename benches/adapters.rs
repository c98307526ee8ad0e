//! The RVF trait operations on nalgebra `DVector` and ndarray `Array1` next to the libraries'
//! own methods on the same data (n = 1e4 and 1e6). Run with
//! `cargo bench --features full --bench adapters`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rvf::prelude::*;

fn bench_adapters(c: &mut Criterion) {
    for n in [10_000usize, 1_000_000] {
        let xs: Vec<f64> = (0..n).map(|i| (i % 97) as f64 * 0.01).collect();
        let ys: Vec<f64> = (0..n).map(|i| (i % 89) as f64 * 0.02).collect();
        let bytes = (n * 8) as u64;
        let mut g = c.benchmark_group(format!("adapters/n={n}"));
        g.sample_size(20);
        g.warm_up_time(Duration::from_millis(300));
        g.measurement_time(Duration::from_secs(1));

        let x = nalgebra::DVector::from_vec(xs.clone());
        let mut y = nalgebra::DVector::from_vec(ys.clone());
        g.throughput(Throughput::Bytes(2 * bytes));
        g.bench_function("dvector_dot/rvf", |b| {
            b.iter(|| black_box(x.inner_product(black_box(&y))))
        });
        g.bench_function("dvector_dot/nalgebra", |b| {
            b.iter(|| black_box(x.dot(black_box(&y))))
        });
        g.throughput(Throughput::Bytes(3 * bytes));
        g.bench_function("dvector_axpy/rvf", |b| {
            b.iter(|| y.axpy_in_place(black_box(1e-9), &x))
        });
        g.bench_function("dvector_axpy/nalgebra", |b| {
            b.iter(|| y.axpy(black_box(1e-9), &x, 1.0))
        });
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function("dvector_norm/rvf", |b| {
            b.iter(|| black_box(black_box(&x).l2norm()))
        });
        g.bench_function("dvector_norm/nalgebra", |b| {
            b.iter(|| black_box(black_box(&x).norm()))
        });

        let xa = ndarray::Array1::from(xs.clone());
        let mut ya = ndarray::Array1::from(ys.clone());
        g.throughput(Throughput::Bytes(2 * bytes));
        g.bench_function("array1_dot/rvf", |b| {
            b.iter(|| black_box(xa.inner_product(black_box(&ya))))
        });
        g.bench_function("array1_dot/ndarray", |b| {
            b.iter(|| black_box(xa.dot(black_box(&ya))))
        });
        g.throughput(Throughput::Bytes(3 * bytes));
        g.bench_function("array1_axpy/rvf", |b| {
            b.iter(|| ya.axpy_in_place(black_box(1e-9), &xa))
        });
        g.bench_function("array1_axpy/ndarray", |b| {
            b.iter(|| ya.scaled_add(black_box(1e-9), &xa))
        });
        g.throughput(Throughput::Bytes(2 * bytes));
        let big = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| if j == 0 { xs[i] } else { 0.0 });
        let col = big.column(0); // stride 2
        g.bench_function("array1_strided_dot/rvf", |b| {
            b.iter(|| black_box(col.inner_product(black_box(&ya))))
        });
        g.bench_function("array1_strided_dot/ndarray", |b| {
            b.iter(|| black_box(col.dot(black_box(&ya))))
        });
        g.finish();
    }
}

criterion_group!(benches, bench_adapters);
criterion_main!(benches);
