//! The read-only vector trait, [`RealVector`], and its provided operations.

use super::error::{check_dims, DimensionMismatch};
use super::exact::{exact_reduce1, exact_reduce2, ExactSum, Summation};
use super::kernels;
use super::local::Local;
use crate::Real;
use num_traits::{Float, Zero};

/// A vector of real numbers: the read-only half of the RVF operation set.
///
/// An implementor says where its elements are ([`local`](Self::local): a contiguous slice or a
/// strided run) and how a partial result held by this process becomes the global one
/// ([`reduce_sum`](Self::reduce_sum) and friends: the identity for vectors held by one process,
/// an all-reduce for a distributed vector). Every operation is then provided, generic over the
/// *other* operand, so a user's vector and an arena temporary of another type combine freely.
///
/// Reductions are deterministic: the same values give the same bits on every run, whatever the
/// storage layout (see [`kernels`](crate::ops::kernels)).
///
/// ```
/// use rvf::prelude::*;
///
/// let x = vec![1.0, 2.0, 2.0];
/// let y = [4.0, 0.0, -1.0];
/// assert_eq!(x.dimension(), 3);
/// assert_eq!(x.inner_product(&y), 2.0);
/// assert_eq!(x.l2norm(), 3.0);
/// assert_eq!(y.norm_inf(), 4.0);
/// ```
pub trait RealVector {
    /// The element type.
    type Scalar: Real;

    /// The elements this process holds.
    fn local(&self) -> Local<'_, Self::Scalar>;

    /// The global number of elements. Defaults to the local length.
    #[inline]
    fn dimension(&self) -> usize {
        self.local().len()
    }

    /// The global index of this process's first element: 0 by default; a distributed
    /// vector's block start. For generic code that must give each element a value by its
    /// global position (a start vector that does not change with the number of processes).
    #[inline]
    fn global_offset(&self) -> usize {
        0
    }

    /// Turns this process's partial sum into the global sum. The identity by default.
    #[inline]
    fn reduce_sum(&self, partial: Self::Scalar) -> Self::Scalar {
        partial
    }

    /// Turns several partial sums into global sums in one collective step, each with the
    /// bits [`reduce_sum`](Self::reduce_sum) would give it: for methods that fuse their
    /// reductions (pipelined CG reduces `rᵀr` and `wᵀr` together). The default reduces the
    /// values one by one; distributed vectors override it with one message.
    #[inline]
    fn reduce_sums<const K: usize>(&self, partials: [Self::Scalar; K]) -> [Self::Scalar; K] {
        partials.map(|p| self.reduce_sum(p))
    }

    /// How this vector's reductions add their terms: [`Summation::Blocked`] by default;
    /// [`Summation::Exact`] makes inner products, norms and sums exact and rounded once, so
    /// bitwise independent of threads and processes
    /// ([`Reproducible`](crate::adapters::Reproducible) wraps any vector so). Solvers that fuse
    /// reductions into other sweeps ask this first and run the separate operations for exact
    /// vectors.
    #[inline]
    fn summation(&self) -> Summation {
        Summation::Blocked
    }

    /// Turns this process's exact partial sums into the global sums, each rounded once, in one
    /// collective step: rounding by default; distributed vectors add the accumulators of all
    /// processes first (an all-reduce of their integer digits).
    #[inline]
    fn reduce_exact<const K: usize>(&self, partials: [ExactSum; K]) -> [Self::Scalar; K] {
        partials.map(|p| p.rounded())
    }

    /// Turns this process's partial maximum into the global maximum. The identity by default.
    #[inline]
    fn reduce_max(&self, partial: Self::Scalar) -> Self::Scalar {
        partial
    }

    /// Turns this process's partial minimum into the global minimum. The identity by default.
    #[inline]
    fn reduce_min(&self, partial: Self::Scalar) -> Self::Scalar {
        partial
    }

