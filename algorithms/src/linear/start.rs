//! The start every Krylov solver for `A·x = b` shares: the checks, the tolerance, the
//! iteration limit, the history buffer, the report, and the true residual.

use rvf::{Par, Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use super::report::SolveReport;
use crate::error::{non_negative, same_dim, to_f64, SolverError};
use crate::solver::{iteration_limit, Termination};

/// A solve that passed its checks: what it is measured against, and its history.
pub(crate) struct Start<S> {
    /// `‖b‖₂`.
    pub bnorm: S,
    /// `max(rel_tol·‖b‖, abs_tol)`: convergence is `‖b − A·x‖ ≤ tol`.
    pub tol: S,
    /// The iteration limit, `max_iter` resolved for the problem's size.
    pub max_iter: usize,
    /// Whether `x₀ = 0` (on every process): the first residual is `b`, with no product.
    x_is_zero: bool,
    history: Option<Vec<S>>,
}

/// What a Krylov solver's parameters give the shared start.
pub(crate) struct Tolerances<S> {
    pub rel_tol: S,
    pub abs_tol: S,
    pub max_iter: usize,
    pub record_history: bool,
    pub par: Par,
}

impl<S: Real> Start<S> {
    /// Checks `A` (square), `b` and `x` (dimensions, finite values) and the tolerances. With
    /// `b = 0` the solve is over before it starts: `x ← 0`, returned as `Err(report)`.
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`], [`SolverError::InvalidParameter`],
    /// [`SolverError::NonFiniteInput`].
    pub fn check<A, B, X>(
        what: &'static str,
        a: &A,
        b: &B,
        x: &mut X,
        t: &Tolerances<S>,
    ) -> Result<Result<Self, SolveReport<S>>, SolverError>
    where
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        let n = a.nrows();
        same_dim(what, n, a.ncols())?;
        same_dim(what, n, b.dimension())?;
        same_dim(what, n, x.dimension())?;
        non_negative("rel_tol", to_f64(t.rel_tol))?;
        non_negative("abs_tol", to_f64(t.abs_tol))?;
        if !t.par.all_finite(b) {
            return Err(SolverError::NonFiniteInput { what: "b" });
        }
        if !t.par.all_finite(x) {
            return Err(SolverError::NonFiniteInput { what: "x0" });
        }
        let max_iter = iteration_limit(t.max_iter, n, 10, 1);
        let history = t.record_history.then(|| {
            // Reserved up front, so recording never allocates during the iteration.
            Vec::with_capacity(max_iter.min(1 << 20) + 1)
        });
        let bnorm = t.par.l2norm(b);
        let mut start = Self {
            bnorm,
            tol: (t.rel_tol * bnorm).max(t.abs_tol),
            max_iter,
            // A global reduction, so every process of a distributed solve decides alike (the
            // product it skips is collective). x is finite here.
            x_is_zero: x.norm_inf() == S::zero(),
            history,
        };
        if bnorm == S::zero() {
            x.fill(S::zero());
            start.record(S::zero());
            return Ok(Err(start.report(Termination::Converged, 0, S::zero())));
        }
        Ok(Ok(start))
    }

    /// The first residual, `r ← b − A·x₀`, and returns `‖r‖₂`; `scratch` may receive `A·x₀`.
    /// With `x₀ = 0` this is `r ← b` and `‖b‖` with no operator application (the same bits:
    /// `b − A·0` is `b`).
    pub fn initial_residual<A, B, X, R, W>(
        &self,
        par: Par,
        a: &A,
        b: &B,
        x: &X,
        r: &mut R,
        scratch: &mut W,
    ) -> S
    where
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ?Sized,
        X: RealVector<Scalar = S> + ?Sized,
        R: RealVectorMut<Scalar = S> + ?Sized,
        W: RealVectorMut<Scalar = S> + ?Sized,
    {
        if self.x_is_zero {
            par.copy(r, b);
            self.bnorm
        } else {
            true_residual(par, a, b, x, r, scratch)
        }
    }

    /// Notes `‖rₖ‖` in the history, if it is kept.
    #[inline]
    pub fn record(&mut self, residual: S) {
        let relative = self.relative(residual);
        if let Some(h) = self.history.as_mut() {
            h.push(relative);
        }
    }

    /// `residual / ‖b‖` (0 when `b = 0`).
    #[inline]
    pub fn relative(&self, residual: S) -> S {
        if self.bnorm > S::zero() {
            residual / self.bnorm
        } else {
            S::zero()
        }
    }

    /// The report of a solve that ends here.
    pub fn report(
        self,
        termination: Termination,
        iterations: usize,
        residual: S,
    ) -> SolveReport<S> {
        SolveReport {
            termination,
            iterations,
            residual,
            relative_residual: self.relative(residual),
            history: self.history.unwrap_or_default(),
        }
    }

    /// The error of a solve that used up its iterations at `residual`.
    pub fn not_converged(&self, iterations: usize, residual: S) -> SolverError {
        SolverError::NotConverged {
            iterations,
            residual: to_f64(residual),
            tolerance: to_f64(self.tol),
        }
    }
}

/// `r ← b − A·x` and returns `‖r‖₂`; `scratch` receives `A·x`.
pub(crate) fn true_residual<S, A, B, X, R, W>(
    par: Par,
    a: &A,
    b: &B,
    x: &X,
    r: &mut R,
    scratch: &mut W,
) -> S
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ?Sized,
    X: RealVector<Scalar = S> + ?Sized,
    R: RealVectorMut<Scalar = S> + ?Sized,
    W: RealVectorMut<Scalar = S> + ?Sized,
{
    a.apply_local(par, x.local(), scratch.local_mut());
    par.copy(r, b);
    par.axpy(r, -S::one(), &*scratch);
    par.l2norm(&*r)
}
