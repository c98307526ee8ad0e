//! CG at the memory-bandwidth limit: rvf's CG on the 5-point Poisson problem (100², 300²,
//! 1000² unknowns) with three operators — the matrix-free stencil, nalgebra-sparse's CSR
//! (`usize` indices) and `CsrMatrix32` (`u32` indices) — next to hand-written CG loops over
//! raw slices with a 32-bit-index CSR product and eight-accumulator dot products: the
//! practical limit, plain (the same passes as rvf) and fused (fewer passes), in one run.
//!
//! Each solve runs `ITERATIONS` iterations (the tolerance is unreachable), so the time per
//! iteration is the measured time over `ITERATIONS`; the throughput criterion prints is in
//! bytes moved per solve under this byte model (8-byte values, writes counted once, no
//! write-allocate traffic, `x` gathered once per product):
//!
//! | pass | bytes per row |
//! |---|---|
//! | stencil product (read p, write Ap) | 16 |
//! | CSR product, `u32` indices and offsets (5 nonzeros × 12, offsets 4, p 8, Ap 8) | 80 |
//! | CSR product, `usize` indices (5 × 16 + 24) | 104 |
//! | plain vector passes: pᵀAp 16, x += αp 24, r −= αAp 24, rᵀr 8, p = r + βp 24 | 96 |
//! | fused vector passes: pᵀAp inside the product 0, x and r with rᵀr 48, p 24 | 72 |
//!
//! So one plain iteration moves 112 (stencil), 176 (CSR u32) or 200 (CSR usize) bytes per
//! row, a fused one 88 (stencil) or 152 (CSR u32).
//!
//! `today_csr_usize` in the `product` group is the CSR kernel rvf had before `CsrMatrix32`
//! (bounds-checked indexing, `usize` indices), for the ratio in one run.
//!
//! The `product` group times the CSR products alone, sequential and under `Par::Rayon`.

mod limit;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use limit::dot;
use rvf::ops::{Local, LocalMut};
use rvf::Par;
use rvf_algorithms::linear::{poisson_2d_csr, CgParams, CsrMatrix32, LinearOperator, Poisson2d};
use rvf_algorithms::Workspace;

const ITERATIONS: usize = 20;

/// Bytes per row of one iteration, by variant (see the module docs).
const PLAIN_VECTOR_BYTES: u64 = 96;
const FUSED_VECTOR_BYTES: u64 = 72;
const STENCIL_BYTES: u64 = 16;
const CSR32_BYTES: u64 = 80;
const CSR_USIZE_BYTES: u64 = 104;

/// A 32-bit-index CSR matrix as raw arrays.
struct RawCsr<'a> {
    offsets: &'a [u32],
    cols: &'a [u32],
    vals: &'a [f64],
}

