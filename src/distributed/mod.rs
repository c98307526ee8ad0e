//! Vectors distributed over MPI processes (feature `mpi`, through the `mpi` crate over the
//! system's MPI library).
//!
//! A [`DistributedVector`] holds one contiguous block of a global vector on each process
//! ([`BlockLayout`]); it implements every vector operation, with reductions across processes,
//! so the bundled solvers run on it unchanged. Launch programs with `mpirun -np P …`.
//!
//! Scaling out on a cluster: the same binary runs under the cluster's launcher (`mpirun`,
//! `srun`) with one process per core or per socket. Per CG iteration each process does its
//! share of the vector work, two all-reduces' worth of scalar collectives (the inner products
//! `pᵀAp` and `rᵀr`; rvf gathers the partial sums, `P` scalars per reduction), and the
//! operator's halo exchange with its neighbours (for a row-partitioned 2-D stencil, one grid
//! row to each neighbour).
//!
//! Wrapped in [`Reproducible`](crate::adapters::Reproducible), a distributed vector's sums are
//! exact ([`ExactSum`](crate::ops::ExactSum)) and reduced by one `MPI_Allreduce` of integers:
//! bitwise the same for any number of processes, and equal to the serial sums.

mod layout;
mod vector;

pub use layout::BlockLayout;
pub use vector::{reduction_bytes, reductions, DistributedVector, LayoutMismatch};
