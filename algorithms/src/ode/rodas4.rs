//! Rodas4: Hairer and Wanner's Rosenbrock method of order 4 with an embedded order-3 error
//! estimate, L-stable and stiffly accurate, with a dense output of order 3 (feature `faer`).
//!
//! A Rosenbrock method linearises instead of iterating: each of its six stages solves one
//! linear system with the matrix `I − γ·h·J` (`γ = 1/4`), factored once per step, and
//! nothing can fail to converge. That suits problems with frequent discontinuities or
//! restarts, where a multistep method (`bdf`) would start again at order 1 each time. The
//! price is an exact Jacobian `J = ∂f/∂y` and `∂f/∂t` at every step (the system's own
//! Jacobian or differences; `∂f/∂t` by one forward difference in `t`) and one LU per
//! attempted step. Coefficients, error estimate, dense output and the predictive
//! (Gustafsson) step control are those of Hairer's `rodas.f` (Hairer & Wanner, *Solving
//! ODEs II*, §IV.7).

// The coefficients are written as Hairer's rodas.f prints them (16 digits, trailing zeros
// included), so they can be checked against it line by line.
#![allow(clippy::excessive_precision)]

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real, RealVectorMut};

use super::dense::Interpolant;
use super::events::{conclude_step, Event, EventState};
use super::fixed_step::check_adaptive_start;
use super::initial_step::initial_step;
use super::newton::DenseNewton;
use super::report::{IntegrationReport, StepProgress};
use super::runge_kutta::step_towards;
use super::system::OdeSystem;
use crate::error::{to_f64, SolverError};
use crate::linear::dense_lu::LuScalar;
use crate::no_monitor;
use crate::solver::{default_tol, NonExhaustive};
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`rodas4`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rodas4Params<S> {
    /// Relative tolerance. Default `1e-6` (`100·ε` for `f32`).
    pub rel_tol: S,
    /// Absolute tolerance. Default `1e-9` (`100·ε` for `f32`).
    pub abs_tol: S,
    /// First step size; `None` chooses one (Hairer–Nørsett–Wanner, order 3). Default `None`.
    pub initial_step: Option<S>,
    /// Largest step size; `None` for no limit.
    pub max_step: Option<S>,
    /// Limit on attempted steps. Default `100_000`.
    pub max_steps: usize,
    /// Hand the monitor the 3rd-order continuous extension of each step
    /// ([`StepProgress::interpolate`]): two vectors formed per step. Default `false`;
    /// events turn it on.
    pub dense_output: bool,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for Rodas4Params<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-6),
            abs_tol: default_tol(1e-9),
            initial_step: None,
            max_step: None,
            max_steps: 100_000,
            dense_output: false,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Vectors of the state's length a run keeps: the state, `f`, `∂f/∂t`, six stage
/// increments, the stage input and its `f`, the new state, the previous state and two dense
/// coefficients (with dense output), and room for the first-step estimate and events.
const WORK_VECTORS: usize = 20;

