//! L-BFGS with a strong-Wolfe line search.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::objective::Objective;
use super::result::{OptimizeResult, OptimizeStatus};
use crate::error::{to_f64, SolverError};

/// Parameters of [`lbfgs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsParams<S> {
    /// Correction pairs kept. Default 10.
    pub memory: usize,
    /// Stop when `‖∇f‖₂ ≤ gtol`. Default 1e-8.
    pub gtol: S,
    /// Iteration limit. Default 1000.
    pub max_iter: usize,
    /// Sufficient-decrease constant of the Wolfe conditions. Default 1e-4.
    pub c1: S,
    /// Curvature constant of the strong Wolfe conditions. Default 0.9.
    pub c2: S,
    /// Objective evaluations allowed per line search. Default 40.
    pub max_line_search: usize,
}

impl<S: Real> Default for LbfgsParams<S> {
    fn default() -> Self {
        Self {
            memory: 10,
            gtol: S::from_f64_lossy(1e-8),
            max_iter: 1000,
            c1: S::from_f64_lossy(1e-4),
            c2: S::from_f64_lossy(0.9),
            max_line_search: 40,
        }
    }
}

/// One evaluated point of the line search: step, value, directional derivative.
#[derive(Clone, Copy)]
struct Sample<S> {
    alpha: S,
    phi: S,
    dphi: S,
}

/// The minimiser of the cubic through two samples, safeguarded into the middle 80% of the
/// interval (bisection when the cubic has no usable minimiser).
fn cubic_step<S: Real>(a: Sample<S>, b: Sample<S>) -> S {
    let f = S::from_f64_lossy;
    let (lo, hi) = if a.alpha < b.alpha {
        (a.alpha, b.alpha)
    } else {
        (b.alpha, a.alpha)
    };
    let width = hi - lo;
    let d1 = a.dphi + b.dphi - f(3.0) * (a.phi - b.phi) / (a.alpha - b.alpha);
    let disc = d1 * d1 - a.dphi * b.dphi;
    let mid = lo + f(0.5) * width;
    if disc.is_nan() || disc < S::zero() {
        return mid;
    }
    let d2 = (b.alpha - a.alpha).signum() * disc.sqrt();
    let t = b.alpha - (b.alpha - a.alpha) * (b.dphi + d2 - d1) / (b.dphi - a.dphi + f(2.0) * d2);
    if t.is_finite() {
        t.max(lo + f(0.1) * width).min(hi - f(0.1) * width)
    } else {
        mid
    }
}

/// Evaluates `φ(α) = f(x + α·d)` and `φ'(α)`, leaving the point in `trial` and its gradient
/// in `g_trial`.
fn sample<S, F, X, D, T, G>(
    f: &F,
    x: &X,
    d: &D,
    alpha: S,
    trial: &mut T,
    g_trial: &mut G,
) -> Sample<S>
where
    S: Real,
    F: Objective<S>,
    X: RealVector<Scalar = S> + ?Sized,
    D: RealVector<Scalar = S> + ?Sized,
    T: RealVectorMut<Scalar = S> + ?Sized,
    G: RealVectorMut<Scalar = S> + ?Sized,
{
    trial.copy_from(x);
    trial.axpy_in_place(alpha, d);
    let phi = f.value_and_gradient(trial, g_trial);
    Sample {
        alpha,
        phi,
        dphi: g_trial.inner_product(d),
    }
}

/// A strong-Wolfe line search along the descent direction `d` (Nocedal & Wright,
/// Algorithms 3.5 and 3.6, with cubic interpolation). On success the accepted point and its
/// gradient are in `trial` and `g_trial`; returns the accepted sample and the evaluations
/// used, or `None` after `max_evals` evaluations.
#[allow(clippy::too_many_arguments)]
fn strong_wolfe<S, F, X, D, T, G>(
    f: &F,
    x: &X,
    d: &D,
    start: Sample<S>,
    alpha0: S,
    params: &LbfgsParams<S>,
    trial: &mut T,
    g_trial: &mut G,
) -> (Option<Sample<S>>, usize)
where
    S: Real,
    F: Objective<S>,
    X: RealVector<Scalar = S> + ?Sized,
    D: RealVector<Scalar = S> + ?Sized,
    T: RealVectorMut<Scalar = S> + ?Sized,
    G: RealVectorMut<Scalar = S> + ?Sized,
{
    let curvature = |s: &Sample<S>| s.dphi.abs() <= -params.c2 * start.dphi;
    // Sufficient decrease, or, near the minimum where f changes by rounding only, the
    // "approximate Wolfe" test of Hager and Zhang: f within 10⁻¹² relative of f(0) (above the
    // rounding of a sum of thousands of terms) and a derivative showing the step made the
    // expected progress.
    let noise = S::from_f64_lossy(1e-12) * start.phi.abs();
    let two_c1_minus_1 = params.c1 + params.c1 - S::one();
    let armijo = |s: &Sample<S>| {
        s.phi <= start.phi + params.c1 * s.alpha * start.dphi
            || (s.phi <= start.phi + noise && s.dphi <= two_c1_minus_1 * start.dphi)
    };
    let mut evals = 0;
    let mut prev = start;
    let mut alpha = alpha0;
    // Bracketing phase.
    let (mut lo, mut hi) = loop {
        if evals == params.max_line_search {
            return (None, evals);
        }
        let cur = sample(f, x, d, alpha, trial, g_trial);
        evals += 1;
        if !armijo(&cur) || (evals > 1 && cur.phi >= prev.phi) {
            break (prev, cur);
        }
        if curvature(&cur) {
            return (Some(cur), evals);
        }
        if cur.dphi >= S::zero() {
            break (cur, prev);
        }
        prev = cur;
        alpha = alpha + alpha;
    };
    // Zoom phase: `lo` satisfies Armijo with the lowest value so far.
    while evals < params.max_line_search {
        let t = if lo.phi.is_finite() && hi.phi.is_finite() {
            cubic_step(lo, hi)
        } else {
            S::from_f64_lossy(0.5) * (lo.alpha + hi.alpha)
        };
        let cur = sample(f, x, d, t, trial, g_trial);
        evals += 1;
        if !armijo(&cur) || cur.phi >= lo.phi {
            hi = cur;
        } else {
            if curvature(&cur) {
                return (Some(cur), evals);
            }
            if cur.dphi * (hi.alpha - lo.alpha) >= S::zero() {
                hi = lo;
            }
            lo = cur;
        }
        if (hi.alpha - lo.alpha).abs() <= S::epsilon() * lo.alpha.abs().max(S::one()) {
            break;
        }
    }
    (None, evals)
}

