//! What every optimiser reports, and the start every optimiser shares.

use rvf::{Real, RealVector, RealVectorMut};

use super::objective::Objective;
use crate::error::{same_dim, SolverError};

/// How an optimisation ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizeStatus {
    /// The stationarity test passed.
    Converged,
    /// The iteration limit was reached first; `x` holds the last accepted point.
    MaxIterations,
}

/// The outcome of an optimisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimizeResult<S> {
    /// How it ended.
    pub status: OptimizeStatus,
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

impl<S: Real> OptimizeResult<S> {
    /// Checks that `x` fits `f` and is finite, evaluates `f(x)` and `g ← ∇f(x)`, and returns
    /// the result so far (one evaluation of each, status `MaxIterations` until proven
    /// otherwise).
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`], [`SolverError::NonFiniteInput`] for `x`,
    /// [`SolverError::NonFiniteObjective`] (iteration 0) for `f(x)` or `∇f(x)`.
    pub(crate) fn start<F, X, G>(
        name: &'static str,
        f: &F,
        x: &X,
        g: &mut G,
    ) -> Result<Self, SolverError>
    where
        F: Objective<S>,
        X: RealVector<Scalar = S> + ?Sized,
        G: RealVectorMut<Scalar = S> + ?Sized,
    {
        same_dim(name, f.dimension(), x.dimension())?;
        if !x.all_finite() {
            return Err(SolverError::NonFiniteInput { what: "x0" });
        }
        let value = f.value_and_gradient(x, g);
        if !(value.is_finite() && g.all_finite()) {
            return Err(SolverError::NonFiniteObjective { iteration: 0 });
        }
        Ok(Self {
            status: OptimizeStatus::MaxIterations,
            iterations: 0,
            value,
            gradient_norm: g.l2norm(),
            value_evaluations: 1,
            gradient_evaluations: 1,
            hessian_products: 0,
        })
    }
}
