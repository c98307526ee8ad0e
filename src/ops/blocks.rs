//! Fused passes: one sweep over several vectors that also reduces, with the bits of the
//! separate operations.
//!
//! A fused kernel — an operator product that also returns `pᵀ(A·p)`, a solver update of `x`
//! and `r` that also returns `rᵀr` — reads each vector once instead of once per operation. To
//! give the same bits as the separate operations it must add in the same order. [`reduce_blocks`]
//! cuts the index range, and the data with it, at the fixed block boundaries of the vector
//! reductions ([`tree_sum`](super::kernels::tree_sum)) and adds the leaves' results in the
//! same fixed tree, so a leaf that returns
//! [`reduce2_leaf`](super::kernels::reduce2_leaf) of its block gives exactly what
//! [`inner_product`](super::RealVector::inner_product) gives. A block is
//! [`BLOCK`] elements (32 KiB of `f64`): what a leaf has just written
//! it reads back from cache, so the fused reduction costs no memory traffic.
//! [`Par::reduce_blocks`](crate::Par::reduce_blocks) runs the same tree on rayon's threads.
//!
//! ```
//! use rvf::ops::blocks::reduce_blocks;
//! use rvf::ops::kernels::reduce2_leaf;
//! use rvf::prelude::*;
//! let p: Vec<f64> = (0..10_000).map(|i| (i as f64).sin()).collect();
//! let mut y = vec![0.0; 10_000];
//! // y ← 2·p and pᵀy in one sweep, with the bits of the two separate operations.
//! let [pty] = reduce_blocks(0..p.len(), (&p[..], &mut y[..]), &|_, (p, y): (&[f64], &mut [f64])| {
//!     for (yi, pi) in y.iter_mut().zip(p) {
//!         *yi = 2.0 * pi;
//!     }
//!     [reduce2_leaf(Local::Contiguous(p), Local::Contiguous(y), &|a, b| a * b)]
//! });
//! assert_eq!(pty.to_bits(), p.inner_product(&y).to_bits());
//! ```

use core::ops::Range;

use super::kernels::{split_point, BLOCK};
use super::local::{Local, LocalMut};
use crate::Real;

/// Data that can be cut in two at an element index, for [`reduce_blocks`]: slices, vector
/// views and tuples of them (cut at the same index). `()` carries nothing, for leaves that
/// need only their index range.
pub trait SplitAt: Sized {
    /// The parts before and from `mid`.
    fn split_at(self, mid: usize) -> (Self, Self);
}

impl<S> SplitAt for &[S] {
    #[inline]
    fn split_at(self, mid: usize) -> (Self, Self) {
        <[S]>::split_at(self, mid)
    }
}

impl<S> SplitAt for &mut [S] {
    #[inline]
    fn split_at(self, mid: usize) -> (Self, Self) {
        <[S]>::split_at_mut(self, mid)
    }
}

impl<S> SplitAt for Local<'_, S> {
    #[inline]
    fn split_at(self, mid: usize) -> (Self, Self) {
        (self.subview(0..mid), self.subview(mid..self.len()))
    }
}

impl<S> SplitAt for LocalMut<'_, S> {
    #[inline]
    fn split_at(self, mid: usize) -> (Self, Self) {
        LocalMut::split_at(self, mid)
    }
}

impl SplitAt for () {
    #[inline]
    fn split_at(self, _: usize) -> (Self, Self) {
        ((), ())
    }
}

macro_rules! split_tuple {
    ($($name:ident),+) => {
        impl<$($name: SplitAt),+> SplitAt for ($($name,)+) {
            #[inline]
            #[allow(non_snake_case)]
            fn split_at(self, mid: usize) -> (Self, Self) {
                let ($($name,)+) = self;
                $(let $name = $name.split_at(mid);)+
                (($($name.0,)+), ($($name.1,)+))
            }
        }
    };
}
split_tuple!(A);
split_tuple!(A, B);
split_tuple!(A, B, C);
split_tuple!(A, B, C, D);
split_tuple!(A, B, C, D, E);
split_tuple!(A, B, C, D, E, F);

/// Adds two leaf results component by component.
#[inline(always)]
pub(crate) fn add<S: Real, const K: usize>(a: [S; K], b: [S; K]) -> [S; K] {
    core::array::from_fn(|k| a[k] + b[k])
}