/// `γ`, the diagonal of the method.
const GAMMA: f64 = 0.25;
/// The stage times `c₂, c₃, c₄` (`c₅ = c₆ = 1`).
const C: [f64; 3] = [0.386, 0.21, 0.63];
/// `γᵢ = Σⱼ γᵢⱼ` of stages 1 … 4, the weights of `h·∂f/∂t` (zero for stages 5 and 6).
const D: [f64; 4] = [0.25, -0.1043, 0.1035, -0.3620000000000023e-01];
/// The stage inputs `yᵢ = y + Σⱼ aᵢⱼ·kⱼ` of stages 2 … 5 (stage 6 is `y₅ + k₅`).
const A2: [f64; 1] = [0.1544000000000000e+01];
const A3: [f64; 2] = [0.9466785280815826, 0.2557011698983284];
const A4: [f64; 3] = [
    0.3314825187068521e+01,
    0.2896124015972201e+01,
    0.9986419139977817,
];
const A5: [f64; 4] = [
    0.1221224509226641e+01,
    0.6019134481288629e+01,
    0.1253708332932087e+02,
    -0.6878860361058950,
];
/// The earlier stages' part of each stage's right-hand side, `Σⱼ cᵢⱼ·kⱼ / h`.
const C2: [f64; 1] = [-0.5668800000000000e+01];
const C3: [f64; 2] = [-0.2430093356833875e+01, -0.2063599157091915];
const C4: [f64; 3] = [
    -0.1073529058151375,
    -0.9594562251023355e+01,
    -0.2047028614809616e+02,
];
const C5: [f64; 4] = [
    0.7496443313967647e+01,
    -0.1024680431464352e+02,
    -0.3399990352819905e+02,
    0.1170890893206160e+02,
];
const C6: [f64; 5] = [
    0.8083246795921522e+01,
    -0.7981132988064893e+01,
    -0.3152159432874371e+02,
    0.1631930543123136e+02,
    -0.6058818238834054e+01,
];
/// The dense output's two coefficient vectors, each over `k₁ … k₅`.
const DENSE: [[f64; 5]; 2] = [
    [
        0.1012623508344586e+02,
        -0.7487995877610167e+01,
        -0.3480091861555747e+02,
        -0.7992771707568823e+01,
        0.1025137723295662e+01,
    ],
    [
        -0.6762803392801253,
        0.6087714651680015e+01,
        0.1643084320892478e+02,
        0.2476722511418386e+02,
        -0.6594389125716872e+01,
    ],
];
/// Step-size factor bounds and safety factor (Hairer's `FAC1`, `FAC2`, `SAFE`).
const MIN_FACTOR: f64 = 0.2;
const MAX_FACTOR: f64 = 6.0;
const SAFETY: f64 = 0.9;
/// Consecutive singular matrices `I − γhJ` (each halving the step) before giving up.
const MAX_SINGULAR: usize = 5;

/// Integrates the stiff system `y' = f(t, y)` over `t_span` by Rodas4, leaving `y` at the
/// end time, in a fresh arena. The Jacobian is the system's
/// ([`OdeSystem::jacobian`]) or forward differences (`n + 1` evaluations), formed at every
/// accepted step together with a differenced `∂f/∂t` (one evaluation).
///
/// A step is accepted when the scaled error `√(mean((eᵢ / (abs_tol + rel_tol·max(|yᵢ|,
/// |ŷᵢ|)))²)) ≤ 1`, where `e` is the difference to the embedded 3rd-order solution.
///
/// ```
/// use rvf_algorithms::ode::{rodas4, Robertson, Rodas4Params};
/// let mut y = Robertson::initial_state::<f64>().to_vec();
/// let params = Rodas4Params { rel_tol: 1e-6, abs_tol: 1e-10, ..Default::default() };
/// let report = rodas4(&Robertson, (0.0, 1e5), &mut y, &params).unwrap();
/// assert!((y[0] - 1.7865921142100186e-2).abs() < 1e-7);
/// assert!(report.steps < 200);
/// ```
///
/// # Errors
/// [`SolverError::InvalidParameter`] for negative tolerances (or both zero), a span that is
/// not finite and ascending, a non-positive step limit; [`SolverError::DimensionMismatch`];
/// [`SolverError::NonFiniteInput`]; [`SolverError::NonFiniteState`] (also for a Jacobian
/// that is not finite); [`SolverError::StepSizeUnderflow`];
/// [`SolverError::MaxStepsExceeded`]; [`SolverError::FactorizationFailed`] when
/// `I − γhJ` stays singular after the step is halved five times;
/// [`SolverError::MissingCapability`] for a distributed state (the dense Jacobian needs the
/// whole state on one process); [`SolverError::Arena`].
pub fn rodas4<S, F, V>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Rodas4Params<S>,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: LuScalar,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, y.local().len(), core::mem::size_of::<S>());
    run(system, t_span, y, params, &[], &arena, &mut no_monitor!())
}

/// [`rodas4`] in `arena`, with a monitor called after every accepted step that may stop the
/// run by returning [`ControlFlow::Break`].
///
/// # Errors
/// As [`rodas4`].
pub fn rodas4_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Rodas4Params<S>,
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: LuScalar,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(system, t_span, y, params, &[], arena, &mut monitor)
}

