//! Linear systems: operators, preconditioners, conjugate gradient, Poisson test problems.

mod cg;
#[cfg(feature = "mpi")]
mod distributed;
mod matrices;
mod operator;
mod poisson;
mod preconditioner;
mod report;

pub use cg::{cg, cg_in, pcg, pcg_in, CgParams};
#[cfg(feature = "mpi")]
pub use distributed::DistributedPoisson2d;
pub use operator::{FnOperator, LinearOperator};
#[cfg(feature = "sparse")]
pub use poisson::{poisson_1d_csr, poisson_2d_csr};
pub use poisson::{Poisson1d, Poisson2d};
pub(crate) use preconditioner::precondition;
pub use preconditioner::{Identity, Jacobi, Preconditioner};
pub use report::{SolveProgress, SolveReport};
