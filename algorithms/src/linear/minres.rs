//! MINRES for symmetric, possibly indefinite systems.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use super::params::KrylovParams;
use super::preconditioner::{Identity, Preconditioner};
use super::report::{SolveProgress, SolveReport};
use super::start::{true_residual, Start};
use crate::error::{to_f64, SolverError};
use crate::no_monitor;
use crate::solver::Termination;
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`minres`] and [`pminres`]; see [`KrylovParams`].
pub type MinresParams<S> = KrylovParams<S>;

/// Work vectors: the two Lanczos residuals, M⁻¹r, v, the three search directions, and the
/// true residual.
const WORK_VECTORS: usize = 9;

/// Solves `A·x = b` for symmetric `A`, definite or not, by MINRES (Paige and Saunders), from
/// the `x` given, in a fresh arena; see [`Workspace::minres`] and [`minres_in`].
///
/// MINRES minimises `‖b − A·x‖` over the Krylov space with a three-term Lanczos recurrence:
/// short, fixed work per iteration like CG, but for indefinite matrices too (saddle points,
/// shifted operators). On a symmetric positive definite matrix it takes as many iterations
/// as CG. The rotations' residual estimate triggers a check of the true residual, which
/// decides convergence.
///
/// ```
/// use rvf_algorithms::linear::{minres, FnOperator, MinresParams, Poisson1d, LinearOperator};
/// // −u'' − σu with σ between eigenvalues: symmetric indefinite.
/// let n = 100;
/// let lap = Poisson1d::<f64>::new(n);
/// let sigma = 2000.0;
/// let a = FnOperator::square(n, move |x: &[f64], y: &mut [f64]| {
///     lap.apply(x, y);
///     y.iter_mut().zip(x).for_each(|(yi, xi)| *yi -= sigma * xi);
/// });
/// let b = vec![1.0; n];
/// let mut x = vec![0.0; n];
/// let r = minres(&a, &b, &mut x, &MinresParams::default()).unwrap();
/// assert!(r.relative_residual <= 1e-8);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`]; [`SolverError::InvalidParameter`] for a negative
/// tolerance; [`SolverError::NonFiniteInput`]; [`SolverError::Breakdown`] if the
/// preconditioner is not positive definite (`rᵀM⁻¹r < 0`) or a value becomes non-finite;
/// [`SolverError::NotConverged`] after `max_iter` iterations (x holds the last iterate);
/// [`SolverError::Arena`].
pub fn minres<S, A, B, X>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &MinresParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    pminres(a, &Identity, b, x, params)
}

/// MINRES preconditioned by a symmetric positive definite `M`.
///
/// # Errors
/// As [`minres`].
pub fn pminres<S, A, M, B, X>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &MinresParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, b.local().len(), core::mem::size_of::<S>());
    pminres_in(a, m, b, x, params, &arena, no_monitor!())
}

/// [`minres`] in `arena`, with a monitor that sees every iteration and may stop the solve.
///
/// # Errors
/// As [`minres`].
pub fn minres_in<S, A, B, X, F>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &MinresParams<S>,
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
    pminres_in(a, &Identity, b, x, params, arena, monitor)
}

impl Workspace {
    /// [`minres`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`minres`].
    pub fn minres<S, A, B, X>(
        &mut self,
        a: &A,
        b: &B,
        x: &mut X,
        params: &MinresParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        pminres_in(
            a,
            &Identity,
            b,
            x,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }

    /// [`pminres`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`minres`].
    pub fn pminres<S, A, M, B, X>(
        &mut self,
        a: &A,
        m: &M,
        b: &B,
        x: &mut X,
        params: &MinresParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        M: Preconditioner<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        pminres_in(a, m, b, x, params, self.arena_for_solve(), no_monitor!())
    }
}

/// [`pminres`] in `arena`, with a monitor; the building block of every MINRES entry point.
///
/// # Errors
/// As [`minres`].
pub fn pminres_in<S, A, M, B, X, F>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &MinresParams<S>,
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
    let mut start = match Start::check("minres", a, b, x, &params.tolerances())? {
        Ok(start) => start,
        Err(done) => return Ok(done),
    };
    let (bnorm, tol, max_iter) = (start.bnorm, start.tol, start.max_iter);
    let identity = m.is_identity();

    let outer = arena.create_scope();
    let mut r1 = outer.clone_of(b)?;
    let mut r2 = outer.clone_of(b)?;
    let mut y = outer.clone_of(b)?;
    let mut v = outer.clone_of(b)?;
    let mut w = outer.clone_of(b)?;
    let mut w1 = outer.clone_of(b)?;
    let mut w2 = outer.clone_of(b)?;
    let mut scratch = outer.clone_of(b)?;

