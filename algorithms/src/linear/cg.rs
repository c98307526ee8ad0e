//! The conjugate gradient method, plain and preconditioned.
//!
//! # Passes over memory
//! An iteration makes three sweeps over the vectors when they are contiguous (`Vec`, arena
//! vectors, contiguous nalgebra and ndarray vectors, distributed vectors of those): `A·p`
//! together with `pᵀ(A·p)` ([`LinearOperator::apply_dot_local`]: one sweep for the Poisson
//! stencils and CSR matrices, two for other operators), `x ← x + α·p` and `r ← r − α·A·p`
//! together with `rᵀr`, and `p ← r + β·p` (plus the preconditioner and `rᵀz` when
//! preconditioned). A strided `x` makes the second sweep three passes. The iterates are the
//! same bits either way, and for every `Par`: the fused sweeps add in the fixed blocks and
//! tree of the vector reductions.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::fused::update_and_norm;
use super::operator::LinearOperator;
use super::params::KrylovParams;
use super::preconditioner::{precondition, Identity, Preconditioner};
use super::reduce::{apply_dot_partial, partial_dot, reduce_together};
use super::report::{SolveProgress, SolveReport};
use super::start::{true_residual, Start};
use crate::error::{to_f64, SolverError};
use crate::no_monitor;
use crate::solver::Termination;
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`cg`] and [`pcg`]; see [`KrylovParams`].
pub type CgParams<S> = KrylovParams<S>;

/// Work vectors CG keeps: r, p, A·p, z, and one temporary for the true residual.
const WORK_VECTORS: usize = 5;

/// Solves `A·x = b` for symmetric positive definite `A` by conjugate gradients, starting from
/// the `x` given, in a fresh arena. See [`Workspace::cg`] to reuse memory between solves and
/// [`cg_in`] for a monitor.
///
/// ```
/// use rvf_algorithms::linear::{cg, CgParams, Poisson1d};
/// let a = Poisson1d::<f64>::new(50);
/// let b = vec![1.0; 50];
/// let mut x = vec![0.0; 50];
/// let r = cg(&a, &b, &mut x, &CgParams { rel_tol: 1e-12, ..Default::default() }).unwrap();
/// assert!(r.iterations <= 25); // −u'' = 1 is symmetric: 25 distinct modes
/// // The exact solution of −u'' = 1, u(0) = u(1) = 0 is x(1 − x)/2, and the 3-point scheme
/// // is exact for quadratics.
/// let h = 1.0 / 51.0;
/// for (i, xi) in x.iter().enumerate() {
///     let t = (i + 1) as f64 * h;
///     assert!((xi - t * (1.0 - t) / 2.0).abs() < 1e-10);
/// }
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`] if `A` is not square or `b`, `x` do not fit it;
/// [`SolverError::InvalidParameter`] for a negative or non-finite tolerance;
/// [`SolverError::NonFiniteInput`] if `b` or `x` holds NaN or ±∞ (checked before
/// iterating); [`SolverError::Breakdown`] if `pᵀAp ≤ 0` or is not finite (A is not SPD);
/// [`SolverError::NotConverged`] after `max_iter` iterations (x holds the last iterate);
/// [`SolverError::Arena`] if the arena cannot hold the work vectors.
pub fn cg<S, A, B, X>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &CgParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    pcg(a, &Identity, b, x, params)
}

/// Preconditioned CG: as [`cg`] with `M⁻¹` applied to every residual.
///
/// # Errors
/// As [`cg`], plus [`SolverError::Breakdown`] if `rᵀM⁻¹r ≤ 0` (M is not SPD).
pub fn pcg<S, A, M, B, X>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &CgParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, b.local().len(), core::mem::size_of::<S>());
    pcg_in(a, m, b, x, params, &arena, no_monitor!())
}

/// [`cg`] with the work vectors in `arena` and a `monitor` that sees every iteration and may
/// stop the solve by returning [`ControlFlow::Break`].
///
/// ```
/// use std::ops::ControlFlow;
/// use rvf::arena::MemoryArena;
/// use rvf_algorithms::linear::{cg_in, CgParams, Poisson2d};
/// use rvf_algorithms::Termination;
/// let a = Poisson2d::<f64>::new(32, 32);
/// let b = vec![1.0; 1024];
/// let mut x = vec![0.0; 1024];
/// let arena = MemoryArena::new(0);
/// let mut seen = Vec::new();
/// let r = cg_in(&a, &b, &mut x, &CgParams::default(), &arena, |p| {
///     seen.push(p.relative_residual);
///     if p.iteration == 10 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
/// })
/// .unwrap();
/// assert_eq!((r.termination, r.iterations, seen.len()), (Termination::StoppedByMonitor, 10, 10));
/// ```
///
/// # Errors
/// As [`cg`].
pub fn cg_in<S, A, B, X, F>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &CgParams<S>,
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
    pcg_in(a, &Identity, b, x, params, arena, monitor)
}

