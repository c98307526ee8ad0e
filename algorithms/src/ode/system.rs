//! The systems integrators solve: `y' = f(t, y)` and `x'' = a(t, x)`.

use rvf::ops::LocalMut;
use rvf::{Real, RealVector, RealVectorMut};

/// A first-order system `y' = f(t, y)`.
pub trait OdeSystem<S: Real> {
    /// The dimension of `y`.
    fn dimension(&self) -> usize;

    /// `dydt ← f(t, y)`.
    fn rhs<Y, D>(&self, t: S, y: &Y, dydt: &mut D)
    where
        Y: RealVector<Scalar = S> + ?Sized,
        D: RealVectorMut<Scalar = S> + ?Sized;
}

/// A second-order system `x'' = a(t, x)` (forces that depend on positions only), the form
/// symplectic integrators need.
pub trait SecondOrderSystem<S: Real> {
    /// The dimension of `x`.
    fn dimension(&self) -> usize;

    /// `acc ← a(t, x)`.
    fn accel<X, A>(&self, t: S, x: &X, acc: &mut A)
    where
        X: RealVector<Scalar = S> + ?Sized,
        A: RealVectorMut<Scalar = S> + ?Sized;
}

/// Calls `f(x, out)` on contiguous slices, gathering and scattering strided storage.
fn with_slices<S: Real, X, O>(x: &X, out: &mut O, f: impl FnOnce(&[S], &mut [S]))
where
    X: RealVector<Scalar = S> + ?Sized,
    O: RealVectorMut<Scalar = S> + ?Sized,
{
    let xl = x.local();
    let gathered: Vec<S>;
    let xs = match xl.as_slice() {
        Some(s) => s,
        None => {
            gathered = xl.iter().copied().collect();
            &gathered
        }
    };
    match out.local_mut() {
        LocalMut::Contiguous(o) => f(xs, o),
        mut strided => {
            let mut buf = vec![S::zero(); strided.len()];
            f(xs, &mut buf);
            for (slot, v) in strided.iter_mut().zip(buf) {
                *slot = v;
            }
        }
    }
}

/// A first-order system from a closure over slices: `f(t, y, dydt)` sets `dydt ← f(t, y)`.
/// Strided vectors are copied to and from temporary buffers (a slower, allocating path).
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
    fn rhs<Y, D>(&self, t: S, y: &Y, dydt: &mut D)
    where
        Y: RealVector<Scalar = S> + ?Sized,
        D: RealVectorMut<Scalar = S> + ?Sized,
    {
        with_slices(y, dydt, |y, d| (self.f)(t, y, d));
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
    fn accel<X, A>(&self, t: S, x: &X, acc: &mut A)
    where
        X: RealVector<Scalar = S> + ?Sized,
        A: RealVectorMut<Scalar = S> + ?Sized,
    {
        with_slices(x, acc, |x, a| (self.f)(t, x, a));
    }
}

/// A second-order system seen as a first-order one on `y = [x, v]`: `y' = [v, a(t, x)]`,
/// so RK4 and Dormand–Prince can integrate mechanics too. `y` must be contiguous.
#[derive(Clone)]
pub struct FirstOrderForm<T>(pub T);

impl<S: Real, T: SecondOrderSystem<S>> OdeSystem<S> for FirstOrderForm<T> {
    fn dimension(&self) -> usize {
        2 * self.0.dimension()
    }
    fn rhs<Y, D>(&self, t: S, y: &Y, dydt: &mut D)
    where
        Y: RealVector<Scalar = S> + ?Sized,
        D: RealVectorMut<Scalar = S> + ?Sized,
    {
        let n = self.0.dimension();
        with_slices(y, dydt, |y, d| {
            let (x, v) = y.split_at(n);
            let (dx, dv) = d.split_at_mut(n);
            dx.copy_from_slice(v);
            self.0.accel(t, x, dv);
        });
    }
}
