//! A trust-region Newton method with Steihaug–Toint truncated CG steps.

use core::cell::Cell;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::objective::{HessianPreconditioner, HessianVector};
use super::result::{OptimizeResult, OptimizeStatus};
use super::steihaug::{truncated_cg_like, TruncatedCgParams, TruncatedCgResult, TruncatedCgStatus};
use crate::error::{positive, to_f64, SolverError};
use crate::linear::{Identity, LinearOperator, Preconditioner};

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
    /// Stop when `‖∇f‖₂ ≤ gtol`. Default 1e-8.
    pub gtol: S,
    /// Iteration limit. Default 1000.
    pub max_iter: usize,
    /// Limit on CG iterations per subproblem; `None` means the dimension.
    pub max_cg_iter: Option<usize>,
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
            gtol: f(1e-8),
            max_iter: 1000,
            max_cg_iter: None,
        }
    }
}

/// `∇²f(x)` as a linear operator, counting products.
struct HessianAt<'a, F, X: ?Sized> {
    f: &'a F,
    x: &'a X,
    products: &'a Cell<usize>,
}

impl<S: Real, F: HessianVector<S>, X: RealVector<Scalar = S> + ?Sized> LinearOperator<S>
    for HessianAt<'_, F, X>
{
    fn nrows(&self) -> usize {
        self.f.dimension()
    }
    fn ncols(&self) -> usize {
        self.f.dimension()
    }
    fn apply<V, O>(&self, v: &V, out: &mut O)
    where
        V: RealVector<Scalar = S> + ?Sized,
        O: RealVectorMut<Scalar = S> + ?Sized,
    {
        self.products.set(self.products.get() + 1);
        self.f.hessian_vector(self.x, v, out);
    }
}

/// The objective's preconditioner at `x` as a [`Preconditioner`].
struct PreconditionerAt<'a, F, X: ?Sized> {
    f: &'a F,
    x: &'a X,
}

impl<S: Real, F: HessianPreconditioner<S>, X: RealVector<Scalar = S> + ?Sized> Preconditioner<S>
    for PreconditionerAt<'_, F, X>
{
    fn apply<R, Z>(&self, r: &R, z: &mut Z)
    where
        R: RealVector<Scalar = S> + ?Sized,
        Z: RealVectorMut<Scalar = S> + ?Sized,
    {
        self.f.precondition(self.x, r, z);
    }
}

/// Minimises `f` from `x` by a trust-region Newton method: each step approximately solves
/// the quadratic model in the region by [`truncated_cg`](super::truncated_cg) (forcing term
/// `min(0.5, √‖g‖)·‖g‖`, for superlinear convergence), then accepts it when the actual
/// reduction is at least `η1` times the predicted one. The radius shrinks by `γ1` on
/// rejection and grows by `γ2` (up to `max_radius`) after a very successful step that
/// reached the boundary.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::optimize::{trust_region, OptimizeStatus, Rosenbrock, TrustRegionParams};
/// let f = Rosenbrock { n: 10 };
/// let mut x = f.start::<f64>();
/// let arena = MemoryArena::new(1 << 16);
/// let r = trust_region(&f, &mut x, &TrustRegionParams::default(), &arena).unwrap();
/// assert_eq!(r.status, OptimizeStatus::Converged);
/// assert!(x.iter().all(|&v| (v - 1.0).abs() < 1e-6));
/// ```
///
/// # Errors
/// [`SolverError::NonFiniteObjective`] if `f` or `∇f` is NaN/∞ at an accepted point (or the
/// start); [`SolverError::TrustRegionCollapsed`] if the radius falls below the resolution of
/// `x` without an acceptable step; [`SolverError::DimensionMismatch`];
/// [`SolverError::InvalidParameter`]; [`SolverError::Arena`]. Reaching `max_iter` is not an
/// error: the result says [`OptimizeStatus::MaxIterations`].
pub fn trust_region<S, F, V>(
    f: &F,
    x: &mut V,
    params: &TrustRegionParams<S>,
    arena: &MemoryArena,
) -> Result<OptimizeResult<S>, SolverError>
where
    S: Real,
    F: HessianVector<S>,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    run(&Plain, f, x, params, arena)
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
    arena: &MemoryArena,
) -> Result<OptimizeResult<S>, SolverError>
where
    S: Real,
    F: HessianVector<S> + HessianPreconditioner<S>,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    run(&Preconditioned, f, x, params, arena)
}

