//! Several inner products reduced over the processes in one collective step, in the summation
//! the vectors use ([`Summation`]): what lets a solver fuse the reductions its algorithm
//! allows (PCG's `rᵀr` with `rᵀz`, BiCGSTAB's `tᵀt` with `tᵀs`), with the bits of the separate
//! reductions.

use rvf::ops::{ExactSum, Local, LocalMut, Summation};
use rvf::{Par, Real, RealVector};

use super::operator::{local_dot, LinearOperator};

/// This process's part of an inner product: a blocked partial sum, or an exact accumulator
/// for vectors with exact sums.
#[allow(
    clippy::large_enum_variant,
    reason = "a partial lives on the stack until its reduction; boxing the accumulator would \
              allocate in every iteration"
)]
#[derive(Clone)]
pub(crate) enum Partial<S> {
    Blocked(S),
    Exact(ExactSum),
}

/// This process's part of `xᵀy`, summed as `v` (one of the solver's vectors) says.
pub(crate) fn partial_dot<S, V>(par: Par, v: &V, x: Local<'_, S>, y: Local<'_, S>) -> Partial<S>
where
    S: Real,
    V: RealVector<Scalar = S> + ?Sized,
{
    match v.summation() {
        Summation::Exact => Partial::Exact(par.exact_reduce2(x, y, |a, b| a * b)),
        _ => Partial::Blocked(local_dot(par, x, y)),
    }
}

/// `y ← A·x` and this process's part of `xᵀy`, summed as `v` says: one sweep where the
/// operator fuses them ([`LinearOperator::apply_dot_local`]) for blocked sums; the product
/// and then the exact dot for exact sums (a fused blocked partial would not give them).
pub(crate) fn apply_dot_partial<S, A, V>(
    par: Par,
    a: &A,
    v: &V,
    x: Local<'_, S>,
    mut y: LocalMut<'_, S>,
) -> Partial<S>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    V: RealVector<Scalar = S> + ?Sized,
{
    match v.summation() {
        Summation::Exact => {
            a.apply_local(par, x, y.reborrow());
            partial_dot(par, v, x, y.as_local())
        }
        _ => Partial::Blocked(a.apply_dot_local(par, x, y)),
    }
}

/// The global values of `K` partials, in one collective step of `v`'s: each with the bits its
/// own reduction would give.
///
/// # Panics
/// If a partial was not summed as `v` says (every partial comes from [`partial_dot`],
/// [`apply_dot_partial`] or the fused updates, which ask the same vector).
pub(crate) fn reduce_together<S, V, const K: usize>(v: &V, parts: [Partial<S>; K]) -> [S; K]
where
    S: Real,
    V: RealVector<Scalar = S> + ?Sized,
{
    const MISMATCH: &str = "a partial summed otherwise than its vector says";
    match v.summation() {
        Summation::Exact => v.reduce_exact(parts.map(|p| match p {
            Partial::Exact(e) => e,
            Partial::Blocked(_) => unreachable!("{MISMATCH}"),
        })),
        _ => v.reduce_sums(parts.map(|p| match p {
            Partial::Blocked(s) => s,
            Partial::Exact(_) => unreachable!("{MISMATCH}"),
        })),
    }
}
