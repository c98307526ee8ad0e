//! Projected gradient descent with box bounds and a backtracking Armijo line search.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::objective::Objective;
use super::result::{OptimizeResult, OptimizeStatus};
use crate::error::{same_dim, to_f64, SolverError};

/// Parameters of [`projected_gradient`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectedGradientParams<S> {
    /// Stop when the projected gradient `‖P(x − ∇f(x)) − x‖∞ ≤ tol`. Default 1e-8.
    pub tol: S,
    /// Iteration limit. Default 10 000.
    pub max_iter: usize,
    /// Sufficient-decrease constant. Default 1e-4.
    pub c1: S,
    /// Halvings of the step allowed per iteration. Default 60.
    pub max_backtracks: usize,
}

impl<S: Real> Default for ProjectedGradientParams<S> {
    fn default() -> Self {
        Self {
            tol: S::from_f64_lossy(1e-8),
            max_iter: 10_000,
            c1: S::from_f64_lossy(1e-4),
            max_backtracks: 60,
        }
    }
}

/// Minimises `f` over the box `lower ≤ x ≤ upper` (infinite bounds allowed) by projected
/// gradient descent: `x ← P(x − α·∇f(x))` with `P` the projection onto the box, `α` starting
/// from the Barzilai–Borwein step `sᵀs/sᵀy` and halved until the Armijo condition
/// `f(x⁺) ≤ f(x) + c1·∇f(x)ᵀ(x⁺ − x)` holds. The start is projected into the box first.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::optimize::{projected_gradient, FnObjective, ProjectedGradientParams};
/// // min (x − 2)² over 0 ≤ x ≤ 1: the bound is active at 1.
/// let f = FnObjective::new(
///     1,
///     |x: &[f64]| (x[0] - 2.0).powi(2),
///     |x: &[f64], g: &mut [f64]| g[0] = 2.0 * (x[0] - 2.0),
/// );
/// let arena = MemoryArena::new(4096);
/// let mut x = vec![0.5];
/// projected_gradient(&f, &mut x, &vec![0.0], &vec![1.0], &ProjectedGradientParams::default(), &arena)
///     .unwrap();
/// assert_eq!(x, [1.0]);
/// ```
///
/// # Errors
/// [`SolverError::InvalidParameter`] if some `lowerᵢ > upperᵢ` or a bound is NaN;
/// [`SolverError::LineSearchFailed`] (x stays at the last accepted point);
/// [`SolverError::NonFiniteObjective`]; [`SolverError::DimensionMismatch`];
/// [`SolverError::Arena`]. Reaching `max_iter` is reported in the result.
pub fn projected_gradient<S, F, V, L, U>(
    f: &F,
    x: &mut V,
    lower: &L,
    upper: &U,
    params: &ProjectedGradientParams<S>,
    arena: &MemoryArena,
) -> Result<OptimizeResult<S>, SolverError>
where
    S: Real,
    F: Objective<S>,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    L: RealVector<Scalar = S> + ?Sized,
    U: RealVector<Scalar = S> + ?Sized,
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
    if !x.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "x0" });
    }
    x.zip_in_place((lower, upper), |xi, [l, u]| *xi = xi.max(l).min(u));

    let outer = arena.create_scope();
    let mut g = outer.clone_of(x)?;
    let mut trial = outer.clone_of(x)?;
    let mut g_trial = outer.clone_of(x)?;
    let mut step = outer.clone_of(x)?;
    let mut result = OptimizeResult::start("projected_gradient", f, &*x, &mut g)?;
    let mut fx = result.value;
    let half = S::from_f64_lossy(0.5);
    let mut alpha = S::one() / g.norm_inf().max(S::one());

    for k in 1..=params.max_iter {
        // Stationarity: the projected gradient step P(x − g) − x.
        step.zip_in_place((&*x, &g, lower, upper), |si, [xi, gi, l, u]| {
            *si = (xi - gi).max(l).min(u) - xi
        });
        let pg = step.norm_inf();
        result.gradient_norm = pg;
        if pg <= params.tol {
            result.status = OptimizeStatus::Converged;
            result.iterations = k - 1;
            return Ok(result);
        }
        let mut accepted = None;
        for _ in 0..params.max_backtracks {
            trial.zip_in_place((&*x, &g, lower, upper), |ti, [xi, gi, l, u]| {
                *ti = (xi - alpha * gi).max(l).min(u)
            });
            step.copy_from(&trial);
            step.axpy_in_place(-S::one(), x);
            let ft = f.value(&trial);
            result.value_evaluations += 1;
            if ft <= fx + params.c1 * g.inner_product(&step) {
                accepted = Some(ft);
                break;
            }
            alpha *= half;
        }
        let Some(ft) = accepted else {
            return Err(SolverError::LineSearchFailed {
                iteration: k,
                value: to_f64(fx),
            });
        };
        f.gradient(&trial, &mut g_trial);
        result.gradient_evaluations += 1;
        if !(ft.is_finite() && g_trial.all_finite()) {
            return Err(SolverError::NonFiniteObjective { iteration: k });
        }
        // Barzilai–Borwein step for the next iteration: sᵀs / sᵀy, with s = step and
        // y = g_trial − g (computed into g, which is replaced right after).
        g.scale_in_place(-S::one());
        g.add_in_place(&g_trial);
        let sy = step.inner_product(&g);
        let ss = step.l2norm_squared();
        alpha = if sy > S::zero() {
            (ss / sy)
                .max(S::from_f64_lossy(1e-12))
                .min(S::from_f64_lossy(1e12))
        } else {
            alpha + alpha
        };
        x.copy_from(&trial);
        g.copy_from(&g_trial);
        fx = ft;
        result.value = fx;
        result.iterations = k;
    }
    Ok(result)
}
