//! Dense output: the state at any time of an accepted step, from the step's own stages.
//!
//! An adaptive method that offers dense output hands its monitor an [`Interpolant`] of the
//! step just taken ([`StepProgress::interpolate`]); output at chosen times is then a matter
//! of evaluating it, and never changes the step sequence. [`sample_at`] turns a list of
//! output times into such a monitor.

use core::ops::ControlFlow;

use rvf::ops::LocalMut;
use rvf::{Real, RealVector, RealVectorMut};

use super::report::StepProgress;
use crate::error::{to_f64, SolverError};

/// The continuous extension of one accepted step over `[t_start, t_end]`.
pub trait Interpolant<S> {
    /// The step's interval `(t_start, t_end)`.
    fn interval(&self) -> (S, S);

    /// Writes the state at `t` (inside the interval) into this process's storage `out`.
    fn interpolate_local(&self, t: S, out: LocalMut<'_, S>);
}

impl<S: Real, V: RealVector<Scalar = S> + ?Sized> StepProgress<'_, S, V> {
    /// Writes the state at `t` — a time of the step just taken, `t − h ≤ t ≤ self.t` — into
    /// `out`, from the method's continuous extension (for Dormand–Prince 5(4) its 4th-order
    /// interpolant). At `self.t` it is the state itself.
    ///
    /// # Errors
    /// [`SolverError::MissingCapability`] if the method gives no dense output (fixed-step
    /// methods; Dormand–Prince without [`dense_output`](super::Dopri5Params::dense_output));
    /// [`SolverError::InvalidParameter`] if `t` is outside the step;
    /// [`SolverError::DimensionMismatch`] if `out` does not fit the state.
    pub fn interpolate<W>(&self, t: S, out: &mut W) -> Result<(), SolverError>
    where
        W: RealVectorMut<Scalar = S> + ?Sized,
    {
        let dense = self.dense.ok_or(SolverError::MissingCapability {
            capability: "dense output",
            needed_by: "StepProgress::interpolate (turn on the method's dense_output parameter)",
        })?;
        let (a, b) = dense.interval();
        if !(t >= a && t <= b) {
            return Err(SolverError::InvalidParameter {
                name: "interpolation time",
                value: to_f64(t),
                requirement: "t must lie in the step just taken, [t − h, t]",
            });
        }
        let out = out.local_mut();
        crate::error::same_dim("interpolate", self.y.local().len(), out.len())?;
        dense.interpolate_local(t, out);
        Ok(())
    }
}

/// A monitor that calls `sample(t, state)` at each of the ascending `times` the integration
/// passes, with the state interpolated into `buffer` (a vector of the state's dimension), and
/// stops the run if `sample` says so. The step sequence does not depend on the times asked
/// for. Combine it with a monitor of your own through `?`:
/// `|p| { sampler(p)?; …; ControlFlow::Continue(()) }`.
///
/// ```
/// use std::ops::ControlFlow;
/// use rvf::arena::MemoryArena;
/// use rvf_algorithms::ode::{dopri5_in, sample_at, Dopri5Params, FnSystem};
/// let decay = FnSystem::new(1, |_t: f64, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
/// let times: Vec<f64> = (0..=50).map(|k| k as f64 * 0.1).collect();
/// let mut buffer = vec![0.0];
/// let mut samples = Vec::new();
/// let params = Dopri5Params { dense_output: true, rel_tol: 1e-8, ..Default::default() };
/// let mut y = vec![1.0];
/// let monitor = sample_at(&times, &mut buffer, |t, y: &Vec<f64>| {
///     samples.push((t, y[0]));
///     ControlFlow::Continue(())
/// });
/// dopri5_in(&decay, (0.0, 5.0), &mut y, &params, &MemoryArena::new(0), monitor).unwrap();
/// assert_eq!(samples.len(), 51);
/// for (t, v) in samples {
///     assert!((v - (-t).exp()).abs() < 1e-7, "{t}");
/// }
/// ```
///
/// # Panics
/// The monitor panics if the method gives no dense output or `buffer` does not fit the
/// state (programmer errors: turn on `dense_output`; size the buffer like the state).
pub fn sample_at<'a, S, V, W, G>(
    times: &'a [S],
    buffer: &'a mut W,
    mut sample: G,
) -> impl FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()> + 'a
where
    S: Real,
    V: RealVector<Scalar = S> + ?Sized,
    W: RealVectorMut<Scalar = S> + ?Sized,
    G: FnMut(S, &W) -> ControlFlow<()> + 'a,
{
    let mut next = 0;
    move |p| {
        let Some(dense) = p.dense else {
            panic!("sample_at: the method gives no dense output (turn on dense_output)");
        };
        let (start, end) = dense.interval();
        while let Some(&t) = times.get(next) {
            if t > end {
                break;
            }
            next += 1;
            if t < start {
                continue; // before the start of the run
            }
            if let Err(e) = p.interpolate(t, buffer) {
                panic!("sample_at: {e}");
            }
            sample(t, buffer)?;
        }
        ControlFlow::Continue(())
    }
}
