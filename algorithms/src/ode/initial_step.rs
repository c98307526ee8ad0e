//! The first step size of the adaptive integrators when the user gives none.

use rvf::arena::{ArenaClone, Scope};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::system::OdeSystem;
use crate::error::SolverError;

/// Hairer, Nørsett and Wanner's starting step for a method of order `order` (their
/// algorithm of §II.4, as SciPy's `solve_ivp` uses it): with `d0 = ‖y₀‖`, `d1 = ‖f₀‖` in the
/// error norm, an explicit Euler trial step `h0 = 0.01·d0/d1` estimates the second
/// derivative `d2`, and the step is `min(100·h0, (0.01 / max(d1, d2))^(1/(order+1)))`.
/// Returns the step and the right-hand-side evaluations it made (one); its temporaries live
/// in a child of `scope`.
///
/// # Errors
/// [`SolverError::Arena`] if the arena cannot hold three temporaries.
#[allow(clippy::too_many_arguments)]
pub(crate) fn initial_step<S, F, V, W>(
    scope: &Scope<'_>,
    system: &F,
    t: S,
    y: &V,
    f0: &W,
    order: usize,
    rtol: S,
    atol: S,
    par: Par,
) -> Result<(S, usize), SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVector<Scalar = S> + ArenaClone + ?Sized,
    W: RealVector<Scalar = S> + ?Sized,
{
    let f = S::from_f64_lossy;
    let n_inv_sqrt = S::one() / S::from_usize_lossy(y.dimension().max(1)).sqrt();
    let scope = scope.create_scope();
    let mut w = scope.clone_of(y)?;
    par.zip(&mut w, (y,), |wi, [yi]| *wi = yi / (atol + rtol * yi.abs()));
    let d0 = par.l2norm(&w) * n_inv_sqrt;
    par.zip(&mut w, (y, f0), |wi, [yi, fi]| {
        *wi = fi / (atol + rtol * yi.abs())
    });
    let d1 = par.l2norm(&w) * n_inv_sqrt;
    let h0 = if d0 < f(1e-5) || d1 < f(1e-5) {
        f(1e-6)
    } else {
        f(0.01) * d0 / d1
    };
    let mut y1 = scope.clone_of(y)?;
    par.axpy(&mut y1, h0, f0);
    let mut f1 = scope.clone_of(y)?;
    system.rhs_local(t + h0, y1.local(), f1.local_mut());
    par.zip(&mut w, (y, f0, &f1), |wi, [yi, a, b]| {
        *wi = (b - a) / (atol + rtol * yi.abs())
    });
    let d2 = par.l2norm(&w) * n_inv_sqrt / h0;
    let m = d1.max(d2);
    let h1 = if m <= f(1e-15) {
        (h0 * f(1e-3)).max(f(1e-6))
    } else {
        (f(0.01) / m).powf(S::one() / S::from_usize_lossy(order + 1))
    };
    Ok(((f(100.0) * h0).min(h1), 1))
}
