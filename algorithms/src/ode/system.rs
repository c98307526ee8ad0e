//! The systems integrators solve: `y' = f(t, y)` and `x'' = a(t, x)`.

use rvf::ops::{Local, LocalMut};
use rvf::Real;

/// A first-order system `y' = f(t, y)`.
///
/// Implement [`dimension`](Self::dimension) and [`rhs`](Self::rhs) over slices; the
/// integrators call [`rhs_local`](Self::rhs_local), which passes contiguous storage straight
/// through and gathers strided storage into a buffer (an allocation per evaluation: override
/// `rhs_local` to read strided storage in place). Dyn-compatible: `&dyn OdeSystem<f64>` and
/// `Box<dyn OdeSystem<f64>>` are systems too.
///
/// ```
/// use rvf_algorithms::ode::{rk4, FixedStepParams, OdeSystem};
///
/// /// Logistic growth y' = r·y·(1 − y).
/// struct Logistic { r: f64 }
///
/// impl OdeSystem<f64> for Logistic {
///     fn dimension(&self) -> usize { 1 }
///     fn rhs(&self, _t: f64, y: &[f64], dydt: &mut [f64]) {
///         dydt[0] = self.r * y[0] * (1.0 - y[0]);
///     }
/// }
///
/// let system: Box<dyn OdeSystem<f64>> = Box::new(Logistic { r: 2.0 });
/// let mut y = vec![0.1];
/// rk4(&system, (0.0, 3.0), &mut y, &FixedStepParams { dt: 0.01, ..Default::default() })
///     .unwrap();
/// // The closed form: y(t) = 1 / (1 + 9·e^(−2t)).
/// assert!((y[0] - 1.0 / (1.0 + 9.0 * (-6.0_f64).exp())).abs() < 1e-9);
/// ```
pub trait OdeSystem<S: Real> {
    /// The dimension of `y`.
    fn dimension(&self) -> usize;

    /// `dydt ← f(t, y)` on slices of length [`dimension`](Self::dimension).
    fn rhs(&self, t: S, y: &[S], dydt: &mut [S]);

    /// `dydt ← f(t, y)` on this process's storage of any vector. The default runs
    /// [`rhs`](Self::rhs) on slices.
    #[inline]
    fn rhs_local(&self, t: S, y: Local<'_, S>, mut dydt: LocalMut<'_, S>) {
        y.with_slice(|ys| dydt.with_slice_mut(|ds| self.rhs(t, ys, ds)));
    }

    /// Writes the Jacobian `∂f/∂y` at `(t, y)` into `jac`, row-major (`jac[i·n + j] =
    /// ∂fᵢ/∂yⱼ`, `n` the dimension), and returns `true`; or returns `false` (the default) when
    /// the system has no analytic Jacobian, and the implicit integrators difference
    /// [`rhs`](Self::rhs) instead (`n` evaluations per Jacobian).
    fn jacobian(&self, t: S, y: &[S], jac: &mut [S]) -> bool {
        let _ = (t, y, jac);
        false
    }

    /// The sparsity pattern of `∂f/∂y` in compressed rows — `n + 1` row offsets and each
    /// row's column indices, sorted, every diagonal entry included — for a system that
    /// gives its Jacobian sparse through [`jacobian_sparse`](Self::jacobian_sparse) (BDF's
    /// [`NewtonLinearSolver::SparseIlu0`](super::NewtonLinearSolver)); `None`, the default,
    /// otherwise. Asked once per integration.
    fn jacobian_pattern(&self) -> Option<(Vec<usize>, Vec<usize>)> {
        None
    }

    /// Writes `∂f/∂y` at `(t, y)` into `values`, one value per entry of
    /// [`jacobian_pattern`](Self::jacobian_pattern) in its order, and returns `true`; the
    /// default returns `false` (no sparse Jacobian).
    fn jacobian_sparse(&self, t: S, y: &[S], values: &mut [S]) -> bool {
        let _ = (t, y, values);
        false
    }
}

/// A second-order system `x'' = a(t, x)` (forces that depend on positions only), the form
/// symplectic integrators need. Implemented like [`OdeSystem`]: over slices.
pub trait SecondOrderSystem<S: Real> {
    /// The dimension of `x`.
    fn dimension(&self) -> usize;

    /// `acc ← a(t, x)` on slices of length [`dimension`](Self::dimension).
    fn accel(&self, t: S, x: &[S], acc: &mut [S]);

