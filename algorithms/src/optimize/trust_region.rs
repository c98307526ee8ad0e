//! A trust-region Newton method with Steihaug–Toint truncated CG steps.

use core::cell::Cell;
use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::objective::{HessianPreconditioner, HessianVector};
use super::report::{OptimizeProgress, OptimizeReport};
use super::steihaug::{truncated_cg_like, TruncatedCgParams, TruncatedCgReport};
use crate::error::{positive, to_f64, SolverError};
use crate::linear::{Identity, LinearOperator, Preconditioner};
use crate::no_monitor;
use crate::solver::{default_tol, iteration_limit, NonExhaustive, Termination, AUTO_ITERATIONS};
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`trust_region`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrustRegionParams<S> {
    /// First radius. Default 1.
    pub initial_radius: S,
    /// Largest radius. Default 1e6.
    pub max_radius: S,
    /// Steps with `ρ = actual / predicted reduction < η1` are rejected. Default 0.1.
    pub eta1: S,
    /// Steps with `ρ > η2` on the boundary enlarge the radius. Default 0.75.
    pub eta2: S,
    /// Shrink factor. Default 0.5.
    pub gamma1: S,
    /// Growth factor. Default 2.
    pub gamma2: S,
    /// Stop when `‖∇f‖₂ ≤ abs_tol`. Default `1e-8` (`100·ε` for `f32`).
    pub abs_tol: S,
    /// Iteration limit. Default: `10·n` for `n` unknowns, at least 1000.
    pub max_iter: usize,
    /// Limit on truncated-CG iterations per subproblem. Default: the dimension.
    pub subproblem_max_iter: usize,
    /// Sequential or rayon-parallel vector operations. Default [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for TrustRegionParams<S> {
    fn default() -> Self {
        let f = S::from_f64_lossy;
        Self {
            initial_radius: S::one(),
            max_radius: f(1e6),
            eta1: f(0.1),
            eta2: f(0.75),
            gamma1: f(0.5),
            gamma2: f(2.0),
            abs_tol: default_tol(1e-8),
            max_iter: AUTO_ITERATIONS,
            subproblem_max_iter: AUTO_ITERATIONS,
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// `∇²f(x)` as a linear operator, counting products.
struct HessianAt<'a, F: ?Sized, S> {
    f: &'a F,
    x: Local<'a, S>,
    products: &'a Cell<usize>,
}

impl<S: Real, F: HessianVector<S> + ?Sized> LinearOperator<S> for HessianAt<'_, F, S> {
    fn nrows(&self) -> usize {
        self.f.dimension()
    }
    fn ncols(&self) -> usize {
        self.f.dimension()
    }
    fn apply(&self, v: &[S], out: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(v), LocalMut::Contiguous(out));
    }
    fn apply_local(&self, _par: Par, v: Local<'_, S>, out: LocalMut<'_, S>) {
        self.products.set(self.products.get() + 1);
        self.f.hessian_vector_local(self.x, v, out);
    }
}

/// The objective's preconditioner at `x` as a [`Preconditioner`].
struct PreconditionerAt<'a, F: ?Sized, S> {
    f: &'a F,
    x: Local<'a, S>,
}

impl<S: Real, F: HessianPreconditioner<S> + ?Sized> Preconditioner<S>
    for PreconditionerAt<'_, F, S>
{
    fn apply(&self, r: &[S], z: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(r), LocalMut::Contiguous(z));
    }
    fn apply_local(&self, _par: Par, r: Local<'_, S>, z: LocalMut<'_, S>) {
        self.f.precondition_local(self.x, r, z);
    }
}

/// Minimises `f` from `x` by a trust-region Newton method, in a fresh arena: each step
/// approximately solves the quadratic model in the region by
/// [`truncated_cg`](super::truncated_cg) (forcing term `min(0.5, √‖g‖)·‖g‖`, for superlinear
/// convergence), then accepts it when the actual reduction is at least `η1` times the
/// predicted one. The radius shrinks by `γ1` on rejection and grows by `γ2` (up to
/// `max_radius`) after a very successful step that reached the boundary. See
/// [`trust_region_in`] for a monitor or another arena.
///
/// ```
/// use rvf_algorithms::optimize::{trust_region, Rosenbrock, TrustRegionParams};
/// use rvf_algorithms::Termination;
/// let f = Rosenbrock { n: 10 };
/// let mut x = f.start::<f64>();
/// let r = trust_region(&f, &mut x, &TrustRegionParams::default()).unwrap();
/// assert_eq!(r.termination, Termination::Converged);
/// assert!(x.iter().all(|&v| (v - 1.0).abs() < 1e-6));
/// ```
///
/// # Errors
/// [`SolverError::NotConverged`] after `max_iter` iterations (x holds the last accepted
/// point); [`SolverError::NonFiniteObjective`] if `f` or `∇f` is NaN/∞ at an accepted point
/// (or the start); [`SolverError::TrustRegionCollapsed`] if the radius falls below the
/// resolution of `x` without an acceptable step; [`SolverError::DimensionMismatch`];
/// [`SolverError::InvalidParameter`]; [`SolverError::Arena`].
pub fn trust_region<S, F, V>(
    f: &F,
    x: &mut V,
    params: &TrustRegionParams<S>,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: HessianVector<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, x.local().len(), core::mem::size_of::<S>());
    run(&Plain, f, x, params, &arena, no_monitor!())
}