/// Minimises `f` from `x` by limited-memory BFGS: the two-loop recursion applies the inverse
/// Hessian approximation built from the last `memory` pairs `(s, y)` (pairs with
/// `sᵀy ≤ ε·‖s‖·‖y‖` are skipped, keeping the approximation positive definite), scaled by
/// `sᵀy/yᵀy` of the newest pair, and a strong-Wolfe line search chooses the step. All
/// vectors (the `2·memory` pairs included) are arena clones of `x` made once.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::optimize::{lbfgs, LbfgsParams, OptimizeStatus, Rosenbrock};
/// let f = Rosenbrock { n: 2 };
/// let mut x = f.start::<f64>();
/// let arena = MemoryArena::new(1 << 14);
/// let r = lbfgs(&f, &mut x, &LbfgsParams::default(), &arena).unwrap();
/// assert_eq!(r.status, OptimizeStatus::Converged);
/// assert!((x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6);
/// ```
///
/// # Errors
/// [`SolverError::LineSearchFailed`] (x stays at the last accepted point);
/// [`SolverError::NonFiniteObjective`] at the start or an accepted point;
/// [`SolverError::DimensionMismatch`]; [`SolverError::InvalidParameter`] for `memory = 0`;
/// [`SolverError::Arena`]. Reaching `max_iter` is reported in the result.
pub fn lbfgs<S, F, V>(
    f: &F,
    x: &mut V,
    params: &LbfgsParams<S>,
    arena: &MemoryArena,
) -> Result<OptimizeResult<S>, SolverError>
where
    S: Real,
    F: Objective<S>,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    if params.memory == 0 {
        return Err(SolverError::InvalidParameter {
            name: "memory",
            value: 0.0,
            requirement: "at least one correction pair",
        });
    }
    let m = params.memory;
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

    let mut result = OptimizeResult::start("lbfgs", f, &*x, &mut g)?;
    let mut fx = result.value;

    for k in 1..=params.max_iter {
        let gnorm = g.l2norm();
        result.gradient_norm = gnorm;
        if gnorm <= params.gtol {
            result.status = OptimizeStatus::Converged;
            result.iterations = k - 1;
            return Ok(result);
        }
        // Two-loop recursion: d ← −H·g.
        d.copy_from(&g);
        for j in (0..count).rev() {
            let i = (head + j) % m;
            alpha[i] = rho[i] * s_hist[i].inner_product(&d);
            d.axpy_in_place(-alpha[i], &y_hist[i]);
        }
        if count > 0 {
            let newest = (head + count - 1) % m;
            let yy = y_hist[newest].l2norm_squared();
            d.scale_in_place(S::one() / (rho[newest] * yy));
        }
        for j in 0..count {
            let i = (head + j) % m;
            let beta = rho[i] * y_hist[i].inner_product(&d);
            d.axpy_in_place(alpha[i] - beta, &s_hist[i]);
        }
        d.scale_in_place(-S::one());
        let mut dg = d.inner_product(&g);
        if dg.is_nan() || dg >= S::zero() {
            // Not a descent direction (rounding in the recursion): restart from −g.
            count = 0;
            d.copy_from(&g);
            d.scale_in_place(-S::one());
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
        let (accepted, evals) =
            strong_wolfe(f, &*x, &d, start, alpha0, params, &mut trial, &mut g_trial);
        result.value_evaluations += evals;
        result.gradient_evaluations += evals;
        let Some(step) = accepted else {
            return Err(SolverError::LineSearchFailed {
                iteration: k,
                value: to_f64(fx),
            });
        };
        if !g_trial.all_finite() {
            return Err(SolverError::NonFiniteObjective { iteration: k });
        }
        // New pair s = trial − x, y = g_trial − g, kept when sᵀy is safely positive. It is
        // built aside and swapped into the ring (swapping handles, not data), so a rejected
        // pair never overwrites the oldest one.
        s_new.copy_from(&trial);
        s_new.axpy_in_place(-S::one(), x);
        y_new.copy_from(&g_trial);
        y_new.axpy_in_place(-S::one(), &g);
        let sy = s_new.inner_product(&y_new);
        if sy > S::epsilon() * s_new.l2norm() * y_new.l2norm() {
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
        x.copy_from(&trial);
        g.copy_from(&g_trial);
        fx = step.phi;
        result.value = fx;
        result.iterations = k;
    }
    result.gradient_norm = g.l2norm();
    Ok(result)
}