    /// `acc ← a(t, x)` on this process's storage of any vector. The default runs
    /// [`accel`](Self::accel) on slices.
    fn accel_local(&self, t: S, x: Local<'_, S>, mut acc: LocalMut<'_, S>) {
        x.with_slice(|xs| acc.with_slice_mut(|a| self.accel(t, xs, a)));
    }
}

macro_rules! forward_systems {
    ($($ptr:ty),+) => {$(
        impl<S: Real, T: OdeSystem<S> + ?Sized> OdeSystem<S> for $ptr {
            fn dimension(&self) -> usize {
                (**self).dimension()
            }
            fn rhs(&self, t: S, y: &[S], dydt: &mut [S]) {
                (**self).rhs(t, y, dydt)
            }
            fn rhs_local(&self, t: S, y: Local<'_, S>, dydt: LocalMut<'_, S>) {
                (**self).rhs_local(t, y, dydt)
            }
            fn jacobian(&self, t: S, y: &[S], jac: &mut [S]) -> bool {
                (**self).jacobian(t, y, jac)
            }
            fn jacobian_pattern(&self) -> Option<(Vec<usize>, Vec<usize>)> {
                (**self).jacobian_pattern()
            }
            fn jacobian_sparse(&self, t: S, y: &[S], values: &mut [S]) -> bool {
                (**self).jacobian_sparse(t, y, values)
            }
        }

        impl<S: Real, T: SecondOrderSystem<S> + ?Sized> SecondOrderSystem<S> for $ptr {
            fn dimension(&self) -> usize {
                (**self).dimension()
            }
            fn accel(&self, t: S, x: &[S], acc: &mut [S]) {
                (**self).accel(t, x, acc)
            }
            fn accel_local(&self, t: S, x: Local<'_, S>, acc: LocalMut<'_, S>) {
                (**self).accel_local(t, x, acc)
            }
        }
    )+};
}

forward_systems!(&T, Box<T>);

/// A first-order system from a closure over slices: `f(t, y, dydt)` sets `dydt ← f(t, y)`.
///
/// ```
/// use rvf_algorithms::ode::{FnSystem, OdeSystem};
/// // y' = −y
/// let decay = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
/// let mut d = vec![0.0];
/// decay.rhs(0.0, &vec![2.0], &mut d);
/// assert_eq!(d, [-2.0]);
/// ```
#[derive(Clone)]
pub struct FnSystem<F> {
    dim: usize,
    f: F,
}

impl<F> FnSystem<F> {
    /// A system of dimension `dim`.
    pub fn new(dim: usize, f: F) -> Self {
        Self { dim, f }
    }
}

impl<S: Real, F: Fn(S, &[S], &mut [S])> OdeSystem<S> for FnSystem<F> {
    fn dimension(&self) -> usize {
        self.dim
    }
    fn rhs(&self, t: S, y: &[S], dydt: &mut [S]) {
        (self.f)(t, y, dydt)
    }
}

/// A second-order system from a closure: `f(t, x, acc)` sets `acc ← a(t, x)`.
#[derive(Clone)]
pub struct FnSecondOrder<F> {
    dim: usize,
    f: F,
}

impl<F> FnSecondOrder<F> {
    /// A system of dimension `dim`.
    pub fn new(dim: usize, f: F) -> Self {
        Self { dim, f }
    }
}

impl<S: Real, F: Fn(S, &[S], &mut [S])> SecondOrderSystem<S> for FnSecondOrder<F> {
    fn dimension(&self) -> usize {
        self.dim
    }
    fn accel(&self, t: S, x: &[S], acc: &mut [S]) {
        (self.f)(t, x, acc)
    }
}

/// A second-order system seen as a first-order one on `y = [x, v]`: `y' = [v, a(t, x)]`,
/// so RK4 and Dormand–Prince can integrate mechanics too.
#[derive(Clone)]
pub struct FirstOrderForm<T>(pub T);

impl<S: Real, T: SecondOrderSystem<S>> OdeSystem<S> for FirstOrderForm<T> {
    fn dimension(&self) -> usize {
        2 * self.0.dimension()
    }
    fn rhs(&self, t: S, y: &[S], dydt: &mut [S]) {
        let n = self.0.dimension();
        let (x, v) = y.split_at(n);
        let (dx, dv) = dydt.split_at_mut(n);
        dx.copy_from_slice(v);
        self.0.accel(t, x, dv);
    }
}
