//! What the optimisers minimise: [`Objective`], with optional second-order information.

use rvf::ops::{Local, LocalMut};
use rvf::Real;

/// A smooth function `f: ℝⁿ → ℝ` with its gradient.
///
/// Implement [`dimension`](Self::dimension), [`value`](Self::value) and
/// [`gradient`](Self::gradient) over slices (and [`value_and_gradient`](Self::value_and_gradient)
/// when the two share work); the optimisers call the `_local` forms, which pass contiguous
/// storage straight through and gather strided storage into a buffer. Dyn-compatible:
/// `&dyn Objective<f64>` and `Box<dyn Objective<f64>>` are objectives too.
///
/// ```
/// use rvf_algorithms::optimize::{lbfgs, LbfgsParams, Objective};
///
/// /// f(x) = Σ cᵢ·(xᵢ − 1)², a separable bowl.
/// struct Bowl { c: Vec<f64> }
///
/// impl Objective<f64> for Bowl {
///     fn dimension(&self) -> usize { self.c.len() }
///     fn value(&self, x: &[f64]) -> f64 {
///         x.iter().zip(&self.c).map(|(xi, ci)| ci * (xi - 1.0).powi(2)).sum()
///     }
///     fn gradient(&self, x: &[f64], g: &mut [f64]) {
///         for ((gi, xi), ci) in g.iter_mut().zip(x).zip(&self.c) {
///             *gi = 2.0 * ci * (xi - 1.0);
///         }
///     }
/// }
///
/// let f: Box<dyn Objective<f64>> = Box::new(Bowl { c: vec![1.0, 10.0, 100.0] });
/// let mut x = vec![0.0; 3];
/// lbfgs(&f, &mut x, &LbfgsParams::default()).unwrap();
/// assert!(x.iter().all(|xi| (xi - 1.0).abs() < 1e-8));
/// ```
pub trait Objective<S: Real> {
    /// `n`.
    fn dimension(&self) -> usize;

    /// `f(x)`.
    fn value(&self, x: &[S]) -> S;

    /// `g ← ∇f(x)`.
    fn gradient(&self, x: &[S], g: &mut [S]);

    /// `f(x)`, and `g ← ∇f(x)`. Override when the two share work.
    fn value_and_gradient(&self, x: &[S], g: &mut [S]) -> S {
        self.gradient(x, g);
        self.value(x)
    }

    /// [`value`](Self::value) on this process's storage of any vector.
    fn value_local(&self, x: Local<'_, S>) -> S {
        x.with_slice(|xs| self.value(xs))
    }

    /// [`gradient`](Self::gradient) on this process's storage of any vectors.
    fn gradient_local(&self, x: Local<'_, S>, mut g: LocalMut<'_, S>) {
        x.with_slice(|xs| g.with_slice_mut(|gs| self.gradient(xs, gs)));
    }

    /// [`value_and_gradient`](Self::value_and_gradient) on this process's storage of any
    /// vectors.
    fn value_and_gradient_local(&self, x: Local<'_, S>, mut g: LocalMut<'_, S>) -> S {
        x.with_slice(|xs| g.with_slice_mut(|gs| self.value_and_gradient(xs, gs)))
    }
}

/// An objective that can multiply its Hessian by a vector: `out ← ∇²f(x)·v`.
pub trait HessianVector<S: Real>: Objective<S> {
    /// `out ← ∇²f(x)·v` on slices.
    fn hessian_vector(&self, x: &[S], v: &[S], out: &mut [S]);

    /// [`hessian_vector`](Self::hessian_vector) on this process's storage of any vectors.
    fn hessian_vector_local(&self, x: Local<'_, S>, v: Local<'_, S>, mut out: LocalMut<'_, S>) {
        x.with_slice(|xs| {
            v.with_slice(|vs| out.with_slice_mut(|os| self.hessian_vector(xs, vs, os)))
        });
    }
}

/// An objective with a preconditioner for its Hessian at `x`: `out ← M(x)⁻¹·v` with
/// `M(x) ≈ ∇²f(x)` symmetric positive definite.
pub trait HessianPreconditioner<S: Real>: Objective<S> {
    /// `out ← M(x)⁻¹·v` on slices.
    fn precondition(&self, x: &[S], v: &[S], out: &mut [S]);

    /// [`precondition`](Self::precondition) on this process's storage of any vectors.
    fn precondition_local(&self, x: Local<'_, S>, v: Local<'_, S>, mut out: LocalMut<'_, S>) {
        x.with_slice(|xs| {
            v.with_slice(|vs| out.with_slice_mut(|os| self.precondition(xs, vs, os)))
        });
    }
}

macro_rules! forward_objective {
    ($($ptr:ty),+) => {$(
        impl<S: Real, F: Objective<S> + ?Sized> Objective<S> for $ptr {
            fn dimension(&self) -> usize {
                (**self).dimension()
            }
            fn value(&self, x: &[S]) -> S {
                (**self).value(x)
            }
            fn gradient(&self, x: &[S], g: &mut [S]) {
                (**self).gradient(x, g)
            }
            fn value_and_gradient(&self, x: &[S], g: &mut [S]) -> S {
                (**self).value_and_gradient(x, g)
            }
            fn value_local(&self, x: Local<'_, S>) -> S {
                (**self).value_local(x)
            }
            fn gradient_local(&self, x: Local<'_, S>, g: LocalMut<'_, S>) {
                (**self).gradient_local(x, g)
            }
            fn value_and_gradient_local(&self, x: Local<'_, S>, g: LocalMut<'_, S>) -> S {
                (**self).value_and_gradient_local(x, g)
            }
        }

        impl<S: Real, F: HessianVector<S> + ?Sized> HessianVector<S> for $ptr {
            fn hessian_vector(&self, x: &[S], v: &[S], out: &mut [S]) {
                (**self).hessian_vector(x, v, out)
            }
            fn hessian_vector_local(&self, x: Local<'_, S>, v: Local<'_, S>, out: LocalMut<'_, S>) {
                (**self).hessian_vector_local(x, v, out)
            }
        }

        impl<S: Real, F: HessianPreconditioner<S> + ?Sized> HessianPreconditioner<S> for $ptr {
            fn precondition(&self, x: &[S], v: &[S], out: &mut [S]) {
                (**self).precondition(x, v, out)
            }
            fn precondition_local(&self, x: Local<'_, S>, v: Local<'_, S>, out: LocalMut<'_, S>) {
                (**self).precondition_local(x, v, out)
            }
        }
    )+};
}

forward_objective!(&F, Box<F>);

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
/// assert_eq!(f.value(&[1.0, 3.0]), 4.0);
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
    fn value(&self, x: &[S]) -> S {
        (self.value)(x)
    }
    fn gradient(&self, x: &[S], g: &mut [S]) {
        (self.gradient)(x, g)
    }
}
