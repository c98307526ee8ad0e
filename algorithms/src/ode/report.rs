//! What the integrators report: [`StepProgress`] to monitors after every step,
//! [`IntegrationReport`] at the end.

use super::dense::Interpolant;
use super::events::EventHit;
use crate::solver::Termination;

/// What an integrator's monitor sees after each accepted step.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct StepProgress<'a, S, V: ?Sized> {
    /// Accepted steps so far (1-based: the step just taken).
    pub step: usize,
    /// Time reached.
    pub t: S,
    /// Size of the step just taken.
    pub h: S,
    /// The state at `t` (the positions, for [`velocity_verlet`](super::velocity_verlet)).
    pub y: &'a V,
    /// The velocities at `t`, for [`velocity_verlet`](super::velocity_verlet); `None` for
    /// first-order methods.
    pub velocity: Option<&'a V>,
    /// The continuous extension of the step just taken, for methods with dense output (see
    /// [`interpolate`](Self::interpolate)); `None` otherwise.
    pub dense: Option<&'a dyn Interpolant<S>>,
}

impl<S: core::fmt::Debug, V: core::fmt::Debug + ?Sized> core::fmt::Debug
    for StepProgress<'_, S, V>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StepProgress")
            .field("step", &self.step)
            .field("t", &self.t)
            .field("h", &self.h)
            .field("y", &self.y)
            .field("velocity", &self.velocity)
            .field("dense", &self.dense.map(|_| "…"))
            .finish()
    }
}

/// Counts from an integration that did not fail.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IntegrationReport<S> {
    /// How it ended: [`Termination::ReachedEnd`], [`Termination::StoppedByMonitor`], or
    /// [`Termination::TerminalEvent`].
    pub termination: Termination,
    /// Time reached.
    pub t: S,
    /// Accepted steps.
    pub steps: usize,
    /// Rejected steps (adaptive methods only).
    pub rejected: usize,
    /// Evaluations of the right-hand side (or of the acceleration).
    pub evaluations: usize,
    /// Linear-solver iterations in total (implicit methods only).
    pub linear_iterations: usize,
    /// Jacobian evaluations (implicit methods only; a differenced Jacobian costs `n`
    /// right-hand-side evaluations more, counted in `evaluations`).
    pub jacobian_evaluations: usize,
    /// LU factorisations of the Newton matrix (implicit methods only).
    pub lu_decompositions: usize,
    /// Newton iterations (implicit methods only).
    pub newton_iterations: usize,
    /// The events that occurred, in time order (methods with events only; empty otherwise).
    pub events: Vec<EventHit<S>>,
    /// Where the stiffness test of the explicit adaptive methods first fired (see
    /// [`StiffnessCheck`](super::StiffnessCheck)); `None` if it never did.
    pub stiff_at: Option<S>,
}

impl<S> IntegrationReport<S> {
    pub(crate) fn new(t: S) -> Self {
        Self {
            termination: Termination::ReachedEnd,
            t,
            steps: 0,
            rejected: 0,
            evaluations: 0,
            linear_iterations: 0,
            jacobian_evaluations: 0,
            lu_decompositions: 0,
            newton_iterations: 0,
            events: Vec::new(),
            stiff_at: None,
        }
    }
}
