//! Events: times where a function of the state changes sign, located on the dense output of
//! each accepted step, for every adaptive method that has one.
//!
//! After a step, each event function `g(t, y)` is evaluated on the step's interpolant at the
//! ends of [`EVENT_SUBINTERVALS`] equal parts of the step (so two crossings in one step are
//! both seen unless they fall within one part); a sign change in a part is located by the
//! Illinois method (regula falsi that halves the stale end's weight) to the event's
//! tolerance in `t`. A *rising* crossing goes from `g < 0` to `g ≥ 0`, a *falling* one from
//! `g > 0` to `g ≤ 0`, so a zero is reported once, and a run that starts on a zero (a restart
//! from a terminal event) does not report it again.

use core::cmp::Ordering;
use core::ops::ControlFlow;

use rvf::ops::{kernels, Local, LocalMut};
use rvf::{Real, RealVectorMut};

use super::dense::Interpolant;
use super::report::{IntegrationReport, StepProgress};
use crate::solver::Termination;

/// The parts of a step on which each event function's sign is checked.
pub const EVENT_SUBINTERVALS: usize = 4;

/// Which sign changes of an event function count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// From negative to zero or positive.
    Rising,
    /// From positive to zero or negative.
    Falling,
    /// Either.
    #[default]
    Both,
}

/// A function `g(t, y)` whose zeros are events: the integration notes each one and, for a
/// terminal event, stops there with the state at the event.
///
/// `g` sees the state as a slice: the whole state for local vectors (gathered when strided),
/// this process's part for distributed ones.
///
/// ```
/// use rvf_algorithms::ode::{Direction, Event};
/// // The height y[0] of a ball reaches the ground while falling: stop there.
/// let ground = |_t: f64, y: &[f64]| y[0];
/// let event = Event::new(&ground).direction(Direction::Falling).terminal();
/// assert!(event.is_terminal());
/// ```
#[derive(Clone, Copy)]
pub struct Event<'a, S> {
    g: &'a dyn Fn(S, &[S]) -> S,
    direction: Direction,
    terminal: bool,
    tolerance: Option<S>,
}

impl<'a, S: Real> Event<'a, S> {
    /// A non-terminal event on every sign change of `g`, located to the rounding of `t`.
    pub fn new(g: &'a dyn Fn(S, &[S]) -> S) -> Self {
        Self {
            g,
            direction: Direction::Both,
            terminal: false,
            tolerance: None,
        }
    }

    /// Only sign changes in `direction` count.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// The integration stops at the first occurrence.
    pub fn terminal(mut self) -> Self {
        self.terminal = true;
        self
    }

    /// Locates the event to within `tolerance` in `t` (the default is the rounding of `t`:
    /// the bracket is narrowed until it no longer shrinks).
    pub fn tolerance(mut self, tolerance: S) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Whether the integration stops at this event.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    fn value(&self, t: S, y: Local<'_, S>) -> S {
        y.with_slice(|ys| (self.g)(t, ys))
    }

    fn counts(&self, before: S, after: S) -> bool {
        let rising = before < S::zero() && after >= S::zero();
        let falling = before > S::zero() && after <= S::zero();
        match self.direction {
            Direction::Rising => rising,
            Direction::Falling => falling,
            Direction::Both => rising || falling,
        }
    }
}

/// One occurrence of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHit<S> {
    /// Which event fired: its index in the list given to the integrator.
    pub event: usize,
    /// When (the end of the final bracket, where the sign has changed).
    pub t: S,
    /// The state at `t` (this process's part, for distributed vectors).
    pub y: Vec<S>,
}

/// The event functions' values at the start of the next step, kept between steps, and the
/// buffers a step's check needs (so a step with no event allocates nothing).
pub(crate) struct EventState<'e, 'a, S> {
    events: &'e [Event<'a, S>],
    /// `g` at the left end of the part being checked, one per event.
    before: Vec<S>,
    /// `g` at its right end.
    after: Vec<S>,
}

/// What checking a step found.
pub(crate) struct StepEvents<S> {
    /// Every occurrence in the step up to and including the first terminal one, in time
    /// order.
    pub hits: Vec<EventHit<S>>,
    /// The time of the terminal occurrence, if one fired (its state is the last hit's).
    pub terminal_at: Option<S>,
}

