//! BiCGSTAB, right-preconditioned, with breakdown detection and restarts.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use super::params::KrylovParams;
use super::preconditioner::{Identity, Preconditioner};
use super::reduce::{partial_dot, reduce_together};
use super::report::{SolveProgress, SolveReport};
use super::start::{true_residual, Start};
use crate::error::{to_f64, SolverError};
use crate::no_monitor;
use crate::solver::Termination;
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`bicgstab`] and [`pbicgstab`]; see [`KrylovParams`].
pub type BicgstabParams<S> = KrylovParams<S>;

/// Work vectors: r, r̂, p, v, M⁻¹p, M⁻¹s, t, and the true residual's product.
const WORK_VECTORS: usize = 8;

/// Restarts in a row (without an iteration that reduced the residual) before a breakdown is
/// an error.
const MAX_RESTARTS: usize = 5;

/// Solves `A·x = b` for a general square `A` by BiCGSTAB (van der Vorst), from the `x`
/// given, in a fresh arena; see [`Workspace::bicgstab`] and [`bicgstab_in`].
///
/// Two operator applications per iteration, short recurrences, no restart length. When the
/// method breaks down — `ρ = r̂ᵀr` or `ω = tᵀs/tᵀt` vanishing relative to the vectors'
/// norms — it restarts from the current iterate with `r̂ = r`; a breakdown right after a
/// restart is an error. Convergence is confirmed on the true residual `b − A·x`; when the
/// recursive residual has drifted from it, the true one replaces it and the method restarts.
///
/// ```
/// use rvf_algorithms::linear::{bicgstab, BicgstabParams, ConvectionDiffusion2d};
/// let a = ConvectionDiffusion2d::<f64>::new(20, 20, (30.0, 10.0));
/// let b = vec![1.0; 400];
/// let mut x = vec![0.0; 400];
/// let r = bicgstab(&a, &b, &mut x, &BicgstabParams::default()).unwrap();
/// assert!(r.relative_residual <= 1e-8);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`]; [`SolverError::InvalidParameter`] for a negative
/// tolerance; [`SolverError::NonFiniteInput`]; [`SolverError::Breakdown`] naming `ρ` or `ω`
/// when restarting does not help, or `r̂ᵀA·p` when it vanishes; [`SolverError::NotConverged`]
/// after `max_iter` iterations (x holds the last iterate); [`SolverError::Arena`].
pub fn bicgstab<S, A, B, X>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &BicgstabParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    pbicgstab(a, &Identity, b, x, params)
}

/// BiCGSTAB right-preconditioned by `M` (it iterates on `A·M⁻¹`, so the residual it reports
/// is the true one of `A·x = b`).
///
/// # Errors
/// As [`bicgstab`].
pub fn pbicgstab<S, A, M, B, X>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &BicgstabParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, b.local().len(), core::mem::size_of::<S>());
    pbicgstab_in(a, m, b, x, params, &arena, no_monitor!())
}

/// [`bicgstab`] in `arena`, with a monitor that sees every iteration and may stop the solve.
///
/// # Errors
/// As [`bicgstab`].
pub fn bicgstab_in<S, A, B, X, F>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &BicgstabParams<S>,
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
    pbicgstab_in(a, &Identity, b, x, params, arena, monitor)
}

impl Workspace {
    /// [`bicgstab`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`bicgstab`].
    pub fn bicgstab<S, A, B, X>(
        &mut self,
        a: &A,
        b: &B,
        x: &mut X,
        params: &BicgstabParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        pbicgstab_in(
            a,
            &Identity,
            b,
            x,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }

    /// [`pbicgstab`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`bicgstab`].
    pub fn pbicgstab<S, A, M, B, X>(
        &mut self,
        a: &A,
        m: &M,
        b: &B,
        x: &mut X,
        params: &BicgstabParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        M: Preconditioner<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        pbicgstab_in(a, m, b, x, params, self.arena_for_solve(), no_monitor!())
    }
}

/// [`pbicgstab`] in `arena`, with a monitor; the building block of every BiCGSTAB entry
/// point.
///
/// # Errors
/// As [`bicgstab`].
pub fn pbicgstab_in<S, A, M, B, X, F>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &BicgstabParams<S>,
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
    let mut start = match Start::check("bicgstab", a, b, x, &params.tolerances())? {
        Ok(start) => start,
        Err(done) => return Ok(done),
    };
    let (bnorm, tol, max_iter) = (start.bnorm, start.tol, start.max_iter);
    let identity = m.is_identity();

    let outer = arena.create_scope();
    let mut r = outer.clone_of(b)?;
    let mut shadow = outer.clone_of(b)?;
    let mut p = outer.clone_of(b)?;
    let mut v = outer.clone_of(b)?;
    let mut t = outer.clone_of(b)?;
    // M⁻¹p and M⁻¹s; with M = I they are p and s themselves.
    let (mut ph, mut sh) = if identity {
        (None, None)
    } else {
        (Some(outer.clone_of(b)?), Some(outer.clone_of(b)?))
    };

