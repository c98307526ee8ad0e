//! [`Par`]: how an algorithm runs its vector operations.

use num_traits::Float;

use crate::ops::{RealVector, RealVectorMut, ZipInputs};

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

    /// `yᵢ ← f(yᵢ, xᵢ)`.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[inline]
    #[track_caller]
    pub fn binary<Y, X, F>(self, y: &mut Y, x: &X, f: F)
    where
        Y: RealVectorMut + ?Sized,
        X: RealVector<Scalar = Y::Scalar> + ?Sized,
        F: Fn(Y::Scalar, Y::Scalar) -> Y::Scalar + Sync,
    {
        dispatch!(self, y.binary_in_place(x, f), y.par_binary_in_place(x, f))
    }

    /// `yᵢ ← f(yᵢ, [x0ᵢ, x1ᵢ, …])`, the variadic map of
    /// [`zip_in_place`](RealVectorMut::zip_in_place). Element-wise, so the result does not
    /// depend on `self`.
    ///
    /// # Panics
    /// If any input's dimension differs from `y`'s.
    #[inline]
    #[track_caller]
    pub fn zip<Y, const N: usize, Z, F>(self, y: &mut Y, inputs: Z, f: F)
    where
        Y: RealVectorMut + ?Sized,
        Z: ZipInputs<Y::Scalar, N>,
        F: Fn(&mut Y::Scalar, [Y::Scalar; N]) + Sync,
    {
        dispatch!(
            self,
            y.zip_in_place(inputs, f),
            y.par_zip_in_place(inputs, f)
        )
    }

    /// `Σ f(xᵢ, yᵢ)` over two local views into an exact accumulator
    /// ([`exact_reduce2`](crate::ops::exact_reduce2)), on rayon's threads for [`Par::Rayon`]
    /// when the views have at least
    /// [`PARALLEL_THRESHOLD`](crate::parallel::PARALLEL_THRESHOLD) elements: the local part of
    /// an exact reduction ([`RealVector::reduce_exact`]), the same state either way.
    ///
    /// ```
    /// use rvf::ops::Local;
    /// use rvf::Par;
    /// let x = vec![1e100, 1.0, -1e100];
    /// let s = Par::Seq.exact_reduce2(Local::Contiguous(&x), Local::Contiguous(&x), |p, _| p);
    /// assert_eq!(s.round(), 1.0);
    /// ```
    ///
    /// # Panics
    /// If the views' lengths differ.
    pub fn exact_reduce2<S: crate::Real>(
        self,
        x: crate::ops::Local<'_, S>,
        y: crate::ops::Local<'_, S>,
        f: impl Fn(S, S) -> S + Sync,
    ) -> crate::ops::ExactSum {
        assert_eq!(x.len(), y.len(), "Par::exact_reduce2: lengths differ");
        match self {
            #[cfg(feature = "rayon")]
            Par::Rayon if x.len() >= crate::parallel::PARALLEL_THRESHOLD => {
                super::kernels::par_exact_reduce2(x, y, f)
            }
            _ => crate::ops::exact_reduce2(x, y, f),
        }
    }

    /// [`reduce_blocks`](crate::ops::blocks::reduce_blocks) — a fused sweep over several
    /// vectors that also reduces, with the bits of the separate operations — on rayon's
    /// threads for [`Par::Rayon`] when `range.len() · work_per_element` reaches
    /// [`PARALLEL_THRESHOLD`](crate::parallel::PARALLEL_THRESHOLD) (`work_per_element`: 1 for
    /// memory-bound updates, more for leaves that compute, such as an operator product). The
    /// blocks and the order of the additions do not depend on `self`, so neither does the
    /// result.
    ///
    /// ```
    /// use rvf::ops::kernels::reduce1_leaf;
    /// use rvf::prelude::*;
    /// use rvf::Par;
    /// let p = vec![0.5_f64; 100_000];
    /// let mut r = vec![1.0_f64; 100_000];
    /// let mut r2 = r.clone();
    /// // r ← r − 0.5·p and ‖r‖² in one sweep.
    /// let [rr] = Par::Seq.reduce_blocks(0..r.len(), 1, (&mut r[..], &p[..]), |_, (r, p)| {
    ///     for (ri, pi) in r.iter_mut().zip(p) {
    ///         *ri += -0.5 * pi;
    ///     }
    ///     [reduce1_leaf(Local::Contiguous(r), &|v| v * v)]
    /// });
    /// r2.axpy_in_place(-0.5, &p);
    /// assert_eq!(rr.to_bits(), r2.l2norm_squared().to_bits());
    /// ```
    pub fn reduce_blocks<S, D, F, const K: usize>(
        self,
        range: core::ops::Range<usize>,
        work_per_element: usize,
        data: D,
        leaf: F,
    ) -> [S; K]
    where
        S: crate::Real,
        D: crate::ops::blocks::SplitAt + Send,
        F: Fn(core::ops::Range<usize>, D) -> [S; K] + Sync,
    {
        match self {
            #[cfg(feature = "rayon")]
            Par::Rayon
                if (range.end - range.start).saturating_mul(work_per_element.max(1))
                    >= crate::parallel::PARALLEL_THRESHOLD =>
            {
                super::kernels::par_reduce_blocks(range, data, &leaf)
            }
            _ => {
                let _ = work_per_element;
                crate::ops::blocks::reduce_blocks(range, data, &leaf)
            }
        }
    }

    /// Calls `f(first_row, rows)` on consecutive blocks of the rows of an output `y` (one
    /// element per row), for row-wise kernels such as matrix–vector products: on rayon's
    /// threads for [`Par::Rayon`] when the total work, `y.len() · work_per_row` (say, the
    /// nonzeros per row), reaches
    /// [`PARALLEL_MAP_THRESHOLD`](crate::parallel::PARALLEL_MAP_THRESHOLD), with blocks of
    /// about 16 K units of work; in one call on the calling thread otherwise. Each row is
    /// computed by the same code either way, so the result does not depend on `self`.
    ///
    /// ```
    /// use rvf::Par;
    /// let mut y = vec![0.0; 10];
    /// Par::Seq.for_each_row_block(&mut y, 1, |first, rows| {
    ///     for (i, yi) in rows.iter_mut().enumerate() {
    ///         *yi = (first + i) as f64;
    ///     }
    /// });
    /// assert_eq!(y[7], 7.0);
    /// ```
    pub fn for_each_row_block<T, F>(self, y: &mut [T], work_per_row: usize, f: F)
    where
        T: Send,
        F: Fn(usize, &mut [T]) + Sync + Send,
    {
        match self {
            #[cfg(feature = "rayon")]
            Par::Rayon
                if y.len().saturating_mul(work_per_row.max(1))
                    >= crate::parallel::PARALLEL_MAP_THRESHOLD =>
            {
                let work_per_row = work_per_row.max(1);
                use rayon::prelude::*;
                // 16 K units per task: enough to hide a task's scheduling cost (~1 µs) behind
                // several µs of memory-bound work, small enough to balance two or more cores.
                let rows = (16 * 1024 / work_per_row).max(1);
                y.par_chunks_mut(rows)
                    .enumerate()
                    .for_each(|(t, block)| f(t * rows, block));
            }
            _ => {
                let _ = work_per_row;
                f(0, y)
            }
        }
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
