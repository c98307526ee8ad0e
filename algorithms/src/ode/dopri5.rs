//! Dormand–Prince 5(4): adaptive explicit Runge–Kutta with error control.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::{kernels, Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::dense::Interpolant;
use super::events::Event;
use super::report::{IntegrationReport, StepProgress};
use super::runge_kutta::{self, work_vectors, EmbeddedPair, ExplicitRkParams, StepControl};
use super::system::OdeSystem;
use crate::error::SolverError;
use crate::no_monitor;
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`dopri5`]: the [`ExplicitRkParams`] every adaptive explicit method takes.
pub type Dopri5Params<S> = ExplicitRkParams<S>;

/// The stage vectors k1…k7 (k7 = f(t + h, y_new), the next step's k1).
const STAGES: usize = 7;

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
// The continuous extension (Hairer, Nørsett and Wanner's dense output for DOPRI5, from
// Shampine 1986): the θ⁴ coefficient of each stage.
const D1: f64 = -12715105075.0 / 11282082432.0;
const D3: f64 = 87487479700.0 / 32700410799.0;
const D4: f64 = -10690763975.0 / 1880347072.0;
const D5: f64 = 701980252875.0 / 199316789632.0;
const D6: f64 = -1453857185.0 / 822651844.0;
const D7: f64 = 69997945.0 / 29380423.0;

/// Integrates `y' = f(t, y)` over `t_span` by Dormand–Prince 5(4), leaving `y` at the end
/// time, in a fresh arena; see [`dopri5_in`] for a monitor that sees every step (and may stop
/// the run) or another arena.
///
/// Steps are chosen so that the local error estimate `e` satisfies
/// `√(mean((eᵢ / (abs_tol + rel_tol·max(|yᵢ|, |ŷᵢ|)))²)) ≤ 1`; rejected steps are retried
/// with a smaller step, and the last step is shortened to land on the end time. The first
/// same-as-last stage is reused, so an accepted step costs six evaluations. Stage vectors live
/// in a per-step scope.
///
/// ```
/// use rvf_algorithms::ode::{dopri5, Dopri5Params, FnSystem};
/// let osc = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[1];
///     dy[1] = -y[0];
/// });
/// let mut y = vec![1.0, 0.0];
/// let params = Dopri5Params { rel_tol: 1e-10, abs_tol: 1e-12, ..Default::default() };
/// let report = dopri5(&osc, (0.0, 2.0), &mut y, &params).unwrap();
/// assert_eq!(report.t, 2.0);
/// assert!((y[0] - 2.0_f64.cos()).abs() < 1e-9);
/// ```
///
/// # Errors
/// [`SolverError::InvalidParameter`] for negative tolerances (or both zero), a span that is
/// not finite and ascending, a non-positive step limit; [`SolverError::DimensionMismatch`];
/// [`SolverError::NonFiniteInput`]; [`SolverError::StepSizeUnderflow`] when the step needed
/// falls below the resolution of `t`; [`SolverError::MaxStepsExceeded`];
/// [`SolverError::NonFiniteState`]; [`SolverError::Arena`].
pub fn dopri5<S, F, V>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dopri5Params<S>,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(
        work_vectors(STAGES),
        y.local().len(),
        core::mem::size_of::<S>(),
    );
    dopri5_in(system, t_span, y, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`dopri5`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`dopri5`].
    pub fn dopri5<S, F, V>(
        &mut self,
        system: &F,
        t_span: (S, S),
        y: &mut V,
        params: &Dopri5Params<S>,
    ) -> Result<IntegrationReport<S>, SolverError>
    where
        S: Real,
        F: OdeSystem<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        dopri5_in(
            system,
            t_span,
            y,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// [`dopri5`] in `arena`, with a monitor called after every accepted step (time, step size,
/// state) that may stop the run by returning [`ControlFlow::Break`].
///
/// ```
/// use std::ops::ControlFlow;
/// use rvf::arena::MemoryArena;
/// use rvf_algorithms::ode::{dopri5_in, Dopri5Params, FnSystem};
/// let decay = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
/// let mut y = vec![1.0];
/// let arena = MemoryArena::new(0);
/// let mut times = Vec::new();
/// let report = dopri5_in(&decay, (0.0, 5.0), &mut y, &Dopri5Params::default(), &arena, |p| {
///     times.push(p.t);
///     ControlFlow::Continue(())
/// })
/// .unwrap();
/// assert_eq!(times.len(), report.steps);
/// assert_eq!(*times.last().unwrap(), 5.0);
/// assert!(times.windows(2).all(|w| w[0] < w[1]));
/// ```
///
/// # Errors
/// As [`dopri5`].
pub fn dopri5_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dopri5Params<S>,
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(system, t_span, y, params, &[], arena, &mut monitor)
}

