//! Steihaug–Toint truncated conjugate gradients for the trust-region subproblem.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use crate::error::{non_negative, positive, same_dim, to_f64, SolverError};
use crate::linear::{LinearOperator, Preconditioner};

/// How the truncated CG iteration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncatedCgStatus {
    /// The model gradient `g + H·s` fell below the tolerance inside the region.
    Converged,
    /// The iteration limit was reached inside the region.
    MaxIterations,
    /// A direction of non-positive curvature was followed to the boundary.
    NegativeCurvature,
    /// The next CG step would have left the region: the step stops on the boundary.
    TrustRegionBoundary,
    /// The preconditioner gave `rᵀM⁻¹r ≤ 0`; the last step inside the region is returned.
    PreconditionerFailure,
}

/// The outcome of [`truncated_cg`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedCgResult<S> {
    /// How it ended.
    pub status: TruncatedCgStatus,
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
    /// Stop when `‖g + H·s‖ ≤ rel_tol·‖g‖`. Default `1e-6`.
    pub rel_tol: S,
    /// Iteration limit; `None` means the dimension.
    pub max_iter: Option<usize>,
}

impl<S: Real> Default for TruncatedCgParams<S> {
    fn default() -> Self {
        Self {
            rel_tol: S::from_f64_lossy(1e-6),
            max_iter: None,
        }
    }
}

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
/// Steihaug–Toint truncated CG, writing the step into `step`.
///
/// CG runs from `s = 0` and stops at the first of: the residual `g + H·s` small enough, a
/// direction of non-positive curvature (followed to the boundary), a step that would leave the
/// region (cut at the boundary), a preconditioner failure, or the iteration limit. The norm is
/// the preconditioner's (`‖s‖²_M = sᵀMs`, tracked by the standard recurrences, so `M` is never
/// applied, only `M⁻¹`); with the identity it is Euclidean. Every iterate stays in the
/// region. Work vectors are arena clones of `g`.
///
/// ```
/// use rvf::prelude::*;
/// use rvf::DenseMatrix;
/// use rvf_algorithms::linear::Identity;
/// use rvf_algorithms::optimize::{truncated_cg, TruncatedCgParams, TruncatedCgStatus};
/// let h = DenseMatrix::from_row_major(2, 2, vec![2.0, 0.0, 0.0, 2.0]).unwrap();
/// let g = vec![-2.0, 0.0]; // the unconstrained minimiser is s = (1, 0)
/// let arena = MemoryArena::new(4096);
/// let mut s = vec![0.0; 2];
/// let r = truncated_cg(&h, &Identity, &g, 10.0, &mut s, &TruncatedCgParams::default(), &arena)
///     .unwrap();
/// assert_eq!(r.status, TruncatedCgStatus::Converged);
/// assert!((s[0] - 1.0).abs() < 1e-12);
/// let r = truncated_cg(&h, &Identity, &g, 0.5, &mut s, &TruncatedCgParams::default(), &arena)
///     .unwrap();
/// assert_eq!(r.status, TruncatedCgStatus::TrustRegionBoundary);
/// assert!((s[0] - 0.5).abs() < 1e-12 && (r.step_norm - 0.5).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`]; [`SolverError::InvalidParameter`] for a radius that is
/// not positive and finite or a negative tolerance; [`SolverError::NonFiniteInput`] for a
/// non-finite `g`; [`SolverError::Arena`].
#[allow(clippy::too_many_arguments)]
pub fn truncated_cg<S, H, M, G, V>(
    h: &H,
    m: &M,
    g: &G,
    radius: S,
    step: &mut V,
    params: &TruncatedCgParams<S>,
    arena: &MemoryArena,
) -> Result<TruncatedCgResult<S>, SolverError>
where
    S: Real,
    H: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    G: RealVector<Scalar = S> + ArenaClone + ?Sized,
    V: RealVectorMut<Scalar = S> + ?Sized,
{
    truncated_cg_like(h, m, g, g, radius, step, params, arena)
}

