//! [`KrylovParams`]: the parameters every Krylov solver without a restart length shares.

use rvf::{Par, Real};

use super::start::Tolerances;
use crate::solver::{default_tol, NonExhaustive, AUTO_ITERATIONS};

/// Parameters of the Krylov solvers without a restart length: [`cg`](super::cg) /
/// [`pcg`](super::pcg) ([`CgParams`](super::CgParams)), [`bicgstab`](super::bicgstab)
/// ([`BicgstabParams`](super::BicgstabParams)) and [`minres`](super::minres)
/// ([`MinresParams`](super::MinresParams)) name this one type. Convergence:
/// `‖b − A·x‖₂ ≤ max(rel_tol·‖b‖₂, abs_tol)`, checked on the true residual.
///
/// ```
/// use rvf_algorithms::linear::CgParams;
/// let p = CgParams::<f64> { rel_tol: 1e-10, max_iter: 500, ..Default::default() };
/// assert_eq!(p.abs_tol, 0.0);
/// assert!(CgParams::<f32>::default().rel_tol > 1e-6); // reachable in single precision
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KrylovParams<S> {
    /// Relative tolerance on `‖r‖/‖b‖`. Default `1e-8` (`100·ε` for `f32`: `1.2e-5`).
    pub rel_tol: S,
    /// Absolute tolerance on `‖r‖`. Default `0`.
    pub abs_tol: S,
    /// Iteration limit. Default: `10·n` for `n` unknowns.
    pub max_iter: usize,
    /// Record `‖rₖ‖/‖b‖` for every iteration (starting with k = 0) in
    /// [`SolveReport::history`](super::SolveReport::history). The buffer is reserved before iterating. Default `false`.
    pub record_history: bool,
    /// Sequential or rayon-parallel vector operations, operator and preconditioner
    /// applications. The iterates are bitwise the same either way. Default [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for KrylovParams<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-8),
            abs_tol: S::zero(),
            max_iter: AUTO_ITERATIONS,
            record_history: false,
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

impl<S: Real> KrylovParams<S> {
    /// What the shared start of a solve needs.
    pub(crate) fn tolerances(&self) -> Tolerances<S> {
        Tolerances {
            rel_tol: self.rel_tol,
            abs_tol: self.abs_tol,
            max_iter: self.max_iter,
            record_history: self.record_history,
            par: self.par,
        }
    }
}
