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
//! | pipelined CG (rvf): p, s, x, r updates with rᵀr 72 (read 5, write 4), product of r | 72 |
//!
//! So one plain iteration moves 112 (stencil), 176 (CSR u32) or 200 (CSR usize) bytes per
//! row, a fused one 88 (stencil), 152 (CSR u32) or 176 (CSR usize). rvf's CG runs the fused
//! passes (its throughput is counted with the fused model); its pipelined CG moves as many
//! bytes as fused CG but writes five vectors per iteration where CG writes four.
//!
//! The hand-written limits use the same fusion as rvf (products by blocks of about 4096
//! rows, each dotted while in cache; one loop for x, r and rᵀr), eight-accumulator dot
//! products, an unchecked 32-bit CSR kernel and a stencil whose loops have no branches.
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

    /// `y ← (A·p)` for the rows `first..first + y.len()`.
    #[inline(always)]
    fn rows(&self, first: usize, p: &[f64], y: &mut [f64]) {
        assert!(first + y.len() < self.offsets.len() && p.len() + 1 == self.offsets.len());
        for (i, yi) in y.iter_mut().enumerate() {
            let (lo, hi) = (
                self.offsets[first + i] as usize,
                self.offsets[first + i + 1] as usize,
            );
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
        }
    }

    /// `y ← A·p`, returning `pᵀ(A·p)` when `fuse_dot` (blocks of rows dotted from cache).
    fn product(&self, p: &[f64], y: &mut [f64], fuse_dot: bool) -> f64 {
        blocked_product(
            CSR_BLOCK_ROWS,
            |first, yb| self.rows(first, p, yb),
            p,
            y,
            fuse_dot,
        )
    }
}

/// Rows per block of the hand-written fused CSR product: 32 KiB of `y`, in cache when dotted.
const CSR_BLOCK_ROWS: usize = 4096;

