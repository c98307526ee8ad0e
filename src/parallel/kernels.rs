//! The parallel loops: the sequential kernels' fixed reduction tree with `rayon::join` at the
//! upper levels, and recursive halving for element-wise operations.

use core::ops::Range;

use crate::ops::blocks::{self, SplitAt};
use crate::ops::kernels::{split_point, BLOCK};
use crate::ops::{kernels, ExactSum, Local, LocalMut};
use crate::Real;

/// Below this many elements a subtree is summed on the current thread.
const GRAIN: usize = 8 * BLOCK;

/// The sequential [`kernels::tree_sum`] tree, with its upper levels run in parallel: the
/// split points and the order of every addition are the same, so the result is bitwise equal.
fn par_tree_sum<S: Real>(range: Range<usize>, leaf: &(impl Fn(Range<usize>) -> S + Sync)) -> S {
    let n = range.end - range.start;
    if n <= GRAIN {
        return kernels::tree_sum(range, leaf);
    }
    let mid = range.start + split_point(n);
    let (left, right) = rayon::join(
        || par_tree_sum(range.start..mid, leaf),
        || par_tree_sum(mid..range.end, leaf),
    );
    left + right
}

/// [`blocks::reduce_blocks`] with the upper levels of its tree on rayon's threads: the same
/// blocks, the same additions, so the same bits.
pub(crate) fn par_reduce_blocks<S, D, const K: usize>(
    range: Range<usize>,
    data: D,
    leaf: &(impl Fn(Range<usize>, D) -> [S; K] + Sync),
) -> [S; K]
where
    S: Real,
    D: SplitAt + Send,
{
    let n = range.end - range.start;
    if n <= GRAIN {
        return blocks::reduce_blocks(range, data, leaf);
    }
    let mid = split_point(n);
    let (left, right) = data.split_at(mid);
    let at = range.start + mid;
    let (a, b) = rayon::join(
        || par_reduce_blocks(range.start..at, left, leaf),
        || par_reduce_blocks(at..range.end, right, leaf),
    );
    blocks::add(a, b)
}

/// `Σ f(xᵢ, yᵢ)` exactly, with chunks of the range accumulated on rayon's threads and merged:
/// exact, so the same state as [`exact_reduce2`](crate::ops::exact_reduce2) for any split.
pub(crate) fn par_exact_reduce2<S: Real>(
    x: Local<'_, S>,
    y: Local<'_, S>,
    f: impl Fn(S, S) -> S + Sync,
) -> ExactSum {
    use rayon::prelude::*;
    let n = x.len();
    (0..n.div_ceil(GRAIN))
        .into_par_iter()
        .map(|c| {
            let r = c * GRAIN..((c + 1) * GRAIN).min(n);
            crate::ops::exact_reduce2(x.subview(r.clone()), y.subview(r), &f)
        })
        .reduce(ExactSum::new, |mut a, b| {
            a.merge(&b);
            a
        })
}

/// `Σ f(xᵢ)` exactly on rayon's threads (see [`par_exact_reduce2`]).
pub(crate) fn par_exact_reduce1<S: Real>(x: Local<'_, S>, f: impl Fn(S) -> S + Sync) -> ExactSum {
    par_exact_reduce2(x, x, |p, _| f(p))
}

/// Parallel, deterministic `Σ f(xᵢ, yᵢ)` (same bits as [`kernels::reduce2`]).
pub(crate) fn par_reduce2<S: Real>(
    x: Local<'_, S>,
    y: Local<'_, S>,
    f: impl Fn(S, S) -> S + Sync,
) -> S {
    par_tree_sum(0..x.len(), &|r: Range<usize>| {
        kernels::reduce2_leaf(x.subview(r.clone()), y.subview(r), &f)
    })
}

/// Parallel, deterministic `Σ f(xᵢ)` (same bits as [`kernels::reduce1`]).
pub(crate) fn par_reduce1<S: Real>(x: Local<'_, S>, f: impl Fn(S) -> S + Sync) -> S {
    par_tree_sum(0..x.len(), &|r: Range<usize>| {
        kernels::reduce1_leaf(x.subview(r), &f)
    })
}

/// Parallel `fold` for order-insensitive combinations (max, min).
pub(crate) fn par_fold1<S: Real>(x: Local<'_, S>, init: S, g: &(impl Fn(S, S) -> S + Sync)) -> S {
    if x.len() <= GRAIN {
        return kernels::fold1(x, init, g);
    }
    let mid = x.len() / 2;
    let (a, b) = rayon::join(
        || par_fold1(x.subview(0..mid), init, g),
        || par_fold1(x.subview(mid..x.len()), init, g),
    );
    g(a, b)
}

/// Parallel `f(yᵢ)`.
pub(crate) fn par_map_mut<S: Real>(y: LocalMut<'_, S>, f: &(impl Fn(&mut S) + Sync)) {
    if y.len() <= GRAIN {
        return kernels::map_mut(y, f);
    }
    let mid = y.len() / 2;
    let (a, b) = y.split_at(mid);
    rayon::join(|| par_map_mut(a, f), || par_map_mut(b, f));
}

/// Parallel `f(yᵢ, xᵢ)`.
pub(crate) fn par_zip_mut<S: Real>(
    y: LocalMut<'_, S>,
    x: Local<'_, S>,
    f: &(impl Fn(&mut S, S) + Sync),
) {
    if y.len() <= GRAIN {
        return kernels::zip_mut(y, x, f);
    }
    let mid = y.len() / 2;
    let (ya, yb) = y.split_at(mid);
    let (xa, xb) = (x.subview(0..mid), x.subview(mid..x.len()));
    rayon::join(|| par_zip_mut(ya, xa, f), || par_zip_mut(yb, xb, f));
}

/// Parallel `f(yᵢ, [x0ᵢ, x1ᵢ, …])`.
pub(crate) fn par_zip_many_mut<S: Real, const N: usize>(
    y: LocalMut<'_, S>,
    xs: [Local<'_, S>; N],
    f: &(impl Fn(&mut S, [S; N]) + Sync),
) {
    if y.len() <= GRAIN {
        return kernels::zip_many_mut(y, xs, f);
    }
    let mid = y.len() / 2;
    let (ya, yb) = y.split_at(mid);
    let xa = xs.map(|x| x.subview(0..mid));
    let xb = xs.map(|x| x.subview(mid..x.len()));
    rayon::join(
        || par_zip_many_mut(ya, xa, f),
        || par_zip_many_mut(yb, xb, f),
    );
}
