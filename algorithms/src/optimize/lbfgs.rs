//! L-BFGS with a strong-Wolfe line search.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::line_search::{LineSearch, Sample, StrongWolfe};
use super::objective::Objective;
use super::report::{OptimizeProgress, OptimizeReport};
use crate::error::{to_f64, SolverError};
use crate::no_monitor;
use crate::solver::{default_tol, iteration_limit, NonExhaustive, AUTO_ITERATIONS};
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`lbfgs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsParams<S> {
    /// Correction pairs kept. Default 10.
    pub memory: usize,
    /// Stop when `‖∇f‖₂ ≤ abs_tol`. Default `1e-8` (`100·ε` for `f32`).
    pub abs_tol: S,
    /// Iteration limit. Default: `10·n` for `n` unknowns, at least 1000.
    pub max_iter: usize,
    /// Sufficient-decrease constant of the Wolfe conditions. Default 1e-4.
    pub c1: S,
    /// Curvature constant of the strong Wolfe conditions. Default 0.9.
    pub c2: S,
    /// Objective evaluations allowed per line search. Default 40.
    pub max_line_search: usize,
    /// Sequential or rayon-parallel vector operations. Default [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for LbfgsParams<S> {
    fn default() -> Self {
        Self {
            memory: 10,
            abs_tol: default_tol(1e-8),
            max_iter: AUTO_ITERATIONS,
            c1: S::from_f64_lossy(1e-4),
            c2: S::from_f64_lossy(0.9),
            max_line_search: 40,
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Minimises `f` from `x` by limited-memory BFGS, in a fresh arena: the two-loop recursion
/// applies the inverse Hessian approximation built from the last `memory` pairs `(s, y)`
/// (pairs with `sᵀy ≤ ε·‖s‖·‖y‖` are skipped, keeping the approximation positive definite),
/// scaled by `sᵀy/yᵀy` of the newest pair, and a strong-Wolfe line search chooses the step.
/// All vectors (the `2·memory` pairs included) are arena clones of `x` made once. See
/// [`lbfgs_in`] for a monitor or another arena.
///
/// ```
/// use rvf_algorithms::optimize::{lbfgs, LbfgsParams, Rosenbrock};
/// use rvf_algorithms::Termination;
/// let f = Rosenbrock { n: 2 };
/// let mut x = f.start::<f64>();
/// let r = lbfgs(&f, &mut x, &LbfgsParams::default()).unwrap();
/// assert_eq!(r.termination, Termination::Converged);
/// assert!((x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6);
/// ```
///
/// # Errors
/// [`SolverError::NotConverged`] after `max_iter` iterations (x holds the last accepted
/// point); [`SolverError::LineSearchFailed`] (likewise); [`SolverError::NonFiniteObjective`]
/// at the start or an accepted point; [`SolverError::DimensionMismatch`];
/// [`SolverError::InvalidParameter`] for `memory = 0`; [`SolverError::Arena`].
pub fn lbfgs<S, F, V>(
    f: &F,
    x: &mut V,
    params: &LbfgsParams<S>,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: Objective<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let vectors = 6 + 2 * params.memory;
    let arena = arena_for(vectors, x.local().len(), core::mem::size_of::<S>());
    lbfgs_in(f, x, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`lbfgs`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`lbfgs`].
    pub fn lbfgs<S, F, V>(
        &mut self,
        f: &F,
        x: &mut V,
        params: &LbfgsParams<S>,
    ) -> Result<OptimizeReport<S>, SolverError>
    where
        S: Real,
        F: Objective<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        lbfgs_in(f, x, params, self.arena_for_solve(), no_monitor!())
    }
}