/// [`rodas4`] with events located on the dense output (see [`Event`] and
/// [`dopri5_events`](super::dopri5_events)), in `arena`, with a monitor.
///
/// # Errors
/// As [`rodas4`].
pub fn rodas4_events_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Rodas4Params<S>,
    events: &[Event<'_, S>],
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: LuScalar,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(system, t_span, y, params, events, arena, &mut monitor)
}

impl Workspace {
    /// [`rodas4`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`rodas4`].
    pub fn rodas4<S, F, V>(
        &mut self,
        system: &F,
        t_span: (S, S),
        y: &mut V,
        params: &Rodas4Params<S>,
    ) -> Result<IntegrationReport<S>, SolverError>
    where
        S: LuScalar,
        F: OdeSystem<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        let arena = self.arena_for_solve();
        run(system, t_span, y, params, &[], arena, &mut no_monitor!())
    }
}

/// `out ← y + Σⱼ a[j]·k[j]`.
fn stage_input<S: Real>(out: &mut [S], y: &[S], a: &[f64], k: &[&[S]]) {
    for (i, o) in out.iter_mut().enumerate() {
        let mut sum = y[i];
        for (&aj, kj) in a.iter().zip(k) {
            sum += S::from_f64_lossy(aj) * kj[i];
        }
        *o = sum;
    }
}

/// One stage increment: `out ← (I − γhJ)⁻¹·γh·(fᵢ + h·dᵢ·∂f/∂t + Σⱼ cᵢⱼ·kⱼ / h)`, that is
/// `(I/(γh) − J)⁻¹` applied to the stage's right-hand side.
#[allow(clippy::too_many_arguments)]
fn stage_increment<S: LuScalar>(
    newton: &mut DenseNewton<S>,
    out: &mut [S],
    h: S,
    f_stage: &[S],
    d: f64,
    f_t: &[S],
    c: &[f64],
    k: &[&[S]],
) {
    let gh = S::from_f64_lossy(GAMMA) * h;
    let hd = h * S::from_f64_lossy(d);
    for (i, o) in out.iter_mut().enumerate() {
        let mut coupling = S::zero();
        for (&cj, kj) in c.iter().zip(k) {
            coupling += S::from_f64_lossy(cj) * kj[i];
        }
        *o = gh * (f_stage[i] + hd * f_t[i] + coupling / h);
    }
    newton.solve_in_place(out);
}

