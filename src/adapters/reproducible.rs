//! [`Reproducible`]: any vector with exact, rounded-once reductions.

use crate::arena::{ArenaClone, ArenaError, Scope};
use crate::ops::{ExactSum, Local, LocalMut, RealVector, RealVectorMut, Summation};

/// A vector whose inner products, norms and sums are exact and rounded once
/// ([`Summation::Exact`]): bitwise the same for any number of threads and, around a
/// [`DistributedVector`](crate::distributed::DistributedVector), any number of processes;
/// and equal between the serial and the distributed form of the same data.
///
/// Everything else is the inner vector's: its storage, its element-wise operations, its
/// collective steps (the exact partial sums are passed on to the inner vector's
/// [`reduce_exact`](RealVector::reduce_exact)). Arena clones are `Reproducible` too, so a
/// solver's work vectors, cloned from the right-hand side, keep the exact reductions. Solvers
/// that fuse reductions into other sweeps run the separate operations on these vectors.
///
/// ```
/// use rvf::adapters::Reproducible;
/// use rvf::prelude::*;
/// let x = Reproducible(vec![1e100, 1.0, -1e100]);
/// assert_eq!(x.sum(), 1.0);
/// assert_eq!(x.0.iter().sum::<f64>(), 0.0); // left to right, the 1 is lost
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reproducible<V>(pub V);

impl<V: RealVector> RealVector for Reproducible<V> {
    type Scalar = V::Scalar;

    #[inline]
    fn local(&self) -> Local<'_, V::Scalar> {
        self.0.local()
    }

    #[inline]
    fn dimension(&self) -> usize {
        self.0.dimension()
    }

    #[inline]
    fn global_offset(&self) -> usize {
        self.0.global_offset()
    }
    #[inline]
    fn summation(&self) -> Summation {
        Summation::Exact
    }

    #[inline]
    fn reduce_exact<const K: usize>(&self, partials: [ExactSum; K]) -> [V::Scalar; K] {
        self.0.reduce_exact(partials)
    }

    #[inline]
    fn reduce_sum(&self, partial: V::Scalar) -> V::Scalar {
        self.0.reduce_sum(partial)
    }

    #[inline]
    fn reduce_sums<const K: usize>(&self, partials: [V::Scalar; K]) -> [V::Scalar; K] {
        self.0.reduce_sums(partials)
    }

    #[inline]
    fn reduce_max(&self, partial: V::Scalar) -> V::Scalar {
        self.0.reduce_max(partial)
    }

    #[inline]
    fn reduce_min(&self, partial: V::Scalar) -> V::Scalar {
        self.0.reduce_min(partial)
    }
}

impl<V: RealVectorMut> RealVectorMut for Reproducible<V> {
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, V::Scalar> {
        self.0.local_mut()
    }
}

impl<V: ArenaClone> ArenaClone for Reproducible<V> {
    type Temp<'s>
        = Reproducible<V::Temp<'s>>
    where
        Self: 's;

    #[inline]
    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's,
    {
        self.0.arena_clone(scope).map(Reproducible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::MemoryArena;
    use crate::Par;

    fn ill_conditioned(n: usize) -> (Vec<f64>, Vec<f64>) {
        // Terms from 1e-8 to 1e8 with alternating signs: the blocked sum loses digits.
        let x: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.37).sin() * 10f64.powi((i % 17) as i32 - 8))
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 } * (1.0 + i as f64 * 1e-3))
            .collect();
        (x, y)
    }

    #[test]
    fn reductions_are_the_correctly_rounded_sums() {
        let (x, y) = ill_conditioned(50_000);
        let rx = Reproducible(x.clone());
        let mut reference = ExactSum::new();
        x.iter().zip(&y).for_each(|(a, b)| reference.add(a * b));
        assert_eq!(rx.inner_product(&y).to_bits(), reference.round().to_bits());
        let mut sq = ExactSum::new();
        x.iter().for_each(|a| sq.add(a * a));
        assert_eq!(rx.l2norm_squared().to_bits(), sq.round().to_bits());
        let mut l1 = ExactSum::new();
        x.iter().for_each(|a| l1.add(a.abs()));
        assert_eq!(rx.norm_l1().to_bits(), l1.round().to_bits());
        // Split in two halves in the other order: the same bits.
        let mut halves = ExactSum::new();
        x[25_000..].iter().for_each(|a| halves.add(*a));
        let mut first = ExactSum::new();
        x[..25_000].iter().rev().for_each(|a| first.add(*a));
        halves.merge(&first);
        assert_eq!(rx.sum().to_bits(), halves.round().to_bits());
    }

    #[test]
    fn parallel_and_strided_reductions_give_the_sequential_bits() {
        let (x, y) = ill_conditioned(600_000); // above PARALLEL_THRESHOLD
        let rx = Reproducible(x.clone());
        let seq = rx.inner_product(&y);
        let dispatched = Par::Seq.inner_product(&rx, &y);
        assert_eq!(seq.to_bits(), dispatched.to_bits());
        #[cfg(feature = "rayon")]
        {
            use crate::parallel::ParRealVector;
            assert_eq!(rx.par_inner_product(&y).to_bits(), seq.to_bits());
            assert_eq!(rx.par_l2norm().to_bits(), rx.l2norm().to_bits());
            assert_eq!(Par::Rayon.inner_product(&rx, &y).to_bits(), seq.to_bits());
        }
        // The strided path (a stride-1 strided view) against the slice path.
        let strided = Local::Strided(crate::ops::Strided::from_slice(&x));
        let a = crate::ops::exact_reduce2(strided, Local::Contiguous(&y), |p, q| p * q);
        assert_eq!(a.round().to_bits(), seq.to_bits());
    }

    #[test]
    fn arena_clones_stay_reproducible() {
        let arena = MemoryArena::new(1 << 16);
        let scope = arena.create_scope();
        let x = Reproducible(vec![1e100, 1.0, -1e100]);
        let t = x.arena_clone(&scope).unwrap();
        assert_eq!(t.summation(), Summation::Exact);
        assert_eq!(t.sum(), 1.0);
    }
}