/// [`truncated_cg`] with its work vectors cloned from `template` (any vector of the problem's
/// family), so `g` itself need not support arena clones.
#[allow(clippy::too_many_arguments)]
pub(crate) fn truncated_cg_like<S, H, M, G, T, V>(
    h: &H,
    m: &M,
    g: &G,
    template: &T,
    radius: S,
    step: &mut V,
    params: &TruncatedCgParams<S>,
    arena: &MemoryArena,
) -> Result<TruncatedCgResult<S>, SolverError>
where
    S: Real,
    H: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    G: RealVector<Scalar = S> + ?Sized,
    T: RealVector<Scalar = S> + ArenaClone + ?Sized,
    V: RealVectorMut<Scalar = S> + ?Sized,
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
    if !g.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "g" });
    }
    let max_iter = params.max_iter.unwrap_or(n);
    let half = S::from_f64_lossy(0.5);
    step.fill(S::zero());

    let gnorm = g.l2norm();
    let tol = params.rel_tol * gnorm;
    let done = |status, iterations, s_ms: S, s: &V, r: &T::Temp<'_>| TruncatedCgResult {
        status,
        iterations,
        step_norm: s_ms.max(S::zero()).sqrt(),
        // r = g + H·s, so sᵀHs = sᵀr − sᵀg and m(s) = ½(gᵀs + sᵀr).
        predicted_reduction: -half * (s.inner_product(g) + s.inner_product(r)),
    };

    let scope = arena.create_scope();
    let mut r = scope.clone_of(template)?; // r = g + H·s, s = 0
    r.copy_from(g);
    let mut hp = scope.clone_of(template)?;
    let mut p = scope.clone_of(template)?;
    p.copy_from(g);
    let mut z = if M::IS_IDENTITY {
        None
    } else {
        Some(scope.clone_of(template)?)
    };
    // z = M⁻¹r, p = −z
    let mut rz = match z.as_mut() {
        None => {
            p.scale_in_place(-S::one());
            r.l2norm_squared()
        }
        Some(z) => {
            m.apply(&r, z);
            p.copy_from(z);
            p.scale_in_place(-S::one());
            r.inner_product(z)
        }
    };
    if gnorm <= tol || gnorm == S::zero() {
        return Ok(done(TruncatedCgStatus::Converged, 0, S::zero(), step, &r));
    }
    if !(rz > S::zero() && rz.is_finite()) {
        return Ok(done(
            TruncatedCgStatus::PreconditionerFailure,
            0,
            S::zero(),
            step,
            &r,
        ));
    }
    let (mut s_ms, mut s_mp, mut p_mp) = (S::zero(), S::zero(), rz);

    for k in 1..=max_iter {
        h.apply(&p, &mut hp);
        let php = p.inner_product(&hp);
        if php.is_nan() || php <= S::zero() {
            // Non-positive curvature: the model decreases without bound along p.
            let tau = to_boundary(s_ms, s_mp, p_mp, radius);
            step.axpy_in_place(tau, &p);
            r.axpy_in_place(tau, &hp);
            let s_ms = radius * radius;
            return Ok(done(
                TruncatedCgStatus::NegativeCurvature,
                k,
                s_ms,
                step,
                &r,
            ));
        }
        let alpha = rz / php;
        let next_ms = s_ms + (S::one() + S::one()) * alpha * s_mp + alpha * alpha * p_mp;
        if next_ms >= radius * radius {
            let tau = to_boundary(s_ms, s_mp, p_mp, radius);
            step.axpy_in_place(tau, &p);
            r.axpy_in_place(tau, &hp);
            let s_ms = radius * radius;
            return Ok(done(
                TruncatedCgStatus::TrustRegionBoundary,
                k,
                s_ms,
                step,
                &r,
            ));
        }
        step.axpy_in_place(alpha, &p);
        r.axpy_in_place(alpha, &hp);
        s_ms = next_ms;
        if r.l2norm() <= tol {
            return Ok(done(TruncatedCgStatus::Converged, k, s_ms, step, &r));
        }
        let rz_new = match z.as_mut() {
            None => r.l2norm_squared(),
            Some(z) => {
                m.apply(&r, z);
                r.inner_product(z)
            }
        };
        if !(rz_new > S::zero() && rz_new.is_finite()) {
            return Ok(done(
                TruncatedCgStatus::PreconditionerFailure,
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
        match z.as_ref() {
            None => p.axpby_in_place(-S::one(), &r, beta),
            Some(z) => p.axpby_in_place(-S::one(), z, beta),
        }
        rz = rz_new;
    }
    Ok(done(
        TruncatedCgStatus::MaxIterations,
        max_iter,
        s_ms,
        step,
        &r,
    ))
}