impl<'a> RawCsr<'a> {
    /// The arrays of a square matrix, checked once here so the product needs no checks.
    fn new(a: &'a CsrMatrix32<f64>) -> Self {
        let n = a.row_offsets().len() - 1;
        assert!(a.col_indices().iter().all(|&c| (c as usize) < n), "square");
        assert!(a.row_offsets().windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(a.row_offsets()[n] as usize, a.values().len());
        Self {
            offsets: a.row_offsets(),
            cols: a.col_indices(),
            vals: a.values(),
        }
    }

    /// `y ← A·p`, returning `pᵀ(A·p)` when `fuse_dot` (one pass instead of two).
    #[inline(always)]
    fn product(&self, p: &[f64], y: &mut [f64], fuse_dot: bool) -> f64 {
        assert!(self.offsets.len() == y.len() + 1 && p.len() == y.len());
        let mut pap = 0.0;
        for (i, yi) in y.iter_mut().enumerate() {
            let (lo, hi) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
            let mut s = 0.0;
            for k in lo..hi {
                // SAFETY: the offsets and columns were checked by `new` and `p` has the
                // matrix's size, so every index is in bounds.
                unsafe {
                    s += self.vals.get_unchecked(k)
                        * p.get_unchecked(*self.cols.get_unchecked(k) as usize);
                }
            }
            *yi = s;
            if fuse_dot {
                pap += p[i] * s;
            }
        }
        pap
    }
}

/// The CSR kernel rvf used before `CsrMatrix32`: `usize` indices, bounds-checked.
fn today_csr_usize(a: &nalgebra_sparse::CsrMatrix<f64>, x: &[f64], y: &mut [f64]) {
    let (offsets, cols, vals) = (a.row_offsets(), a.col_indices(), a.values());
    for (yi, w) in y.iter_mut().zip(offsets.windows(2)) {
        let mut s = 0.0;
        for (&c, &v) in cols[w[0]..w[1]].iter().zip(&vals[w[0]..w[1]]) {
            s += v * x[c];
        }
        *yi = s;
    }
}

/// Work vectors of the hand-written loops, allocated once outside the timing.
struct Scratch {
    r: Vec<f64>,
    p: Vec<f64>,
    ap: Vec<f64>,
}

/// The hand-written CG, with the product given; `fused` merges passes as the module docs say.
fn hand_written(
    product: impl Fn(&[f64], &mut [f64], bool) -> f64,
    b: &[f64],
    x: &mut [f64],
    s: &mut Scratch,
    fused: bool,
) -> f64 {
    // x₀ = 0: r = p = b, no product.
    x.fill(0.0);
    s.r.copy_from_slice(b);
    s.p.copy_from_slice(b);
    let mut rr = dot(&s.r, &s.r);
    for _ in 0..ITERATIONS {
        let pap = if fused {
            product(&s.p, &mut s.ap, true)
        } else {
            product(&s.p, &mut s.ap, false);
            dot(&s.p, &s.ap)
        };
        let alpha = rr / pap;
        let rr_new = if fused {
            let mut acc = [0.0; 4];
            for (k, (((xi, ri), pi), api)) in x
                .iter_mut()
                .zip(s.r.iter_mut())
                .zip(&s.p)
                .zip(&s.ap)
                .enumerate()
            {
                *xi += alpha * pi;
                *ri -= alpha * api;
                acc[k % 4] += *ri * *ri;
            }
            (acc[0] + acc[1]) + (acc[2] + acc[3])
        } else {
            for (xi, pi) in x.iter_mut().zip(&s.p) {
                *xi += alpha * pi;
            }
            for (ri, api) in s.r.iter_mut().zip(&s.ap) {
                *ri -= alpha * api;
            }
            dot(&s.r, &s.r)
        };
        let beta = rr_new / rr;
        for (pi, ri) in s.p.iter_mut().zip(&s.r) {
            *pi = ri + beta * *pi;
        }
        rr = rr_new;
    }
    rr
}

/// The 5-point stencil of `Poisson2d` on an `n × n` grid, written out (the hand-written
/// limit's product; `h⁻² = (n + 1)²`).
fn stencil_product(n: usize, p: &[f64], y: &mut [f64], fuse_dot: bool) -> f64 {
    let c = ((n + 1) * (n + 1)) as f64;
    let mut pap = 0.0;
    for j in 0..n {
        for i in 0..n {
            let k = j * n + i;
            let mut s = 4.0 * p[k];
            if i > 0 {
                s -= p[k - 1];
            }
            if i + 1 < n {
                s -= p[k + 1];
            }
            if j > 0 {
                s -= p[k - n];
            }
            if j + 1 < n {
                s -= p[k + n];
            }
            y[k] = c * s;
            if fuse_dot {
                pap += p[k] * y[k];
            }
        }
    }
    pap
}

fn rvf_cg(
    workspace: &mut Workspace,
    a: &dyn LinearOperator<f64>,
    b: &[f64],
    x: &mut [f64],
    par: Par,
) {
    let params = CgParams {
        rel_tol: 0.0,
        max_iter: ITERATIONS,
        par,
        ..Default::default()
    };
    // The tolerance is unreachable: this returns NotConverged after ITERATIONS.
    x.fill(0.0);
    let _ = black_box(workspace.cg(&a, b, x, &params));
}

fn bench_cg_limit(c: &mut Criterion) {
    for n in [100usize, 300, 1000] {
        let rows = (n * n) as u64;
        let stencil = Poisson2d::<f64>::new(n, n);
        let csr = poisson_2d_csr::<f64>(n, n);
        let csr32 = CsrMatrix32::try_from(&csr).unwrap();
        let raw = RawCsr::new(&csr32);
        let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 13) as f64 * 0.1).collect();
        let mut x = vec![0.0; n * n];
        let mut scratch = Scratch {
            r: vec![0.0; n * n],
            p: vec![0.0; n * n],
            ap: vec![0.0; n * n],
        };
        let mut workspace = Workspace::new();

