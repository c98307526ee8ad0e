//! LSQR for least squares `min ‖b − A·x‖₂` with a rectangular (or square, singular) `A`.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use super::report::{SolveProgress, SolveReport};
use crate::error::{non_negative, same_dim, to_f64, SolverError};
use crate::no_monitor;
use crate::solver::{default_tol, iteration_limit, NonExhaustive, Termination, AUTO_ITERATIONS};
use crate::workspace::{arena_bytes, Workspace};

/// Parameters of [`lsqr`]. It stops at the first of two tests, both checked on true
/// residuals: a compatible system, `‖b − A·x‖ ≤ max(rel_tol·‖b‖, abs_tol)`; or a
/// least-squares solution, `‖Aᵀ·(b − A·x)‖ ≤ normal_tol·‖A‖·‖b − A·x‖` (`‖A‖` estimated by
/// the bidiagonalisation, as in Paige and Saunders).
///
/// ```
/// use rvf_algorithms::linear::LsqrParams;
/// let p = LsqrParams::<f64> { normal_tol: 1e-12, ..Default::default() };
/// assert_eq!(p.rel_tol, 1e-8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LsqrParams<S> {
    /// Relative tolerance on `‖b − A·x‖/‖b‖` (compatible systems). Default `1e-8` (`100·ε`
    /// for `f32`).
    pub rel_tol: S,
    /// Absolute tolerance on `‖b − A·x‖`. Default `0`.
    pub abs_tol: S,
    /// Tolerance on `‖Aᵀr‖/(‖A‖·‖r‖)`, the least-squares optimality of `x`. Default `1e-8`
    /// (`100·ε` for `f32`).
    pub normal_tol: S,
    /// Iteration limit (each iteration applies `A` and `Aᵀ` once). Default: `10·n` for `n`
    /// unknowns.
    pub max_iter: usize,
    /// Sequential or rayon-parallel vector operations and operator applications. Default
    /// [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for LsqrParams<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-8),
            abs_tol: S::zero(),
            normal_tol: default_tol(1e-8),
            max_iter: AUTO_ITERATIONS,
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Minimises `‖b − A·x‖₂` for an `m × n` operator `A` by LSQR (Paige and Saunders, 1982),
/// from the `x` given, in a fresh arena; see [`Workspace::lsqr`] and [`lsqr_in`]. `b` has `m`
/// elements, `x` has `n`; the operator must give its transpose
/// ([`LinearOperator::apply_transpose`]).
///
/// LSQR is CG on the normal equations `AᵀA·x = Aᵀb` computed stably by Golub–Kahan
/// bidiagonalisation: one `A·v` and one `Aᵀ·u` per iteration, never forming `AᵀA`.
///
/// ```
/// use rvf::DenseMatrix;
/// use rvf_algorithms::linear::{lsqr, LsqrParams};
/// // Fit y = c₀ + c₁·t through four points (overdetermined, inconsistent).
/// let t = [0.0, 1.0, 2.0, 3.0];
/// let y = vec![1.0, 3.0, 4.0, 7.0];
/// let a = DenseMatrix::from_fn(4, 2, |i, j| if j == 0 { 1.0 } else { t[i] });
/// let mut c = vec![0.0_f64; 2];
/// lsqr(&a, &y, &mut c, &LsqrParams::default()).unwrap();
/// // The normal equations give c = (0.9, 1.9).
/// assert!((c[0] - 0.9).abs() < 1e-8 && (c[1] - 1.9).abs() < 1e-8);
/// ```
///
/// # Errors
/// [`SolverError::MissingCapability`] if `A` has no transpose;
/// [`SolverError::DimensionMismatch`] unless `b` has `nrows()` and `x` `ncols()` elements;
/// [`SolverError::InvalidParameter`] for a negative tolerance; [`SolverError::NonFiniteInput`];
/// [`SolverError::NotConverged`] after `max_iter` iterations (x holds the last iterate; the
/// residual reported is `‖b − A·x‖`); [`SolverError::Arena`].
pub fn lsqr<S, A, B, X>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &LsqrParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let (m, n) = (b.local().len(), x.local().len());
    let size = core::mem::size_of::<S>();
    // u and the residual (m elements), v, w and Aᵀr (n elements).
    let arena = MemoryArena::new(arena_bytes(2, m, size) + arena_bytes(3, n, size));
    lsqr_in(a, b, x, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`lsqr`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`lsqr`].
    pub fn lsqr<S, A, B, X>(
        &mut self,
        a: &A,
        b: &B,
        x: &mut X,
        params: &LsqrParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        lsqr_in(a, b, x, params, self.arena_for_solve(), no_monitor!())
    }
}