/// How a driver variant solves its subproblem.
trait Subproblem<S: Real, F> {
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
    ) -> Result<TruncatedCgResult<S>, SolverError>
    where
        X: RealVector<Scalar = S> + ArenaClone + ?Sized,
        G: RealVector<Scalar = S> + ?Sized,
        St: RealVectorMut<Scalar = S> + ?Sized;
}

struct Plain;
struct Preconditioned;

impl<S: Real, F: HessianVector<S>> Subproblem<S, F> for Plain {
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
    ) -> Result<TruncatedCgResult<S>, SolverError>
    where
        X: RealVector<Scalar = S> + ArenaClone + ?Sized,
        G: RealVector<Scalar = S> + ?Sized,
        St: RealVectorMut<Scalar = S> + ?Sized,
    {
        let h = HessianAt { f, x, products };
        truncated_cg_like(&h, &Identity, g, x, radius, step, params, arena)
    }
}

impl<S: Real, F: HessianVector<S> + HessianPreconditioner<S>> Subproblem<S, F> for Preconditioned {
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
    ) -> Result<TruncatedCgResult<S>, SolverError>
    where
        X: RealVector<Scalar = S> + ArenaClone + ?Sized,
        G: RealVector<Scalar = S> + ?Sized,
        St: RealVectorMut<Scalar = S> + ?Sized,
    {
        let h = HessianAt { f, x, products };
        let m = PreconditionerAt { f, x };
        truncated_cg_like(&h, &m, g, x, radius, step, params, arena)
    }
}

fn run<S, F, V, P>(
    subproblem: &P,
    f: &F,
    x: &mut V,
    params: &TrustRegionParams<S>,
    arena: &MemoryArena,
) -> Result<OptimizeResult<S>, SolverError>
where
    S: Real,
    F: HessianVector<S>,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    P: Subproblem<S, F>,
{
    positive("initial_radius", to_f64(params.initial_radius))?;
    positive("max_radius", to_f64(params.max_radius))?;
    let outer = arena.create_scope();
    let mut g = outer.clone_of(x)?;
    let mut s = outer.clone_of(x)?;
    let mut trial = outer.clone_of(x)?;
    let mut result = OptimizeResult::start("trust_region", f, &*x, &mut g)?;
    let mut fx = result.value;
    let products = Cell::new(0);
    let mut radius = params.initial_radius.min(params.max_radius);
    let half = S::from_f64_lossy(0.5);

    for k in 1..=params.max_iter {
        let gnorm = g.l2norm();
        result.gradient_norm = gnorm;
        if gnorm <= params.gtol {
            result.status = OptimizeStatus::Converged;
            result.iterations = k - 1;
            result.hessian_products = products.get();
            return Ok(result);
        }
        let cg = TruncatedCgParams {
            rel_tol: half.min(gnorm.sqrt()),
            max_iter: params.max_cg_iter,
        };
        let mut sub = subproblem.solve(f, &*x, &g, radius, &mut s, &cg, arena, &products)?;
        if sub.status == TruncatedCgStatus::PreconditionerFailure && sub.iterations == 0 {
            // The preconditioner failed before any step (rᵀM⁻¹r ≤ 0, e.g. lost to rounding
            // far from the solution): take this iteration's step without it.
            sub = Plain.solve(f, &*x, &g, radius, &mut s, &cg, arena, &products)?;
        }
        trial.copy_from(x);
        trial.add_in_place(&s);
        let f_trial = f.value(&trial);
        result.value_evaluations += 1;
        let pred = sub.predicted_reduction;
        let rho = (fx - f_trial) / pred;
        if f_trial.is_finite() && pred > S::zero() && rho >= params.eta1 {
            x.copy_from(&trial);
            fx = f.value_and_gradient(x, &mut g);
            result.value_evaluations += 1;
            result.gradient_evaluations += 1;
            if !(fx.is_finite() && g.all_finite()) {
                return Err(SolverError::NonFiniteObjective { iteration: k });
            }
            let on_boundary = matches!(
                sub.status,
                TruncatedCgStatus::TrustRegionBoundary | TruncatedCgStatus::NegativeCurvature
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
        result.value = fx;
        result.iterations = k;
    }
    result.gradient_norm = g.l2norm();
    result.hessian_products = products.get();
    Ok(result)
}
