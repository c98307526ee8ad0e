//! The real-scalar trait every vector element satisfies.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use approx::{RelativeEq, UlpsEq};
use num_traits::{Float, FromPrimitive};

/// A real floating-point scalar: `f32` or `f64`.
///
/// It bundles what generic numerical code needs: [`num_traits::Float`] for `abs`, `sqrt`,
/// `exp`, `powf`, `max`, `min`, `mul_add` and friends, the compound-assignment operators,
/// conversion from literals (`S::from_f64(0.5)`), and the `approx` comparison traits so that
/// vectors of any `Real` can be compared with `assert_relative_eq!`.
///
/// The trait is sealed in spirit but not in code: implement it only for IEEE-754 types.
///
/// ```
/// use rvf::Real;
/// fn hypot<S: Real>(a: S, b: S) -> S {
///     (a * a + b * b).sqrt()
/// }
/// assert_eq!(hypot(3.0_f64, 4.0), 5.0);
/// assert_eq!(hypot(3.0_f32, 4.0), 5.0);
/// ```
pub trait Real:
    Float
    + FromPrimitive
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + RelativeEq<Epsilon = Self>
    + UlpsEq<Epsilon = Self>
{
    /// Converts an `f64` constant into this scalar (rounding for `f32`).
    #[inline]
    fn from_f64_lossy(x: f64) -> Self {
        // Both implementors convert every f64 (f32 rounds, saturating to ±inf).
        <Self as FromPrimitive>::from_f64(x).unwrap_or_else(Self::nan)
    }

    /// Converts a count (a dimension, an iteration number) into this scalar.
    #[inline]
    fn from_usize_lossy(n: usize) -> Self {
        <Self as FromPrimitive>::from_usize(n).unwrap_or_else(Self::infinity)
    }
}

impl Real for f32 {}
impl Real for f64 {}
