//! What an integration reports.

/// Counts from an integration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntegrationStats<S> {
    /// Accepted steps.
    pub steps: usize,
    /// Rejected steps (adaptive methods only).
    pub rejected: usize,
    /// Evaluations of the right-hand side (or of the acceleration).
    pub evaluations: usize,
    /// Linear-solver iterations in total (implicit methods only).
    pub linear_iterations: usize,
    /// Time reached.
    pub t: S,
}

impl<S> IntegrationStats<S> {
    pub(crate) fn new(t: S) -> Self {
        Self {
            steps: 0,
            rejected: 0,
            evaluations: 0,
            linear_iterations: 0,
            t,
        }
    }
}
