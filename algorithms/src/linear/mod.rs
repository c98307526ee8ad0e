//! Linear systems: operators, preconditioners, conjugate gradient, Poisson test problems.

mod cg;
mod matrices;
mod operator;
mod poisson;
mod preconditioner;

pub use cg::{
    cg, pcg, solve_in, CgCallback, CgParams, CgProgress, CgResult, CgStatus, ConjugateGradient,
};
pub use operator::{FnOperator, LinearOperator};
#[cfg(feature = "sparse")]
pub use poisson::{poisson_1d_csr, poisson_2d_csr};
pub use poisson::{Poisson1d, Poisson2d};
pub use preconditioner::{Identity, Jacobi, Preconditioner};
