//! Per-iteration time of GMRES(30) and BiCGSTAB on a CSR convection–diffusion matrix
//! (300×300 grid, 90 000 unknowns, β = (100, 50)), side by side in one run:
//!
//! - `rvf`: the bundled solvers (`Workspace::gmres`, `Workspace::bicgstab`);
//! - `hand_written`: the same methods over `Vec<f64>` with plain loops, an 8-accumulator dot
//!   product and the same CSR product: the limit;
//! - `faer`: faer's `bicgstab` (faer has no GMRES) with the same CSR product as its `LinOp`.
//!
//! Each measurement runs a fixed number of iterations (the tolerance is unreachable).

mod limit;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use limit::dot;
use nalgebra_sparse::CsrMatrix;
use rvf_algorithms::linear::{
    convection_diffusion_2d_csr, BicgstabParams, GmresParams, LinearOperator,
};
use rvf_algorithms::Workspace;

const N: usize = 300;
const GMRES_ITERATIONS: usize = 60; // two cycles of 30
const BICGSTAB_ITERATIONS: usize = 50;

fn spmv(a: &CsrMatrix<f64>, x: &[f64], y: &mut [f64]) {
    let (offsets, cols, vals) = (a.row_offsets(), a.col_indices(), a.values());
    for (i, yi) in y.iter_mut().enumerate() {
        let mut s = 0.0;
        for k in offsets[i]..offsets[i + 1] {
            s += vals[k] * x[cols[k]];
        }
        *yi = s;
    }
}

/// GMRES(m) with modified Gram–Schmidt and Givens rotations over preallocated vectors.
fn hand_gmres(a: &CsrMatrix<f64>, b: &[f64], x: &mut [f64], m: usize, iterations: usize) {
    let n = b.len();
    let mut v = vec![vec![0.0; n]; m + 1];
    let mut h = vec![0.0; (m + 1) * m];
    let (mut cs, mut sn, mut g, mut y) =
        (vec![0.0; m], vec![0.0; m], vec![0.0; m + 1], vec![0.0; m]);
    let mut r = vec![0.0; n];
    let mut done = 0;
    while done < iterations {
        spmv(a, x, &mut r);
        for (ri, bi) in r.iter_mut().zip(b) {
            *ri = bi - *ri;
        }
        let beta = dot(&r, &r).sqrt();
        for (vi, ri) in v[0].iter_mut().zip(&r) {
            *vi = ri / beta;
        }
        g.fill(0.0);
        g[0] = beta;
        let mut steps = 0;
        while steps < m && done < iterations {
            let j = steps;
            let (head, tail) = v.split_at_mut(j + 1);
            let w = &mut tail[0];
            spmv(a, &head[j], w);
            let col = &mut h[j * (m + 1)..(j + 1) * (m + 1)];
            for (i, vi) in head.iter().enumerate() {
                let hij = dot(w, vi);
                col[i] = hij;
                for (wk, vk) in w.iter_mut().zip(vi) {
                    *wk -= hij * vk;
                }
            }
            let norm = dot(w, w).sqrt();
            col[j + 1] = norm;
            for i in 0..j {
                let (p, q) = (col[i], col[i + 1]);
                col[i] = cs[i] * p + sn[i] * q;
                col[i + 1] = -sn[i] * p + cs[i] * q;
            }
            let rr = col[j].hypot(col[j + 1]);
            cs[j] = col[j] / rr;
            sn[j] = col[j + 1] / rr;
            col[j] = rr;
            g[j + 1] = -sn[j] * g[j];
            g[j] *= cs[j];
            for wk in w.iter_mut() {
                *wk /= norm;
            }
            steps += 1;
            done += 1;
        }
        for i in (0..steps).rev() {
            let mut s = g[i];
            for l in i + 1..steps {
                s -= h[l * (m + 1) + i] * y[l];
            }
            y[i] = s / h[i * (m + 1) + i];
        }
        for (vi, &yi) in v.iter().zip(&y[..steps]) {
            for (xk, vk) in x.iter_mut().zip(vi) {
                *xk += yi * vk;
            }
        }
    }
}

