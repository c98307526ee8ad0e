//! Dormand–Prince 5(4): adaptive explicit Runge–Kutta with error control.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::explicit::check_state;
use super::stats::IntegrationStats;
use super::system::OdeSystem;
use crate::error::to_f64;
use crate::error::{non_negative, positive, same_dim, SolverError};

/// Parameters of [`dopri5`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dopri5Params<S> {
    /// Relative tolerance. Default `1e-6`.
    pub rtol: S,
    /// Absolute tolerance. Default `1e-9`.
    pub atol: S,
    /// First step size; `None` chooses one automatically (Hairer–Nørsett–Wanner's
    /// algorithm). Default `None`.
    pub initial_step: Option<S>,
    /// Largest step size; `None` for no limit.
    pub max_step: Option<S>,
    /// Limit on attempted steps (accepted + rejected). Default `100_000`.
    pub max_steps: usize,
}

impl<S: Real> Default for Dopri5Params<S> {
    fn default() -> Self {
        Self {
            rtol: S::from_f64_lossy(1e-6),
            atol: S::from_f64_lossy(1e-9),
            initial_step: None,
            max_step: None,
            max_steps: 100_000,
        }
    }
}

// The Dormand–Prince tableau.
const C2: f64 = 1.0 / 5.0;
const C3: f64 = 3.0 / 10.0;
const C4: f64 = 4.0 / 5.0;
const C5: f64 = 8.0 / 9.0;
const A21: f64 = 1.0 / 5.0;
const A31: f64 = 3.0 / 40.0;
const A32: f64 = 9.0 / 40.0;
const A41: f64 = 44.0 / 45.0;
const A42: f64 = -56.0 / 15.0;
const A43: f64 = 32.0 / 9.0;
const A51: f64 = 19372.0 / 6561.0;
const A52: f64 = -25360.0 / 2187.0;
const A53: f64 = 64448.0 / 6561.0;
const A54: f64 = -212.0 / 729.0;
const A61: f64 = 9017.0 / 3168.0;
const A62: f64 = -355.0 / 33.0;
const A63: f64 = 46732.0 / 5247.0;
const A64: f64 = 49.0 / 176.0;
const A65: f64 = -5103.0 / 18656.0;
const B1: f64 = 35.0 / 384.0;
const B3: f64 = 500.0 / 1113.0;
const B4: f64 = 125.0 / 192.0;
const B5: f64 = -2187.0 / 6784.0;
const B6: f64 = 11.0 / 84.0;
// Differences between the fifth- and fourth-order weights: the error estimate.
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;

