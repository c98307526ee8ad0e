//! What every solver shares: how a run ends ([`Termination`]), the monitor that watches it
//! ([`no_monitor!`](crate::no_monitor) for none), and the conventions of the parameter structs ([`NonExhaustive`],
//! scalar-aware default tolerances, problem-sized iteration limits).

use rvf::Real;

/// How a run ended without error. Every report carries one, so the same `match` reads every
/// solver's outcome.
///
/// Failures are errors ([`SolverError`](crate::SolverError)), not terminations: in particular
/// reaching an iteration limit (`max_iter`) or an integrator's step limit (`max_steps`)
/// before the goal is [`SolverError::NotConverged`](crate::SolverError::NotConverged) or
/// [`SolverError::MaxStepsExceeded`](crate::SolverError::MaxStepsExceeded), saying where the
/// solver stopped; the vector being solved for then holds the last iterate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Termination {
    /// The convergence test passed: a linear solver's on the true residual `‖b − A·x‖`, an
    /// optimiser's on the stationarity measure.
    Converged,
    /// The monitor returned [`ControlFlow::Break`](core::ops::ControlFlow::Break); the state is the last iterate or step.
    StoppedByMonitor,
    /// An integrator reached the end of its time span.
    ReachedEnd,
    /// An integrator stopped at a terminal event (the report lists it last).
    TerminalEvent,
    /// Truncated CG followed a direction of non-positive curvature to the trust-region
    /// boundary.
    NegativeCurvature,
    /// Truncated CG's next step would have left the trust region: the step stops on the
    /// boundary.
    TrustRegionBoundary,
    /// Truncated CG used up its iterations inside the region. Only truncated CG ends this
    /// way without an error: its steps are usable wherever it stops, and a trust-region
    /// method takes them.
    IterationLimit,
    /// Truncated CG's preconditioner gave `rᵀM⁻¹r ≤ 0`; the last step inside the region is
    /// returned.
    PreconditionerBreakdown,
}

/// A monitor that watches nothing and never stops the run, for an `_in` entry point that
/// needs no progress reports: `no_monitor!()` is the closure `|_| ControlFlow::Continue(())`.
///
/// (A macro rather than a function: the integrators' and optimisers' progress borrows the
/// state, and only a closure written at the call site takes such an argument for every
/// borrow.)
///
/// ```
/// use rvf::arena::MemoryArena;
/// use rvf_algorithms::linear::{cg_in, CgParams, Poisson1d};
/// use rvf_algorithms::ode::{rk4_in, FixedStepParams, FnSystem};
/// use rvf_algorithms::{no_monitor, Termination};
/// let arena = MemoryArena::new(0);
/// let (a, b) = (Poisson1d::<f64>::new(20), vec![1.0; 20]);
/// let mut x = vec![0.0; 20];
/// let r = cg_in(&a, &b, &mut x, &CgParams::default(), &arena, no_monitor!()).unwrap();
/// assert_eq!(r.termination, Termination::Converged);
/// let decay = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
/// let mut y = vec![1.0];
/// let params = FixedStepParams { dt: 0.1, ..Default::default() };
/// let r = rk4_in(&decay, (0.0, 1.0), &mut y, &params, &arena, no_monitor!()).unwrap();
/// assert_eq!(r.termination, Termination::ReachedEnd);
/// ```
#[macro_export]
macro_rules! no_monitor {
    () => {
        |_| ::core::ops::ControlFlow::Continue(())
    };
}

/// A field of every parameter struct that users cannot construct, so that the struct can gain
/// fields without breaking code: write `CgParams { rel_tol: 1e-10, ..Default::default() }`,
/// never the full literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NonExhaustive(pub(crate) ());

/// The default of a tolerance whose `f64` value is `value`: the same for `f64`, and never
/// below `100·ε` of the scalar type, so `f32` solves converge with the defaults.
pub(crate) fn default_tol<S: Real>(value: f64) -> S {
    S::from_f64_lossy(value).max(S::from_f64_lossy(100.0) * S::epsilon())
}

/// The iteration limits' "depends on the problem" value: `max_iter` fields default to this,
/// and a solver replaces it by its own multiple of the problem size.
pub(crate) const AUTO_ITERATIONS: usize = usize::MAX;

/// `max_iter` as given, or `per_unknown·n` (at least `minimum`) when it is
/// [`AUTO_ITERATIONS`].
pub(crate) fn iteration_limit(
    max_iter: usize,
    n: usize,
    per_unknown: usize,
    minimum: usize,
) -> usize {
    if max_iter == AUTO_ITERATIONS {
        n.saturating_mul(per_unknown).max(minimum)
    } else {
        max_iter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tolerances_are_reachable_in_single_precision() {
        assert_eq!(default_tol::<f64>(1e-8), 1e-8);
        let t: f32 = default_tol(1e-8);
        assert!((100.0 * f32::EPSILON..1e-4).contains(&t));
    }

    #[test]
    fn automatic_iteration_limits_scale_with_the_problem() {
        assert_eq!(iteration_limit(AUTO_ITERATIONS, 50, 10, 0), 500);
        assert_eq!(iteration_limit(AUTO_ITERATIONS, 0, 10, 1), 1);
        assert_eq!(iteration_limit(7, 50, 10, 0), 7);
    }
}
