//! What every optimiser reports.

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

impl<S> OptimizeResult<S> {
    pub(crate) fn new(value: S, gradient_norm: S) -> Self {
        Self {
            status: OptimizeStatus::MaxIterations,
            iterations: 0,
            value,
            gradient_norm,
            value_evaluations: 0,
            gradient_evaluations: 0,
            hessian_products: 0,
        }
    }
}
