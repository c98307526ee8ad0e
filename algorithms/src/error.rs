//! [`SolverError`]: every way a bundled algorithm can fail.

use core::fmt;

use rvf::arena::ArenaError;
use rvf::DimensionMismatch;

/// Why a solver or integrator stopped without a result.
///
/// Each variant carries the numbers needed to act on it: where the iteration got to, the
/// residual reached, the offending value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SolverError {
    /// The iteration limit (`max_iter`) was reached before the tolerance: the rule for every
    /// iterative solver. The solution vector holds the last iterate.
    NotConverged {
        /// Iterations performed.
        iterations: usize,
        /// The convergence measure reached: `‖b − A·x‖₂` for linear solvers, the
        /// stationarity measure (`‖∇f‖₂`, or the projected gradient's) for optimisers.
        residual: f64,
        /// The value `residual` had to reach.
        tolerance: f64,
    },
    /// A quantity that must be positive and finite was not, e.g. `pᵀAp ≤ 0` in CG (the
    /// operator is not symmetric positive definite) or `rᵀM⁻¹r ≤ 0` (nor is the
    /// preconditioner).
    Breakdown {
        /// Iteration at which it happened (1-based).
        iteration: usize,
        /// Which quantity, e.g. `"pᵀAp"`.
        quantity: &'static str,
        /// Its value.
        value: f64,
    },
    /// Operands of incompatible sizes.
    DimensionMismatch(DimensionMismatch),
    /// An input contains NaN or ±∞.
    NonFiniteInput {
        /// Which input, e.g. `"b"`, `"x0"`, `"y0"`.
        what: &'static str,
    },
    /// The state of an integration became NaN or ±∞.
    NonFiniteState {
        /// Step number (1-based) that produced it.
        step: usize,
        /// Time at the start of that step.
        t: f64,
    },
    /// An adaptive integrator's step size fell below what the time resolution allows.
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
        /// The step size that was too small.
        h: f64,
    },
    /// An objective value or gradient became NaN or ±∞ at an accepted point.
    NonFiniteObjective {
        /// Iteration (0: the starting point).
        iteration: usize,
    },
    /// The line search found no step satisfying its conditions. The iterate is left at the
    /// last accepted point.
    LineSearchFailed {
        /// Iteration at which it failed.
        iteration: usize,
        /// Objective value at the last accepted point.
        value: f64,
    },
    /// The trust region shrank to nothing without an acceptable step.
    TrustRegionCollapsed {
        /// Iteration at which it happened.
        iteration: usize,
        /// The radius reached.
        radius: f64,
    },
    /// An adaptive integrator needed more steps than allowed.
    MaxStepsExceeded {
        /// Steps attempted (accepted and rejected).
        steps: usize,
        /// Time reached.
        t: f64,
    },
    /// A parameter outside its valid range (a negative tolerance, a zero step, …).
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What it must satisfy.
        requirement: &'static str,
    },
    /// An operator lacks an optional capability a method needs, e.g. its diagonal for
    /// Jacobi preconditioning of a matrix-free operator.
    MissingCapability {
        /// What is missing, e.g. `"diagonal()"`.
        capability: &'static str,
        /// Who needs it and what to do instead.
        needed_by: &'static str,
    },
    /// An incomplete factorisation (ILU(0), IC(0)) met a pivot it cannot divide by: zero,
    /// non-positive for IC(0), or a row without a stored diagonal entry.
    FactorizationFailed {
        /// Which factorisation, e.g. `"IC(0)"`.
        method: &'static str,
        /// The row (0-based).
        row: usize,
        /// The pivot's value (0 for a missing diagonal entry).
        pivot: f64,
    },
    /// An implicit integrator's Newton iteration did not converge even at the smallest step
    /// size the time resolution allows (a wrong Jacobian, or a singularity of the problem).
    NewtonFailed {
        /// Time reached.
        t: f64,
        /// The step size of the last attempt.
        h: f64,
    },
    /// An explicit integrator's stiffness test fired (with
    /// [`StiffnessCheck::Error`](crate::ode::StiffnessCheck::Error)): its step size is held
    /// down by stability, not accuracy; an implicit method (`bdf`) will be far cheaper.
    /// The state is at `t`.
    ProblemIsStiff {
        /// Time reached.
        t: f64,
        /// Accepted steps so far.
        steps: usize,
    },
    /// A matrix file could not be used: unreadable, malformed, inconsistent with its header
    /// (a wrong symmetry claim), or not the square matrix a solver needs.
    InvalidMatrixFile {
        /// What is wrong, and where.
        reason: String,
    },
    /// The arena could not hold the solver's vectors.
    Arena(ArenaError),
}

