//! Steihaug–Toint truncated conjugate gradients for the trust-region subproblem.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Par, Real, RealVector, RealVectorMut};

use crate::error::{non_negative, positive, same_dim, to_f64, SolverError};
use crate::linear::{precondition, LinearOperator, Preconditioner, SolveProgress};
use crate::no_monitor;
use crate::solver::{default_tol, iteration_limit, NonExhaustive, Termination, AUTO_ITERATIONS};
use crate::workspace::arena_for;

/// The outcome of [`truncated_cg`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct TruncatedCgReport<S> {
    /// How it ended: [`Termination::Converged`], [`Termination::NegativeCurvature`],
    /// [`Termination::TrustRegionBoundary`], [`Termination::IterationLimit`],
    /// [`Termination::PreconditionerBreakdown`] or [`Termination::StoppedByMonitor`]. The step
    /// is usable in every case.
    pub termination: Termination,
    /// CG iterations (Hessian products) performed.
    pub iterations: usize,
    /// `‖s‖` in the trust-region norm (`‖s‖_M = √(sᵀMs)`; Euclidean with the identity
    /// preconditioner). Never more than the radius.
    pub step_norm: S,
    /// `m(0) − m(s) = −(gᵀs + ½·sᵀHs)`, the decrease the quadratic model predicts.
    pub predicted_reduction: S,
}

/// Parameters of [`truncated_cg`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedCgParams<S> {
    /// Stop when `‖g + H·s‖ ≤ rel_tol·‖g‖`. Default `1e-6` (`100·ε` for `f32`).
    pub rel_tol: S,
    /// Iteration limit. Default: the dimension.
    pub max_iter: usize,
    /// Sequential or rayon-parallel vector operations and operator applications. Default
    /// [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for TruncatedCgParams<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-6),
            max_iter: AUTO_ITERATIONS,
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Work vectors: r, H·p, p, z.
const WORK_VECTORS: usize = 4;

/// The `τ ≥ 0` with `‖s + τ·p‖_M = Δ`, from `sᵀMs`, `sᵀMp`, `pᵀMp` (positive).
fn to_boundary<S: Real>(s_ms: S, s_mp: S, p_mp: S, radius: S) -> S {
    let gap = (radius * radius - s_ms).max(S::zero());
    let disc = (s_mp * s_mp + p_mp * gap).sqrt();
    // The root of pMp·τ² + 2·sMp·τ − gap, written to avoid cancellation.
    if s_mp > S::zero() {
        gap / (s_mp + disc)
    } else {
        (disc - s_mp) / p_mp
    }
}

/// Approximately minimises the model `m(s) = gᵀs + ½·sᵀHs` subject to `‖s‖_M ≤ Δ` by
/// Steihaug–Toint truncated CG, writing the step into `step`, in a fresh arena; see
/// [`truncated_cg_in`] for a monitor or another arena.
///
/// CG runs from `s = 0` and stops at the first of: the residual `g + H·s` small enough, a
/// direction of non-positive curvature (followed to the boundary), a step that would leave the
/// region (cut at the boundary), a preconditioner failure, or the iteration limit. The norm is
/// the preconditioner's (`‖s‖²_M = sᵀMs`, tracked by the standard recurrences, so `M` is never
/// applied, only `M⁻¹`); with the identity it is Euclidean. Every iterate stays in the
/// region. Work vectors are arena clones of `g`.
///
/// ```
/// use rvf::DenseMatrix;
/// use rvf_algorithms::linear::Identity;
/// use rvf_algorithms::optimize::{truncated_cg, TruncatedCgParams};
/// use rvf_algorithms::Termination;
/// let h = DenseMatrix::from_row_major(2, 2, vec![2.0, 0.0, 0.0, 2.0]).unwrap();
/// let g = vec![-2.0, 0.0]; // the unconstrained minimiser is s = (1, 0)
/// let mut s = vec![0.0_f64; 2];
/// let params = TruncatedCgParams::default();
/// let r = truncated_cg(&h, &Identity, &g, 10.0, &mut s, &params).unwrap();
/// assert_eq!(r.termination, Termination::Converged);
/// assert!((s[0] - 1.0).abs() < 1e-12);
/// let r = truncated_cg(&h, &Identity, &g, 0.5, &mut s, &params).unwrap();
/// assert_eq!(r.termination, Termination::TrustRegionBoundary);
/// assert!((s[0] - 0.5).abs() < 1e-12 && (r.step_norm - 0.5).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`]; [`SolverError::InvalidParameter`] for a radius that is
/// not positive and finite or a negative tolerance; [`SolverError::NonFiniteInput`] for a
/// non-finite `g`; [`SolverError::Arena`].
pub fn truncated_cg<S, H, M, G, V>(
    h: &H,
    m: &M,
    g: &G,
    radius: S,
    step: &mut V,
    params: &TruncatedCgParams<S>,
) -> Result<TruncatedCgReport<S>, SolverError>
where
    S: Real,
    H: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    G: RealVector<Scalar = S> + ArenaClone + ?Sized,
    V: RealVectorMut<Scalar = S> + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, g.local().len(), core::mem::size_of::<S>());
    truncated_cg_like(h, m, g, g, radius, step, params, &arena, no_monitor!())
}

/// [`truncated_cg`] in `arena`, with a monitor that sees every CG iteration (the model
/// residual `‖g + H·s‖`) and may stop it (the step so far is returned).
///
/// # Errors
/// As [`truncated_cg`].
#[allow(clippy::too_many_arguments)]
pub fn truncated_cg_in<S, H, M, G, V, F>(
    h: &H,
    m: &M,
    g: &G,
    radius: S,
    step: &mut V,
    params: &TruncatedCgParams<S>,
    arena: &MemoryArena,
    monitor: F,
) -> Result<TruncatedCgReport<S>, SolverError>
where
    S: Real,
    H: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    G: RealVector<Scalar = S> + ArenaClone + ?Sized,
    V: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    truncated_cg_like(h, m, g, g, radius, step, params, arena, monitor)
}

