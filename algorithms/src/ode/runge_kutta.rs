//! What the adaptive explicit Runge–Kutta methods ([`dopri5`](super::dopri5),
//! [`dop853`](super::dop853)) share: their parameters, the step-size controller, Hairer's
//! stiffness test, and the driver that takes, accepts or rejects steps, feeds dense output
//! to events and the monitor, and keeps the stage vectors.
//!
//! A method is its tableau: an [`EmbeddedPair`] computes a trial step and its error norm
//! from stage vectors the driver allocates once (so a step clones nothing and touches no
//! heap), finishes an accepted step (the evaluations an accepted step needs and a rejected
//! one does not), and describes the step's continuous extension.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::Local;
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::dense::Interpolant;
use super::events::{conclude_step, Event, EventState};
use super::fixed_step::{check_adaptive_start, check_state};
use super::initial_step::initial_step;
use super::report::{IntegrationReport, StepProgress};
use super::system::OdeSystem;
use crate::error::{to_f64, SolverError};
use crate::solver::{default_tol, NonExhaustive};

/// Parameters of the adaptive explicit Runge–Kutta methods, [`dopri5`](super::dopri5) and
/// [`dop853`](super::dop853) (also named [`Dopri5Params`](super::Dopri5Params) and
/// [`Dop853Params`](super::Dop853Params)).
///
/// ```
/// use rvf_algorithms::ode::{Dop853Params, StiffnessCheck};
/// let p: Dop853Params<f64> = Dop853Params {
///     rel_tol: 1e-10,
///     abs_tol: 1e-12,
///     stiffness: StiffnessCheck::Error,
///     ..Default::default()
/// };
/// assert!(p.max_steps > 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExplicitRkParams<S> {
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
    /// Hand the monitor the continuous extension of every step
    /// ([`StepProgress::interpolate`], [`sample_at`](super::sample_at)): 4th order for
    /// Dormand–Prince 5(4) (one more vector and one copy per step), 7th order for DOP853
    /// (three more evaluations per step and four more vectors). The steps are the same
    /// either way. Default `false`; events turn it on.
    pub dense_output: bool,
    /// What Hairer's stiffness test does when it fires. Default [`StiffnessCheck::Warn`].
    pub stiffness: StiffnessCheck,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for ExplicitRkParams<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-6),
            abs_tol: default_tol(1e-9),
            initial_step: None,
            max_step: None,
            max_steps: 100_000,
            par: Par::Seq,
            dense_output: false,
            stiffness: StiffnessCheck::Warn,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Hairer's stiffness test for the explicit methods (Hairer & Wanner, *Solving ODEs II*,
/// §IV.2): every [`STIFFNESS_TEST_INTERVAL`]-th accepted step, and on every step once it
/// has fired, `h·|λ|` is estimated from the last two stages, `‖k_s − k_{s−1}‖ /
/// ‖y_s − y_{s−1}‖`; when the step sits on the stability boundary (`h·|λ|` above 3.25 for
/// Dormand–Prince 5(4), 6.1 for DOP853) on 15 tested steps without 6 clear ones in between,
/// the step size is limited by stability, not accuracy: the problem is stiff there, and an
/// implicit method (`bdf`) will take far fewer steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StiffnessCheck {
    /// No test.
    Off,
    /// Record the time in [`IntegrationReport::stiff_at`] and go on.
    #[default]
    Warn,
    /// Stop with [`SolverError::ProblemIsStiff`].
    Error,
}

/// Accepted steps between two stiffness tests while the test has not fired (Hairer's
/// `NSTIFF`): the test costs two norms, so this keeps it free.
pub const STIFFNESS_TEST_INTERVAL: usize = 1000;

/// Tested steps on the stability boundary that mark the problem stiff.
const STIFF_STEPS: usize = 15;
/// Tested steps off the boundary that clear the count.
const NON_STIFF_STEPS: usize = 6;