impl fmt::Display for SolverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolverError::NotConverged {
                iterations,
                residual,
                tolerance,
            } => write!(
                f,
                "not converged after {iterations} iterations: residual {residual:.3e} above \
                 the tolerance {tolerance:.3e}"
            ),
            SolverError::Breakdown {
                iteration,
                quantity,
                value,
            } => write!(
                f,
                "breakdown at iteration {iteration}: {quantity} = {value:e} (must be positive and \
                 finite; is the operator symmetric positive definite?)"
            ),
            SolverError::DimensionMismatch(e) => write!(f, "{e}"),
            SolverError::NonFiniteInput { what } => {
                write!(f, "input {what} contains NaN or infinity")
            }
            SolverError::NonFiniteState { step, t } => {
                write!(f, "state became NaN or infinite at step {step} (t = {t})")
            }
            SolverError::StepSizeUnderflow { t, h } => {
                write!(f, "step size underflow at t = {t}: h = {h:e}")
            }
            SolverError::NonFiniteObjective { iteration } => write!(
                f,
                "objective value or gradient is NaN or infinite at iteration {iteration}"
            ),
            SolverError::LineSearchFailed { iteration, value } => write!(
                f,
                "line search failed at iteration {iteration} (objective {value:e} at the last \
                 accepted point)"
            ),
            SolverError::TrustRegionCollapsed { iteration, radius } => write!(
                f,
                "trust region collapsed to radius {radius:e} at iteration {iteration}"
            ),
            SolverError::MaxStepsExceeded { steps, t } => {
                write!(f, "gave up after {steps} steps at t = {t}")
            }
            SolverError::InvalidParameter {
                name,
                value,
                requirement,
            } => write!(f, "invalid parameter {name} = {value}: {requirement}"),
            SolverError::MissingCapability {
                capability,
                needed_by,
            } => write!(f, "the operator does not provide {capability}: {needed_by}"),
            SolverError::FactorizationFailed { method, row, pivot } => write!(
                f,
                "{method}: unusable pivot {pivot:e} in row {row} (a diagonal shift, or another \
                 preconditioner, may help)"
            ),
            SolverError::NewtonFailed { t, h } => write!(
                f,
                "Newton's iteration failed at t = {t} with the smallest step h = {h:e} (is the \
                 Jacobian right? does the solution blow up?)"
            ),
            SolverError::ProblemIsStiff { t, steps } => write!(
                f,
                "the problem is stiff at t = {t:e} (after {steps} steps, the step size is \
                 limited by stability): use an implicit method"
            ),
            SolverError::InvalidMatrixFile { reason } => write!(f, "matrix file: {reason}"),
            SolverError::Arena(e) => write!(f, "arena: {e}"),
        }
    }
}

impl std::error::Error for SolverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SolverError::DimensionMismatch(e) => Some(e),
            SolverError::Arena(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ArenaError> for SolverError {
    fn from(e: ArenaError) -> Self {
        SolverError::Arena(e)
    }
}

impl From<DimensionMismatch> for SolverError {
    fn from(e: DimensionMismatch) -> Self {
        SolverError::DimensionMismatch(e)
    }
}

/// `Err(InvalidParameter)` unless `value` is finite and `>= 0`.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<(), SolverError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(SolverError::InvalidParameter {
            name,
            value,
            requirement: "must be finite and non-negative",
        })
    }
}

/// `Err(InvalidParameter)` unless `value` is finite and `> 0`.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<(), SolverError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(SolverError::InvalidParameter {
            name,
            value,
            requirement: "must be finite and positive",
        })
    }
}

/// `Err(DimensionMismatch)` unless `expected == found`.
pub(crate) fn same_dim(
    operation: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), SolverError> {
    rvf::ops::check_dims(operation, expected, found).map_err(SolverError::from)
}

/// A scalar as `f64` for error reports (NaN if it cannot be represented).
pub(crate) fn to_f64<S: rvf::Real>(v: S) -> f64 {
    v.to_f64().unwrap_or(f64::NAN)
}