    let rnorm0 = start.initial_residual(par, a, b, &*x, &mut r1, &mut scratch);
    start.record(rnorm0);
    if rnorm0 <= tol {
        return Ok(start.report(Termination::Converged, 0, rnorm0));
    }
    let precondition = |r: &B::Temp<'_>, y: &mut B::Temp<'_>| -> Result<S, SolverError> {
        if identity {
            par.copy(y, r);
        } else {
            m.apply_local(par, r.local(), y.local_mut());
        }
        let ry = par.inner_product(r, &*y);
        if !(ry >= S::zero() && ry.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: 0,
                quantity: "rᵀM⁻¹r",
                value: to_f64(ry),
            });
        }
        Ok(ry.sqrt())
    };
    let beta1 = precondition(&r1, &mut y)?;
    par.copy(&mut r2, &r1);
    w.fill(S::zero());
    w2.fill(S::zero());
    let mut beta = beta1;
    let (mut oldb, mut dbar, mut epsln) = (S::zero(), S::zero(), S::zero());
    let mut phibar = beta1;
    let (mut cs, mut sn) = (-S::one(), S::zero());
    // The estimate is ‖r‖ in the M⁻¹-norm; compared with the tolerance scaled the same way.
    let tol_estimate = tol * beta1 / rnorm0;

    let mut k = 0;
    loop {
        if k == max_iter {
            let residual = true_residual(par, a, b, &*x, &mut scratch, &mut v);
            return Err(start.not_converged(k, residual));
        }
        k += 1;
        // Lanczos: v = y/β, y = A·v − (β/β_old)·r₁ − (α/β)·r₂.
        let s = S::one() / beta;
        par.copy(&mut v, &y);
        par.scale(&mut v, s);
        a.apply_local(par, v.local(), y.local_mut());
        if k >= 2 {
            par.axpy(&mut y, -(beta / oldb), &r1);
        }
        let alpha = par.inner_product(&v, &y);
        par.axpy(&mut y, -(alpha / beta), &r2);
        core::mem::swap(&mut r1, &mut r2); // r₁ ← r₂
        par.copy(&mut r2, &y); // r₂ ← y
        oldb = beta;
        beta = precondition(&r2, &mut y).map_err(|e| match e {
            SolverError::Breakdown {
                quantity, value, ..
            } => SolverError::Breakdown {
                iteration: k,
                quantity,
                value,
            },
            e => e,
        })?;
        // The QR step on the tridiagonal matrix.
        let oldeps = epsln;
        let delta = cs * dbar + sn * alpha;
        let gbar = sn * dbar - cs * alpha;
        epsln = sn * beta;
        dbar = -cs * beta;
        let gamma = gbar.hypot(beta).max(S::min_positive_value());
        cs = gbar / gamma;
        sn = beta / gamma;
        let phi = cs * phibar;
        phibar = sn * phibar;
        // w ← (v − ε_old·w₁ − δ·w₂)/γ with w₁ ← w₂, w₂ ← w; x ← x + φ·w.
        core::mem::swap(&mut w1, &mut w2); // w₁ ← w₂ (old)
        core::mem::swap(&mut w2, &mut w); // w₂ ← w (old); w now holds the older w₂
        let denom = S::one() / gamma;
        par.zip(&mut w, (&v, &w1, &w2), |wi, [vi, a1, a2]| {
            *wi = (vi - oldeps * a1 - delta * a2) * denom
        });
        par.axpy(x, phi, &w);
        if !(phibar.is_finite() && gamma.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "the Lanczos recurrence",
                value: to_f64(gamma),
            });
        }
        let estimate = phibar * rnorm0 / beta1;
        start.record(estimate);
        let progress = SolveProgress {
            iteration: k,
            residual: estimate,
            relative_residual: estimate / bnorm,
        };
        let stopped = monitor(&progress).is_break();
        if phibar <= tol_estimate || beta == S::zero() {
            let residual = true_residual(par, a, b, &*x, &mut scratch, &mut v);
            if residual <= tol {
                return Ok(start.report(Termination::Converged, k, residual));
            }
            if beta == S::zero() {
                // The Krylov space is exhausted: no further progress is possible.
                return Err(start.not_converged(k, residual));
            }
        }
        if stopped {
            return Ok(start.report(Termination::StoppedByMonitor, k, estimate));
        }
    }
}