/// How a method grows and shrinks its step: `h_new = h · clamp(safety · err^(−exponent))`.
pub(crate) struct StepControl {
    /// `1 / (q + 1)` for an error estimate of order `q`.
    pub exponent: f64,
    /// The smallest factor (on rejection too).
    pub min_factor: f64,
    /// The largest factor, after an accepted step that followed an accepted step (after a
    /// rejection the step does not grow).
    pub max_factor: f64,
}

/// An embedded explicit Runge–Kutta pair with `N` stage vectors (`k[0] = f(t, y)` on entry).
pub(crate) trait EmbeddedPair<S: Real, const N: usize> {
    /// The method's name in errors.
    const NAME: &'static str;
    /// The order used by the first-step rule (the step is `∝ tol^(1/(order+1))`).
    const INITIAL_STEP_ORDER: usize;
    /// The step-size controller.
    const CONTROL: StepControl;
    /// Where `f(t + h, y_new)` ends: the first stage of the next step.
    const FSAL: usize;
    /// `h·|λ|` above which a tested step counts as on the stability boundary.
    const STIFF_BOUND: f64;
    /// The continuous extension of one accepted step.
    type Step<'a>: Interpolant<S>
    where
        S: 'a;

    /// Computes the stages and `y_new`, and returns the error norm (accept at `≤ 1`) and the
    /// evaluations made; `k[FSAL]` need not be set yet.
    ///
    /// `stage` ends holding the input of the last stage before the solution (for the
    /// stiffness test); `spare` is free for error terms; `tol` is `(rel_tol, abs_tol)`.
    #[allow(clippy::too_many_arguments)]
    fn attempt<F, Y, W>(
        system: &F,
        par: Par,
        t: S,
        h: S,
        y: &Y,
        k: &mut [W; N],
        stage: &mut W,
        y_new: &mut W,
        spare: &mut W,
        tol: (S, S),
    ) -> (S, usize)
    where
        F: OdeSystem<S> + ?Sized,
        Y: RealVector<Scalar = S> + ?Sized,
        W: RealVectorMut<Scalar = S>;

    /// Sets `k[FSAL] = f(t + h, y_new)` after the step is accepted, if
    /// [`attempt`](Self::attempt) did not; returns the evaluations made.
    /// The default: `attempt` evaluated it already.
    fn complete<F, W>(system: &F, t: S, h: S, y_new: &W, k: &mut [W; N]) -> usize
    where
        F: OdeSystem<S> + ?Sized,
        W: RealVectorMut<Scalar = S>,
    {
        let _ = (system, t, h, y_new, k);
        0
    }

    /// Computes what the continuous extension of an accepted step needs beyond the
    /// stages, into stage vectors the next step overwrites (DOP853's extra stages and
    /// coefficients); `y` is still the step's start, `stage` is free. Returns the
    /// evaluations made. The default: nothing beyond the stages.
    #[allow(clippy::too_many_arguments)]
    fn prepare_dense<F, Y, W>(
        system: &F,
        par: Par,
        t: S,
        h: S,
        y: &Y,
        stage: &mut W,
        k: &mut [W; N],
    ) -> usize
    where
        F: OdeSystem<S> + ?Sized,
        Y: RealVector<Scalar = S> + ?Sized,
        W: RealVectorMut<Scalar = S>,
    {
        let _ = (system, par, t, h, y, stage, k);
        0
    }

    /// The continuous extension of the accepted step from `t0` (size `h`, usable up to
    /// `end`), with `y0`, `y1` the states at its ends.
    fn step<'a>(
        t0: S,
        end: S,
        h: S,
        y0: Local<'a, S>,
        y1: Local<'a, S>,
        k: [Local<'a, S>; N],
    ) -> Self::Step<'a>;
}

