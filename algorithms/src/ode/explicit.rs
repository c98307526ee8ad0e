//! Fixed-step explicit methods: forward Euler and classical Runge–Kutta.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::stats::IntegrationStats;
use super::system::OdeSystem;
use crate::error::{positive, same_dim, to_f64, SolverError};

/// Checks shared by every integrator: the state fits the system, is finite, `dt > 0`.
pub(crate) fn check_start<S: Real, V: RealVector<Scalar = S> + ?Sized>(
    what: &'static str,
    dim: usize,
    y: &V,
    dt: S,
) -> Result<(), SolverError> {
    same_dim(what, dim, y.dimension())?;
    positive("dt", to_f64(dt))?;
    if !y.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "y0" });
    }
    Ok(())
}

/// `Err(NonFiniteState)` if the state just computed by step `step` (started at `t`) is not
/// finite.
#[inline]
pub(crate) fn check_state<S: Real, V: RealVector<Scalar = S> + ?Sized>(
    y: &V,
    step: usize,
    t: S,
) -> Result<(), SolverError> {
    if y.all_finite() {
        Ok(())
    } else {
        Err(SolverError::NonFiniteState { step, t: to_f64(t) })
    }
}

/// Advances `y` by `steps` forward-Euler steps of size `dt` from `t0`: `y ← y + dt·f(t, y)`.
/// First order.
///
/// The stage vector lives in a per-step scope of `arena`.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::ode::{explicit_euler, FnSystem};
/// let decay = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
/// let arena = MemoryArena::new(1024);
/// let mut y = vec![1.0];
/// explicit_euler(&decay, 0.0, 0.001, 1000, &mut y, &arena).unwrap();
/// assert!((y[0] - (-1.0_f64).exp()).abs() < 1e-3);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`], [`SolverError::InvalidParameter`] for `dt ≤ 0` or
/// non-finite, [`SolverError::NonFiniteInput`] for a non-finite `y`,
/// [`SolverError::NonFiniteState`] naming the step and time where the state blew up,
/// [`SolverError::Arena`].
pub fn explicit_euler<S, F, V>(
    system: &F,
    t0: S,
    dt: S,
    steps: usize,
    y: &mut V,
    arena: &MemoryArena,
) -> Result<IntegrationStats<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    check_start("explicit_euler", system.dimension(), y, dt)?;
    let mut stats = IntegrationStats::new(t0);
    for step in 1..=steps {
        let t = t0 + S::from_usize_lossy(step - 1) * dt;
        let scope = arena.create_scope();
        let mut k = scope.clone_of(y)?;
        system.rhs(t, y, &mut k);
        y.axpy_in_place(dt, &k);
        check_state(y, step, t)?;
        stats.steps = step;
        stats.evaluations += 1;
    }
    stats.t = t0 + S::from_usize_lossy(steps) * dt;
    Ok(stats)
}

/// Advances `y` by `steps` classical fourth-order Runge–Kutta steps of size `dt` from `t0`.
///
/// The four stages and the stage input live in a per-step scope of `arena`.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::ode::{rk4, FnSystem};
/// // Harmonic oscillator y'' = −y as a first-order system.
/// let osc = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[1];
///     dy[1] = -y[0];
/// });
/// let arena = MemoryArena::new(4096);
/// let mut y = vec![1.0, 0.0];
/// let n = 1000;
/// rk4(&osc, 0.0, std::f64::consts::TAU / n as f64, n, &mut y, &arena).unwrap();
/// assert!((y[0] - 1.0).abs() < 1e-10 && y[1].abs() < 1e-10);
/// ```
///
/// # Errors
/// As [`explicit_euler`].
pub fn rk4<S, F, V>(
    system: &F,
    t0: S,
    dt: S,
    steps: usize,
    y: &mut V,
    arena: &MemoryArena,
) -> Result<IntegrationStats<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    check_start("rk4", system.dimension(), y, dt)?;
    let half = S::from_f64_lossy(0.5) * dt;
    let sixth = dt / S::from_f64_lossy(6.0);
    let two = S::from_f64_lossy(2.0);
    let mut stats = IntegrationStats::new(t0);
    for step in 1..=steps {
        let t = t0 + S::from_usize_lossy(step - 1) * dt;
        let scope = arena.create_scope();
        let mut stage = scope.clone_of(y)?;
        let mut k1 = scope.clone_of(y)?;
        let mut k2 = scope.clone_of(y)?;
        let mut k3 = scope.clone_of(y)?;
        let mut k4 = scope.clone_of(y)?;
        system.rhs(t, y, &mut k1);
        stage.axpy_in_place(half, &k1);
        system.rhs(t + half, &stage, &mut k2);
        stage.copy_from(y);
        stage.axpy_in_place(half, &k2);
        system.rhs(t + half, &stage, &mut k3);
        stage.copy_from(y);
        stage.axpy_in_place(dt, &k3);
        system.rhs(t + dt, &stage, &mut k4);
        y.zip_in_place((&k1, &k2, &k3, &k4), |yi, [a, b, c, d]| {
            *yi += sixth * (a + two * (b + c) + d);
        });
        check_state(y, step, t)?;
        stats.steps = step;
        stats.evaluations += 4;
    }
    stats.t = t0 + S::from_usize_lossy(steps) * dt;
    Ok(stats)
}
