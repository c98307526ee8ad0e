//! What the integrators report: [`StepProgress`] to monitors after every step,
//! [`IntegrationReport`] at the end.

use crate::solver::Termination;

/// What an integrator's monitor sees after each accepted step.
#[derive(Debug, Clone, Copy)]
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
}

/// Counts from an integration that did not fail.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct IntegrationReport<S> {
    /// How it ended: [`Termination::ReachedEnd`], or [`Termination::StoppedByMonitor`].
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
        }
    }
}