/// Calls `leaf(block, data_of_block)` on the fixed reduction blocks of `range` (blocks of
/// [`BLOCK`] elements counted from `range.start`, the last one
/// shorter), left to right, with `data` cut at the same points, and sums the `K` results of
/// the leaves in the fixed binary tree of the vector reductions. `data` must hold
/// `range.len()` elements; an empty range makes one call with an empty block.
///
/// A leaf returning [`reduce2_leaf`](super::kernels::reduce2_leaf) or
/// [`reduce1_leaf`](super::kernels::reduce1_leaf) of its block reproduces the bits of the
/// corresponding whole-vector reduction, whatever else the leaf does to its block first.
pub fn reduce_blocks<S, D, const K: usize>(
    range: Range<usize>,
    data: D,
    leaf: &impl Fn(Range<usize>, D) -> [S; K],
) -> [S; K]
where
    S: Real,
    D: SplitAt,
{
    let n = range.end - range.start;
    if n <= BLOCK {
        return leaf(range, data);
    }
    let mid = split_point(n);
    let (left, right) = data.split_at(mid);
    let at = range.start + mid;
    add(
        reduce_blocks(range.start..at, left, leaf),
        reduce_blocks(at..range.end, right, leaf),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::kernels::{reduce1_leaf, reduce2_leaf};
    use crate::ops::{RealVector, RealVectorMut};

    fn data(n: usize, seed: f64) -> Vec<f64> {
        (0..n)
            .map(|i| ((i as f64 + seed) * 0.37).sin() * 1e3)
            .collect()
    }

    /// x ← x + α·p, r ← r − α·q and rᵀr in one sweep equals the three operations, bitwise,
    /// for lengths around the block and tree boundaries.
    #[test]
    fn a_fused_update_gives_the_bits_of_the_separate_operations() {
        for n in [
            0,
            1,
            7,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            3 * BLOCK + 5,
            9 * BLOCK + 123,
        ] {
            let (p, q) = (data(n, 1.0), data(n, 2.0));
            let (mut x1, mut r1) = (data(n, 3.0), data(n, 4.0));
            let (mut x2, mut r2) = (x1.clone(), r1.clone());
            let alpha = 0.731;
            x1.axpy_in_place(alpha, &p);
            r1.axpy_in_place(-alpha, &q);
            let rr1 = r1.l2norm_squared();
            let [rr2] = reduce_blocks(
                0..n,
                (&mut x2[..], &mut r2[..], &p[..], &q[..]),
                &|_, (x, r, p, q): (&mut [f64], &mut [f64], &[f64], &[f64])| {
                    for (xi, pi) in x.iter_mut().zip(p) {
                        *xi += alpha * pi;
                    }
                    for (ri, qi) in r.iter_mut().zip(q) {
                        *ri += -alpha * qi;
                    }
                    [reduce1_leaf(Local::Contiguous(r), &|v| v * v)]
                },
            );
            assert_eq!((x1, r1), (x2, r2), "n = {n}");
            assert_eq!(rr1.to_bits(), rr2.to_bits(), "n = {n}");
        }
    }

    /// Two reductions from one sweep, each with the bits of its own inner product, and the
    /// leaves see the index ranges of consecutive blocks.
    #[test]
    fn several_reductions_share_one_sweep() {
        let n = 5 * BLOCK + 17;
        let (a, b) = (data(n, 5.0), data(n, 6.0));
        let seen = std::sync::Mutex::new(Vec::new());
        let [ab, bb] = reduce_blocks(100..100 + n, (&a[..], &b[..]), &|r, (a, b)| {
            seen.lock().unwrap().push(r);
            let (a, b) = (Local::Contiguous(a), Local::Contiguous(b));
            [
                reduce2_leaf(a, b, &|p, q| p * q),
                reduce2_leaf(b, b, &|p, q| p * q),
            ]
        });
        assert_eq!(ab.to_bits(), a.inner_product(&b).to_bits());
        assert_eq!(bb.to_bits(), b.l2norm_squared().to_bits());
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 6);
        assert_eq!(seen[0], 100..100 + BLOCK);
        assert!(seen.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(seen[5].end, 100 + n);
    }

    #[test]
    fn strided_views_split_like_slices() {
        let n = 2 * BLOCK + 3;
        let backing = data(2 * n, 7.0);
        let even: Vec<f64> = backing.iter().step_by(2).copied().collect();
        // SAFETY: n elements at stride 2 lie inside `backing`.
        let strided = unsafe { crate::ops::Strided::from_raw_parts(backing.as_ptr(), n, 2) };
        let [s] = reduce_blocks(0..n, Local::Strided(strided), &|_, v| {
            [reduce1_leaf(v, &|x| x * x)]
        });
        assert_eq!(s.to_bits(), even.l2norm_squared().to_bits());
    }
}