/// [`lsqr`] in `arena`, with a monitor that sees every iteration (the estimate of
/// `‖b − A·x‖`) and may stop the solve.
///
/// # Errors
/// As [`lsqr`].
pub fn lsqr_in<S, A, B, X, F>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &LsqrParams<S>,
    arena: &MemoryArena,
    mut monitor: F,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    same_dim(
        "lsqr (b must have nrows elements)",
        a.nrows(),
        b.dimension(),
    )?;
    same_dim(
        "lsqr (x must have ncols elements)",
        a.ncols(),
        x.dimension(),
    )?;
    non_negative("rel_tol", to_f64(params.rel_tol))?;
    non_negative("abs_tol", to_f64(params.abs_tol))?;
    non_negative("normal_tol", to_f64(params.normal_tol))?;
    let par = params.par;
    if !par.all_finite(b) {
        return Err(SolverError::NonFiniteInput { what: "b" });
    }
    if !par.all_finite(x) {
        return Err(SolverError::NonFiniteInput { what: "x0" });
    }
    let max_iter = iteration_limit(params.max_iter, a.ncols(), 10, 1);
    let bnorm = par.l2norm(b);
    let report = |termination, iterations, residual: S| SolveReport {
        termination,
        iterations,
        residual,
        relative_residual: if bnorm > S::zero() {
            residual / bnorm
        } else {
            S::zero()
        },
        history: Vec::new(),
    };
    let tol = (params.rel_tol * bnorm).max(params.abs_tol);

    let outer = arena.create_scope();
    let mut u = outer.clone_of(b)?; // m
    let mut r = outer.clone_of(b)?; // m: the true residual
    let mut v = outer.clone_of(&*x)?; // n
    let mut w = outer.clone_of(&*x)?; // n
    let mut atr = outer.clone_of(&*x)?; // n: Aᵀr

    // u = r₀ = b − A·x; β₁ = ‖u‖
    let residual = |x: &X, r: &mut B::Temp<'_>| {
        a.apply_local(par, x.local(), r.local_mut());
        par.axpby(r, S::one(), b, -S::one());
        par.l2norm(&*r)
    };
    let mut beta = residual(x, &mut u);
    if beta <= tol {
        return Ok(report(Termination::Converged, 0, beta));
    }
    // The transpose is needed from here on: its absence is an error before any iteration.
    par.scale(&mut u, S::one() / beta);
    a.apply_transpose_local(par, u.local(), v.local_mut())?;
    let mut alpha = par.l2norm(&v);
    if alpha == S::zero() {
        // Aᵀ·r₀ = 0: x is already a least-squares solution.
        return Ok(report(Termination::Converged, 0, beta));
    }
    par.scale(&mut v, S::one() / alpha);
    par.copy(&mut w, &v);
    let (mut phibar, mut rhobar) = (beta, alpha);
    let mut anorm2 = alpha * alpha;

    // Checks both stopping tests on the true residual of x; returns ‖r‖ if one passes.
    let confirm = |x: &X,
                   r: &mut B::Temp<'_>,
                   atr: &mut X::Temp<'_>,
                   anorm: S|
     -> Result<(S, bool), SolverError> {
        let rnorm = residual(x, r);
        if rnorm <= tol {
            return Ok((rnorm, true));
        }
        a.apply_transpose_local(par, r.local(), atr.local_mut())?;
        let normal = par.l2norm(&*atr);
        Ok((rnorm, normal <= params.normal_tol * anorm * rnorm))
    };

    for k in 1..=max_iter {
        // Bidiagonalisation: β·u = A·v − α·u, α·v = Aᵀ·u − β·v.
        a.apply_local(par, v.local(), r.local_mut());
        par.axpby(&mut u, S::one(), &r, -alpha);
        beta = par.l2norm(&u);
        if beta > S::zero() {
            par.scale(&mut u, S::one() / beta);
        }
        a.apply_transpose_local(par, u.local(), atr.local_mut())?;
        par.axpby(&mut v, S::one(), &atr, -beta);
        alpha = par.l2norm(&v);
        if alpha > S::zero() {
            par.scale(&mut v, S::one() / alpha);
        }
        anorm2 += alpha * alpha + beta * beta;
        // The plane rotation that eliminates β from the bidiagonal.
        let rho = rhobar.hypot(beta);
        let (c, s) = (rhobar / rho, beta / rho);
        let theta = s * alpha;
        rhobar = -c * alpha;
        let phi = c * phibar;
        phibar = s * phibar;
        // x ← x + (φ/ρ)·w, w ← v − (θ/ρ)·w
        par.axpy(x, phi / rho, &w);
        par.axpby(&mut w, S::one(), &v, -(theta / rho));
        if !(phibar.is_finite() && rho.is_finite() && rho > S::zero()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "ρ (bidiagonalisation)",
                value: to_f64(rho),
            });
        }
        // Estimates: ‖r‖ = φ̄, ‖Aᵀr‖ = φ̄·α·|c|.
        let anorm = anorm2.sqrt();
        let normal_estimate = phibar * alpha * c.abs();
        let progress = SolveProgress {
            iteration: k,
            residual: phibar,
            relative_residual: phibar / bnorm,
        };
        let stopped = monitor(&progress).is_break();
        let estimate_done = phibar <= tol
            || normal_estimate <= params.normal_tol * anorm * phibar
            || alpha == S::zero()
            || beta == S::zero();
        if estimate_done {
            let (rnorm, done) = confirm(x, &mut r, &mut atr, anorm)?;
            if done {
                return Ok(report(Termination::Converged, k, rnorm));
            }
        }
        if stopped {
            let rnorm = residual(x, &mut r);
            return Ok(report(Termination::StoppedByMonitor, k, rnorm));
        }
    }
    let rnorm = residual(x, &mut r);
    Err(SolverError::NotConverged {
        iterations: max_iter,
        residual: to_f64(rnorm),
        tolerance: to_f64(tol),
    })
}