/// [`truncated_cg`] with its work vectors cloned from `template` (any vector of the problem's
/// family), so `g` itself need not support arena clones.
#[allow(clippy::too_many_arguments)]
pub(crate) fn truncated_cg_like<S, H, M, G, T, V, F>(
    h: &H,
    m: &M,
    g: &G,
    template: &T,
    radius: S,
    step: &mut V,
    params: &TruncatedCgParams<S>,
    arena: &MemoryArena,
    mut monitor: F,
) -> Result<TruncatedCgReport<S>, SolverError>
where
    S: Real,
    H: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    G: RealVector<Scalar = S> + ?Sized,
    T: RealVector<Scalar = S> + ArenaClone + ?Sized,
    V: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    same_dim(
        "truncated_cg (template)",
        g.dimension(),
        template.dimension(),
    )?;
    let n = g.dimension();
    same_dim("truncated_cg (H)", h.nrows(), n)?;
    same_dim("truncated_cg (step)", n, step.dimension())?;
    positive("radius", to_f64(radius))?;
    non_negative("rel_tol", to_f64(params.rel_tol))?;
    let par = params.par;
    if !par.all_finite(g) {
        return Err(SolverError::NonFiniteInput { what: "g" });
    }
    let max_iter = iteration_limit(params.max_iter, n, 1, 1);
    let half = S::from_f64_lossy(0.5);
    step.fill(S::zero());

    let gnorm = par.l2norm(g);
    let tol = params.rel_tol * gnorm;
    let done = |termination, iterations, s_ms: S, s: &V, r: &T::Temp<'_>| TruncatedCgReport {
        termination,
        iterations,
        step_norm: s_ms.max(S::zero()).sqrt(),
        // r = g + H·s, so sᵀHs = sᵀr − sᵀg and m(s) = ½(gᵀs + sᵀr).
        predicted_reduction: -half * (par.inner_product(s, g) + par.inner_product(s, r)),
    };

    let scope = arena.create_scope();
    let mut r = scope.clone_of(template)?; // r = g + H·s, s = 0
    par.copy(&mut r, g);
    let mut hp = scope.clone_of(template)?;
    let mut p = scope.clone_of(template)?;
    let mut z = if m.is_identity() {
        None
    } else {
        Some(scope.clone_of(template)?)
    };
    // z = M⁻¹r, p = −z
    let mut rz = precondition(par, m, &r, z.as_mut());
    par.copy(&mut p, z.as_ref().unwrap_or(&r));
    par.scale(&mut p, -S::one());
    if gnorm <= tol || gnorm == S::zero() {
        return Ok(done(Termination::Converged, 0, S::zero(), step, &r));
    }
    if !(rz > S::zero() && rz.is_finite()) {
        return Ok(done(
            Termination::PreconditionerBreakdown,
            0,
            S::zero(),
            step,
            &r,
        ));
    }
    let (mut s_ms, mut s_mp, mut p_mp) = (S::zero(), S::zero(), rz);

    for k in 1..=max_iter {
        h.apply_local(par, p.local(), hp.local_mut());
        let php = par.inner_product(&p, &hp);
        if php.is_nan() || php <= S::zero() {
            // Non-positive curvature: the model decreases without bound along p.
            let tau = to_boundary(s_ms, s_mp, p_mp, radius);
            par.axpy(step, tau, &p);
            par.axpy(&mut r, tau, &hp);
            let s_ms = radius * radius;
            return Ok(done(Termination::NegativeCurvature, k, s_ms, step, &r));
        }
        let alpha = rz / php;
        let next_ms = s_ms + (S::one() + S::one()) * alpha * s_mp + alpha * alpha * p_mp;
        if next_ms >= radius * radius {
            let tau = to_boundary(s_ms, s_mp, p_mp, radius);
            par.axpy(step, tau, &p);
            par.axpy(&mut r, tau, &hp);
            let s_ms = radius * radius;
            return Ok(done(Termination::TrustRegionBoundary, k, s_ms, step, &r));
        }
        par.axpy(step, alpha, &p);
        par.axpy(&mut r, alpha, &hp);
        s_ms = next_ms;
        let rnorm = par.l2norm(&r);
        if rnorm <= tol {
            return Ok(done(Termination::Converged, k, s_ms, step, &r));
        }
        let progress = SolveProgress {
            iteration: k,
            residual: rnorm,
            relative_residual: rnorm / gnorm,
        };
        if monitor(&progress).is_break() {
            return Ok(done(Termination::StoppedByMonitor, k, s_ms, step, &r));
        }
        let rz_new = precondition(par, m, &r, z.as_mut());
        if !(rz_new > S::zero() && rz_new.is_finite()) {
            return Ok(done(
                Termination::PreconditionerBreakdown,
                k,
                s_ms,
                step,
                &r,
            ));
        }
        let beta = rz_new / rz;
        // ‖·‖_M recurrences for p ← −z + β·p.
        s_mp = beta * (s_mp + alpha * p_mp);
        p_mp = rz_new + beta * beta * p_mp;
        par.axpby(&mut p, -S::one(), z.as_ref().unwrap_or(&r), beta);
        rz = rz_new;
    }
    Ok(done(Termination::IterationLimit, max_iter, s_ms, step, &r))
}
