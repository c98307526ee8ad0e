//! Optimisation: trust-region Newton with Steihaug–Toint truncated CG, L-BFGS with a
//! strong-Wolfe line search, projected gradient descent with box bounds, Sherman–Morrison
//! rank-one solves, and standard test problems. Every method is generic over the vector type
//! and keeps its vectors in an arena: no iteration allocates from the heap.

mod lbfgs;
mod objective;
mod problems;
mod projected;
mod result;
mod sherman_morrison;
mod steihaug;
mod trust_region;

pub use lbfgs::{lbfgs, LbfgsParams};
pub use objective::{FnObjective, HessianPreconditioner, HessianVector, Objective};
pub use problems::{ConvexQuadratic, Hs1, Rosenbrock, Zakharov};
pub use projected::{projected_gradient, ProjectedGradientParams};
pub use result::{OptimizeResult, OptimizeStatus};
pub use sherman_morrison::{identity_plus_rank_one_solve, ShermanMorrison};
pub use steihaug::{truncated_cg, TruncatedCgParams, TruncatedCgResult, TruncatedCgStatus};
pub use trust_region::{trust_region, trust_region_preconditioned, TrustRegionParams};