/// Integrates `y' = f(t, y)` from `t0` through each of `times` (ascending, `≥ t0`), calling
/// `output(t, y)` with the state at each of them, and leaves `y` at the last one.
///
/// Steps are chosen so that the local error estimate `e` satisfies
/// `√(mean((eᵢ / (atol + rtol·max(|yᵢ|, |ŷᵢ|)))²)) ≤ 1`; rejected steps are retried with a
/// smaller step. Steps are shortened to land exactly on each output time. The first same-as-
/// last stage is reused, so an accepted step costs six evaluations. Stage vectors live in a
/// per-step scope of `arena`.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::ode::{dopri5, Dopri5Params, FnSystem};
/// let osc = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[1];
///     dy[1] = -y[0];
/// });
/// let arena = MemoryArena::new(1 << 12);
/// let mut y = vec![1.0, 0.0];
/// let params = Dopri5Params { rtol: 1e-10, atol: 1e-12, ..Default::default() };
/// let mut seen = Vec::new();
/// dopri5(&osc, 0.0, &mut y, &[1.0, 2.0], &params, &arena, |t, y: &Vec<f64>| seen.push((t, y[0])))
///     .unwrap();
/// assert_eq!(seen.len(), 2);
/// assert!((seen[0].1 - 1.0_f64.cos()).abs() < 1e-9);
/// assert!((y[0] - 2.0_f64.cos()).abs() < 1e-9);
/// ```
///
/// # Errors
/// [`SolverError::InvalidParameter`] for negative tolerances (or both zero), unsorted or
/// non-finite times, a non-positive step limit; [`SolverError::DimensionMismatch`];
/// [`SolverError::NonFiniteInput`]; [`SolverError::StepSizeUnderflow`] when the step needed
/// falls below the resolution of `t`; [`SolverError::MaxStepsExceeded`];
/// [`SolverError::NonFiniteState`]; [`SolverError::Arena`].
pub fn dopri5<S, F, V, O>(
    system: &F,
    t0: S,
    y: &mut V,
    times: &[S],
    params: &Dopri5Params<S>,
    arena: &MemoryArena,
    mut output: O,
) -> Result<IntegrationStats<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    O: FnMut(S, &V),
{
    same_dim("dopri5", system.dimension(), y.dimension())?;
    non_negative("rtol", to_f64(params.rtol))?;
    non_negative("atol", to_f64(params.atol))?;
    positive("rtol + atol", to_f64(params.rtol + params.atol))?;
    if let Some(h) = params.initial_step {
        positive("initial_step", to_f64(h))?;
    }
    if let Some(h) = params.max_step {
        positive("max_step", to_f64(h))?;
    }
    let mut previous = t0;
    for &t in times {
        if !(t.is_finite() && t >= previous) {
            return Err(SolverError::InvalidParameter {
                name: "output time",
                value: to_f64(t),
                requirement: "output times must be finite, ascending and not before t0",
            });
        }
        previous = t;
    }
    if !y.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "y0" });
    }

    let f = S::from_f64_lossy;
    let (rtol, atol) = (params.rtol, params.atol);
    let n_inv_sqrt = S::one() / S::from_usize_lossy(y.dimension().max(1)).sqrt();
    let mut stats = IntegrationStats::new(t0);
    let mut t = t0;
    let mut next = 0;
    while next < times.len() && times[next] == t {
        output(t, y);
        next += 1;
    }
    if next == times.len() {
        return Ok(stats);
    }

    let outer = arena.create_scope();
    let mut k1 = outer.clone_of(y)?;
    system.rhs(t, y, &mut k1);
    stats.evaluations += 1;

    let mut h = match params.initial_step {
        Some(h) => h,
        None => {
            let scope = outer.create_scope();
            let mut w = scope.clone_of(y)?;
            // d0 = ‖y0‖, d1 = ‖f0‖ in the error norm.
            w.zip_in_place((&*y,), |wi, [yi]| *wi = yi / (atol + rtol * yi.abs()));
            let d0 = w.l2norm() * n_inv_sqrt;
            w.zip_in_place((&*y, &k1), |wi, [yi, fi]| {
                *wi = fi / (atol + rtol * yi.abs())
            });
            let d1 = w.l2norm() * n_inv_sqrt;
            let h0 = if d0 < f(1e-5) || d1 < f(1e-5) {
                f(1e-6)
            } else {
                f(0.01) * d0 / d1
            };
            let mut y1 = scope.clone_of(y)?;
            y1.axpy_in_place(h0, &k1);
            let mut f1 = scope.clone_of(y)?;
            system.rhs(t + h0, &y1, &mut f1);
            stats.evaluations += 1;
            w.zip_in_place((&*y, &k1, &f1), |wi, [yi, f0, f1]| {
                *wi = (f1 - f0) / (atol + rtol * yi.abs())
            });
            let d2 = w.l2norm() * n_inv_sqrt / h0;
            let m = d1.max(d2);
            let h1 = if m <= f(1e-15) {
                (h0 * f(1e-3)).max(f(1e-6))
            } else {
                (f(0.01) / m).powf(f(0.2))
            };
            (f(100.0) * h0).min(h1)
        }
    };
    if let Some(hmax) = params.max_step {
        h = h.min(hmax);
    }

    let mut last_rejected = false;
    while next < times.len() {
        if stats.steps + stats.rejected >= params.max_steps {
            return Err(SolverError::MaxStepsExceeded {
                steps: stats.steps + stats.rejected,
                t: to_f64(t),
            });
        }
        let target = times[next];
        let lands = h >= target - t;
        if lands {
            h = target - t;
        }
        if h <= f(16.0) * S::epsilon() * t.abs().max(S::min_positive_value()) || !h.is_finite() {
            return Err(SolverError::StepSizeUnderflow {
                t: to_f64(t),
                h: to_f64(h),
            });
        }

        let scope = outer.create_scope();
        let mut stage = scope.clone_of(y)?;
        let mut k2 = scope.clone_of(y)?;
        let mut k3 = scope.clone_of(y)?;
        let mut k4 = scope.clone_of(y)?;
        let mut k5 = scope.clone_of(y)?;
        let mut k6 = scope.clone_of(y)?;
        let mut k7 = scope.clone_of(y)?;

        stage.zip_in_place((&*y, &k1), |s, [yi, a]| *s = yi + h * f(A21) * a);
        system.rhs(t + f(C2) * h, &stage, &mut k2);
        stage.zip_in_place((&*y, &k1, &k2), |s, [yi, a, b]| {
            *s = yi + h * (f(A31) * a + f(A32) * b)
        });
        system.rhs(t + f(C3) * h, &stage, &mut k3);
        stage.zip_in_place((&*y, &k1, &k2, &k3), |s, [yi, a, b, c]| {
            *s = yi + h * (f(A41) * a + f(A42) * b + f(A43) * c)
        });
        system.rhs(t + f(C4) * h, &stage, &mut k4);
        stage.zip_in_place((&*y, &k1, &k2, &k3, &k4), |s, [yi, a, b, c, d]| {
            *s = yi + h * (f(A51) * a + f(A52) * b + f(A53) * c + f(A54) * d)
        });
        system.rhs(t + f(C5) * h, &stage, &mut k5);
        stage.zip_in_place((&*y, &k1, &k2, &k3, &k4, &k5), |s, [yi, a, b, c, d, e]| {
            *s = yi + h * (f(A61) * a + f(A62) * b + f(A63) * c + f(A64) * d + f(A65) * e)
        });
        system.rhs(t + h, &stage, &mut k6);
        // The fifth-order solution (kept in `stage`), then k7 = f(t + h, ŷ).
        stage.zip_in_place((&*y, &k1, &k3, &k4, &k5, &k6), |s, [yi, a, c, d, e, g]| {
            *s = yi + h * (f(B1) * a + f(B3) * c + f(B4) * d + f(B5) * e + f(B6) * g)
        });
        system.rhs(t + h, &stage, &mut k7);
        stats.evaluations += 6;

        // Scaled error, written into k2 (no longer needed).
        k2.zip_in_place(
            (&*y, &stage, &k1, &k3, &k4, &k5, &k6, &k7),
            |w, [yi, yn, a, c, d, e, g, k]| {
                let err =
                    h * (f(E1) * a + f(E3) * c + f(E4) * d + f(E5) * e + f(E6) * g + f(E7) * k);
                *w = err / (atol + rtol * yi.abs().max(yn.abs()));
            },
        );
        let err = k2.l2norm() * n_inv_sqrt;

        if err <= S::one() {
            t = if lands { target } else { t + h };
            y.copy_from(&stage);
            k1.copy_from(&k7);
            stats.steps += 1;
            check_state(y, stats.steps, t)?;
            while next < times.len() && times[next] == t {
                output(t, y);
                next += 1;
            }
            let grow = if last_rejected { S::one() } else { f(5.0) };
            let fac = if err == S::zero() {
                grow
            } else {
                (f(0.9) * err.powf(f(-0.2))).min(grow).max(f(0.2))
            };
            h *= fac;
            last_rejected = false;
        } else {
            stats.rejected += 1;
            let fac = if err.is_finite() {
                (f(0.9) * err.powf(f(-0.2))).max(f(0.2))
            } else {
                f(0.2)
            };
            h *= fac;
            last_rejected = true;
        }
        if let Some(hmax) = params.max_step {
            h = h.min(hmax);
        }
    }
    stats.t = t;
    Ok(stats)
}