/// [`lbfgs`] in `arena`, with a monitor that sees every iteration and may stop the run.
///
/// ```
/// use std::ops::ControlFlow;
/// use rvf::arena::MemoryArena;
/// use rvf_algorithms::optimize::{lbfgs_in, LbfgsParams, Rosenbrock};
/// use rvf_algorithms::Termination;
/// let f = Rosenbrock { n: 10 };
/// let mut x = f.start::<f64>();
/// let arena = MemoryArena::new(0);
/// let mut values = Vec::new();
/// let r = lbfgs_in(&f, &mut x, &LbfgsParams::default(), &arena, |p| {
///     values.push(p.value);
///     if p.value < 1e-3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
/// })
/// .unwrap();
/// assert_eq!(r.termination, Termination::StoppedByMonitor);
/// assert!(*values.last().unwrap() < 1e-3 && values.len() == r.iterations);
/// ```
///
/// # Errors
/// As [`lbfgs`].
pub fn lbfgs_in<S, F, V, M>(
    f: &F,
    x: &mut V,
    params: &LbfgsParams<S>,
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: Objective<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&OptimizeProgress<'_, S, V>) -> ControlFlow<()>,
{
    if params.memory == 0 {
        return Err(SolverError::InvalidParameter {
            name: "memory",
            value: 0.0,
            requirement: "at least one correction pair",
        });
    }
    let par = params.par;
    let m = params.memory;
    let max_iter = iteration_limit(params.max_iter, x.dimension(), 10, 1000);
    let search = StrongWolfe {
        c1: params.c1,
        c2: params.c2,
        max_evaluations: params.max_line_search,
    };
    let outer = arena.create_scope();
    let mut g = outer.clone_of(x)?;
    let mut d = outer.clone_of(x)?;
    let mut trial = outer.clone_of(x)?;
    let mut g_trial = outer.clone_of(x)?;
    let mut s_new = outer.clone_of(x)?;
    let mut y_new = outer.clone_of(x)?;
    let mut s_hist = Vec::with_capacity(m);
    let mut y_hist = Vec::with_capacity(m);
    for _ in 0..m {
        s_hist.push(outer.clone_of(x)?);
        y_hist.push(outer.clone_of(x)?);
    }
    let mut rho = vec![S::zero(); m];
    let mut alpha = vec![S::zero(); m];
    let (mut head, mut count) = (0usize, 0usize);

    let mut report = OptimizeReport::start("lbfgs", par, f, &*x, &mut g)?;
    let mut fx = report.value;
    let mut stopped = false;

    let mut k = 0;
    loop {
        k += 1;
        let gnorm = par.l2norm(&g);
        report.gradient_norm = gnorm;
        if let Some(done) = report.finish_if(params.abs_tol, stopped) {
            return Ok(done);
        }
        if k > max_iter {
            return Err(report.not_converged(params.abs_tol));
        }
        // Two-loop recursion: d ← −H·g.
        par.copy(&mut d, &g);
        for j in (0..count).rev() {
            let i = (head + j) % m;
            alpha[i] = rho[i] * par.inner_product(&s_hist[i], &d);
            par.axpy(&mut d, -alpha[i], &y_hist[i]);
        }
        if count > 0 {
            let newest = (head + count - 1) % m;
            let yy = par.l2norm_squared(&y_hist[newest]);
            par.scale(&mut d, S::one() / (rho[newest] * yy));
        }
        for j in 0..count {
            let i = (head + j) % m;
            let beta = rho[i] * par.inner_product(&y_hist[i], &d);
            par.axpy(&mut d, alpha[i] - beta, &s_hist[i]);
        }
        par.scale(&mut d, -S::one());
        let mut dg = par.inner_product(&d, &g);
        if dg.is_nan() || dg >= S::zero() {
            // Not a descent direction (rounding in the recursion): restart from −g.
            count = 0;
            par.copy(&mut d, &g);
            par.scale(&mut d, -S::one());
            dg = -gnorm * gnorm;
        }
        let alpha0 = if count == 0 {
            (S::one() / gnorm).min(S::one())
        } else {
            S::one()
        };
        let start = Sample {
            alpha: S::zero(),
            phi: fx,
            dphi: dg,
        };
        let (accepted, evals) = search.search(start, alpha0, &mut |step| {
            // φ(α) = f(x + α·d), φ'(α) = ∇f(x + α·d)ᵀd, with the point and its gradient
            // left in `trial` and `g_trial`.
            par.copy(&mut trial, &*x);
            par.axpy(&mut trial, step, &d);
            let phi = f.value_and_gradient_local(trial.local(), g_trial.local_mut());
            Sample {
                alpha: step,
                phi,
                dphi: par.inner_product(&g_trial, &d),
            }
        });
        report.value_evaluations += evals;
        report.gradient_evaluations += evals;
        let Some(step) = accepted else {
            return Err(SolverError::LineSearchFailed {
                iteration: k,
                value: to_f64(fx),
            });
        };
        if !par.all_finite(&g_trial) {
            return Err(SolverError::NonFiniteObjective { iteration: k });
        }
        // New pair s = trial − x, y = g_trial − g, kept when sᵀy is safely positive. It is
        // built aside and swapped into the ring (swapping handles, not data), so a rejected
        // pair never overwrites the oldest one.
        par.copy(&mut s_new, &trial);
        par.axpy(&mut s_new, -S::one(), &*x);
        par.copy(&mut y_new, &g_trial);
        par.axpy(&mut y_new, -S::one(), &g);
        let sy = par.inner_product(&s_new, &y_new);
        if sy > S::epsilon() * par.l2norm(&s_new) * par.l2norm(&y_new) {
            let slot = if count == m { head } else { (head + count) % m };
            core::mem::swap(&mut s_hist[slot], &mut s_new);
            core::mem::swap(&mut y_hist[slot], &mut y_new);
            rho[slot] = S::one() / sy;
            if count == m {
                head = (head + 1) % m;
            } else {
                count += 1;
            }
        }
        par.copy(x, &trial);
        par.copy(&mut g, &g_trial);
        fx = step.phi;
        report.value = fx;
        report.iterations = k;
        let progress = OptimizeProgress {
            iteration: k,
            value: fx,
            gradient_norm: par.l2norm(&g),
            x: &*x,
        };
        stopped = monitor(&progress).is_break();
    }
}
