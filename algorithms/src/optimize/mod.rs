//! Optimisation: trust-region Newton with Steihaug–Toint truncated CG, L-BFGS with a
//! strong-Wolfe line search, projected gradient descent with box bounds, Sherman–Morrison
//! rank-one solves, and standard test problems. Every method is generic over the vector type
//! and keeps its vectors in an arena: no iteration allocates from the heap.
//!
//! Every optimiser stops when its stationarity measure reaches `abs_tol`
//! ([`Termination::Converged`](crate::Termination::Converged)), returns
//! [`SolverError::NotConverged`](crate::SolverError::NotConverged) after `max_iter`
//! iterations, and has an `_in` twin taking an arena and a monitor that sees each iteration
//! ([`OptimizeProgress`]).

mod lbfgs;
mod line_search;
mod objective;
mod problems;
mod projected;
mod report;
mod sherman_morrison;
mod steihaug;
mod trust_region;

pub use lbfgs::{lbfgs, lbfgs_in, LbfgsParams};
pub use objective::{FnObjective, HessianPreconditioner, HessianVector, Objective};
pub use problems::{ConvexQuadratic, Hs1, Rosenbrock, Zakharov};
pub use projected::{projected_gradient, projected_gradient_in, ProjectedGradientParams};
pub use report::{OptimizeProgress, OptimizeReport};
pub use sherman_morrison::{identity_plus_rank_one_solve, ShermanMorrison};
pub use steihaug::{truncated_cg, truncated_cg_in, TruncatedCgParams, TruncatedCgReport};
pub use trust_region::{
    trust_region, trust_region_in, trust_region_preconditioned, trust_region_preconditioned_in,
    TrustRegionParams,
};