/// [`trust_region`] with the objective's preconditioner ([`HessianPreconditioner`]) in the
/// truncated CG, whose trust region is then measured in the preconditioner's norm. An
/// iteration whose preconditioner fails before the first CG step (`rᵀM⁻¹r ≤ 0`) falls back to
/// the unpreconditioned step.
///
/// # Errors
/// As [`trust_region`].
pub fn trust_region_preconditioned<S, F, V>(
    f: &F,
    x: &mut V,
    params: &TrustRegionParams<S>,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: HessianVector<S> + HessianPreconditioner<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, x.local().len(), core::mem::size_of::<S>());
    run(&Preconditioned, f, x, params, &arena, no_monitor!())
}

/// [`trust_region`] in `arena`, with a monitor that sees every iteration and may stop the run.
///
/// # Errors
/// As [`trust_region`].
pub fn trust_region_in<S, F, V, M>(
    f: &F,
    x: &mut V,
    params: &TrustRegionParams<S>,
    arena: &MemoryArena,
    monitor: M,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: HessianVector<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&OptimizeProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(&Plain, f, x, params, arena, monitor)
}

/// [`trust_region_preconditioned`] in `arena`, with a monitor.
///
/// # Errors
/// As [`trust_region`].
pub fn trust_region_preconditioned_in<S, F, V, M>(
    f: &F,
    x: &mut V,
    params: &TrustRegionParams<S>,
    arena: &MemoryArena,
    monitor: M,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: HessianVector<S> + HessianPreconditioner<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&OptimizeProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(&Preconditioned, f, x, params, arena, monitor)
}

