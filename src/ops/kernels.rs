//! The loops behind every operation, written once over [`Local`] views.
//!
//! Reductions are deterministic and layout independent: a run of elements is split into
//! blocks of [`BLOCK`] elements at fixed positions, each block is summed in eight interleaved
//! lanes (element `i` of a block goes to lane `i % 8`), the lanes are combined in a fixed tree,
//! and block results are combined pairwise in a fixed binary tree. The split points depend only
//! on the length, so contiguous and strided storage, and the sequential and rayon paths, give
//! the same bits. Eight lanes break the add-latency chain that limits a single accumulator.

use core::ops::Range;

use super::local::{Local, LocalMut, Strided};
use crate::Real;

/// Elements per reduction block: the leaf size of the fixed reduction tree.
pub const BLOCK: usize = 4096;

const LANES: usize = 8;

/// Folds the lanes: first the two halves element-wise, then pairwise. This order lets the
/// compiler keep the lanes in vector registers (a pairwise-adjacent order measured ~35% slower
/// in cache).
#[inline(always)]
fn combine_lanes<S: Real>(a: [S; LANES]) -> S {
    let b = [a[0] + a[4], a[1] + a[5], a[2] + a[6], a[3] + a[7]];
    (b[0] + b[2]) + (b[1] + b[3])
}

/// Adds the partial last chunk into the lanes. Writing the tail into its own array (zeros past
/// its end) and adding it lane by lane keeps `acc` in registers in the main loop; indexing
/// `acc` with a run-time index would force it to memory and halve the speed.
#[inline(always)]
fn add_tail<S: Real>(acc: &mut [S; LANES], tail: impl Iterator<Item = S>) {
    let mut t = [S::zero(); LANES];
    for (slot, v) in t.iter_mut().zip(tail) {
        *slot = v;
    }
    for k in 0..LANES {
        acc[k] += t[k];
    }
}

/// Lane-summed `f(x_i, y_i)` over two equally long slices.
#[inline(always)]
fn lanes2_slices<S: Real>(x: &[S], y: &[S], f: &impl Fn(S, S) -> S) -> S {
    debug_assert_eq!(x.len(), y.len());
    let mut acc = [S::zero(); LANES];
    let xc = x.chunks_exact(LANES);
    let yc = y.chunks_exact(LANES);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for k in 0..LANES {
            acc[k] += f(a[k], b[k]);
        }
    }
    add_tail(&mut acc, xr.iter().zip(yr).map(|(&a, &b)| f(a, b)));
    combine_lanes(acc)
}

/// Lane-summed `f(x_i)` over a slice.
#[inline(always)]
fn lanes1_slice<S: Real>(x: &[S], f: &impl Fn(S) -> S) -> S {
    let mut acc = [S::zero(); LANES];
    let xc = x.chunks_exact(LANES);
    let xr = xc.remainder();
    for a in xc {
        for k in 0..LANES {
            acc[k] += f(a[k]);
        }
    }
    add_tail(&mut acc, xr.iter().map(|&a| f(a)));
    combine_lanes(acc)
}

/// Lane sums over `n` elements read through index accessors: the same arithmetic as the
/// slice path (full groups of `LANES`, then the tail), with constant lane indices so the
/// accumulators stay in registers. Monomorphised per storage combination.
#[inline(always)]
fn lanes2_indexed<S: Real>(
    n: usize,
    x: impl Fn(usize) -> S,
    y: impl Fn(usize) -> S,
    f: &impl Fn(S, S) -> S,
) -> S {
    let mut acc = [S::zero(); LANES];
    let full = n / LANES;
    for c in 0..full {
        let base = c * LANES;
        for (k, lane) in acc.iter_mut().enumerate() {
            *lane += f(x(base + k), y(base + k));
        }
    }
    add_tail(&mut acc, (full * LANES..n).map(|i| f(x(i), y(i))));
    combine_lanes(acc)
}