/// The vectors a run of a pair with `stages` stage vectors keeps: those, the stage input,
/// the new state, a spare, the previous state (dense output), a spare for events, and
/// three for the first step's size estimate.
pub(crate) const fn work_vectors(stages: usize) -> usize {
    stages + 8
}

/// The driver behind every entry point of every pair.
pub(crate) fn run<P, S, F, V, M, const N: usize>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &ExplicitRkParams<S>,
    events: &[Event<'_, S>],
    arena: &MemoryArena,
    monitor: &mut M,
) -> Result<IntegrationReport<S>, SolverError>
where
    P: EmbeddedPair<S, N>,
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    check_adaptive_start(
        P::NAME,
        system.dimension(),
        y,
        t_span,
        (params.rel_tol, params.abs_tol),
        params.initial_step,
        params.max_step,
    )?;

    let f = S::from_f64_lossy;
    let par = params.par;
    let tol = (params.rel_tol, params.abs_tol);
    let (t0, t_end) = t_span;
    let mut report = IntegrationReport::new(t0);
    let mut t = t0;
    if t == t_end {
        return Ok(report);
    }

    let outer = arena.create_scope();
    let mut k = try_array::<_, _, N>(|| outer.clone_of(y))?;
    system.rhs_local(t, y.local(), k[0].local_mut());
    report.evaluations += 1;
    let mut stage = outer.clone_of(y)?;
    let mut y_new = outer.clone_of(y)?;
    let mut spare = outer.clone_of(y)?;
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
            let (h, evaluations) = initial_step(
                &outer,
                system,
                t,
                &*y,
                &k[0],
                P::INITIAL_STEP_ORDER,
                tol.0,
                tol.1,
                par,
            )?;
            report.evaluations += evaluations;
            h
        }
    };
    if let Some(hmax) = params.max_step {
        h = h.min(hmax);
    }

    let control = P::CONTROL;
    let mut stiffness = StiffnessTest::default();
    let mut last_rejected = false;
    while t < t_end {
        if report.steps + report.rejected >= params.max_steps {
            return Err(SolverError::MaxStepsExceeded {
                steps: report.steps + report.rejected,
                t: to_f64(t),
            });
        }
        let lands;
        (h, lands) = step_towards(t, h, t_end)?;

        let (err, evaluations) = P::attempt(
            system, par, t, h, &*y, &mut k, &mut stage, &mut y_new, &mut spare, tol,
        );
        report.evaluations += evaluations;

        if err <= S::one() {
            report.evaluations += P::complete(system, t, h, &y_new, &mut k);
            if params.stiffness != StiffnessCheck::Off
                && stiffness.due(report.steps + 1)
                && stiffness.record(
                    h * stiffness_ratio(
                        par,
                        &k[P::FSAL],
                        &k[P::FSAL - 1],
                        &y_new,
                        &stage,
                        &mut spare,
                    ),
                    f(P::STIFF_BOUND),
                )
            {
                if params.stiffness == StiffnessCheck::Error {
                    return Err(SolverError::ProblemIsStiff {
                        t: to_f64(t),
                        steps: report.steps,
                    });
                }
                report.stiff_at.get_or_insert(t);
            }
            if dense {
                report.evaluations += P::prepare_dense(system, par, t, h, &*y, &mut stage, &mut k);
            }
            let t_start = t;
            t = if lands { t_end } else { t + h };
            if let Some(old) = y_old.as_mut() {
                par.copy(old, &*y);
            }
            par.copy(y, &y_new);
            report.steps += 1;
            report.t = t;
            check_state(par, y, report.steps, t_start)?;
            let step = y_old.as_ref().map(|old| {
                let k = core::array::from_fn(|i| k[i].local());
                P::step(t_start, t, h, old.local(), y_new.local(), k)
            });
            let dense = step.as_ref().map(|s| s as &dyn Interpolant<S>);
            if conclude_step(
                &mut report,
                &mut event_state,
                dense,
                scratch.as_mut(),
                y,
                t_start,
                monitor,
            ) {
                return Ok(report);
            }
            drop(step);
            // First same as last: the new step starts from f(t + h, y_new).
            k.swap(0, P::FSAL);
            let grow = if last_rejected {
                S::one()
            } else {
                f(control.max_factor)
            };
            let fac = if err == S::zero() {
                grow
            } else {
                (f(0.9) * err.powf(-f(control.exponent)))
                    .min(grow)
                    .max(f(control.min_factor))
            };
            h *= fac;
            last_rejected = false;
        } else {
            report.rejected += 1;
            let fac = if err.is_finite() {
                (f(0.9) * err.powf(-f(control.exponent))).max(f(control.min_factor))
            } else {
                f(control.min_factor)
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

/// The step to take from `t` towards `t_end` with `h` proposed, and whether it ends exactly
/// on `t_end`: it does when it reaches it or would leave a sliver that rounding made (n steps
/// of (t1 − t0)/n).
///
/// # Errors
/// [`SolverError::StepSizeUnderflow`] when `h` is below the resolution of `t` (or not
/// finite).
pub(crate) fn step_towards<S: Real>(t: S, h: S, t_end: S) -> Result<(S, bool), SolverError> {
    let f = S::from_f64_lossy;
    let lands =
        h >= t_end - t || t_end - (t + h) <= f(64.0) * S::epsilon() * t.abs().max(t_end.abs());
    let h = if lands { t_end - t } else { h };
    if h <= f(16.0) * S::epsilon() * t.abs().max(S::min_positive_value()) || !h.is_finite() {
        return Err(SolverError::StepSizeUnderflow {
            t: to_f64(t),
            h: to_f64(h),
        });
    }
    Ok((h, lands))
}

/// `n` vectors from `make`, or its first error.
fn try_array<T, E, const N: usize>(mut make: impl FnMut() -> Result<T, E>) -> Result<[T; N], E> {
    let mut items: [Option<T>; N] = core::array::from_fn(|_| None);
    for item in &mut items {
        *item = Some(make()?);
    }
    Ok(items.map(|item| item.expect("every item was made")))
}

/// `‖a − b‖ / ‖c − d‖` (0 when `c = d`), through `scratch`: Hairer's estimate of `|λ|` from
/// two stages `a = f(c)`, `b = f(d)`.
fn stiffness_ratio<S, W>(par: Par, a: &W, b: &W, c: &W, d: &W, scratch: &mut W) -> S
where
    S: Real,
    W: RealVectorMut<Scalar = S>,
{
    par.zip(scratch, (a, b), |s, [a, b]| *s = a - b);
    let num = par.l2norm_squared(scratch);
    par.zip(scratch, (c, d), |s, [c, d]| *s = c - d);
    let den = par.l2norm_squared(scratch);
    if den > S::zero() {
        (num / den).sqrt()
    } else {
        S::zero()
    }
}

/// The counts of Hairer's stiffness test.
#[derive(Default)]
struct StiffnessTest {
    /// Tested steps on the stability boundary since the last clear run.
    on_boundary: usize,
    /// Consecutive tested steps off it.
    off_boundary: usize,
}

impl StiffnessTest {
    /// Whether accepted step number `step` is tested.
    fn due(&self, step: usize) -> bool {
        step.is_multiple_of(STIFFNESS_TEST_INTERVAL) || self.on_boundary > 0
    }

    /// Records a tested step's `h·|λ|`; true when this step makes the problem stiff.
    fn record<S: Real>(&mut self, h_lambda: S, bound: S) -> bool {
        if h_lambda > bound {
            self.off_boundary = 0;
            self.on_boundary += 1;
            self.on_boundary == STIFF_STEPS
        } else {
            self.off_boundary += 1;
            if self.off_boundary == NON_STIFF_STEPS {
                self.on_boundary = 0;
            }
            false
        }
    }
}
