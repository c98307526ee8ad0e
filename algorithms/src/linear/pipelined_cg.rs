//! Pipelined conjugate gradients: one global reduction per iteration (Chronopoulos–Gear).
//!
//! Plain CG needs two global reductions per iteration, `pᵀAp` before `x` and `r` can be
//! updated and `rᵀr` after; on many processes each one is a latency that no amount of local
//! work hides. Chronopoulos and Gear (1989) rearrange the recurrences so both scalars come from
//! one reduction: with `w = A·u` (`u = M⁻¹r`) and `s = A·p` carried by a recurrence,
//!
//! ```text
//! γ = rᵀu,  δ = wᵀu                       (one reduction, with ‖r‖² for the stopping test)
//! β = γ / γ_prev,  α = γ / (δ − β·γ / α_prev)
//! p ← u + β·p,  s ← w + β·s,  x ← x + α·p,  r ← r − α·s
//! u ← M⁻¹·r,  w ← A·u
//! ```
//!
//! In exact arithmetic the iterates are CG's. Per iteration it makes one operator application
//! (with `wᵀu` fused into it, [`LinearOperator::apply_dot_local`]), one sweep for the four
//! updates (with `‖r‖²`), and one reduction of three values ([`RealVector::reduce_sums`]);
//! its vector traffic is 88 bytes per row without a preconditioner against plain CG's 72
//! (fused) — the price of one reduction instead of two. The reduction is not overlapped with
//! the product (Ghysels–Vanroose's deeper pipelining would need a non-blocking reduction in
//! the vector traits).
//!
//! # Residual replacement
//! The recurrence for `s = A·p` drifts from its definition in floating point, and `r` with
//! it. As in [`cg`](super::cg), convergence is reported only on the true residual
//! `b − A·x`; when the recursive residual meets the tolerance and the true one does not, the
//! true residual replaces it and the recurrences restart from it (`p ← u`, `s ← w`).

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::fused::pipelined_update_local;
use super::operator::LinearOperator;
use super::params::KrylovParams;
use super::preconditioner::{Identity, Preconditioner};
use super::reduce::{apply_dot_partial, partial_dot, reduce_together, Partial};
use super::report::{SolveProgress, SolveReport};
use super::start::{true_residual, Start};
use crate::error::{to_f64, SolverError};
use crate::no_monitor;
use crate::solver::Termination;
use crate::workspace::{arena_for, Workspace};

/// Work vectors: r, w, p, s, u, and one temporary for the true residual.
const WORK_VECTORS: usize = 6;

/// Solves `A·x = b` for symmetric positive definite `A` by pipelined (single-reduction) CG,
/// starting from the `x` given, in a fresh arena. Same parameters, report and errors as
/// [`cg`](super::cg); for distributed vectors, where it halves the global reductions.
///
/// ```
/// use rvf_algorithms::linear::{cg, pipelined_cg, CgParams, Poisson2d};
/// let a = Poisson2d::<f64>::new(40, 40);
/// let b = vec![1.0; 1600];
/// let params = CgParams { rel_tol: 1e-10, ..Default::default() };
/// let (mut x, mut x_cg) = (vec![0.0; 1600], vec![0.0; 1600]);
/// let pipelined = pipelined_cg(&a, &b, &mut x, &params).unwrap();
/// let plain = cg(&a, &b, &mut x_cg, &params).unwrap();
/// // The same method in exact arithmetic: the same iterations, nearly the same iterates.
/// assert!(pipelined.iterations.abs_diff(plain.iterations) <= 1);
/// let diff = x.iter().zip(&x_cg).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
/// assert!(diff <= 1e-9 * x_cg.iter().fold(0.0_f64, |m, v| m.max(v.abs())));
/// ```
///
/// # Errors
/// As [`cg`](super::cg).
pub fn pipelined_cg<S, A, B, X>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &KrylovParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    pipelined_pcg(a, &Identity, b, x, params)
}

/// Preconditioned pipelined CG: as [`pipelined_cg`] with `M⁻¹` applied to every residual.
///
/// # Errors
/// As [`pcg`](super::pcg).
pub fn pipelined_pcg<S, A, M, B, X>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &KrylovParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, b.local().len(), core::mem::size_of::<S>());
    pipelined_pcg_in(a, m, b, x, params, &arena, no_monitor!())
}

/// [`pipelined_cg`] with the work vectors in `arena` and a `monitor` that sees every
/// iteration and may stop the solve.
///
/// # Errors
/// As [`cg`](super::cg).
pub fn pipelined_cg_in<S, A, B, X, F>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &KrylovParams<S>,
    arena: &MemoryArena,
    monitor: F,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    pipelined_pcg_in(a, &Identity, b, x, params, arena, monitor)
}

impl Workspace {
    /// [`pipelined_cg`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`cg`](super::cg).
    pub fn pipelined_cg<S, A, B, X>(
        &mut self,
        a: &A,
        b: &B,
        x: &mut X,
        params: &KrylovParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        let arena = self.arena_for_solve();
        pipelined_pcg_in(a, &Identity, b, x, params, arena, no_monitor!())
    }

