//! What the optimisers report: [`OptimizeProgress`] to monitors after every iteration,
//! [`OptimizeReport`] at the end; and the start every optimiser shares.

use rvf::{Par, Real, RealVector, RealVectorMut};

use super::objective::Objective;
use crate::error::{same_dim, to_f64, SolverError};
use crate::solver::Termination;

/// What an optimiser's monitor sees after each iteration.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct OptimizeProgress<'a, S, V: ?Sized> {
    /// Iteration just completed (1-based).
    pub iteration: usize,
    /// `f` at the current point.
    pub value: S,
    /// The stationarity measure at the current point (see
    /// [`OptimizeReport::gradient_norm`]).
    pub gradient_norm: S,
    /// The current point.
    pub x: &'a V,
}

/// The outcome of an optimisation that did not fail.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct OptimizeReport<S> {
    /// How it ended: [`Termination::Converged`] or [`Termination::StoppedByMonitor`].
    pub termination: Termination,
    /// Iterations performed.
    pub iterations: usize,
    /// `f` at the final point.
    pub value: S,
    /// The stationarity measure at the final point (`‖∇f‖₂`; for bound constraints the
    /// projected gradient's `‖P(x − ∇f) − x‖∞`).
    pub gradient_norm: S,
    /// Objective value evaluations.
    pub value_evaluations: usize,
    /// Gradient evaluations.
    pub gradient_evaluations: usize,
    /// Hessian-vector products (trust region only).
    pub hessian_products: usize,
}

impl<S: Real> OptimizeReport<S> {
    /// Checks that `x` fits `f` and is finite, evaluates `f(x)` and `g ← ∇f(x)`, and returns
    /// the report so far (one evaluation of each).
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`], [`SolverError::NonFiniteInput`] for `x`,
    /// [`SolverError::NonFiniteObjective`] (iteration 0) for `f(x)` or `∇f(x)`.
    pub(crate) fn start<F, X, G>(
        name: &'static str,
        par: Par,
        f: &F,
        x: &X,
        g: &mut G,
    ) -> Result<Self, SolverError>
    where
        F: Objective<S> + ?Sized,
        X: RealVector<Scalar = S> + ?Sized,
        G: RealVectorMut<Scalar = S> + ?Sized,
    {
        same_dim(name, f.dimension(), x.dimension())?;
        if !par.all_finite(x) {
            return Err(SolverError::NonFiniteInput { what: "x0" });
        }
        let value = f.value_and_gradient_local(x.local(), g.local_mut());
        if !(value.is_finite() && par.all_finite(g)) {
            return Err(SolverError::NonFiniteObjective { iteration: 0 });
        }
        Ok(Self {
            termination: Termination::Converged,
            iterations: 0,
            value,
            gradient_norm: par.l2norm(g),
            value_evaluations: 1,
            gradient_evaluations: 1,
            hessian_products: 0,
        })
    }

    /// The report of a run that stops here: converged when the stationarity measure is
    /// within `tol`, stopped by the monitor when it said so, `None` to go on.
    pub(crate) fn finish_if(mut self, tol: S, stopped: bool) -> Option<Self> {
        if self.gradient_norm <= tol {
            self.termination = Termination::Converged;
            Some(self)
        } else if stopped {
            self.termination = Termination::StoppedByMonitor;
            Some(self)
        } else {
            None
        }
    }

    /// The error of a run that used up its `max_iter` iterations.
    pub(crate) fn not_converged(&self, tol: S) -> SolverError {
        SolverError::NotConverged {
            iterations: self.iterations,
            residual: to_f64(self.gradient_norm),
            tolerance: to_f64(tol),
        }
    }
}
