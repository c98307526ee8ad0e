//! Velocity Verlet: the symplectic second-order method for `x'' = a(t, x)`.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVectorMut};

use super::explicit::{check_start, check_state};
use super::stats::IntegrationStats;
use super::system::SecondOrderSystem;
use crate::error::{same_dim, SolverError};

/// Advances positions `x` and velocities `v` by `steps` velocity-Verlet steps of size `dt`:
///
/// ```text
/// x ← x + dt·v + dt²/2·a(x)
/// v ← v + dt/2·(a(x_old) + a(x_new))
/// ```
///
/// Symplectic and time-reversible: energy errors stay bounded over long runs instead of
/// drifting. Second order. The acceleration is evaluated once per step (the previous step's
/// is kept); the new acceleration lives in a per-step scope.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::ode::{velocity_verlet, FnSecondOrder};
/// let spring = FnSecondOrder::new(1, |_t: f64, x: &[f64], a: &mut [f64]| a[0] = -x[0]);
/// let arena = MemoryArena::new(4096);
/// let (mut x, mut v) = (vec![1.0], vec![0.0]);
/// let n = 10_000;
/// velocity_verlet(&spring, 0.0, std::f64::consts::TAU / n as f64, n, &mut x, &mut v, &arena)
///     .unwrap();
/// assert!((x[0] - 1.0).abs() < 1e-6);
/// ```
///
/// # Errors
/// As [`explicit_euler`](super::explicit_euler); `v` must have `x`'s dimension.
pub fn velocity_verlet<S, F, V>(
    system: &F,
    t0: S,
    dt: S,
    steps: usize,
    x: &mut V,
    v: &mut V,
    arena: &MemoryArena,
) -> Result<IntegrationStats<S>, SolverError>
where
    S: Real,
    F: SecondOrderSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    check_start("velocity_verlet", system.dimension(), x, dt)?;
    same_dim("velocity_verlet (v)", x.dimension(), v.dimension())?;
    if !v.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "v0" });
    }
    let half_dt = S::from_f64_lossy(0.5) * dt;
    let half_dt2 = half_dt * dt;
    let mut stats = IntegrationStats::new(t0);
    let outer = arena.create_scope();
    let mut acc = outer.clone_of(x)?;
    system.accel(t0, x, &mut acc);
    stats.evaluations += 1;
    for step in 1..=steps {
        let t = t0 + S::from_usize_lossy(step - 1) * dt;
        let scope = outer.create_scope();
        x.zip_in_place((&*v, &acc), |xi, [vi, ai]| *xi += dt * vi + half_dt2 * ai);
        let mut new_acc = scope.clone_of(x)?;
        system.accel(t + dt, x, &mut new_acc);
        v.zip_in_place((&acc, &new_acc), |vi, [a0, a1]| *vi += half_dt * (a0 + a1));
        acc.copy_from(&new_acc);
        check_state(x, step, t)?;
        check_state(v, step, t)?;
        stats.steps = step;
        stats.evaluations += 1;
    }
    stats.t = t0 + S::from_usize_lossy(steps) * dt;
    Ok(stats)
}
