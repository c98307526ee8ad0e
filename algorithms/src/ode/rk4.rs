//! The classical fourth-order Runge–Kutta method.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVector, RealVectorMut};

use super::fixed_step::{check_start, drive_fixed_steps, FixedStepParams};
use super::report::{IntegrationReport, StepProgress};
use super::system::OdeSystem;
use crate::error::SolverError;
use crate::no_monitor;
use crate::workspace::{arena_for, Workspace};

/// Stage vectors of a step: the stage input and k1…k4.
const WORK_VECTORS: usize = 5;

/// Integrates `y' = f(t, y)` over `t_span` by the classical fourth-order Runge–Kutta method in
/// equal steps of at most `params.dt` (see [`FixedStepParams`]). The four stages and the
/// stage input live in a per-step scope of a fresh arena; see [`rk4_in`] for a monitor or
/// another arena.
///
/// ```
/// use rvf_algorithms::ode::{rk4, FixedStepParams, FnSystem};
/// // Harmonic oscillator y'' = −y as a first-order system.
/// let osc = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[1];
///     dy[1] = -y[0];
/// });
/// let mut y = vec![1.0, 0.0];
/// let tau = std::f64::consts::TAU;
/// let report = rk4(&osc, (0.0, tau), &mut y, &FixedStepParams { dt: tau / 1000.0, ..Default::default() })
///     .unwrap();
/// assert_eq!((report.steps, report.evaluations), (1000, 4000));
/// assert!((y[0] - 1.0).abs() < 1e-10 && y[1].abs() < 1e-10);
/// ```
///
/// # Errors
/// As [`explicit_euler`](super::explicit_euler).
pub fn rk4<S, F, V>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &FixedStepParams<S>,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, y.local().len(), core::mem::size_of::<S>());
    rk4_in(system, t_span, y, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`rk4`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`rk4`].
    pub fn rk4<S, F, V>(
        &mut self,
        system: &F,
        t_span: (S, S),
        y: &mut V,
        params: &FixedStepParams<S>,
    ) -> Result<IntegrationReport<S>, SolverError>
    where
        S: Real,
        F: OdeSystem<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        rk4_in(
            system,
            t_span,
            y,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// [`rk4`] in `arena`, with a monitor that sees every step and may stop the run.
///
/// ```
/// use std::ops::ControlFlow;
/// use rvf::arena::MemoryArena;
/// use rvf_algorithms::ode::{rk4_in, FixedStepParams, FnSystem};
/// use rvf_algorithms::Termination;
/// let growth = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = y[0]);
/// let mut y = vec![1.0];
/// let arena = MemoryArena::new(0);
/// let params = FixedStepParams { dt: 0.01, ..Default::default() };
/// // Stop once y has doubled: at t ≈ ln 2.
/// let report = rk4_in(&growth, (0.0, 10.0), &mut y, &params, &arena, |p| {
///     if p.y[0] >= 2.0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
/// })
/// .unwrap();
/// assert_eq!(report.termination, Termination::StoppedByMonitor);
/// assert!((report.t - 2.0_f64.ln()).abs() < 0.01);
/// ```
///
/// # Errors
/// As [`rk4`].
pub fn rk4_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &FixedStepParams<S>,
    arena: &MemoryArena,
    monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    check_start("rk4", system.dimension(), y, t_span)?;
    let par = params.par;
    let (half, six, two) = (
        S::from_f64_lossy(0.5),
        S::from_f64_lossy(6.0),
        S::from_f64_lossy(2.0),
    );
    let outer = arena.create_scope();
    let report = IntegrationReport::new(t_span.0);
    drive_fixed_steps(
        &outer,
        t_span,
        params,
        y,
        None,
        report,
        monitor,
        |scope, t, h, y, _| {
            let mut stage = scope.clone_of(y)?;
            let mut k1 = scope.clone_of(y)?;
            let mut k2 = scope.clone_of(y)?;
            let mut k3 = scope.clone_of(y)?;
            let mut k4 = scope.clone_of(y)?;
            let (hh, h6) = (half * h, h / six);
            system.rhs_local(t, y.local(), k1.local_mut());
            par.axpy(&mut stage, hh, &k1);
            system.rhs_local(t + hh, stage.local(), k2.local_mut());
            // Copy and axpy rather than one two-input map: both are single streaming passes that
            // vectorise, where the variadic map indexes each input per element.
            par.copy(&mut stage, &*y);
            par.axpy(&mut stage, hh, &k2);
            system.rhs_local(t + hh, stage.local(), k3.local_mut());
            par.copy(&mut stage, &*y);
            par.axpy(&mut stage, h, &k3);
            system.rhs_local(t + h, stage.local(), k4.local_mut());
            par.zip(y, (&k1, &k2, &k3, &k4), |yi, [a, b, c, d]| {
                *yi += h6 * (a + two * (b + c) + d);
            });
            Ok(4)
        },
    )
}
