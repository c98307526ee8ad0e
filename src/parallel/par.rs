//! [`Par`]: how an algorithm runs its vector operations.

use num_traits::Float;

use crate::ops::{RealVector, RealVectorMut};

/// Sequential or rayon-parallel execution of the vector operations inside an algorithm.
///
/// Solvers take one of these in their parameters instead of offering a second, parallel API.
/// The methods dispatch to the sequential operation or to its `par_` twin
/// ([`parallel`](crate::parallel), feature `rayon`); reductions give the same bits either way.
///
/// ```
/// use rvf::prelude::*;
/// use rvf::Par;
/// let x = vec![1.0; 1000];
/// let mut y = vec![0.0; 1000];
/// Par::Seq.axpy(&mut y, 2.0, &x);
/// assert_eq!(Par::Seq.inner_product(&x, &y), 2000.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Par {
    /// On the calling thread.
    #[default]
    Seq,
    /// On rayon's global thread pool (feature `rayon`), for vectors of at least
    /// [`PARALLEL_THRESHOLD`](crate::parallel::PARALLEL_THRESHOLD) elements (memory-bound
    /// operations) or [`PARALLEL_MAP_THRESHOLD`](crate::parallel::PARALLEL_MAP_THRESHOLD)
    /// (maps and stencils).
    #[cfg(feature = "rayon")]
    Rayon,
}

macro_rules! dispatch {
    ($self:expr, $seq:expr, $par:expr) => {
        match $self {
            Par::Seq => $seq,
            #[cfg(feature = "rayon")]
            Par::Rayon => {
                #[allow(unused_imports)]
                use crate::parallel::{ParRealVector, ParRealVectorMut};
                $par
            }
        }
    };
}

impl Par {
    /// `x·y`.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[inline]
    #[track_caller]
    pub fn inner_product<X, Y>(self, x: &X, y: &Y) -> X::Scalar
    where
        X: RealVector + ?Sized,
        Y: RealVector<Scalar = X::Scalar> + ?Sized,
    {
        dispatch!(self, x.inner_product(y), x.par_inner_product(y))
    }

    /// `‖x‖₂²`.
    #[inline]
    pub fn l2norm_squared<X: RealVector + ?Sized>(self, x: &X) -> X::Scalar {
        dispatch!(self, x.l2norm_squared(), x.par_l2norm_squared())
    }

    /// `‖x‖₂`.
    #[inline]
    pub fn l2norm<X: RealVector + ?Sized>(self, x: &X) -> X::Scalar {
        self.l2norm_squared(x).sqrt()
    }

    /// Whether every element of `x` is finite (no NaN, no ±∞), on every process.
    #[inline]
    pub fn all_finite<X: RealVector + ?Sized>(self, x: &X) -> bool {
        dispatch!(self, x.all_finite(), x.par_all_finite())
    }

    /// `y ← y + a·x`.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[inline]
    #[track_caller]
    pub fn axpy<Y, X>(self, y: &mut Y, a: Y::Scalar, x: &X)
    where
        Y: RealVectorMut + ?Sized,
        X: RealVector<Scalar = Y::Scalar> + ?Sized,
    {
        dispatch!(self, y.axpy_in_place(a, x), y.par_axpy_in_place(a, x))
    }

    /// `y ← a·x + b·y`.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[inline]
    #[track_caller]
    pub fn axpby<Y, X>(self, y: &mut Y, a: Y::Scalar, x: &X, b: Y::Scalar)
    where
        Y: RealVectorMut + ?Sized,
        X: RealVector<Scalar = Y::Scalar> + ?Sized,
    {
        dispatch!(
            self,
            y.axpby_in_place(a, x, b),
            y.par_axpby_in_place(a, x, b)
        )
    }

    /// `y ← x`.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[inline]
    #[track_caller]
    pub fn copy<Y, X>(self, y: &mut Y, x: &X)
    where
        Y: RealVectorMut + ?Sized,
        X: RealVector<Scalar = Y::Scalar> + ?Sized,
    {
        dispatch!(self, y.copy_from(x), y.par_copy_from(x))
    }

    /// `y ← a·y`.
    #[inline]
    pub fn scale<Y: RealVectorMut + ?Sized>(self, y: &mut Y, a: Y::Scalar) {
        dispatch!(self, y.scale_in_place(a), y.par_scale_in_place(a))
    }

    /// Calls `f(i, chunk)` for the `i`-th chunk of `chunk_len` elements of `data` (the last may
    /// be shorter): on rayon's threads for [`Par::Rayon`] when `data` has at least
    /// [`PARALLEL_MAP_THRESHOLD`](crate::parallel::PARALLEL_MAP_THRESHOLD) elements, in order
    /// on the calling thread otherwise. For kernels such as stencils that write disjoint
    /// blocks of an output.
    ///
    /// # Panics
    /// If `chunk_len` is zero.
    pub fn for_each_chunk_mut<T, F>(self, data: &mut [T], chunk_len: usize, f: F)
    where
        T: Send,
        F: Fn(usize, &mut [T]) + Sync + Send,
    {
        assert!(
            chunk_len > 0,
            "Par::for_each_chunk_mut: chunk length must be positive"
        );
        match self {
            #[cfg(feature = "rayon")]
            Par::Rayon if data.len() >= crate::parallel::PARALLEL_MAP_THRESHOLD => {
                use rayon::prelude::*;
                data.par_chunks_mut(chunk_len)
                    .enumerate()
                    .for_each(|(i, c)| f(i, c));
            }
            _ => {
                for (i, c) in data.chunks_mut(chunk_len).enumerate() {
                    f(i, c);
                }
            }
        }
    }
}