    /// [`pipelined_pcg`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`pcg`](super::pcg).
    pub fn pipelined_pcg<S, A, M, B, X>(
        &mut self,
        a: &A,
        m: &M,
        b: &B,
        x: &mut X,
        params: &KrylovParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        M: Preconditioner<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        pipelined_pcg_in(a, m, b, x, params, self.arena_for_solve(), no_monitor!())
    }
}

/// `u ← M⁻¹·r` (when there is a `u`), `w ← A·u`, and the iteration's one reduction of
/// `[‖r‖², wᵀu, rᵀu]` from this process's part of `‖r‖²`.
#[allow(clippy::too_many_arguments)]
fn reduce_residual_products<S, A, M, R, U, W>(
    par: Par,
    a: &A,
    m: &M,
    r: &R,
    u: Option<&mut U>,
    w: &mut W,
    rr: Partial<S>,
) -> [S; 3]
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    R: RealVector<Scalar = S> + ?Sized,
    U: RealVectorMut<Scalar = S> + ?Sized,
    W: RealVectorMut<Scalar = S> + ?Sized,
{
    let (delta, gamma) = match u {
        None => (
            apply_dot_partial(par, a, r, r.local(), w.local_mut()),
            rr.clone(),
        ),
        Some(u) => {
            m.apply_local(par, r.local(), u.local_mut());
            let delta = apply_dot_partial(par, a, r, u.local(), w.local_mut());
            (delta, partial_dot(par, r, r.local(), u.local()))
        }
    };
    reduce_together(r, [rr, delta, gamma])
}

/// Pipelined preconditioned CG with the work vectors in `arena` (which must have no live
/// scope) and a monitor; the building block of every pipelined CG entry point.
///
/// # Errors
/// As [`pcg`](super::pcg).
pub fn pipelined_pcg_in<S, A, M, B, X, F>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &KrylovParams<S>,
    arena: &MemoryArena,
    mut monitor: F,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    let par = params.par;
    let mut start = match Start::check("pipelined_cg", a, b, x, &params.tolerances())? {
        Ok(start) => start,
        Err(done) => return Ok(done),
    };
    let (bnorm, tol, max_iter) = (start.bnorm, start.tol, start.max_iter);

    let outer = arena.create_scope();
    let mut r = outer.clone_of(b)?;
    let mut w = outer.clone_of(b)?;
    let mut p = outer.clone_of(b)?;
    let mut s = outer.clone_of(b)?;
    let mut u = if m.is_identity() {
        None
    } else {
        Some(outer.clone_of(b)?)
    };

    start.initial_residual(par, a, b, &*x, &mut r, &mut w);
    let rr_local = partial_dot(par, &r, r.local(), r.local());
    let [mut rr, mut delta, mut gamma] =
        reduce_residual_products(par, a, m, &r, u.as_mut(), &mut w, rr_local);
    let mut rnorm = rr.sqrt();
    start.record(rnorm);
    // (γ, α) of the previous iteration; `None` at a (re)start, where β = 0.
    let mut previous: Option<(S, S)> = None;

    let mut k = 0;
    loop {
        if rnorm <= tol {
            let scope = outer.create_scope();
            let mut t = scope.clone_of(b)?;
            let true_norm = true_residual(par, a, b, &*x, &mut t, &mut w);
            if true_norm <= tol {
                return Ok(start.report(Termination::Converged, k, true_norm));
            }
            // Residual replacement: restart the recurrences from the true residual.
            par.copy(&mut r, &t);
            let rr_local = partial_dot(par, &r, r.local(), r.local());
            [rr, delta, gamma] =
                reduce_residual_products(par, a, m, &r, u.as_mut(), &mut w, rr_local);
            rnorm = rr.sqrt();
            previous = None;
        }
        if k == max_iter {
            return Err(start.not_converged(k, rnorm));
        }
        k += 1;

        if !(gamma > S::zero() && gamma.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "rᵀM⁻¹r",
                value: to_f64(gamma),
            });
        }
        // pᵀAp = δ − β·γ/α_prev (= δ after a restart): its sign says whether A is SPD.
        let (beta, pap) = match previous {
            None => (S::zero(), delta),
            Some((gamma_prev, alpha_prev)) => {
                let beta = gamma / gamma_prev;
                (beta, delta - beta * gamma / alpha_prev)
            }
        };
        if !(pap > S::zero() && pap.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "pᵀAp",
                value: to_f64(pap),
            });
        }
        let alpha = gamma / pap;
        let rr_local =
            pipelined_update_local(par, u.as_ref(), beta, &mut p, &w, &mut s, x, alpha, &mut r);
        previous = Some((gamma, alpha));
        [rr, delta, gamma] = reduce_residual_products(par, a, m, &r, u.as_mut(), &mut w, rr_local);
        rnorm = rr.sqrt();
        start.record(rnorm);
        let progress = SolveProgress {
            iteration: k,
            residual: rnorm,
            relative_residual: rnorm / bnorm,
        };
        if monitor(&progress).is_break() {
            return Ok(start.report(Termination::StoppedByMonitor, k, rnorm));
        }
    }
}
