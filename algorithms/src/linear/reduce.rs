//! Several inner products reduced over the processes in one collective step, in the summation
//! the vectors use ([`Summation`]): what lets a solver fuse the reductions its algorithm
//! allows (PCG's `rᵀr` with `rᵀz`, BiCGSTAB's `tᵀt` with `tᵀs`), with the bits of the separate
//! reductions.

use rvf::ops::{ExactSum, Local, Summation};
use rvf::{Par, Real, RealVector};

use super::operator::{local_dot, local_exact_dot};

/// This process's part of an inner product: a blocked partial sum, or an exact accumulator
/// for vectors with exact sums.
#[allow(
    clippy::large_enum_variant,
    reason = "a partial lives on the stack until its reduction; boxing the accumulator would \
              allocate in every iteration"
)]
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
        Summation::Exact => Partial::Exact(local_exact_dot(par, x, y)),
        _ => Partial::Blocked(local_dot(par, x, y)),
    }
}

/// The global values of `K` partials, in one collective step of `v`'s: each with the bits its
/// own reduction would give.
pub(crate) fn reduce_together<S, V, const K: usize>(v: &V, parts: [Partial<S>; K]) -> [S; K]
where
    S: Real,
    V: RealVector<Scalar = S> + ?Sized,
{
    match v.summation() {
        Summation::Exact => v.reduce_exact(parts.map(|p| match p {
            Partial::Exact(e) => e,
            // Not made by `partial_dot` for this vector: exact from its rounded value on.
            Partial::Blocked(s) => {
                let mut e = ExactSum::new();
                e.add_real(s);
                e
            }
        })),
        _ => v.reduce_sums(parts.map(|p| match p {
            Partial::Blocked(s) => s,
            Partial::Exact(e) => e.rounded(),
        })),
    }
}
