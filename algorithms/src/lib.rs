//! # rvf-algorithms: iterative solvers and integrators over rvf vectors
//!
//! Every algorithm is generic over the vector type (anything implementing rvf's
//! [`RealVectorMut`](rvf::RealVectorMut) and [`ArenaClone`](rvf::arena::ArenaClone): `Vec`,
//! arena vectors, nalgebra and ndarray vectors, your own), keeps its work vectors in an arena
//! and its per-iteration temporaries in a per-iteration scope, so an iteration performs no
//! heap allocation.
//!
//! - [`linear`]: [`LinearOperator`](linear::LinearOperator) (closures, dense matrices,
//!   nalgebra/ndarray matrices and CSR behind features, Poisson test operators),
//!   [`Preconditioner`](linear::Preconditioner) (identity, Jacobi), and conjugate gradient
//!   ([`cg`](linear::cg), [`pcg`](linear::pcg), [`ConjugateGradient`](linear::ConjugateGradient)).
//! - [`ode`]: time integrators (Euler, RK4, Dormand–Prince, velocity Verlet, implicit).
//! - [`optimize`]: trust region with truncated CG, L-BFGS, projected gradient,
//!   Sherman–Morrison, test problems.
//!
//! Errors are [`SolverError`] values carrying the iterations and residual reached.
#![warn(missing_docs)]

mod error;
pub mod linear;
pub mod ode;
pub mod optimize;
mod solver;
mod workspace;

pub use error::SolverError;
pub use solver::{NonExhaustive, Termination};
pub use workspace::Workspace;