    /// The inner product `Σ selfᵢ·xᵢ`.
    ///
    /// # Panics
    /// If the dimensions differ; see [`try_inner_product`](Self::try_inner_product).
    #[inline]
    #[track_caller]
    fn inner_product<X>(&self, x: &X) -> Self::Scalar
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        match self.try_inner_product(x) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// The inner product, or an error if the dimensions differ.
    #[inline]
    fn try_inner_product<X>(&self, x: &X) -> Result<Self::Scalar, DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("inner_product", self.dimension(), x.dimension())?;
        let (a, b) = (self.local(), x.local());
        check_dims("inner_product", a.len(), b.len())?;
        Ok(sum_pairs(self, a, b, |p, q| p * q))
    }

    /// The sum of the elements (zero for an empty vector).
    #[inline]
    fn sum(&self) -> Self::Scalar {
        sum_each(self, |v| v)
    }

    /// `‖self‖₂²`, the squared Euclidean norm.
    #[inline]
    fn l2norm_squared(&self) -> Self::Scalar {
        sum_each(self, |v| v * v)
    }

    /// The Euclidean norm `‖self‖₂` (zero for an empty vector).
    #[inline]
    fn l2norm(&self) -> Self::Scalar {
        self.l2norm_squared().sqrt()
    }

    /// The 1-norm `Σ |selfᵢ|`.
    #[inline]
    fn norm_l1(&self) -> Self::Scalar {
        sum_each(self, |v| v.abs())
    }

    /// The maximum norm `maxᵢ |selfᵢ|` (zero for an empty vector; NaN elements are skipped).
    #[inline]
    fn norm_inf(&self) -> Self::Scalar {
        let zero = Self::Scalar::zero();
        self.reduce_max(kernels::fold1(self.local(), zero, |m, v| m.max(v.abs())))
    }

    /// The largest element, or `None` for an empty vector. NaN elements are skipped, as by
    /// [`f64::max`].
    #[inline]
    fn max(&self) -> Option<Self::Scalar> {
        let lo = Self::Scalar::neg_infinity();
        let m = self.reduce_max(kernels::fold1(self.local(), lo, |m, v| m.max(v)));
        (self.dimension() > 0).then_some(m)
    }

    /// The smallest element, or `None` for an empty vector. NaN elements are skipped.
    #[inline]
    fn min(&self) -> Option<Self::Scalar> {
        let hi = Self::Scalar::infinity();
        let m = self.reduce_min(kernels::fold1(self.local(), hi, |m, v| m.min(v)));
        (self.dimension() > 0).then_some(m)
    }

    /// Whether every element is finite (no NaN, no ±∞).
    #[inline]
    fn all_finite(&self) -> bool {
        // A sum of |x|·0 is NaN exactly when some element is not finite.
        let probe = self.reduce_sum(kernels::reduce1(self.local(), |v| v * Self::Scalar::zero()));
        probe == Self::Scalar::zero()
    }
}

/// `Σ f(aᵢ, bᵢ)` over local views of `v` and another vector, summed as `v.summation()` says and
/// reduced over processes.
#[inline]
pub(crate) fn sum_pairs<V: RealVector + ?Sized>(
    v: &V,
    a: Local<'_, V::Scalar>,
    b: Local<'_, V::Scalar>,
    f: impl Fn(V::Scalar, V::Scalar) -> V::Scalar,
) -> V::Scalar {
    match v.summation() {
        Summation::Blocked => v.reduce_sum(kernels::reduce2(a, b, f)),
        Summation::Exact => {
            let [s] = v.reduce_exact([exact_reduce2(a, b, f)]);
            s
        }
    }
}

/// `Σ f(vᵢ)`, summed as `v.summation()` says and reduced over processes.
#[inline]
pub(crate) fn sum_each<V: RealVector + ?Sized>(
    v: &V,
    f: impl Fn(V::Scalar) -> V::Scalar,
) -> V::Scalar {
    match v.summation() {
        Summation::Blocked => v.reduce_sum(kernels::reduce1(v.local(), f)),
        Summation::Exact => {
            let [s] = v.reduce_exact([exact_reduce1(v.local(), f)]);
            s
        }
    }
}
