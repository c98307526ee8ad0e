//! Linear systems: operators, preconditioners, conjugate gradient, Poisson test problems.

mod cg;
#[cfg(feature = "mpi")]
mod distributed;
mod matrices;
mod operator;
mod poisson;
mod preconditioner;

pub use cg::{
    cg, pcg, solve_in, CgCallback, CgParams, CgProgress, CgResult, CgStatus, ConjugateGradient,
};
#[cfg(feature = "mpi")]
pub use distributed::DistributedPoisson2d;
pub use operator::{FnOperator, LinearOperator};
#[cfg(feature = "sparse")]
pub use poisson::{poisson_1d_csr, poisson_2d_csr};
pub use poisson::{Poisson1d, Poisson2d};
pub use preconditioner::{Identity, Jacobi, Preconditioner};
