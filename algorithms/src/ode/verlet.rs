//! Velocity Verlet: the symplectic second-order method for `x'' = a(t, x)`.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVectorMut};

use super::fixed_step::{check_start, drive_fixed_steps, FixedStepParams};
use super::report::{IntegrationReport, StepProgress};
use super::system::SecondOrderSystem;
use crate::error::{same_dim, SolverError};
use crate::no_monitor;
use crate::workspace::{arena_for, Workspace};

/// Advances positions `x` and velocities `v` over `t_span` by velocity-Verlet steps of at most
/// `params.dt` (see [`FixedStepParams`]):
///
/// ```text
/// x ← x + h·v + h²/2·a(x)
/// v ← v + h/2·(a(x_old) + a(x_new))
/// ```
///
/// Symplectic and time-reversible: energy errors stay bounded over long runs instead of
/// drifting. Second order. The acceleration is evaluated once per step (the previous step's
/// is kept); the new acceleration lives in a per-step scope.
///
/// ```
/// use rvf_algorithms::ode::{velocity_verlet, FixedStepParams, FnSecondOrder};
/// let spring = FnSecondOrder::new(1, |_t: f64, x: &[f64], a: &mut [f64]| a[0] = -x[0]);
/// let (mut x, mut v) = (vec![1.0], vec![0.0]);
/// let tau = std::f64::consts::TAU;
/// let params = FixedStepParams { dt: tau / 10_000.0, ..Default::default() };
/// velocity_verlet(&spring, (0.0, tau), &mut x, &mut v, &params).unwrap();
/// assert!((x[0] - 1.0).abs() < 1e-6);
/// ```
///
/// # Errors
/// As [`explicit_euler`](super::explicit_euler); `v` must have `x`'s dimension.
pub fn velocity_verlet<S, F, V>(
    system: &F,
    t_span: (S, S),
    x: &mut V,
    v: &mut V,
    params: &FixedStepParams<S>,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: SecondOrderSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(2, x.local().len(), core::mem::size_of::<S>());
    velocity_verlet_in(system, t_span, x, v, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`velocity_verlet`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`velocity_verlet`].
    pub fn velocity_verlet<S, F, V>(
        &mut self,
        system: &F,
        t_span: (S, S),
        x: &mut V,
        v: &mut V,
        params: &FixedStepParams<S>,
    ) -> Result<IntegrationReport<S>, SolverError>
    where
        S: Real,
        F: SecondOrderSystem<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        velocity_verlet_in(
            system,
            t_span,
            x,
            v,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// [`velocity_verlet`] in `arena`, with a monitor that sees every step (positions in
/// `progress.y`, velocities in `progress.velocity`) and may stop the run.
///
/// # Errors
/// As [`velocity_verlet`].
pub fn velocity_verlet_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    x: &mut V,
    v: &mut V,
    params: &FixedStepParams<S>,
    arena: &MemoryArena,
    monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: SecondOrderSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    check_start("velocity_verlet", system.dimension(), x, t_span)?;
    same_dim("velocity_verlet (v)", x.dimension(), v.dimension())?;
    if !v.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "v0" });
    }
    let par = params.par;
    let half = S::from_f64_lossy(0.5);
    let outer = arena.create_scope();
    let mut acc = outer.clone_of(x)?;
    system.accel_local(t_span.0, x.local(), acc.local_mut());
    let mut report = IntegrationReport::new(t_span.0);
    report.evaluations = 1;
    drive_fixed_steps(
        &outer,
        t_span,
        params,
        x,
        Some(v),
        report,
        monitor,
        |scope, t, h, x, v| {
            let v = v.expect("the driver passes the velocities on");
            let (half_h, half_h2) = (half * h, half * h * h);
            par.zip(x, (&*v, &acc), |xi, [vi, ai]| *xi += h * vi + half_h2 * ai);
            let mut new_acc = scope.clone_of(x)?;
            system.accel_local(t + h, x.local(), new_acc.local_mut());
            par.zip(v, (&acc, &new_acc), |vi, [a0, a1]| {
                *vi += half_h * (a0 + a1)
            });
            par.copy(&mut acc, &new_acc);
            Ok(1)
        },
    )
}
