//! What the linear solvers report: [`SolveProgress`] to monitors, [`SolveReport`] at the end.

use crate::solver::Termination;

/// What a linear solver's monitor sees after each iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SolveProgress<S> {
    /// Iteration just completed (1-based).
    pub iteration: usize,
    /// `‖r‖₂` of the residual the method updates (the recursive one).
    pub residual: S,
    /// `‖r‖₂ / ‖b‖₂`.
    pub relative_residual: S,
}

/// The outcome of a linear solve that did not fail.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SolveReport<S> {
    /// How the solve ended.
    pub termination: Termination,
    /// Iterations performed.
    pub iterations: usize,
    /// Final `‖b − A·x‖₂`: computed afresh from `x` when converged, the method's recursive
    /// residual when the monitor stopped the solve.
    pub residual: S,
    /// `residual / ‖b‖₂` (0 when `b = 0`).
    pub relative_residual: S,
    /// `‖rₖ‖/‖b‖` for k = 0, 1, … if the parameters asked for it, else empty.
    pub history: Vec<S>,
}
