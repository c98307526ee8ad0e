//! What every integrator shares: the start checks, the state check after each step, and the
//! driver of the fixed-step methods (Euler, RK4, velocity Verlet, the linear implicit
//! schemes).

use core::ops::ControlFlow;

use rvf::arena::Scope;
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::report::{IntegrationReport, StepProgress};
use crate::error::{non_negative, positive, same_dim, to_f64, SolverError};
use crate::solver::{NonExhaustive, Termination};

/// Parameters of the fixed-step methods ([`explicit_euler`](super::explicit_euler),
/// [`rk4`](super::rk4), [`velocity_verlet`](super::velocity_verlet)).
///
/// The span `(t0, t1)` is cut into `⌈(t1 − t0)/dt⌉` equal steps (a quotient within 10⁻⁹ of
/// an integer counts as that integer), so the last step lands exactly on `t1` and no step is
/// longer than `dt`.
///
/// ```
/// use rvf_algorithms::ode::FixedStepParams;
/// let p = FixedStepParams { dt: 1e-3, ..Default::default() };
/// assert_eq!(p.steps_for((0.0, 1.0)), 1000);
/// assert_eq!(p.steps_for((0.0, 1.0005)), 1001);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedStepParams<S> {
    /// The largest step. No default: `0` (the default) is refused as an invalid parameter.
    pub dt: S,
    /// Sequential or rayon-parallel vector operations. The states are bitwise the same
    /// either way. Default [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for FixedStepParams<S> {
    fn default() -> Self {
        Self {
            dt: S::zero(),
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

impl<S: Real> FixedStepParams<S> {
    /// The number of steps that cover `t_span`.
    pub fn steps_for(&self, t_span: (S, S)) -> usize {
        step_count(t_span, self.dt)
    }
}

fn step_count<S: Real>((t0, t1): (S, S), dt: S) -> usize {
    let q = (t1 - t0) / dt;
    let nearest = q.round();
    let tolerance = S::from_f64_lossy(1e-9) * q.max(S::one());
    let steps = if (q - nearest).abs() <= tolerance {
        nearest
    } else {
        q.ceil()
    };
    steps.to_usize().unwrap_or(usize::MAX)
}

/// Checks every integrator makes: the state fits the system and is finite, and `t_span` is
/// finite and ascending.
pub(crate) fn check_start<S: Real, V: RealVector<Scalar = S> + ?Sized>(
    what: &'static str,
    dim: usize,
    y: &V,
    (t0, t1): (S, S),
) -> Result<(), SolverError> {
    same_dim(what, dim, y.dimension())?;
    if !(t0.is_finite() && t1.is_finite() && t1 >= t0) {
        return Err(SolverError::InvalidParameter {
            name: "t_span end",
            value: to_f64(t1),
            requirement: "the span (t0, t1) must be finite with t1 ≥ t0",
        });
    }
    if !y.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "y0" });
    }
    Ok(())
}

/// The start checks of the adaptive methods: [`check_start`], tolerances that are not
/// negative and not both zero, and positive step sizes where given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_adaptive_start<S: Real, V: RealVector<Scalar = S> + ?Sized>(
    what: &'static str,
    dim: usize,
    y: &V,
    t_span: (S, S),
    (rel_tol, abs_tol): (S, S),
    initial_step: Option<S>,
    max_step: Option<S>,
) -> Result<(), SolverError> {
    check_start(what, dim, y, t_span)?;
    non_negative("rel_tol", to_f64(rel_tol))?;
    non_negative("abs_tol", to_f64(abs_tol))?;
    positive("rel_tol + abs_tol", to_f64(rel_tol + abs_tol))?;
    if let Some(h) = initial_step {
        positive("initial_step", to_f64(h))?;
    }
    if let Some(h) = max_step {
        positive("max_step", to_f64(h))?;
    }
    Ok(())
}

/// `Err(NonFiniteState)` if the state just computed by step `step` (started at `t`) is not
/// finite.
#[inline]
pub(crate) fn check_state<S: Real, V: RealVector<Scalar = S> + ?Sized>(
    par: Par,
    y: &V,
    step: usize,
    t: S,
) -> Result<(), SolverError> {
    if par.all_finite(y) {
        Ok(())
    } else {
        Err(SolverError::NonFiniteState { step, t: to_f64(t) })
    }
}

/// Runs a fixed-step method over `t_span`: `step(scope, t, h, y, velocity)` advances the state
/// by one step of size `h` from `t` with its temporaries in `scope` (a child of `outer`,
/// dropped after the step) and returns the evaluations it made. After each step the driver
/// checks the state, counts, and asks the monitor whether to go on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn drive_fixed_steps<S, V, M, St>(
    outer: &Scope<'_>,
    t_span: (S, S),
    params: &FixedStepParams<S>,
    y: &mut V,
    mut velocity: Option<&mut V>,
    mut report: IntegrationReport<S>,
    mut monitor: M,
    mut step: St,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    V: RealVectorMut<Scalar = S> + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
    St: FnMut(&Scope<'_>, S, S, &mut V, Option<&mut V>) -> Result<usize, SolverError>,
{
    let (t0, t1) = t_span;
    if t1 > t0 {
        positive("dt", to_f64(params.dt))?;
    }
    let steps = if t1 > t0 {
        step_count(t_span, params.dt)
    } else {
        0
    };
    let h = if steps > 0 {
        (t1 - t0) / S::from_usize_lossy(steps)
    } else {
        S::zero()
    };
    report.t = t0;
    for k in 1..=steps {
        let t = report.t;
        {
            let scope = outer.create_scope();
            report.evaluations += step(&scope, t, h, y, velocity.as_deref_mut())?;
        }
        check_state(params.par, y, k, t)?;
        if let Some(v) = velocity.as_deref() {
            check_state(params.par, v, k, t)?;
        }
        report.t = if k == steps {
            t1
        } else {
            t0 + S::from_usize_lossy(k) * h
        };
        report.steps = k;
        let progress = StepProgress {
            step: k,
            t: report.t,
            h,
            y: &*y,
            velocity: velocity.as_deref(),
            dense: None,
        };
        if monitor(&progress).is_break() {
            report.termination = Termination::StoppedByMonitor;
            return Ok(report);
        }
    }
    Ok(report)
}
