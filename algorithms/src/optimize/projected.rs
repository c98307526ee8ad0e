//! Projected gradient descent with box bounds and a backtracking Armijo line search.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::line_search::{Backtracking, LineSearch, Sample};
use super::objective::Objective;
use super::report::{OptimizeProgress, OptimizeReport};
use crate::error::{same_dim, to_f64, SolverError};
use crate::no_monitor;
use crate::solver::{default_tol, iteration_limit, NonExhaustive, AUTO_ITERATIONS};
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`projected_gradient`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectedGradientParams<S> {
    /// Stop when the projected gradient `‖P(x − ∇f(x)) − x‖∞ ≤ abs_tol`. Default `1e-8`
    /// (`100·ε` for `f32`).
    pub abs_tol: S,
    /// Iteration limit. Default: `10·n` for `n` unknowns, at least 10 000.
    pub max_iter: usize,
    /// Sufficient-decrease constant. Default 1e-4.
    pub c1: S,
    /// Objective evaluations allowed per line search (each halves the step). Default 60.
    pub max_line_search: usize,
    /// Sequential or rayon-parallel vector operations. Default [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for ProjectedGradientParams<S> {
    fn default() -> Self {
        Self {
            abs_tol: default_tol(1e-8),
            max_iter: AUTO_ITERATIONS,
            c1: S::from_f64_lossy(1e-4),
            max_line_search: 60,
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Work vectors: g, the trial point and its gradient, the step.
const WORK_VECTORS: usize = 4;

/// Minimises `f` over the box `lower ≤ x ≤ upper` (infinite bounds allowed) by projected
/// gradient descent, in a fresh arena: `x ← P(x − α·∇f(x))` with `P` the projection onto the
/// box, `α` starting from the Barzilai–Borwein step `sᵀs/sᵀy` and halved until the Armijo
/// condition `f(x⁺) ≤ f(x) + c1·∇f(x)ᵀ(x⁺ − x)` holds. The start is projected into the box
/// first. See [`projected_gradient_in`] for a monitor or another arena.
///
/// ```
/// use rvf_algorithms::optimize::{projected_gradient, FnObjective, ProjectedGradientParams};
/// // min (x − 2)² over 0 ≤ x ≤ 1: the bound is active at 1.
/// let f = FnObjective::new(
///     1,
///     |x: &[f64]| (x[0] - 2.0).powi(2),
///     |x: &[f64], g: &mut [f64]| g[0] = 2.0 * (x[0] - 2.0),
/// );
/// let mut x = vec![0.5];
/// projected_gradient(&f, &mut x, &vec![0.0], &vec![1.0], &ProjectedGradientParams::default())
///     .unwrap();
/// assert_eq!(x, [1.0]);
/// ```
///
/// # Errors
/// [`SolverError::InvalidParameter`] if some `lowerᵢ > upperᵢ` or a bound is NaN;
/// [`SolverError::NotConverged`] after `max_iter` iterations and
/// [`SolverError::LineSearchFailed`] (x stays at the last accepted point in both);
/// [`SolverError::NonFiniteObjective`]; [`SolverError::DimensionMismatch`];
/// [`SolverError::Arena`].
pub fn projected_gradient<S, F, V, L, U>(
    f: &F,
    x: &mut V,
    lower: &L,
    upper: &U,
    params: &ProjectedGradientParams<S>,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: Objective<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    L: RealVector<Scalar = S> + ?Sized,
    U: RealVector<Scalar = S> + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, x.local().len(), core::mem::size_of::<S>());
    projected_gradient_in(f, x, lower, upper, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`projected_gradient`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`projected_gradient`].
    pub fn projected_gradient<S, F, V, L, U>(
        &mut self,
        f: &F,
        x: &mut V,
        lower: &L,
        upper: &U,
        params: &ProjectedGradientParams<S>,
    ) -> Result<OptimizeReport<S>, SolverError>
    where
        S: Real,
        F: Objective<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
        L: RealVector<Scalar = S> + ?Sized,
        U: RealVector<Scalar = S> + ?Sized,
    {
        projected_gradient_in(
            f,
            x,
            lower,
            upper,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// [`projected_gradient`] in `arena`, with a monitor that sees every iteration and may stop
/// the run.
///
/// # Errors
/// As [`projected_gradient`].
pub fn projected_gradient_in<S, F, V, L, U, M>(
    f: &F,
    x: &mut V,
    lower: &L,
    upper: &U,
    params: &ProjectedGradientParams<S>,
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: Objective<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    L: RealVector<Scalar = S> + ?Sized,
    U: RealVector<Scalar = S> + ?Sized,
    M: FnMut(&OptimizeProgress<'_, S, V>) -> ControlFlow<()>,
{
    let n = f.dimension();
    same_dim("projected_gradient (x)", n, x.dimension())?;
    same_dim("projected_gradient (lower)", n, lower.dimension())?;
    same_dim("projected_gradient (upper)", n, upper.dimension())?;
    for (i, (&l, &u)) in lower.local().iter().zip(upper.local().iter()).enumerate() {
        if l.is_nan() || u.is_nan() || l > u {
            return Err(SolverError::InvalidParameter {
                name: "bounds",
                value: i as f64,
                requirement: "lower[i] ≤ upper[i] for every i (value: the first bad index)",
            });
        }
    }
    let par = params.par;
    if !par.all_finite(x) {
        return Err(SolverError::NonFiniteInput { what: "x0" });
    }
    par.zip(x, (lower, upper), |xi, [l, u]| *xi = xi.max(l).min(u));
    let max_iter = iteration_limit(params.max_iter, n, 10, 10_000);
    let search = Backtracking {
        c1: params.c1,
        max_evaluations: params.max_line_search,
    };

    let outer = arena.create_scope();
    let mut g = outer.clone_of(x)?;
    let mut trial = outer.clone_of(x)?;
    let mut g_trial = outer.clone_of(x)?;
    let mut step = outer.clone_of(x)?;
    let mut report = OptimizeReport::start("projected_gradient", par, f, &*x, &mut g)?;
    let mut fx = report.value;
    let mut alpha = S::one() / g.norm_inf().max(S::one());
    let mut k = 0;
    loop {
        // Stationarity: the projected gradient step P(x − g) − x.
        par.zip(&mut step, (&*x, &g, lower, upper), |si, [xi, gi, l, u]| {
            *si = (xi - gi).max(l).min(u) - xi
        });
        report.gradient_norm = step.norm_inf();
        let stopped = k > 0 && {
            let progress = OptimizeProgress {
                iteration: k,
                value: fx,
                gradient_norm: report.gradient_norm,
                x: &*x,
            };
            monitor(&progress).is_break()
        };
        if let Some(done) = report.finish_if(params.abs_tol, stopped) {
            return Ok(done);
        }
        k += 1;
        if k > max_iter {
            return Err(report.not_converged(params.abs_tol));
        }
        let start = Sample {
            alpha: S::zero(),
            phi: fx,
            dphi: S::zero(),
        };
        let (accepted, evals) = search.search(start, alpha, &mut |a| {
            // The projected path x(α) = P(x − α·g); its model slope is gᵀ(x(α) − x)/α.
            par.zip(&mut trial, (&*x, &g, lower, upper), |ti, [xi, gi, l, u]| {
                *ti = (xi - a * gi).max(l).min(u)
            });
            par.copy(&mut step, &trial);
            par.axpy(&mut step, -S::one(), &*x);
            Sample {
                alpha: a,
                phi: f.value_local(trial.local()),
                dphi: par.inner_product(&g, &step) / a,
            }
        });
        report.value_evaluations += evals;
        let Some(accepted) = accepted else {
            return Err(SolverError::LineSearchFailed {
                iteration: k,
                value: to_f64(fx),
            });
        };
        alpha = accepted.alpha;
        let ft = accepted.phi;
        f.gradient_local(trial.local(), g_trial.local_mut());
        report.gradient_evaluations += 1;
        if !(ft.is_finite() && par.all_finite(&g_trial)) {
            return Err(SolverError::NonFiniteObjective { iteration: k });
        }
        // Barzilai–Borwein step for the next iteration: sᵀs / sᵀy, with s = step and
        // y = g_trial − g (computed into g, which is replaced right after).
        par.scale(&mut g, -S::one());
        par.axpy(&mut g, S::one(), &g_trial);
        let sy = par.inner_product(&step, &g);
        let ss = par.l2norm_squared(&step);
        alpha = if sy > S::zero() {
            (ss / sy)
                .max(S::from_f64_lossy(1e-12))
                .min(S::from_f64_lossy(1e12))
        } else {
            alpha + alpha
        };
        par.copy(x, &trial);
        par.copy(&mut g, &g_trial);
        fx = ft;
        report.value = fx;
        report.iterations = k;
    }
}
