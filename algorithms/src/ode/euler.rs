//! Forward Euler: the first-order explicit method.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Real, RealVectorMut};

use super::fixed_step::{check_start, drive_fixed_steps, FixedStepParams};
use super::report::{IntegrationReport, StepProgress};
use super::system::OdeSystem;
use crate::error::SolverError;
use crate::no_monitor;
use crate::workspace::{arena_for, Workspace};

/// Integrates `y' = f(t, y)` over `t_span` by forward Euler, `y ← y + h·f(t, y)`, in equal
/// steps of at most `params.dt` (see [`FixedStepParams`]). First order. The stage vector lives
/// in a per-step scope of a fresh arena; see [`explicit_euler_in`] for a monitor or another
/// arena.
///
/// ```
/// use rvf_algorithms::ode::{explicit_euler, FixedStepParams, FnSystem};
/// let decay = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
/// let mut y = vec![1.0];
/// let params = FixedStepParams { dt: 1e-3, ..Default::default() };
/// let report = explicit_euler(&decay, (0.0, 1.0), &mut y, &params).unwrap();
/// assert_eq!(report.steps, 1000);
/// assert!((y[0] - (-1.0_f64).exp()).abs() < 1e-3);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`], [`SolverError::InvalidParameter`] for `dt ≤ 0` or
/// non-finite or a span that is not ascending, [`SolverError::NonFiniteInput`] for a
/// non-finite `y`, [`SolverError::NonFiniteState`] naming the step and time where the state
/// blew up, [`SolverError::Arena`].
pub fn explicit_euler<S, F, V>(
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
    let arena = arena_for(1, y.local().len(), core::mem::size_of::<S>());
    explicit_euler_in(system, t_span, y, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`explicit_euler`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`explicit_euler`].
    pub fn explicit_euler<S, F, V>(
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
        explicit_euler_in(
            system,
            t_span,
            y,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// [`explicit_euler`] in `arena`, with a monitor that sees every step and may stop the run.
///
/// # Errors
/// As [`explicit_euler`].
pub fn explicit_euler_in<S, F, V, M>(
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
    check_start("explicit_euler", system.dimension(), y, t_span)?;
    let par = params.par;
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
            let mut k = scope.clone_of(y)?;
            system.rhs_local(t, y.local(), k.local_mut());
            par.axpy(y, h, &k);
            Ok(1)
        },
    )
}