/// `y ← A·p` by blocks of `block` rows, each followed (when `fuse_dot`) by its share of `pᵀy`
/// with eight accumulators while the block is still in cache.
#[inline(always)]
fn blocked_product(
    block: usize,
    rows: impl Fn(usize, &mut [f64]),
    p: &[f64],
    y: &mut [f64],
    fuse_dot: bool,
) -> f64 {
    let mut pap = 0.0;
    for (b, yb) in y.chunks_mut(block).enumerate() {
        let first = b * block;
        rows(first, yb);
        if fuse_dot {
            pap += dot(&p[first..first + yb.len()], yb);
        }
    }
    pap
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
            // x += αp, r −= α·Ap and rᵀr in one loop, eight accumulators.
            let mut acc = [0.0; 8];
            let xs = x.chunks_exact_mut(8).zip(s.r.chunks_exact_mut(8));
            for ((xc, rc), (pc, qc)) in xs.zip(s.p.chunks_exact(8).zip(s.ap.chunks_exact(8))) {
                for k in 0..8 {
                    xc[k] += alpha * pc[k];
                    rc[k] -= alpha * qc[k];
                    acc[k] += rc[k] * rc[k];
                }
            }
            let tail = x.len() / 8 * 8;
            let (xt, rt) = (x[tail..].iter_mut(), s.r[tail..].iter_mut());
            let rest: f64 = xt
                .zip(rt)
                .zip(s.p[tail..].iter().zip(&s.ap[tail..]))
                .map(|((xi, ri), (pi, qi))| {
                    *xi += alpha * pi;
                    *ri -= alpha * qi;
                    *ri * *ri
                })
                .sum();
            acc.iter().sum::<f64>() + rest
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

/// One grid row of the 5-point stencil of `Poisson2d` on an `n × n` grid, written out with
/// no branch in its loops (`h⁻² = (n + 1)²`): the horizontal part, then the rows below and
/// above, then the scale, each a pass over an L1-resident row.
fn stencil_row(n: usize, j: usize, p: &[f64], y: &mut [f64]) {
    let c = ((n + 1) * (n + 1)) as f64;
    let row = &p[j * n..(j + 1) * n];
    y[0] = 4.0 * row[0] - row[1];
    for (yi, w) in y[1..n - 1].iter_mut().zip(row.windows(3)) {
        *yi = 4.0 * w[1] - w[0] - w[2];
    }
    y[n - 1] = 4.0 * row[n - 1] - row[n - 2];
    if j > 0 {
        for (yi, d) in y.iter_mut().zip(&p[(j - 1) * n..j * n]) {
            *yi -= d;
        }
    }
    if j + 1 < n {
        for (yi, u) in y.iter_mut().zip(&p[(j + 1) * n..(j + 2) * n]) {
            *yi -= u;
        }
    }
    for yi in y.iter_mut() {
        *yi *= c;
    }
}

/// The stencil product by blocks of whole grid rows (about 4096 elements), dotted from cache
/// when `fuse_dot`.
fn stencil_product(n: usize, p: &[f64], y: &mut [f64], fuse_dot: bool) -> f64 {
    let rows_per_block = (4096 / n).max(1);
    let rows = |first: usize, yb: &mut [f64]| {
        for (dj, yr) in yb.chunks_mut(n).enumerate() {
            stencil_row(n, first / n + dj, p, yr);
        }
    };
    blocked_product(rows_per_block * n, rows, p, y, fuse_dot)
}

fn rvf_cg(
    workspace: &mut Workspace,
    a: &dyn LinearOperator<f64>,
    b: &[f64],
    x: &mut [f64],
    par: Par,
) {
    // The tolerance is unreachable: this returns NotConverged after ITERATIONS.
    x.fill(0.0);
    let _ = black_box(workspace.cg(&a, b, x, &fixed_iterations(par)));
}

fn rvf_pipelined_cg(
    workspace: &mut Workspace,
    a: &dyn LinearOperator<f64>,
    b: &[f64],
    x: &mut [f64],
) {
    x.fill(0.0);
    let _ = black_box(workspace.pipelined_cg(&a, b, x, &fixed_iterations(Par::Seq)));
}

/// Parameters that run exactly `ITERATIONS` iterations.
fn fixed_iterations(par: Par) -> CgParams<f64> {
    CgParams {
        rel_tol: 0.0,
        max_iter: ITERATIONS,
        par,
        ..Default::default()
    }
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

        g.throughput(per_solve(STENCIL_BYTES + FUSED_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("rvf_stencil", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &stencil, &b, &mut x, Par::Seq))
        });
        g.bench_function(BenchmarkId::new("rvf_stencil_rayon", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &stencil, &b, &mut x, Par::Rayon))
        });
        g.bench_function(BenchmarkId::new("rvf_pipelined_stencil", n), |bch| {
            bch.iter(|| rvf_pipelined_cg(&mut workspace, &stencil, &b, &mut x))
        });
        g.throughput(per_solve(STENCIL_BYTES + PLAIN_VECTOR_BYTES));
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

        g.throughput(per_solve(CSR_USIZE_BYTES + FUSED_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("rvf_csr_usize", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &csr, &b, &mut x, Par::Seq))
        });
        g.throughput(per_solve(CSR32_BYTES + FUSED_VECTOR_BYTES));
        g.bench_function(BenchmarkId::new("rvf_csr_u32", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &csr32, &b, &mut x, Par::Seq))
        });
        g.bench_function(BenchmarkId::new("rvf_csr_u32_rayon", n), |bch| {
            bch.iter(|| rvf_cg(&mut workspace, &csr32, &b, &mut x, Par::Rayon))
        });
        g.bench_function(BenchmarkId::new("rvf_pipelined_csr_u32", n), |bch| {
            bch.iter(|| rvf_pipelined_cg(&mut workspace, &csr32, &b, &mut x))
        });
        g.throughput(per_solve(CSR32_BYTES + PLAIN_VECTOR_BYTES));
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