/// [`dopri5`] with events: zeros of functions `g(t, y)` located on the dense output of each
/// step (see [`Event`]). Every occurrence is listed in the report's
/// [`events`](IntegrationReport::events); a terminal one ends the run there
/// ([`Termination::TerminalEvent`](crate::Termination::TerminalEvent)), with `y` the state at the event.
///
/// ```
/// use rvf_algorithms::ode::{dopri5_events, Direction, Dopri5Params, Event, FnSystem};
/// use rvf_algorithms::Termination;
/// // A ball dropped from 10 m: it reaches the ground at t = √(2·10/9.81).
/// let fall = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[1];
///     dy[1] = -9.81;
/// });
/// let ground = |_t: f64, y: &[f64]| y[0];
/// let events = [Event::new(&ground).direction(Direction::Falling).terminal()];
/// let mut y = vec![10.0, 0.0];
/// let r = dopri5_events(&fall, (0.0, 10.0), &mut y, &Dopri5Params::default(), &events).unwrap();
/// assert_eq!(r.termination, Termination::TerminalEvent);
/// assert!((r.t - (20.0_f64 / 9.81).sqrt()).abs() < 1e-12);
/// assert!(y[0].abs() < 1e-10 && y[1] < 0.0);
/// ```
///
/// # Errors
/// As [`dopri5`].
pub fn dopri5_events<S, F, V>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dopri5Params<S>,
    events: &[Event<'_, S>],
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(
        work_vectors(STAGES),
        y.local().len(),
        core::mem::size_of::<S>(),
    );
    run(
        system,
        t_span,
        y,
        params,
        events,
        &arena,
        &mut no_monitor!(),
    )
}

/// [`dopri5_events`] in `arena`, with a monitor that sees every accepted step (the last one
/// ending at a terminal event).
///
/// # Errors
/// As [`dopri5`].
pub fn dopri5_events_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dopri5Params<S>,
    events: &[Event<'_, S>],
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(system, t_span, y, params, events, arena, &mut monitor)
}

/// The Dormand–Prince integration behind every entry point.
fn run<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dopri5Params<S>,
    events: &[Event<'_, S>],
    arena: &MemoryArena,
    monitor: &mut M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    runge_kutta::run::<DormandPrince, _, _, _, _, STAGES>(
        system, t_span, y, params, events, arena, monitor,
    )
}

/// The Dormand–Prince 5(4) pair.
struct DormandPrince;

impl<S: Real> EmbeddedPair<S, STAGES> for DormandPrince {
    const NAME: &'static str = "dopri5";
    const INITIAL_STEP_ORDER: usize = 4;
    const CONTROL: StepControl = StepControl {
        exponent: 0.2,
        min_factor: 0.2,
        max_factor: 5.0,
    };
    const FSAL: usize = 6;
    const STIFF_BOUND: f64 = 3.25;
    type Step<'a>
        = Dopri5Step<'a, S>
    where
        S: 'a;