impl Workspace {
    /// [`cg`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`cg`].
    pub fn cg<S, A, B, X>(
        &mut self,
        a: &A,
        b: &B,
        x: &mut X,
        params: &CgParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        pcg_in(
            a,
            &Identity,
            b,
            x,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }

    /// [`pcg`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`pcg`].
    pub fn pcg<S, A, M, B, X>(
        &mut self,
        a: &A,
        m: &M,
        b: &B,
        x: &mut X,
        params: &CgParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        M: Preconditioner<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        pcg_in(a, m, b, x, params, self.arena_for_solve(), no_monitor!())
    }
}

/// Preconditioned CG with the work vectors in `arena` (which must have no live scope) and a
/// monitor; the building block of every CG entry point.
///
/// The work vectors r, p, A·p (and z when preconditioned) are arena clones of `b`, created
/// once in a scope around the solve; each convergence check computes the true residual in a
/// temporary of a child scope. No iteration allocates from the heap.
///
/// # Errors
/// As [`pcg`].
pub fn pcg_in<S, A, M, B, X, F>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &CgParams<S>,
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
    let mut start = match Start::check("cg", a, b, x, &params.tolerances())? {
        Ok(start) => start,
        Err(done) => return Ok(done),
    };
    let (bnorm, tol, max_iter) = (start.bnorm, start.tol, start.max_iter);

    let outer = arena.create_scope();
    let mut r = outer.clone_of(b)?;
    let mut ap = outer.clone_of(b)?;
    let mut p = outer.clone_of(b)?;
    let mut z = if m.is_identity() {
        None
    } else {
        Some(outer.clone_of(b)?)
    };

    let mut rnorm = start.initial_residual(par, a, b, &*x, &mut r, &mut ap);
    // z ← M⁻¹r, p ← z, rz ← rᵀz
    let mut rz = precondition(par, m, &r, z.as_mut());
    par.copy(&mut p, z.as_ref().unwrap_or(&r));
    start.record(rnorm);

    let mut k = 0;
    loop {
        if rnorm <= tol {
            // Confirm on the true residual, a temporary of a child scope.
            let scope = outer.create_scope();
            let mut t = scope.clone_of(b)?;
            let true_norm = true_residual(par, a, b, &*x, &mut t, &mut ap);
            if true_norm <= tol {
                return Ok(start.report(Termination::Converged, k, true_norm));
            }
            // The recursive residual drifted from the true one: replace it and restart the
            // search direction.
            par.copy(&mut r, &t);
            rnorm = true_norm;
            rz = precondition(par, m, &r, z.as_mut());
            par.copy(&mut p, z.as_ref().unwrap_or(&r));
        }
        if k == max_iter {
            return Err(start.not_converged(k, rnorm));
        }
        k += 1;

        // A·p with pᵀ(A·p) in one sweep where the operator offers it (see the module docs).
        let [pap] = reduce_together(
            &p,
            [apply_dot_partial(par, a, &p, p.local(), ap.local_mut())],
        );
        if !(pap > S::zero() && pap.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "pᵀAp",
                value: to_f64(pap),
            });
        }
        if !(rz > S::zero() && rz.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "rᵀM⁻¹r",
                value: to_f64(rz),
            });
        }
        let alpha = rz / pap;
        let rr_part = update_and_norm(par, x, alpha, &p, &mut r, &ap);
        // z ← M⁻¹r now, so that rᵀr and rᵀz share one reduction (at convergence z is not
        // needed: one preconditioner application more, one reduction fewer per iteration).
        let (rr, rz_new) = match z.as_mut() {
            None => {
                let [rr] = reduce_together(&r, [rr_part]);
                (rr, rr)
            }
            Some(z) => {
                m.apply_local(par, r.local(), z.local_mut());
                let rz_part = partial_dot(par, &r, r.local(), z.local());
                let [rr, rz] = reduce_together(&r, [rr_part, rz_part]);
                (rr, rz)
            }
        };
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
        if rnorm <= tol {
            continue; // confirmed at the top of the loop
        }
        // p ← z + β·p with β = rᵀz (new) / rᵀz (old)
        par.axpby(&mut p, S::one(), z.as_ref().unwrap_or(&r), rz_new / rz);
        rz = rz_new;
    }
}