        let mut g = c.benchmark_group(format!("cg_limit/poisson_{n}x{n}"));
        g.sample_size(10);
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(if n == 1000 { 8 } else { 2 }));
        let per_solve =
            |bytes_per_row: u64| Throughput::Bytes(bytes_per_row * rows * ITERATIONS as u64);

        g.throughput(per_solve(STENCIL_BYTES + PLAIN_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("rvf_stencil", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &stencil, &b, &mut x, Par::Seq))
        });
        g.bench_function(BenchmarkId::new("limit_stencil_plain", n), |bch| {
            bch.iter(|| {
                let f = |p: &[f64], y: &mut [f64], d| stencil_product(n, p, y, d);
                black_box(hand_written(f, &b, &mut x, &mut scratch, false))
            })
        });
        g.throughput(per_solve(STENCIL_BYTES + FUSED_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("limit_stencil_fused", n), |bch| {
            bch.iter(|| {
                let f = |p: &[f64], y: &mut [f64], d| stencil_product(n, p, y, d);
                black_box(hand_written(f, &b, &mut x, &mut scratch, true))
            })
        });

        g.throughput(per_solve(CSR_USIZE_BYTES + PLAIN_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("rvf_csr_usize", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &csr, &b, &mut x, Par::Seq))
        });
        g.throughput(per_solve(CSR32_BYTES + PLAIN_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("rvf_csr_u32", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &csr32, &b, &mut x, Par::Seq))
        });
        g.bench_function(BenchmarkId::new("rvf_csr_u32_rayon", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &csr32, &b, &mut x, Par::Rayon))
        });
        g.bench_function(BenchmarkId::new("limit_csr_u32_plain", n), |bch| {
            bch.iter(|| {
                let f = |p: &[f64], y: &mut [f64], d| raw.product(p, y, d);
                black_box(hand_written(f, &b, &mut x, &mut scratch, false))
            })
        });
        g.throughput(per_solve(CSR32_BYTES + FUSED_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("limit_csr_u32_fused", n), |bch| {
            bch.iter(|| {
                let f = |p: &[f64], y: &mut [f64], d| raw.product(p, y, d);
                black_box(hand_written(f, &b, &mut x, &mut scratch, true))
            })
        });
        g.finish();

        // The products alone.
        let mut g = c.benchmark_group(format!("cg_limit/product_{n}x{n}"));
        g.sample_size(20);
        g.warm_up_time(Duration::from_millis(300));
        g.measurement_time(Duration::from_secs(2));
        let p = b.clone();
        let mut y = vec![0.0; n * n];
        let products: [(&str, &dyn LinearOperator<f64>, u64); 2] = [
            ("csr_usize", &csr, CSR_USIZE_BYTES),
            ("csr_u32", &csr32, CSR32_BYTES),
        ];
        for (name, op, bytes) in products {
            g.throughput(Throughput::Bytes(bytes * rows));
            for (pname, par) in [("seq", Par::Seq), ("rayon", Par::Rayon)] {
                g.bench_function(BenchmarkId::new(format!("{name}_{pname}"), n), |bch| {
                    bch.iter(|| {
                        op.apply_local(par, Local::Contiguous(&p), LocalMut::Contiguous(&mut y));
                        black_box(y[0])
                    })
                });
            }
        }
        g.throughput(Throughput::Bytes(CSR_USIZE_BYTES * rows));
        g.bench_function(BenchmarkId::new("today_csr_usize", n), |bch| {
            bch.iter(|| {
                today_csr_usize(&csr, &p, &mut y);
                black_box(y[0])
            })
        });
        g.throughput(Throughput::Bytes(CSR32_BYTES * rows));
        g.bench_function(BenchmarkId::new("limit_csr_u32", n), |bch| {
            bch.iter(|| black_box(raw.product(&p, &mut y, false)))
        });
        g.finish();
    }
}

criterion_group!(benches, bench_cg_limit);
criterion_main!(benches);
