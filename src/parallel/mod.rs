//! rayon-parallel vector operations and helpers for parallel simulations (feature `rayon`).
//!
//! - [`ParRealVector`] / [`ParRealVectorMut`]: `par_` twins of the heavy operations. Below
//!   [`PARALLEL_THRESHOLD`] elements they run sequentially, where threads cost more than they
//!   save.
//! - Reductions split the vector at the same fixed points as the sequential kernels
//!   ([`kernels`](crate::ops::kernels)) and combine in the same fixed tree, so a parallel
//!   reduction gives the same bits as the sequential one, whatever the thread count or
//!   scheduling.
//! - [`ensemble`]: independent simulations spread across rayon's threads, each with its
//!   thread's arena; [`thread_arena_statistics`] gathers the per-thread arena statistics.
//!
//! Solvers take the choice as a value, [`Par`](crate::Par), rather than a second API.

mod ensemble;
mod kernels;
mod ops;

pub use ensemble::{ensemble, thread_arena_statistics};
pub use ops::{ParRealVector, ParRealVectorMut};

/// Vectors shorter than this run the `par_` operations sequentially.
///
/// Measured on 2 cores (`benches/parallel.rs`): at 10⁴ elements splitting an axpy or a dot
/// product costs more than it gains; from a few times 10⁴ on, two threads help on in-cache
/// data, and streaming memory-bound data gains little beyond that. 2¹⁵ elements (256 KiB of
/// `f64`) is the crossover.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;
