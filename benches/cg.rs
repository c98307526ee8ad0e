//! Per-iteration time of conjugate gradient on the 2-D Poisson problem (100², 300², 1000²
//! unknowns), side by side in one run:
//!
//! - `rvf`: the bundled solver (`Workspace::cg`, arena work vectors);
//! - `hand_written`: an allocation-free CG loop on `Vec<f64>` over the same operator, with
//!   plain loops: the limit;
//! - `allocating`: the same CG allocating a fresh `Vec` for each temporary in each iteration;
//! - `argmin`: argmin's `ConjugateGradient` on `Vec<f64>` (its operator returns a new vector);
//! - `faer`: faer's `matrix_free::conjugate_gradient` with the same stencil as a `LinOp`.
//!
//! Each measurement runs a fixed number of iterations (the tolerance is unreachable), so the
//! time per iteration is the measured time divided by `ITERATIONS`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rvf_algorithms::linear::{CgParams, LinearOperator, Poisson2d};
use rvf_algorithms::Workspace;

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

/// The stencil as an argmin operator (argmin's interface returns a fresh vector).
struct ArgminPoisson(Poisson2d<f64>);

impl argmin::core::Operator for ArgminPoisson {
    type Param = Vec<f64>;
    type Output = Vec<f64>;
    fn apply(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let mut out = vec![0.0; p.len()];
        self.0.apply(p, &mut out);
        Ok(out)
    }
}

fn argmin_cg(a: &Poisson2d<f64>, b: &[f64], iterations: usize) -> Vec<f64> {
    use argmin::core::Executor;
    use argmin::solver::conjugategradient::ConjugateGradient as ArgminCg;
    let solver: ArgminCg<Vec<f64>, f64> = ArgminCg::new(b.to_vec());
    let result = Executor::new(ArgminPoisson(*a), solver)
        .configure(|state| state.param(vec![0.0; b.len()]).max_iters(iterations as u64))
        .run()
        .expect("argmin CG");
    result.state.param.unwrap_or_default()
}

/// The stencil as a faer linear operator.
#[derive(Debug)]
struct FaerPoisson(Poisson2d<f64>);

impl faer::matrix_free::LinOp<f64> for FaerPoisson {
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
                .expect("contiguous column")
                .as_slice();
            let y = faer::reborrow::ReborrowMut::rb_mut(&mut out)
                .col_mut(j)
                .try_as_col_major_mut()
                .expect("contiguous column")
                .as_slice_mut();
            self.0.apply(x, y);
        }
    }
    fn conj_apply(
        &self,
        out: faer::MatMut<'_, f64>,
        rhs: faer::MatRef<'_, f64>,
        par: faer::Par,
        stack: &mut faer::dyn_stack::MemStack,
    ) {
        // A real symmetric operator is its own conjugate.
        self.apply(out, rhs, par, stack)
    }
}

fn faer_cg(op: &FaerPoisson, b: &faer::Mat<f64>, iterations: usize) -> faer::Mat<f64> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::matrix_free::conjugate_gradient::{
        conjugate_gradient, conjugate_gradient_scratch, CgParams as FaerCgParams,
    };
    let precond = faer::matrix_free::IdentityPrecond { dim: b.nrows() };
    let params = FaerCgParams {
        max_iters: iterations,
        rel_tolerance: 0.0,
        ..FaerCgParams::default()
    };
    let mut x = faer::Mat::<f64>::zeros(b.nrows(), 1);
    let mut buf = MemBuffer::new(conjugate_gradient_scratch(precond, op, 1, faer::Par::Seq));
    // The tolerance is unreachable: this ends with NoConvergence after `iterations`.
    let _ = conjugate_gradient(
        x.as_mut(),
        precond,
        op,
        b.as_ref(),
        params,
        |_| {},
        faer::Par::Seq,
        MemStack::new(&mut buf),
    );
    x
}

/// Every contender computes the same iterate after `ITERATIONS` steps (up to rounding), so
/// the timings compare equal work.
fn check_all_agree(a: &Poisson2d<f64>, b: &[f64]) {
    let n = b.len();
    let mut reference = vec![0.0; n];
    let params = CgParams {
        rel_tol: 0.0,
        max_iter: ITERATIONS,
        ..Default::default()
    };
    let _ = Workspace::new().cg(a, b, &mut reference, &params);
    let mut hand = vec![0.0; n];
    hand_written(a, b, &mut hand, ITERATIONS);
    let mut alloc = vec![0.0; n];
    allocating(a, b, &mut alloc, ITERATIONS);
    let arg = argmin_cg(a, b, ITERATIONS);
    let fb = faer::Mat::<f64>::from_fn(n, 1, |i, _| b[i]);
    let fx = faer_cg(&FaerPoisson(*a), &fb, ITERATIONS);
    let faer_x: Vec<f64> = (0..n).map(|i| fx[(i, 0)]).collect();
    let scale = reference.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (name, x) in [
        ("hand", &hand),
        ("allocating", &alloc),
        ("argmin", &arg),
        ("faer", &faer_x),
    ] {
        let diff = x
            .iter()
            .zip(&reference)
            .fold(0.0_f64, |m, (p, q)| m.max((p - q).abs()));
        assert!(diff <= 1e-8 * scale, "{name} differs from rvf by {diff:e}");
    }
}

fn bench_cg(c: &mut Criterion) {
    for n in [100usize, 300, 1000] {
        let a = Poisson2d::<f64>::new(n, n);
        let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 13) as f64 * 0.1).collect();
        if n == 100 {
            check_all_agree(&a, &b);
        }
        let mut group = c.benchmark_group(format!("cg/poisson_{n}x{n}"));
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n == 1000 { 6 } else { 2 }));
        group.throughput(Throughput::Elements(ITERATIONS as u64));

        let mut workspace = Workspace::new();
        group.bench_function(BenchmarkId::new("rvf", n), |bench| {
            bench.iter(|| {
                let mut x = vec![0.0; n * n];
                let params = CgParams {
                    rel_tol: 0.0,
                    max_iter: ITERATIONS,
                    ..Default::default()
                };
                // The tolerance is unreachable: this returns NotConverged after ITERATIONS.
                let _ = black_box(workspace.cg(&a, &b, &mut x, &params));
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
        group.bench_function(BenchmarkId::new("argmin", n), |bench| {
            bench.iter(|| black_box(argmin_cg(&a, &b, ITERATIONS)))
        });
        let op = FaerPoisson(a);
        let fb = faer::Mat::<f64>::from_fn(n * n, 1, |i, _| b[i]);
        group.bench_function(BenchmarkId::new("faer", n), |bench| {
            bench.iter(|| black_box(faer_cg(&op, &fb, ITERATIONS)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench_cg);
criterion_main!(benches);