impl Workspace {
    /// [`trust_region`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`trust_region`].
    pub fn trust_region<S, F, V>(
        &mut self,
        f: &F,
        x: &mut V,
        params: &TrustRegionParams<S>,
    ) -> Result<OptimizeReport<S>, SolverError>
    where
        S: Real,
        F: HessianVector<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        run(&Plain, f, x, params, self.arena_for_solve(), no_monitor!())
    }

    /// [`trust_region_preconditioned`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`trust_region`].
    pub fn trust_region_preconditioned<S, F, V>(
        &mut self,
        f: &F,
        x: &mut V,
        params: &TrustRegionParams<S>,
    ) -> Result<OptimizeReport<S>, SolverError>
    where
        S: Real,
        F: HessianVector<S> + HessianPreconditioner<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        run(
            &Preconditioned,
            f,
            x,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// Work vectors: g, s, the trial point, and truncated CG's four.
const WORK_VECTORS: usize = 7;

/// How a driver variant solves its subproblem.
trait Subproblem<S: Real, F: ?Sized> {
    #[allow(clippy::too_many_arguments)]
    fn solve<X, G, St>(
        &self,
        f: &F,
        x: &X,
        g: &G,
        radius: S,
        step: &mut St,
        params: &TruncatedCgParams<S>,
        arena: &MemoryArena,
        products: &Cell<usize>,
    ) -> Result<TruncatedCgReport<S>, SolverError>
    where
        X: RealVector<Scalar = S> + ArenaClone + ?Sized,
        G: RealVector<Scalar = S> + ?Sized,
        St: RealVectorMut<Scalar = S> + ?Sized;
}

struct Plain;
struct Preconditioned;

impl<S: Real, F: HessianVector<S> + ?Sized> Subproblem<S, F> for Plain {
    fn solve<X, G, St>(
        &self,
        f: &F,
        x: &X,
        g: &G,
        radius: S,
        step: &mut St,
        params: &TruncatedCgParams<S>,
        arena: &MemoryArena,
        products: &Cell<usize>,
    ) -> Result<TruncatedCgReport<S>, SolverError>
    where
        X: RealVector<Scalar = S> + ArenaClone + ?Sized,
        G: RealVector<Scalar = S> + ?Sized,
        St: RealVectorMut<Scalar = S> + ?Sized,
    {
        let h = HessianAt {
            f,
            x: x.local(),
            products,
        };
        truncated_cg_like(
            &h,
            &Identity,
            g,
            x,
            radius,
            step,
            params,
            arena,
            no_monitor!(),
        )
    }
}

impl<S: Real, F: HessianVector<S> + HessianPreconditioner<S> + ?Sized> Subproblem<S, F>
    for Preconditioned
{
    fn solve<X, G, St>(
        &self,
        f: &F,
        x: &X,
        g: &G,
        radius: S,
        step: &mut St,
        params: &TruncatedCgParams<S>,
        arena: &MemoryArena,
        products: &Cell<usize>,
    ) -> Result<TruncatedCgReport<S>, SolverError>
    where
        X: RealVector<Scalar = S> + ArenaClone + ?Sized,
        G: RealVector<Scalar = S> + ?Sized,
        St: RealVectorMut<Scalar = S> + ?Sized,
    {
        let h = HessianAt {
            f,
            x: x.local(),
            products,
        };
        let m = PreconditionerAt { f, x: x.local() };
        truncated_cg_like(&h, &m, g, x, radius, step, params, arena, no_monitor!())
    }
}

fn run<S, F, V, P, M>(
    subproblem: &P,
    f: &F,
    x: &mut V,
    params: &TrustRegionParams<S>,
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<OptimizeReport<S>, SolverError>
where
    S: Real,
    F: HessianVector<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    P: Subproblem<S, F>,
    M: FnMut(&OptimizeProgress<'_, S, V>) -> ControlFlow<()>,
{
    positive("initial_radius", to_f64(params.initial_radius))?;
    positive("max_radius", to_f64(params.max_radius))?;
    let par = params.par;
    let max_iter = iteration_limit(params.max_iter, x.dimension(), 10, 1000);
    let outer = arena.create_scope();
    let mut g = outer.clone_of(x)?;
    let mut s = outer.clone_of(x)?;
    let mut trial = outer.clone_of(x)?;
    let mut report = OptimizeReport::start("trust_region", par, f, &*x, &mut g)?;
    let mut fx = report.value;
    let products = Cell::new(0);
    let mut radius = params.initial_radius.min(params.max_radius);
    let half = S::from_f64_lossy(0.5);
    let mut stopped = false;

    let mut k = 0;
    loop {
        k += 1;
        let gnorm = par.l2norm(&g);
        report.gradient_norm = gnorm;
        report.hessian_products = products.get();
        if let Some(done) = report.finish_if(params.abs_tol, stopped) {
            return Ok(done);
        }
        if k > max_iter {
            return Err(report.not_converged(params.abs_tol));
        }
        let cg = TruncatedCgParams {
            rel_tol: half.min(gnorm.sqrt()),
            max_iter: params.subproblem_max_iter,
            par,
            ..Default::default()
        };
        let mut sub = subproblem.solve(f, &*x, &g, radius, &mut s, &cg, arena, &products)?;
        if sub.termination == Termination::PreconditionerBreakdown && sub.iterations == 0 {
            // The preconditioner failed before any step (rᵀM⁻¹r ≤ 0, e.g. lost to rounding
            // far from the solution): take this iteration's step without it.
            sub = Plain.solve(f, &*x, &g, radius, &mut s, &cg, arena, &products)?;
        }
        par.copy(&mut trial, &*x);
        par.axpy(&mut trial, S::one(), &s);
        let f_trial = f.value_local(trial.local());
        report.value_evaluations += 1;
        let pred = sub.predicted_reduction;
        let rho = (fx - f_trial) / pred;
        if f_trial.is_finite() && pred > S::zero() && rho >= params.eta1 {
            par.copy(x, &trial);
            fx = f.value_and_gradient_local(x.local(), g.local_mut());
            report.value_evaluations += 1;
            report.gradient_evaluations += 1;
            if !(fx.is_finite() && par.all_finite(&g)) {
                return Err(SolverError::NonFiniteObjective { iteration: k });
            }
            let on_boundary = matches!(
                sub.termination,
                Termination::TrustRegionBoundary | Termination::NegativeCurvature
            );
            if rho > params.eta2 && on_boundary {
                radius = (params.gamma2 * radius).min(params.max_radius);
            }
        } else {
            // Shrink below the rejected step, so the next subproblem is really smaller.
            radius = params.gamma1 * radius.min(sub.step_norm);
            let resolution = S::epsilon() * (S::one() + x.norm_inf());
            if radius.is_nan() || radius <= resolution {
                return Err(SolverError::TrustRegionCollapsed {
                    iteration: k,
                    radius: to_f64(radius),
                });
            }
        }
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
