//! # rvf-algorithms: iterative solvers and integrators over rvf vectors
//!
//! Every algorithm is generic over the vector type (anything implementing rvf's
//! [`RealVectorMut`](rvf::RealVectorMut) and [`ArenaClone`](rvf::arena::ArenaClone): `Vec`,
//! arena vectors, nalgebra and ndarray vectors, strided views, MPI-distributed vectors, your
//! own), keeps its work vectors in an arena and its per-iteration temporaries in a
//! per-iteration scope, so an iteration performs no heap allocation.
//!
//! - [`linear`]: [`LinearOperator`](linear::LinearOperator) (closures, dense matrices,
//!   nalgebra/ndarray matrices and CSR behind features, Poisson test operators),
//!   [`Preconditioner`](linear::Preconditioner) (identity, Jacobi), and conjugate gradient
//!   ([`cg`](linear::cg), [`pcg`](linear::pcg)).
//! - [`ode`]: time integrators (Euler, RK4, Dormand–Prince, DOP853, BDF, velocity Verlet, implicit).
//! - [`optimize`]: trust region with truncated CG, L-BFGS, projected gradient,
//!   Sherman–Morrison, test problems.
//!
//! # One shape for every solver
//!
//! | | linear solvers | integrators | optimisers |
//! | --- | --- | --- | --- |
//! | plain call | `cg(a, b, x, &params)` | `rk4(system, (t0, t1), y, &params)` | `lbfgs(f, x, &params)` |
//! | reusable memory | [`Workspace::cg`] | [`Workspace::rk4`] | [`Workspace::lbfgs`] |
//! | caller's arena + monitor | `cg_in(…, arena, monitor)` | `rk4_in(…, arena, monitor)` | `lbfgs_in(…, arena, monitor)` |
//! | monitor sees | [`SolveProgress`](linear::SolveProgress) | [`StepProgress`](ode::StepProgress) | [`OptimizeProgress`](optimize::OptimizeProgress) |
//! | report | [`SolveReport`](linear::SolveReport) | [`IntegrationReport`](ode::IntegrationReport) | [`OptimizeReport`](optimize::OptimizeReport) |
//!
//! - **Parameters** are structs with `Default`, passed by shared reference, with the same
//!   names for the same things (`rel_tol`, `abs_tol`, `max_iter`, `par`), defaults that depend
//!   on the scalar type (an `f32` solve converges with them) and on the problem size
//!   (`max_iter`), and a [`NonExhaustive`] field: write `Params { rel_tol: 1e-10,
//!   ..Default::default() }`.
//! - **Monitors** are closures `|progress| -> ControlFlow<()>`, written without type
//!   annotations, called after every iteration or step; `ControlFlow::Break(())` stops the
//!   run ([`Termination::StoppedByMonitor`]); [`no_monitor!()`](no_monitor) watches nothing.
//! - **Termination**: every report says how the run ended ([`Termination`]). Failures are
//!   [`SolverError`]s that say where the solver stopped: reaching `max_iter` is
//!   [`SolverError::NotConverged`] for every iterative method, with the vector holding the
//!   last iterate.
//! - **Problems** are traits over plain slices (`fn apply(&self, x: &[S], y: &mut [S])`), a
//!   few lines to implement and dyn-compatible (`Box<dyn LinearOperator<f64>>` is an
//!   operator). Contiguous vectors reach them as they are; strided ones are gathered into a
//!   buffer, unless the type overrides the `_local` method to read strided storage in place.
//! - **[`Par`](rvf::Par)** reaches every vector operation, operator and preconditioner
//!   application a solver makes; the iterates are bitwise the same under `Par::Seq` and
//!   `Par::Rayon`.
//!
//! ```
//! use std::ops::ControlFlow;
//! use rvf_algorithms::linear::{cg_in, CgParams, Poisson2d};
//! use rvf_algorithms::{Termination, Workspace};
//!
//! let a = Poisson2d::<f64>::new(64, 64);
//! let b = vec![1.0; 64 * 64];
//! let mut x = vec![0.0; 64 * 64];
//! let workspace = Workspace::new();
//! let params = CgParams { rel_tol: 1e-10, ..Default::default() };
//! let mut residuals = Vec::new();
//! let report = cg_in(&a, &b, &mut x, &params, workspace.arena(), |p| {
//!     residuals.push(p.relative_residual); // no type annotation needed
//!     ControlFlow::Continue(())
//! })
//! .unwrap();
//! assert_eq!(report.termination, Termination::Converged);
//! assert_eq!(residuals.len(), report.iterations);
//! ```
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

// The README's Rust examples run as doc tests of this crate, so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