/// Reads element `i` of a strided view for [`lanes2_indexed`], which only asks for indices
/// below the view's length.
#[inline(always)]
fn strided_at<S: Real>(a: Strided<'_, S>) -> impl Fn(usize) -> S + '_ {
    move |i| {
        debug_assert!(i < a.len());
        // SAFETY: `lanes2_indexed` is called with the view's length and reads below it.
        unsafe { a.get_unchecked(i) }
    }
}

/// Lane-summed `f(x_i, y_i)` for any layouts, with the same arithmetic (so the same bits) as
/// the slice path.
fn lanes2<S: Real>(x: Local<'_, S>, y: Local<'_, S>, f: &impl Fn(S, S) -> S) -> S {
    let n = x.len();
    debug_assert_eq!(n, y.len());
    match (x, y) {
        (Local::Contiguous(a), Local::Contiguous(b)) => lanes2_slices(a, b, f),
        (Local::Strided(a), Local::Contiguous(b)) => {
            let b = &b[..n];
            lanes2_indexed(n, strided_at(a), |i| b[i], f)
        }
        (Local::Contiguous(a), Local::Strided(b)) => {
            let a = &a[..n];
            lanes2_indexed(n, |i| a[i], strided_at(b), f)
        }
        (Local::Strided(a), Local::Strided(b)) => {
            lanes2_indexed(n, strided_at(a), strided_at(b), f)
        }
    }
}

fn lanes1<S: Real>(x: Local<'_, S>, f: &impl Fn(S) -> S) -> S {
    match x {
        Local::Contiguous(a) => lanes1_slice(a, f),
        Local::Strided(a) => lanes2_indexed(a.len(), strided_at(a), |_| S::zero(), &|p, _| f(p)),
    }
}

/// Evaluates `leaf` on the fixed blocks of `0..len` and sums the results in a fixed binary
/// tree. `len == 0` gives zero.
#[inline]
pub fn tree_sum<S: Real>(range: Range<usize>, leaf: &impl Fn(Range<usize>) -> S) -> S {
    let n = range.end - range.start;
    if n <= BLOCK {
        return leaf(range);
    }
    let mid = range.start + split_point(n);
    tree_sum(range.start..mid, leaf) + tree_sum(mid..range.end, leaf)
}

/// Where a run of `n > BLOCK` elements splits: the left part is half the blocks, rounded up,
/// so every leaf except the last is exactly `BLOCK` long.
#[inline]
pub fn split_point(n: usize) -> usize {
    let blocks = n.div_ceil(BLOCK);
    blocks.div_ceil(2) * BLOCK
}

/// Deterministic `Σ f(x_i, y_i)`. The views must have equal length.
pub fn reduce2<S: Real>(x: Local<'_, S>, y: Local<'_, S>, f: impl Fn(S, S) -> S) -> S {
    debug_assert_eq!(x.len(), y.len());
    tree_sum(0..x.len(), &|r: Range<usize>| {
        lanes2(x.subview(r.clone()), y.subview(r), &f)
    })
}

/// Deterministic `Σ f(x_i)`.
pub fn reduce1<S: Real>(x: Local<'_, S>, f: impl Fn(S) -> S) -> S {
    tree_sum(0..x.len(), &|r: Range<usize>| lanes1(x.subview(r), &f))
}

/// The leaf of [`reduce2`], exposed for the parallel tree.
pub fn reduce2_leaf<S: Real>(x: Local<'_, S>, y: Local<'_, S>, f: &impl Fn(S, S) -> S) -> S {
    lanes2(x, y, f)
}

/// The leaf of [`reduce1`], exposed for the parallel tree.
pub fn reduce1_leaf<S: Real>(x: Local<'_, S>, f: &impl Fn(S) -> S) -> S {
    lanes1(x, f)
}

/// `fold(init, g)` over the elements; for order-insensitive folds such as max and min.
pub fn fold1<S: Real>(x: Local<'_, S>, init: S, g: impl Fn(S, S) -> S) -> S {
    match x {
        Local::Contiguous(s) => s.iter().fold(init, |acc, &v| g(acc, v)),
        Local::Strided(_) => x.iter().fold(init, |acc, &v| g(acc, v)),
    }
}

/// `f(y_i)` for every element.
#[inline]
pub fn map_mut<S: Real>(y: LocalMut<'_, S>, f: impl Fn(&mut S)) {
    match y {
        LocalMut::Contiguous(s) => s.iter_mut().for_each(f),
        mut y @ LocalMut::Strided(_) => y.iter_mut().for_each(f),
    }
}

/// `f(y_i, x_i)` for every element. The views must have equal length.
#[inline]
pub fn zip_mut<S: Real>(y: LocalMut<'_, S>, x: Local<'_, S>, f: impl Fn(&mut S, S)) {
    debug_assert_eq!(y.len(), x.len());
    match (y, x) {
        (LocalMut::Contiguous(a), Local::Contiguous(b)) => {
            for (p, &q) in a.iter_mut().zip(b) {
                f(p, q);
            }
        }
        (mut y, x) => {
            for (p, &q) in y.iter_mut().zip(x.iter()) {
                f(p, q);
            }
        }
    }
}

/// `f(y_i, [x0_i, x1_i, …])` for every element. All views must have `y`'s length.
pub fn zip_many_mut<S: Real, const N: usize>(
    y: LocalMut<'_, S>,
    xs: [Local<'_, S>; N],
    mut f: impl FnMut(&mut S, [S; N]),
) {
    let n = y.len();
    debug_assert!(xs.iter().all(|x| x.len() == n));
    let slices: Option<[&[S]; N]> = {
        let mut all = true;
        let s = core::array::from_fn(|k| match xs[k].as_slice() {
            Some(s) => &s[..n],
            None => {
                all = false;
                &[][..]
            }
        });
        all.then_some(s)
    };
    match (y, slices) {
        (LocalMut::Contiguous(ys), Some(slices)) => {
            // Every slice cut to the same `n` as the output: the indexing below then needs
            // no bounds checks, and the loop vectorises.
            let ys = &mut ys[..n];
            for (i, yi) in ys.iter_mut().enumerate() {
                f(yi, core::array::from_fn(|k| slices[k][i]));
            }
        }
        (mut y, _) => {
            let mut its = xs.map(|x| x.iter());
            for yi in y.iter_mut() {
                let vals = core::array::from_fn(|k| match its[k].next() {
                    Some(&v) => v,
                    None => unreachable!("lengths were checked"),
                });
                f(yi, vals);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_points_fall_on_block_boundaries() {
        assert_eq!(split_point(BLOCK + 1), BLOCK);
        assert_eq!(split_point(3 * BLOCK), 2 * BLOCK);
        assert_eq!(split_point(4 * BLOCK - 5), 2 * BLOCK);
    }

    #[test]
    fn strided_and_contiguous_reductions_agree_bitwise() {
        let n = 3 * BLOCK + 17;
        let data: Vec<f64> = (0..2 * n)
            .map(|i| ((i * 7919) % 1013) as f64 / 7.0 - 50.0)
            .collect();
        let even: Vec<f64> = data.iter().step_by(2).copied().collect();
        // SAFETY: n elements at stride 2 are inside `data`.
        let strided = unsafe { super::super::local::Strided::from_raw_parts(data.as_ptr(), n, 2) };
        let a = reduce2(
            Local::Contiguous(&even),
            Local::Contiguous(&even),
            |p, q| p * q,
        );
        let b = reduce2(Local::Strided(strided), Local::Contiguous(&even), |p, q| {
            p * q
        });
        assert_eq!(a.to_bits(), b.to_bits());
        let reference: f64 = even.iter().map(|v| v * v).sum();
        approx::assert_relative_eq!(a, reference, max_relative = 1e-12);
    }
}