    let mut rnorm = start.initial_residual(par, a, b, &*x, &mut r, &mut t);
    start.record(rnorm);
    let (mut rho_prev, mut alpha, mut omega) = (S::one(), S::one(), S::one());
    let mut fresh = true; // p = r at the next iteration (start or restart)
    let mut shadow_norm = rnorm; // ‖r̂‖: r̂ changes only at a (re)start

    // r̂ᵀr of the current r, when it was reduced with ‖r‖ at the end of the last iteration.
    let mut rho_next: Option<S> = None;
    let mut restarts = 0;
    let mut k = 0;
    loop {
        if rnorm <= tol {
            // Confirm on the true residual.
            let true_norm = true_residual(par, a, b, &*x, &mut t, &mut v);
            if true_norm <= tol {
                return Ok(start.report(Termination::Converged, k, true_norm));
            }
            // The recursive residual drifted: replace it and restart.
            par.copy(&mut r, &t);
            rnorm = true_norm;
            fresh = true;
            rho_next = None;
        }
        if k == max_iter {
            return Err(start.not_converged(k, rnorm));
        }
        if fresh {
            par.copy(&mut shadow, &r);
            shadow_norm = rnorm;
            rho_next = None;
        }
        let rho = match rho_next.take() {
            Some(rho) => rho,
            None => par.inner_product(&shadow, &r),
        };
        let scale = shadow_norm * rnorm;
        if !(rho.abs() > S::epsilon() * scale && rho.is_finite()) {
            if fresh || restarts >= MAX_RESTARTS {
                return Err(SolverError::Breakdown {
                    iteration: k + 1,
                    quantity: "ρ = r̂ᵀr",
                    value: to_f64(rho),
                });
            }
            restarts += 1;
            fresh = true;
            continue;
        }
        if fresh {
            par.copy(&mut p, &r);
            fresh = false;
        } else {
            // p ← r + β·(p − ω·v)
            let beta = (rho / rho_prev) * (alpha / omega);
            par.zip(&mut p, (&r, &v), |pi, [ri, vi]| {
                *pi = ri + beta * (*pi - omega * vi)
            });
        }
        k += 1;
        // v ← A·M⁻¹p
        if let Some(ph) = ph.as_mut() {
            m.apply_local(par, p.local(), ph.local_mut());
        }
        a.apply_local(par, ph.as_ref().unwrap_or(&p).local(), v.local_mut());
        let sigma = par.inner_product(&shadow, &v);
        if !(sigma != S::zero() && sigma.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "r̂ᵀA·M⁻¹p",
                value: to_f64(sigma),
            });
        }
        alpha = rho / sigma;
        // s ← r − α·v, kept in r.
        par.axpy(&mut r, -alpha, &v);
        let snorm = par.l2norm(&r);
        if snorm <= tol {
            par.axpy(x, alpha, ph.as_ref().unwrap_or(&p));
            rnorm = snorm;
            start.record(rnorm);
            continue; // confirmed at the top of the loop
        }
        // t ← A·M⁻¹s, ω = tᵀs / tᵀt
        if let Some(sh) = sh.as_mut() {
            m.apply_local(par, r.local(), sh.local_mut());
        }
        a.apply_local(par, sh.as_ref().unwrap_or(&r).local(), t.local_mut());
        // tᵀt and tᵀs in one reduction.
        let [tt, ts] = reduce_together(
            &t,
            [
                partial_dot(par, &t, t.local(), t.local()),
                partial_dot(par, &t, t.local(), r.local()),
            ],
        );
        omega = ts / tt;
        par.axpy(x, alpha, ph.as_ref().unwrap_or(&p));
        if !(omega.abs() > S::epsilon() && omega.is_finite()) {
            // ω ≈ 0: this step made the BiCG part only; restart from the new iterate.
            rnorm = snorm;
            if restarts >= MAX_RESTARTS {
                return Err(SolverError::Breakdown {
                    iteration: k,
                    quantity: "ω = tᵀs/tᵀt",
                    value: to_f64(omega),
                });
            }
            restarts += 1;
            fresh = true;
            continue;
        }
        par.axpy(x, omega, sh.as_ref().unwrap_or(&r));
        par.axpy(&mut r, -omega, &t);
        rho_prev = rho;
        // ‖r‖ and the next iteration's r̂ᵀr in one reduction.
        let [rr, rho_new] = reduce_together(
            &r,
            [
                partial_dot(par, &r, r.local(), r.local()),
                partial_dot(par, &r, shadow.local(), r.local()),
            ],
        );
        rnorm = rr.sqrt();
        rho_next = Some(rho_new);
        restarts = 0;
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
