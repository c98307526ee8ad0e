//! Dormand–Prince 5(4): adaptive explicit Runge–Kutta with error control.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::{kernels, Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::dense::Interpolant;
use super::events::{Event, EventState};
use super::fixed_step::{check_start, check_state};
use super::initial_step::initial_step;
use super::report::{IntegrationReport, StepProgress};
use super::system::OdeSystem;
use crate::error::to_f64;
use crate::error::{non_negative, positive, SolverError};
use crate::no_monitor;
use crate::solver::{default_tol, NonExhaustive, Termination};
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`dopri5`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dopri5Params<S> {
    /// Relative tolerance. Default `1e-6` (`100·ε` for `f32`: `1.2e-5`).
    pub rel_tol: S,
    /// Absolute tolerance. Default `1e-9` (`100·ε` for `f32`).
    pub abs_tol: S,
    /// First step size; `None` chooses one automatically (Hairer–Nørsett–Wanner's
    /// algorithm). Default `None`.
    pub initial_step: Option<S>,
    /// Largest step size; `None` for no limit.
    pub max_step: Option<S>,
    /// Limit on attempted steps (accepted + rejected). Default `100_000`.
    pub max_steps: usize,
    /// Sequential or rayon-parallel vector operations. The states are bitwise the same
    /// either way. Default [`Par::Seq`].
    pub par: Par,
    /// Hand the monitor the 4th-order continuous extension of every step
    /// ([`StepProgress::interpolate`], [`sample_at`](super::sample_at)): one more vector
    /// (the previous state) and one copy per step. The steps are the same either way.
    /// Default `false`; events turn it on.
    pub dense_output: bool,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for Dopri5Params<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-6),
            abs_tol: default_tol(1e-9),
            initial_step: None,
            max_step: None,
            max_steps: 100_000,
            par: Par::Seq,
            dense_output: false,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Stage vectors: k1…k7, the stage input (which ends as the new state), a spare for the