/// The Rosenbrock integration behind every entry point.
fn run<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Rodas4Params<S>,
    events: &[Event<'_, S>],
    arena: &MemoryArena,
    monitor: &mut M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: LuScalar,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    check_adaptive_start(
        "rodas4",
        system.dimension(),
        y,
        t_span,
        (params.rel_tol, params.abs_tol),
        params.initial_step,
        params.max_step,
    )?;
    let n = y.local().len();
    if n != y.dimension() {
        return Err(SolverError::MissingCapability {
            capability: "a distributed dense Jacobian",
            needed_by:
                "rodas4 factors a dense Jacobian, which needs the whole state on one process",
        });
    }

    let f = S::from_f64_lossy;
    let (rtol, atol) = (params.rel_tol, params.abs_tol);
    let (t0, t_end) = t_span;
    let mut report = IntegrationReport::new(t0);
    if t0 == t_end {
        return Ok(report);
    }
    let max_step = params.max_step.unwrap_or(S::infinity());

    let outer = arena.create_scope();
    let mut work = outer.alloc_zeroed::<S>(16 * n)?;
    let mut parts = work.chunks_exact_mut(n);
    let mut next = || parts.next().expect("16 parts of n");
    let (state, fx, f_t, stage, f_stage, y_new) = (next(), next(), next(), next(), next(), next());
    let (k1, k2, k3, k4, k5, err) = (next(), next(), next(), next(), next(), next());
    let (y_old, dense3, dense4) = (next(), next(), next());

    y.local().with_slice(|ys| state.copy_from_slice(ys));
    system.rhs(t0, state, fx);
    report.evaluations += 1;
    let mut h = match params.initial_step {
        Some(h) => h,
        None => {
            let scope = outer.create_scope();
            let mut f0 = scope.clone_of(&*y)?;
            f0.local_mut().with_slice_mut(|s| s.copy_from_slice(fx));
            let (h, evaluations) =
                initial_step(&scope, system, t0, &*y, &f0, 3, rtol, atol, Par::Seq)?;
            report.evaluations += evaluations;
            h
        }
    }
    .min(max_step);
    let mut newton = DenseNewton::<S>::new(n);

    let mut event_state = EventState::start(events, t0, Local::Contiguous(state));
    let mut interp_buffer = if event_state.is_empty() {
        None
    } else {
        Some(outer.clone_of(&*y)?)
    };
    let dense = params.dense_output || !event_state.is_empty();

    let scaled_rms = |e: &[S], y0: &[S], y1: &[S]| {
        let mut sum = S::zero();
        for ((&ei, &a), &b) in e.iter().zip(y0).zip(y1) {
            let s = ei / (atol + rtol * a.abs().max(b.abs()));
            sum += s * s;
        }
        (sum / S::from_usize_lossy(n.max(1))).sqrt()
    };

    let mut t = t0;
    let mut need_jacobian = true;
    let mut last_rejected = false;
    // The last accepted step's size and error, for the predictive controller.
    let mut previous: Option<(S, S)> = None;
    let mut singular = 0;
    while t < t_end {
        if report.steps + report.rejected >= params.max_steps {
            return Err(SolverError::MaxStepsExceeded {
                steps: report.steps + report.rejected,
                t: to_f64(t),
            });
        }
        let lands;
        (h, lands) = step_towards(t, h, t_end)?;
        if need_jacobian {
            let cost = newton.update_jacobian(system, t, state);
            // ∂f/∂t by a forward difference with the increment actually represented.
            let delta = (t + (S::epsilon() * t.abs().max(f(1e-5))).sqrt()) - t;
            system.rhs(t + delta, state, f_stage);
            for ((d, &a), &b) in f_t.iter_mut().zip(&*f_stage).zip(&*fx) {
                *d = (a - b) / delta;
            }
            report.evaluations += cost.evaluations + 1;
            report.jacobian_evaluations += 1;
            need_jacobian = false;
        }
        report.lu_decompositions += 1;
        match newton.factor(f(GAMMA) * h) {
            Ok(()) => singular = 0,
            Err(Some(row)) => {
                singular += 1;
                if singular > MAX_SINGULAR {
                    return Err(SolverError::FactorizationFailed {
                        method: "rodas4: I − γ·h·J",
                        row,
                        pivot: 0.0,
                    });
                }
                report.rejected += 1;
                h *= f(0.5);
                last_rejected = true;
                continue;
            }
            Err(None) => {
                return Err(SolverError::NonFiniteState {
                    step: report.steps + 1,
                    t: to_f64(t),
                })
            }
        }

        // The six stages.
        stage_increment(&mut newton, k1, h, fx, D[0], f_t, &[], &[]);
        stage_input(stage, state, &A2, &[k1]);
        system.rhs(t + f(C[0]) * h, stage, f_stage);
        stage_increment(&mut newton, k2, h, f_stage, D[1], f_t, &C2, &[k1]);
        stage_input(stage, state, &A3, &[k1, k2]);
        system.rhs(t + f(C[1]) * h, stage, f_stage);
        stage_increment(&mut newton, k3, h, f_stage, D[2], f_t, &C3, &[k1, k2]);
        stage_input(stage, state, &A4, &[k1, k2, k3]);
        system.rhs(t + f(C[2]) * h, stage, f_stage);
        stage_increment(&mut newton, k4, h, f_stage, D[3], f_t, &C4, &[k1, k2, k3]);
        stage_input(stage, state, &A5, &[k1, k2, k3, k4]);
        system.rhs(t + h, stage, f_stage);
        stage_increment(
            &mut newton,
            k5,
            h,
            f_stage,
            0.0,
            f_t,
            &C5,
            &[k1, k2, k3, k4],
        );
        for (s, &k) in stage.iter_mut().zip(&*k5) {
            *s += k;
        }
        system.rhs(t + h, stage, f_stage);
        stage_increment(
            &mut newton,
            err,
            h,
            f_stage,
            0.0,
            f_t,
            &C6,
            &[k1, k2, k3, k4, k5],
        );
        for ((yn, &s), &e) in y_new.iter_mut().zip(&*stage).zip(&*err) {
            *yn = s + e;
        }
        report.evaluations += 5;
        let error = scaled_rms(err, state, y_new);

        // Hairer's controller: h_new = h / clamp(err^(1/4) / safety), and after an accepted
        // step the predictive (Gustafsson) estimate when it asks for a smaller step.
        let bound = |fac: S| {
            fac.max(S::one() / f(MAX_FACTOR))
                .min(S::one() / f(MIN_FACTOR))
        };
        // A NaN error (a stage left the right-hand side's domain) rejects too.
        if error.is_nan() || error > S::one() {
            report.rejected += 1;
            h *= if error.is_finite() {
                S::one() / bound(error.powf(f(0.25)) / f(SAFETY))
            } else {
                f(MIN_FACTOR)
            };
            last_rejected = true;
            continue;
        }
        let mut fac = bound(error.powf(f(0.25)) / f(SAFETY));
        if let Some((h_prev, err_prev)) = previous {
            let predicted =
                bound(h_prev / h * (error * error / err_prev).powf(f(0.25)) / f(SAFETY));
            fac = fac.max(predicted);
        }
        previous = Some((h, error.max(f(0.01))));
        let mut h_next = h / fac;
        if last_rejected {
            h_next = h_next.min(h);
        }
        last_rejected = false;

        let t_start = t;
        let h_taken = h;
        t = if lands { t_end } else { t + h };
        if dense {
            y_old.copy_from_slice(state);
            for (i, (c3, c4)) in dense3.iter_mut().zip(dense4.iter_mut()).enumerate() {
                let ks = [k1[i], k2[i], k3[i], k4[i], k5[i]];
                let combine = |d: &[f64; 5]| {
                    d.iter()
                        .zip(ks)
                        .fold(S::zero(), |acc, (&dj, kj)| acc + f(dj) * kj)
                };
                *c3 = combine(&DENSE[0]);
                *c4 = combine(&DENSE[1]);
            }
        }
        state.copy_from_slice(y_new);
        report.steps += 1;
        report.t = t;
        if state.iter().any(|v| !v.is_finite()) {
            return Err(SolverError::NonFiniteState {
                step: report.steps,
                t: to_f64(t_start),
            });
        }
        system.rhs(t, state, fx);
        report.evaluations += 1;
        need_jacobian = true;
        y.local_mut().with_slice_mut(|ys| ys.copy_from_slice(state));

        let step = dense.then_some(Rodas4Step {
            t0: t_start,
            end: t,
            h: h_taken,
            y0: &*y_old,
            y1: &*state,
            dense: [&*dense3, &*dense4],
        });
        let dense_step = step.as_ref().map(|s| s as &dyn Interpolant<S>);
        if conclude_step(
            &mut report,
            &mut event_state,
            dense_step,
            interp_buffer.as_mut(),
            y,
            t_start,
            monitor,
        ) {
            return Ok(report);
        }
        h = h_next.min(max_step);
    }
    Ok(report)
}

/// One accepted step's continuous extension of order 3 (Hairer's `CONTRO`):
/// `y(s) = (1 − s)·y₀ + s·(y₁ + (1 − s)·(d₃ + s·d₄))`, `s = (t − t₀)/h`.
#[derive(Clone, Copy)]
struct Rodas4Step<'a, S> {
    t0: S,
    /// Where the step's usable part ends: its end, or a terminal event inside it.
    end: S,
    h: S,
    y0: &'a [S],
    y1: &'a [S],
    dense: [&'a [S]; 2],
}

impl<S: Real> Interpolant<S> for Rodas4Step<'_, S> {
    fn interval(&self) -> (S, S) {
        (self.t0, self.end)
    }

    fn interpolate_local(&self, t: S, mut out: LocalMut<'_, S>) {
        let s = (t - self.t0) / self.h;
        let s1 = S::one() - s;
        let [d3, d4] = self.dense;
        out.with_slice_mut(|o| {
            for (i, oi) in o.iter_mut().enumerate() {
                *oi = s1 * self.y0[i] + s * (self.y1[i] + s1 * (d3[i] + s * d4[i]));
            }
        });
    }
}
