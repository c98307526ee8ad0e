//! What the optimisers minimise: [`Objective`], with optional second-order information.

use rvf::ops::LocalMut;
use rvf::{Real, RealVector, RealVectorMut};

/// A smooth function `f: ℝⁿ → ℝ` with its gradient.
pub trait Objective<S: Real> {
    /// `n`.
    fn dimension(&self) -> usize;

    /// `f(x)`.
    fn value<X: RealVector<Scalar = S> + ?Sized>(&self, x: &X) -> S;

    /// `g ← ∇f(x)`.
    fn gradient<X, G>(&self, x: &X, g: &mut G)
    where
        X: RealVector<Scalar = S> + ?Sized,
        G: RealVectorMut<Scalar = S> + ?Sized;

    /// `f(x)`, and `g ← ∇f(x)`. Override when the two share work.
    fn value_and_gradient<X, G>(&self, x: &X, g: &mut G) -> S
    where
        X: RealVector<Scalar = S> + ?Sized,
        G: RealVectorMut<Scalar = S> + ?Sized,
    {
        self.gradient(x, g);
        self.value(x)
    }
}

/// An objective that can multiply its Hessian by a vector: `out ← ∇²f(x)·v`.
pub trait HessianVector<S: Real>: Objective<S> {
    /// `out ← ∇²f(x)·v`.
    fn hessian_vector<X, V, O>(&self, x: &X, v: &V, out: &mut O)
    where
        X: RealVector<Scalar = S> + ?Sized,
        V: RealVector<Scalar = S> + ?Sized,
        O: RealVectorMut<Scalar = S> + ?Sized;
}

/// An objective with a preconditioner for its Hessian at `x`: `out ← M(x)⁻¹·v` with
/// `M(x) ≈ ∇²f(x)` symmetric positive definite.
pub trait HessianPreconditioner<S: Real>: Objective<S> {
    /// `out ← M(x)⁻¹·v`.
    fn precondition<X, V, O>(&self, x: &X, v: &V, out: &mut O)
    where
        X: RealVector<Scalar = S> + ?Sized,
        V: RealVector<Scalar = S> + ?Sized,
        O: RealVectorMut<Scalar = S> + ?Sized;
}

/// Runs `f` on the elements of `x` as a slice (gathering strided storage into a buffer).
pub(crate) fn with_slice<S: Real, X: RealVector<Scalar = S> + ?Sized, R>(
    x: &X,
    f: impl FnOnce(&[S]) -> R,
) -> R {
    let local = x.local();
    match local.as_slice() {
        Some(s) => f(s),
        None => {
            let gathered: Vec<S> = local.iter().copied().collect();
            f(&gathered)
        }
    }
}

/// Runs `f` on the elements of `out` as a mutable slice (scattering strided storage back).
pub(crate) fn with_slice_mut<S: Real, O: RealVectorMut<Scalar = S> + ?Sized, R>(
    out: &mut O,
    f: impl FnOnce(&mut [S]) -> R,
) -> R {
    match out.local_mut() {
        LocalMut::Contiguous(s) => f(s),
        mut strided => {
            let mut buf = vec![S::zero(); strided.len()];
            let r = f(&mut buf);
            for (slot, v) in strided.iter_mut().zip(buf) {
                *slot = v;
            }
            r
        }
    }
}

/// An objective from closures over slices.
///
/// ```
/// use rvf_algorithms::optimize::{FnObjective, Objective};
/// // f(x) = Σ (xᵢ − 1)²
/// let f = FnObjective::new(
///     2,
///     |x: &[f64]| x.iter().map(|v| (v - 1.0).powi(2)).sum(),
///     |x: &[f64], g: &mut [f64]| g.iter_mut().zip(x).for_each(|(gi, xi)| *gi = 2.0 * (xi - 1.0)),
/// );
/// assert_eq!(f.value(&vec![1.0, 3.0]), 4.0);
/// ```
#[derive(Clone)]
pub struct FnObjective<F, G> {
    dim: usize,
    value: F,
    gradient: G,
}

impl<F, G> FnObjective<F, G> {
    /// An objective of dimension `dim` from its value and gradient closures.
    pub fn new(dim: usize, value: F, gradient: G) -> Self {
        Self {
            dim,
            value,
            gradient,
        }
    }
}

impl<S: Real, F: Fn(&[S]) -> S, G: Fn(&[S], &mut [S])> Objective<S> for FnObjective<F, G> {
    fn dimension(&self) -> usize {
        self.dim
    }
    fn value<X: RealVector<Scalar = S> + ?Sized>(&self, x: &X) -> S {
        with_slice(x, |xs| (self.value)(xs))
    }
    fn gradient<X, Gr>(&self, x: &X, g: &mut Gr)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Gr: RealVectorMut<Scalar = S> + ?Sized,
    {
        with_slice(x, |xs| with_slice_mut(g, |gs| (self.gradient)(xs, gs)));
    }
}