impl<'e, 'a, S: Real> EventState<'e, 'a, S> {
    /// Evaluates every event at the start `(t0, y0)`. Allocates only when there are events.
    pub fn start(events: &'e [Event<'a, S>], t0: S, y0: Local<'_, S>) -> Self {
        Self {
            events,
            before: events.iter().map(|e| e.value(t0, y0)).collect(),
            after: vec![S::zero(); events.len()],
        }
    }

    /// Whether there is anything to check.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Checks the step the interpolant describes; `scratch` (a vector of the state's local
    /// length) receives interpolated states. Allocates only for what it finds.
    pub fn check<W>(&mut self, step: &dyn Interpolant<S>, scratch: &mut W) -> StepEvents<S>
    where
        W: RealVectorMut<Scalar = S> + ?Sized,
    {
        let mut hits: Vec<(usize, S)> = Vec::new();
        let (t0, t1) = step.interval();
        let parts = S::from_usize_lossy(EVENT_SUBINTERVALS);
        let mut a = t0;
        for part in 1..=EVENT_SUBINTERVALS {
            let b = if part == EVENT_SUBINTERVALS {
                t1
            } else {
                t0 + (t1 - t0) * S::from_usize_lossy(part) / parts
            };
            step.interpolate_local(b, scratch.local_mut());
            for (g, event) in self.after.iter_mut().zip(self.events) {
                *g = event.value(b, scratch.local());
            }
            for (k, event) in self.events.iter().enumerate() {
                let (ga, gb) = (self.before[k], self.after[k]);
                if event.counts(ga, gb) {
                    hits.push((k, locate(event, step, scratch, (a, ga), (b, gb))));
                }
            }
            core::mem::swap(&mut self.before, &mut self.after);
            if hits.iter().any(|&(k, _)| self.events[k].terminal) {
                break; // nothing after the first terminal part matters
            }
            a = b;
        }
        hits.sort_by(|p, q| p.1.partial_cmp(&q.1).unwrap_or(Ordering::Equal));
        let mut out = StepEvents {
            hits: Vec::with_capacity(hits.len()),
            terminal_at: None,
        };
        for (k, t) in hits {
            step.interpolate_local(t, scratch.local_mut());
            let y: Vec<S> = scratch.local().iter().copied().collect();
            out.hits.push(EventHit { event: k, t, y });
            if self.events[k].terminal {
                out.terminal_at = Some(t);
                break;
            }
        }
        out
    }
}

/// What follows an accepted step in every adaptive method: its events, located on the
/// step's continuous extension (`step`; `scratch` receives interpolated states), then the
/// monitor. Returns whether the run ends here — at a terminal event (`y` and `report.t`
/// are then moved back to it) or because the monitor asked — with the report saying why.
pub(crate) fn conclude_step<S, V, W, M>(
    report: &mut IntegrationReport<S>,
    event_state: &mut EventState<'_, '_, S>,
    step: Option<&dyn Interpolant<S>>,
    scratch: Option<&mut W>,
    y: &mut V,
    t_start: S,
    monitor: &mut M,
) -> bool
where
    S: Real,
    V: RealVectorMut<Scalar = S> + ?Sized,
    W: RealVectorMut<Scalar = S> + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    let mut stop = false;
    if let (Some(step), Some(scratch)) = (step, scratch) {
        let found = event_state.check(step, scratch);
        report.events.extend(found.hits);
        if let Some(at) = found.terminal_at {
            // The state at the event is the last one interpolated.
            kernels::zip_mut(y.local_mut(), scratch.local(), |o, v| *o = v);
            report.t = at;
            report.termination = Termination::TerminalEvent;
            stop = true;
        }
    }
    let usable = step.map(|step| UpTo {
        step,
        end: report.t,
    });
    let progress = StepProgress {
        step: report.steps,
        t: report.t,
        h: report.t - t_start,
        y: &*y,
        velocity: None,
        dense: usable.as_ref().map(|s| s as &dyn Interpolant<S>),
    };
    if monitor(&progress).is_break() {
        report.termination = Termination::StoppedByMonitor;
        return true;
    }
    stop
}

/// A step's continuous extension up to `end` (a terminal event inside it, or its end).
struct UpTo<'s, S> {
    step: &'s dyn Interpolant<S>,
    end: S,
}

impl<S: Real> Interpolant<S> for UpTo<'_, S> {
    fn interval(&self) -> (S, S) {
        (self.step.interval().0, self.end)
    }

    fn interpolate_local(&self, t: S, out: LocalMut<'_, S>) {
        self.step.interpolate_local(t, out)
    }
}

/// The Illinois method on `[a, b]`, where `g` changes sign as the event counts it: returns
/// the right end of the final bracket (the side where the crossing has happened).
fn locate<S: Real, W: RealVectorMut<Scalar = S> + ?Sized>(
    event: &Event<'_, S>,
    step: &dyn Interpolant<S>,
    scratch: &mut W,
    (mut a, mut ga): (S, S),
    (mut b, mut gb): (S, S),
) -> S {
    let two = S::from_f64_lossy(2.0);
    let half = S::from_f64_lossy(0.5);
    // The side `t` the last two updates moved: the other end's weight is halved when one end
    // stays put twice (Illinois).
    let mut stale: Ordering = Ordering::Equal;
    for _ in 0..200 {
        if gb == S::zero() {
            return b;
        }
        let width = b - a;
        let done = match event.tolerance {
            Some(tol) => width <= tol,
            None => width <= two * S::epsilon() * a.abs().max(b.abs()),
        };
        if done {
            break;
        }
        let mut t = b - gb * (b - a) / (gb - ga);
        if !(t > a && t < b) {
            t = a + half * width; // rounding left the bracket: bisect
        }
        step.interpolate_local(t, scratch.local_mut());
        let gt = event.value(t, scratch.local());
        if event.counts(ga, gt) {
            // The crossing is in [a, t].
            b = t;
            gb = gt;
            if stale == Ordering::Less {
                ga *= half;
            }
            stale = Ordering::Less;
        } else {
            a = t;
            ga = gt;
            if stale == Ordering::Greater {
                gb *= half;
            }
            stale = Ordering::Greater;
        }
    }
    b
}
