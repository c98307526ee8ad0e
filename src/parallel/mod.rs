//! Parallel execution: [`Par`], the strategy every solver takes (always compiled), and the
//! rayon-parallel kernels behind it (feature `rayon`).
//!
//! - [`ParRealVector`] / [`ParRealVectorMut`]: `par_` twins of the heavy operations. Below
//!   [`PARALLEL_THRESHOLD`] elements they run sequentially, where threads cost more than they
//!   save.
//! - Reductions split the vector at the same fixed points as the sequential kernels
//!   ([`kernels`](crate::ops::kernels)) and combine in the same fixed tree, so a parallel
//!   reduction gives the same bits as the sequential one, whatever the thread count or
//!   scheduling.
//! - [`ensemble`]: independent simulations spread across rayon's threads, each with its
//!   thread's arena ([`ensemble_with_progress`] reports each finished member);
//!   [`thread_arena_statistics`] gathers the per-thread arena statistics.
//!
//! Solvers take the choice as a value, [`Par`], rather than a second API.

#[cfg(feature = "rayon")]
mod ensemble;
#[cfg(feature = "rayon")]
mod kernels;
#[cfg(feature = "rayon")]
mod ops;
mod par;

#[cfg(feature = "rayon")]
pub use ensemble::{ensemble, ensemble_with_progress, thread_arena_statistics};
#[cfg(feature = "rayon")]
pub use ops::{ParRealVector, ParRealVectorMut};
pub use par::Par;

/// Vectors shorter than this run the memory-bound `par_` operations (reductions, axpy, axpby,
/// add, scale, copy, fill) sequentially.
///
/// Measured on this project's 2-core machine (`benches/parallel.rs` and a sweep of sizes):
/// two threads were slower than one at 6.6·10⁴ and 1.3·10⁵ elements (a dot product 30 µs
/// against 20 µs: the fork-join costs more than the work), about even at 2.6·10⁵, and
/// 1.6–1.8× faster at 10⁶ and 2× at 1.6·10⁷. 2¹⁹ elements (4 MiB of `f64`) is the crossover.
pub const PARALLEL_THRESHOLD: usize = 1 << 19;

/// Vectors shorter than this run the `par_` element-wise maps with a user function
/// (`par_unary_in_place`, `par_binary_in_place`) sequentially. A map that computes something
/// (an `exp`, a stencil row) is compute-bound and gains from a second thread much earlier:
/// measured no gain at 3.3·10⁴ elements, 1.2× at 6.6·10⁴, 1.5× at 2.6·10⁵ and 1.8× at 10⁶.
/// 2¹⁶ elements is the crossover.
pub const PARALLEL_MAP_THRESHOLD: usize = 1 << 16;