/// BiCGSTAB over preallocated vectors.
fn hand_bicgstab(a: &CsrMatrix<f64>, b: &[f64], x: &mut [f64], iterations: usize) {
    let n = b.len();
    let (mut r, mut p, mut v, mut t) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    spmv(a, x, &mut r);
    for (ri, bi) in r.iter_mut().zip(b) {
        *ri = bi - *ri;
    }
    let shadow = r.clone();
    let (mut rho_prev, mut alpha, mut omega) = (1.0, 1.0, 1.0);
    for k in 0..iterations {
        let rho = dot(&shadow, &r);
        if k == 0 {
            p.copy_from_slice(&r);
        } else {
            let beta = (rho / rho_prev) * (alpha / omega);
            for ((pi, ri), vi) in p.iter_mut().zip(&r).zip(&v) {
                *pi = ri + beta * (*pi - omega * vi);
            }
        }
        spmv(a, &p, &mut v);
        alpha = rho / dot(&shadow, &v);
        for (ri, vi) in r.iter_mut().zip(&v) {
            *ri -= alpha * vi;
        }
        spmv(a, &r, &mut t);
        omega = dot(&t, &r) / dot(&t, &t);
        for ((xi, pi), si) in x.iter_mut().zip(&p).zip(&r) {
            *xi += alpha * pi + omega * si;
        }
        for (ri, ti) in r.iter_mut().zip(&t) {
            *ri -= omega * ti;
        }
        rho_prev = rho;
    }
}

/// The CSR matrix as a faer operator, applied by the same kernel.
#[derive(Debug)]
struct FaerCsr<'a>(&'a CsrMatrix<f64>);

impl faer::matrix_free::LinOp<f64> for FaerCsr<'_> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: faer::Par) -> faer::dyn_stack::StackReq {
        faer::dyn_stack::StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.0.nrows()
    }
    fn ncols(&self) -> usize {
        self.0.ncols()
    }
    fn apply(
        &self,
        mut out: faer::MatMut<'_, f64>,
        rhs: faer::MatRef<'_, f64>,
        _par: faer::Par,
        _stack: &mut faer::dyn_stack::MemStack,
    ) {
        for j in 0..rhs.ncols() {
            let x = rhs
                .col(j)
                .try_as_col_major()
                .expect("contiguous")
                .as_slice();
            let y = faer::reborrow::ReborrowMut::rb_mut(&mut out)
                .col_mut(j)
                .try_as_col_major_mut()
                .expect("contiguous")
                .as_slice_mut();
            spmv(self.0, x, y);
        }
    }
    fn conj_apply(
        &self,
        out: faer::MatMut<'_, f64>,
        rhs: faer::MatRef<'_, f64>,
        par: faer::Par,
        stack: &mut faer::dyn_stack::MemStack,
    ) {
        // Real entries: the conjugate is the operator itself.
        self.apply(out, rhs, par, stack)
    }
}

fn faer_bicgstab(a: &CsrMatrix<f64>, b: &faer::Mat<f64>, iterations: usize) -> faer::Mat<f64> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::matrix_free::bicgstab::{bicgstab, bicgstab_scratch, BicgParams};
    let op = FaerCsr(a);
    let id = faer::matrix_free::IdentityPrecond { dim: b.nrows() };
    let params = BicgParams {
        max_iters: iterations,
        rel_tolerance: 0.0,
        ..BicgParams::default()
    };
    let mut x = faer::Mat::<f64>::zeros(b.nrows(), 1);
    let mut buf = MemBuffer::new(bicgstab_scratch(id, id, &op, 1, faer::Par::Seq));
    // The tolerance is unreachable: this ends with NoConvergence after `iterations`.
    let _ = bicgstab(
        x.as_mut(),
        id,
        id,
        &op,
        b.as_ref(),
        params,
        |_| {},
        faer::Par::Seq,
        MemStack::new(&mut buf),
    );
    x
}

