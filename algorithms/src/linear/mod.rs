//! Linear systems: operators, preconditioners, Krylov solvers, test problems.
//!
//! | solver | for | needs from the operator | preconditioner |
//! | --- | --- | --- | --- |
//! | [`cg`], [`pcg`] | symmetric positive definite | `apply` | SPD |
//! | [`pipelined_cg`], [`pipelined_pcg`] | SPD, many processes: one reduction per iteration | `apply` | SPD |
//! | [`minres`], [`pminres`] | symmetric, definite or indefinite | `apply` | SPD |
//! | [`gmres`], [`pgmres`] | any square matrix | `apply` | any fixed (right) |
//! | [`fgmres`] | any square matrix | `apply` | may change between iterations |
//! | [`bicgstab`], [`pbicgstab`] | any square matrix, short recurrences | `apply` | any fixed (right) |
//! | [`lsqr`] | least squares `min ‖b − A·x‖`, any shape | `apply`, `apply_transpose` | — |
//!
//! Test problems: [`Poisson1d`], [`Poisson2d`] (SPD), [`ConvectionDiffusion2d`]
//! (non-symmetric), as matrix-free operators and (feature `sparse`) CSR matrices.

mod bicgstab;
mod cg;
mod chebyshev;
mod convection_diffusion;
mod csr;
#[cfg(feature = "faer")]
pub(crate) mod dense_lu;
#[cfg(feature = "mpi")]
mod distributed;
#[cfg(feature = "mpi")]
mod distributed_csr;
mod fused;
mod gmres;
#[cfg(feature = "sparse")]
mod ic0;
#[cfg(feature = "sparse")]
mod ilu0;
mod lsqr;
mod matrices;
#[cfg(feature = "sparse")]
mod matrix_market;
mod minres;
mod operator;
mod params;
mod pipelined_cg;
mod poisson;
mod preconditioner;
mod reduce;
mod report;
#[cfg(any(feature = "sparse", feature = "faer", feature = "mpi"))]
pub(crate) mod sparse_factor;
#[cfg(feature = "sparse")]
mod ssor;
mod start;

pub use bicgstab::{bicgstab, bicgstab_in, pbicgstab, pbicgstab_in, BicgstabParams};
pub use cg::{cg, cg_in, pcg, pcg_in, CgParams};
pub use chebyshev::Chebyshev;
#[cfg(feature = "sparse")]
pub use convection_diffusion::convection_diffusion_2d_csr;
pub use convection_diffusion::ConvectionDiffusion2d;
pub use csr::CsrMatrix32;
#[cfg(feature = "faer")]
pub use dense_lu::LuScalar;
#[cfg(feature = "mpi")]
pub use distributed::DistributedPoisson2d;
#[cfg(feature = "mpi")]
pub use distributed_csr::{BlockJacobi, BlockJacobiIlu0, DistributedCsr, HaloTraffic};
pub use gmres::{fgmres, fgmres_in, gmres, gmres_in, pgmres, pgmres_in, GmresParams};
#[cfg(feature = "sparse")]
pub use ic0::Ic0;
#[cfg(feature = "sparse")]
pub use ilu0::Ilu0;
pub use lsqr::{lsqr, lsqr_in, LsqrParams};
#[cfg(feature = "sparse")]
pub use matrix_market::read_matrix_market;
pub use minres::{minres, minres_in, pminres, pminres_in, MinresParams};
pub use operator::{FnOperator, FnOperatorWithTranspose, LinearOperator};
pub use params::KrylovParams;
pub use pipelined_cg::{pipelined_cg, pipelined_cg_in, pipelined_pcg, pipelined_pcg_in};
#[cfg(feature = "sparse")]
pub use poisson::{poisson_1d_csr, poisson_2d_csr};
pub use poisson::{Poisson1d, Poisson2d};
pub(crate) use preconditioner::precondition;
pub use preconditioner::{Identity, Jacobi, Preconditioner};
pub use report::{SolveProgress, SolveReport};
#[cfg(feature = "sparse")]
pub use ssor::Ssor;