/// first step's size estimate, and for dense output and events the previous state and an
/// interpolation buffer.
const WORK_VECTORS: usize = 11;

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
    let arena = arena_for(WORK_VECTORS, y.local().len(), core::mem::size_of::<S>());
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
/// ([`Termination::TerminalEvent`]), with `y` the state at the event.
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
    let arena = arena_for(WORK_VECTORS, y.local().len(), core::mem::size_of::<S>());
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
    check_start("dopri5", system.dimension(), y, t_span)?;
    non_negative("rel_tol", to_f64(params.rel_tol))?;
    non_negative("abs_tol", to_f64(params.abs_tol))?;
    positive("rel_tol + abs_tol", to_f64(params.rel_tol + params.abs_tol))?;
    if let Some(h) = params.initial_step {
        positive("initial_step", to_f64(h))?;
    }
    if let Some(h) = params.max_step {
        positive("max_step", to_f64(h))?;
    }

    let f = S::from_f64_lossy;
    let par = params.par;
    let (rtol, atol) = (params.rel_tol, params.abs_tol);
    let n_inv_sqrt = S::one() / S::from_usize_lossy(y.dimension().max(1)).sqrt();
    let (t0, t_end) = t_span;
    let mut report = IntegrationReport::new(t0);
    let mut t = t0;
    if t == t_end {
        return Ok(report);
    }

    let outer = arena.create_scope();
    let mut k1 = outer.clone_of(y)?;
    system.rhs_local(t, y.local(), k1.local_mut());
    report.evaluations += 1;
    let mut event_state = EventState::start(events, t, y.local());
    let dense = params.dense_output || !event_state.is_empty();
    let mut y_old = if dense {
        Some(outer.clone_of(y)?)
    } else {
        None
    };
    let mut scratch = if event_state.is_empty() {
        None
    } else {
        Some(outer.clone_of(y)?)
    };

    let mut h = match params.initial_step {
        Some(h) => h,
        None => {
            let (h, evaluations) = initial_step(&outer, system, t, &*y, &k1, 4, rtol, atol, par)?;
            report.evaluations += evaluations;
            h
        }
    };
    if let Some(hmax) = params.max_step {
        h = h.min(hmax);
    }

    let mut last_rejected = false;
    while t < t_end {
        if report.steps + report.rejected >= params.max_steps {
            return Err(SolverError::MaxStepsExceeded {
                steps: report.steps + report.rejected,
                t: to_f64(t),
            });
        }
        let lands = h >= t_end - t;
        if lands {
            h = t_end - t;
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

        par.zip(&mut stage, (&*y, &k1), |s, [yi, a]| {
            *s = yi + h * f(A21) * a
        });
        system.rhs_local(t + f(C2) * h, stage.local(), k2.local_mut());
        par.zip(&mut stage, (&*y, &k1, &k2), |s, [yi, a, b]| {
            *s = yi + h * (f(A31) * a + f(A32) * b)
        });
        system.rhs_local(t + f(C3) * h, stage.local(), k3.local_mut());
        par.zip(&mut stage, (&*y, &k1, &k2, &k3), |s, [yi, a, b, c]| {
            *s = yi + h * (f(A41) * a + f(A42) * b + f(A43) * c)
        });
        system.rhs_local(t + f(C4) * h, stage.local(), k4.local_mut());
        par.zip(
            &mut stage,
            (&*y, &k1, &k2, &k3, &k4),
            |s, [yi, a, b, c, d]| *s = yi + h * (f(A51) * a + f(A52) * b + f(A53) * c + f(A54) * d),
        );
        system.rhs_local(t + f(C5) * h, stage.local(), k5.local_mut());
        par.zip(
            &mut stage,
            (&*y, &k1, &k2, &k3, &k4, &k5),
            |s, [yi, a, b, c, d, e]| {
                *s = yi + h * (f(A61) * a + f(A62) * b + f(A63) * c + f(A64) * d + f(A65) * e)
            },
        );
        system.rhs_local(t + h, stage.local(), k6.local_mut());
        // The fifth-order solution (kept in `stage`), then k7 = f(t + h, ŷ).
        par.zip(
            &mut stage,
            (&*y, &k1, &k3, &k4, &k5, &k6),
            |s, [yi, a, c, d, e, g]| {
                *s = yi + h * (f(B1) * a + f(B3) * c + f(B4) * d + f(B5) * e + f(B6) * g)
            },
        );
        system.rhs_local(t + h, stage.local(), k7.local_mut());
        report.evaluations += 6;

        // Scaled error, written into k2 (no longer needed).
        par.zip(
            &mut k2,
            (&*y, &stage, &k1, &k3, &k4, &k5, &k6, &k7),
            |w, [yi, yn, a, c, d, e, g, k]| {
                let err =
                    h * (f(E1) * a + f(E3) * c + f(E4) * d + f(E5) * e + f(E6) * g + f(E7) * k);
                *w = err / (atol + rtol * yi.abs().max(yn.abs()));
            },
        );
        let err = par.l2norm(&k2) * n_inv_sqrt;

        if err <= S::one() {
            let t_start = t;
            t = if lands { t_end } else { t + h };
            if let Some(old) = y_old.as_mut() {
                par.copy(old, &*y);
            }
            par.copy(y, &stage);
            report.steps += 1;
            report.t = t;
            check_state(par, y, report.steps, t_start)?;
            let step = y_old.as_ref().map(|old| Dopri5Step {
                t0: t_start,
                end: t,
                h,
                y0: old.local(),
                y1: stage.local(),
                k: [
                    k1.local(),
                    k3.local(),
                    k4.local(),
                    k5.local(),
                    k6.local(),
                    k7.local(),
                ],
            });
            let mut stop = false;
            if let (Some(step), Some(scratch)) = (step.as_ref(), scratch.as_mut()) {
                let found = event_state.check(step, scratch);
                report.events.extend(found.hits);
                if let Some(at) = found.terminal_at {
                    // The state at the event is in the scratch vector.
                    par.copy(y, &*scratch);
                    t = at;
                    report.t = at;
                    report.termination = Termination::TerminalEvent;
                    stop = true;
                }
            }
            let step = step.map(|s| Dopri5Step { end: t, ..s });
            let progress = StepProgress {
                step: report.steps,
                t,
                h: t - t_start,
                y: &*y,
                velocity: None,
                dense: step.as_ref().map(|s| s as &dyn Interpolant<S>),
            };
            if monitor(&progress).is_break() {
                report.termination = Termination::StoppedByMonitor;
                return Ok(report);
            }
            if stop {
                return Ok(report);
            }
            par.copy(&mut k1, &k7);
            let grow = if last_rejected { S::one() } else { f(5.0) };
            let fac = if err == S::zero() {
                grow
            } else {
                (f(0.9) * err.powf(f(-0.2))).min(grow).max(f(0.2))
            };
            h *= fac;
            last_rejected = false;
        } else {
            report.rejected += 1;
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
    Ok(report)
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
