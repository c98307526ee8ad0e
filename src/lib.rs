//! # rvf: arena-backed vectors for iterative numerical code
//!
//! Numerical codes (conjugate gradient, time steppers, optimisers) create short-lived
//! temporary vectors in every iteration. rvf makes those temporaries cost a pointer bump:
//!
//! - **The RVF operation set as traits** ([`RealVector`], [`RealVectorMut`], [`CloneVector`]):
//!   dimension, inner product, norms, sum, min/max, fill, copy, scale, axpy, axpby,
//!   element-wise and variadic maps, relu, softmax, layer norm, matvec. Implemented for
//!   `Vec<T>`, `[T]`, `Box<[T]>`, `[T; N]`, [`StackVector`], [`ArenaVec`](arena::ArenaVec),
//!   and (features `nalgebra`, `ndarray`) those libraries' vectors, so one generic solver runs
//!   on all of them.
//! - **A memory arena** ([`MemoryArena`](arena::MemoryArena)): O(1) bump allocation, RAII
//!   [`Scope`](arena::Scope)s that free everything allocated inside them, statistics, growth
//!   and alignment policies, observers, a thread-local arena and an `allocator_api2`
//!   allocator. A scope's vectors borrow the scope, so using one after its scope ends is a
//!   compile error.
//!
//! ```
//! use rvf::prelude::*;
//!
//! /// One generic step: works for any vector type with an arena clone.
//! fn relax<V: RealVectorMut<Scalar = f64> + ArenaClone>(x: &mut V, arena: &MemoryArena) {
//!     for _ in 0..10 {
//!         let scope = arena.create_scope();      // per-iteration scope
//!         let mut t = scope.clone_of(x).unwrap(); // temporary in the arena
//!         t.scale_in_place(0.5);
//!         x.axpy_in_place(-1.0, &t);              // x ← x − x/2
//!     }                                           // temporaries released here
//! }
//!
//! let arena = MemoryArena::new(1 << 16);
//! let mut x = vec![1024.0; 8];
//! relax(&mut x, &arena);
//! assert_eq!(x, [1.0; 8]);
//! assert_eq!(arena.statistics().bytes_allocated, 0);
//! ```
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod adapters;
pub mod arena;
#[cfg(feature = "mpi")]
pub mod distributed;
pub mod matrix;
pub mod ops;
pub mod parallel;
mod scalar;
pub mod vector;

pub use matrix::{DenseMatrix, ShapeError};
pub use num_traits;
pub use ops::{CloneVector, DimensionMismatch, Local, LocalMut, RealVector, RealVectorMut};
pub use parallel::Par;
pub use scalar::Real;
pub use vector::{CapacityError, StackVector};

/// The traits and types most code needs: `use rvf::prelude::*;`.
pub mod prelude {
    pub use crate::arena::{
        arena_allocate, arena_clone, ArenaClone, ArenaError, ArenaVec, MemoryArena, Scope,
    };
    pub use crate::matrix::DenseMatrix;
    pub use crate::ops::{CloneVector, Local, LocalMut, RealVector, RealVectorMut};
    pub use crate::scalar::Real;
    pub use crate::vector::StackVector;
    pub use num_traits::Float;
}