fn relative_residual(a: &CsrMatrix<f64>, b: &[f64], x: &[f64]) -> f64 {
    let mut ax = vec![0.0; b.len()];
    a.apply(x, &mut ax);
    let r: f64 = ax.iter().zip(b).map(|(p, q)| (p - q).powi(2)).sum();
    (r / dot(b, b)).sqrt()
}

fn bench(c: &mut Criterion) {
    let a = convection_diffusion_2d_csr::<f64>(N, N, (100.0, 50.0));
    let n = N * N;
    let b = vec![1.0; n];
    let gp = GmresParams {
        rel_tol: 0.0,
        max_iter: GMRES_ITERATIONS,
        ..Default::default()
    };
    let bp = BicgstabParams {
        rel_tol: 0.0,
        max_iter: BICGSTAB_ITERATIONS,
        ..Default::default()
    };
    // Equal work: after the same iterations every contender is at the same residual.
    let mut x = vec![0.0; n];
    let _ = Workspace::new().gmres(&a, &b, &mut x, &gp);
    let mut hx = vec![0.0; n];
    hand_gmres(&a, &b, &mut hx, 30, GMRES_ITERATIONS);
    println!(
        "GMRES(30) after {GMRES_ITERATIONS} iterations: rvf {:.3e}, hand-written {:.3e}",
        relative_residual(&a, &b, &x),
        relative_residual(&a, &b, &hx)
    );
    let mut x = vec![0.0; n];
    let _ = Workspace::new().bicgstab(&a, &b, &mut x, &bp);
    let mut hx = vec![0.0; n];
    hand_bicgstab(&a, &b, &mut hx, BICGSTAB_ITERATIONS);
    let fb = faer::Mat::<f64>::from_fn(n, 1, |_, _| 1.0);
    let fx = faer_bicgstab(&a, &fb, BICGSTAB_ITERATIONS);
    let fxs: Vec<f64> = (0..n).map(|i| fx[(i, 0)]).collect();
    println!(
        "BiCGSTAB after {BICGSTAB_ITERATIONS} iterations: rvf {:.3e}, hand-written {:.3e}, faer {:.3e}",
        relative_residual(&a, &b, &x),
        relative_residual(&a, &b, &hx),
        relative_residual(&a, &b, &fxs)
    );

    let mut group = c.benchmark_group("krylov/gmres30_cd300");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(GMRES_ITERATIONS as u64));
    let mut ws = Workspace::new();
    group.bench_function("rvf", |bench| {
        bench.iter(|| {
            let mut x = vec![0.0; n];
            let _ = black_box(ws.gmres(&a, &b, &mut x, &gp));
            x
        })
    });
    group.bench_function("hand_written", |bench| {
        bench.iter(|| {
            let mut x = vec![0.0; n];
            hand_gmres(&a, &b, &mut x, 30, GMRES_ITERATIONS);
            black_box(x)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("krylov/bicgstab_cd300");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(BICGSTAB_ITERATIONS as u64));
    group.bench_function("rvf", |bench| {
        bench.iter(|| {
            let mut x = vec![0.0; n];
            let _ = black_box(ws.bicgstab(&a, &b, &mut x, &bp));
            x
        })
    });
    group.bench_function("hand_written", |bench| {
        bench.iter(|| {
            let mut x = vec![0.0; n];
            hand_bicgstab(&a, &b, &mut x, BICGSTAB_ITERATIONS);
            black_box(x)
        })
    });
    group.bench_function("faer", |bench| {
        bench.iter(|| black_box(faer_bicgstab(&a, &fb, BICGSTAB_ITERATIONS)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