    fn attempt<F, Y, W>(
        system: &F,
        par: Par,
        t: S,
        h: S,
        y: &Y,
        k: &mut [W; STAGES],
        stage: &mut W,
        y_new: &mut W,
        spare: &mut W,
        (rtol, atol): (S, S),
    ) -> (S, usize)
    where
        F: OdeSystem<S> + ?Sized,
        Y: RealVector<Scalar = S> + ?Sized,
        W: RealVectorMut<Scalar = S>,
    {
        let f = S::from_f64_lossy;
        let [k1, k2, k3, k4, k5, k6, k7] = k;
        par.zip(stage, (y, &*k1), |s, [yi, a]| *s = yi + h * f(A21) * a);
        system.rhs_local(t + f(C2) * h, stage.local(), k2.local_mut());
        par.zip(stage, (y, &*k1, &*k2), |s, [yi, a, b]| {
            *s = yi + h * (f(A31) * a + f(A32) * b)
        });
        system.rhs_local(t + f(C3) * h, stage.local(), k3.local_mut());
        par.zip(stage, (y, &*k1, &*k2, &*k3), |s, [yi, a, b, c]| {
            *s = yi + h * (f(A41) * a + f(A42) * b + f(A43) * c)
        });
        system.rhs_local(t + f(C4) * h, stage.local(), k4.local_mut());
        par.zip(stage, (y, &*k1, &*k2, &*k3, &*k4), |s, [yi, a, b, c, d]| {
            *s = yi + h * (f(A51) * a + f(A52) * b + f(A53) * c + f(A54) * d)
        });
        system.rhs_local(t + f(C5) * h, stage.local(), k5.local_mut());
        par.zip(
            stage,
            (y, &*k1, &*k2, &*k3, &*k4, &*k5),
            |s, [yi, a, b, c, d, e]| {
                *s = yi + h * (f(A61) * a + f(A62) * b + f(A63) * c + f(A64) * d + f(A65) * e)
            },
        );
        system.rhs_local(t + h, stage.local(), k6.local_mut());
        par.zip(
            y_new,
            (y, &*k1, &*k3, &*k4, &*k5, &*k6),
            |s, [yi, a, c, d, e, g]| {
                *s = yi + h * (f(B1) * a + f(B3) * c + f(B4) * d + f(B5) * e + f(B6) * g)
            },
        );
        // k7 = f(t + h, y_new) enters the error estimate: the first stage of the next step.
        system.rhs_local(t + h, y_new.local(), k7.local_mut());

        par.zip(
            spare,
            (y, &*y_new, &*k1, &*k3, &*k4, &*k5, &*k6, &*k7),
            |w, [yi, yn, a, c, d, e, g, k]| {
                let err =
                    h * (f(E1) * a + f(E3) * c + f(E4) * d + f(E5) * e + f(E6) * g + f(E7) * k);
                *w = err / (atol + rtol * yi.abs().max(yn.abs()));
            },
        );
        let n_inv_sqrt = S::one() / S::from_usize_lossy(y.dimension().max(1)).sqrt();
        (par.l2norm(spare) * n_inv_sqrt, 6)
    }

    fn step<'a>(
        t0: S,
        end: S,
        h: S,
        y0: Local<'a, S>,
        y1: Local<'a, S>,
        [k1, _, k3, k4, k5, k6, k7]: [Local<'a, S>; STAGES],
    ) -> Dopri5Step<'a, S> {
        Dopri5Step {
            t0,
            end,
            h,
            y0,
            y1,
            k: [k1, k3, k4, k5, k6, k7],
        }
    }
}

/// One accepted step's continuous extension: from the states at both ends and the stages
/// `k1, k3 … k7` (Hairer–Nørsett–Wanner's `CONTD5`), 4th order, exact at both ends.
#[derive(Clone, Copy)]
struct Dopri5Step<'a, S> {
    t0: S,
    /// Where the step's usable part ends: its end, or a terminal event inside it.
    end: S,
    h: S,
    y0: Local<'a, S>,
    y1: Local<'a, S>,
    k: [Local<'a, S>; 6],
}

impl<S: Real> Interpolant<S> for Dopri5Step<'_, S> {
    fn interval(&self) -> (S, S) {
        (self.t0, self.end)
    }

    fn interpolate_local(&self, t: S, out: LocalMut<'_, S>) {
        let f = S::from_f64_lossy;
        let h = self.h;
        if t == self.t0 {
            return kernels::zip_mut(out, self.y0, |o, v| *o = v);
        }
        if t == self.t0 + h {
            return kernels::zip_mut(out, self.y1, |o, v| *o = v);
        }
        let theta = (t - self.t0) / h;
        let theta1 = S::one() - theta;
        let [k1, k3, k4, k5, k6, k7] = self.k;
        let inputs = [self.y0, self.y1, k1, k3, k4, k5, k6, k7];
        kernels::zip_many_mut(out, inputs, |o, [y0, y1, k1, k3, k4, k5, k6, k7]| {
            let ydiff = y1 - y0;
            let bspl = h * k1 - ydiff;
            let c4 = ydiff - h * k7 - bspl;
            let c5 =
                h * (f(D1) * k1 + f(D3) * k3 + f(D4) * k4 + f(D5) * k5 + f(D6) * k6 + f(D7) * k7);
            *o = y0 + theta * (ydiff + theta1 * (bspl + theta * (c4 + theta1 * c5)));
        });
    }
}
