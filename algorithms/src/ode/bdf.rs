//! Variable-order, variable-step BDF (orders 1–5) for stiff systems, with a dense Jacobian
//! (feature `faer`).
//!
//! The quasi-constant step-size form of Shampine and Reichelt (MATLAB's `ode15s`, SciPy's
//! `BDF`): the solution history is kept as backward differences `D` of an interpolating
//! polynomial on an equally spaced grid, re-expressed for a new step size by a small
//! `(k+1)×(k+1)` matrix; the numerical differentiation formulas (NDF, `κ` coefficients) are
//! on by default. Each step predicts from the polynomial and corrects by a simplified Newton
//! iteration with the matrix `I − c·J`, `c = h/α_k`: the Jacobian is reused across steps and
//! re-evaluated only when Newton fails to converge, the LU factors only when `c` changes.
//! The local error is `error_const_k · (y_new − y_predict)`; after `k + 1` steps at one step
//! size the order that allows the largest next step among `k − 1, k, k + 1` is taken.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::kernels::reduce2;
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::dense::Interpolant;
use super::events::{conclude_step, Event, EventState};
use super::fixed_step::check_adaptive_start;
use super::initial_step::initial_step;
use super::newton::{NewtonLinearSolver, NewtonMatrix};
use super::newton_krylov::{ByVector, Reducer};
use super::report::{IntegrationReport, StepProgress};
use super::system::OdeSystem;
use crate::error::{positive, to_f64, SolverError};
use crate::linear::dense_lu::LuScalar;
use crate::no_monitor;
use crate::solver::{default_tol, NonExhaustive};
use crate::workspace::{arena_for, Workspace};

/// The highest order.
const MAX_ORDER: usize = 5;
/// Newton iterations per attempt before the step is deemed not to converge.
const NEWTON_MAXITER: usize = 4;
/// Bounds on the step-size factor after an error test.
const MIN_FACTOR: f64 = 0.2;
const MAX_FACTOR: f64 = 10.0;
/// The NDF coefficients κ_k of Shampine and Reichelt (0 gives the BDFs).
const KAPPA: [f64; MAX_ORDER + 1] = [0.0, -0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0];

/// Parameters of [`bdf`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BdfParams<S> {
    /// Relative tolerance. Default `1e-6` (`100·ε` for `f32`).
    pub rel_tol: S,
    /// Absolute tolerance. Default `1e-9` (`100·ε` for `f32`).
    pub abs_tol: S,
    /// First step size; `None` chooses one (Hairer–Nørsett–Wanner, order 1). Default `None`.
    pub initial_step: Option<S>,
    /// Largest step size; `None` for no limit.
    pub max_step: Option<S>,
    /// Limit on attempted steps. Default `100_000`.
    pub max_steps: usize,
    /// The highest order used, 1 to 5. Default 5.
    pub max_order: usize,
    /// The numerical differentiation formulas (Klopfenstein–Shampine NDFs: BDFs with a
    /// correction that allows larger steps at the same accuracy, as `ode15s` and SciPy's
    /// BDF use) instead of the plain BDFs. Default `true`.
    pub ndf: bool,
    /// How the Newton systems are solved: dense LU (the default) or matrix-free GMRES
    /// ([`NewtonLinearSolver::gmres`]).
    pub linear_solver: NewtonLinearSolver<S>,
    /// Hand the monitor the interpolating polynomial of each step ([`StepProgress::interpolate`]).
    /// Free for BDF: the polynomial is the method's own history. Default `false`.
    pub dense_output: bool,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for BdfParams<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-6),
            abs_tol: default_tol(1e-9),
            initial_step: None,
            max_step: None,
            max_steps: 100_000,
            max_order: MAX_ORDER,
            ndf: true,
            linear_solver: NewtonLinearSolver::DenseLu,
            dense_output: false,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// Integrates the stiff system `y' = f(t, y)` over `t_span` by variable-order BDF, leaving
/// `y` at the end time, in a fresh arena. The Jacobian is the system's
/// [`jacobian`](OdeSystem::jacobian), or differences of `f` if it has none; the Newton matrix
/// is factored densely (LU from faer), which suits systems of up to a few thousand
/// unknowns. For larger ones (or an unknown Jacobian) choose matrix-free Newton–Krylov,
/// [`NewtonLinearSolver::gmres`] in [`BdfParams::linear_solver`].
///
/// ```
/// use rvf_algorithms::ode::{bdf, BdfParams, FnSystem};
/// // A stiff linear pair: one mode decays at rate 1, the other at rate 10⁴.
/// let stiff = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = -y[0];
///     dy[1] = -1e4 * (y[1] - y[0]);
/// });
/// let mut y = vec![1.0, 0.0];
/// let r = bdf(&stiff, (0.0, 10.0), &mut y, &BdfParams::default()).unwrap();
/// assert!((y[0] - (-10.0_f64).exp()).abs() < 1e-8);
/// assert!(r.steps < 400); // an explicit method needs 10⁴·10/2.8 ≈ 36 000
/// ```
///
/// # Errors
/// [`SolverError::InvalidParameter`] for negative tolerances, an order outside 1–5, a bad
/// span; [`SolverError::DimensionMismatch`]; [`SolverError::NonFiniteInput`];
/// [`SolverError::NewtonFailed`] when Newton's iteration does not converge even at the
/// smallest step; [`SolverError::FactorizationFailed`] when `I − c·J` is singular there;
/// [`SolverError::StepSizeUnderflow`]; [`SolverError::MaxStepsExceeded`];
/// [`SolverError::NonFiniteState`]; [`SolverError::MissingCapability`] for a distributed
/// state (a dense Jacobian needs the whole state on one process); [`SolverError::Arena`].
pub fn bdf<S, F, V>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &BdfParams<S>,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: LuScalar,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, y.local().len(), core::mem::size_of::<S>());
    run(system, t_span, y, params, &[], &arena, &mut no_monitor!())
}

/// [`bdf`] in `arena`, with a monitor called after every accepted step that may stop the
/// run.
///
/// # Errors
/// As [`bdf`].
pub fn bdf_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &BdfParams<S>,
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

/// [`bdf`] with events located on each step's interpolating polynomial (see
/// [`dopri5_events`](super::dopri5_events)), in `arena`, with a monitor.
///
/// # Errors
/// As [`bdf`].
pub fn bdf_events_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &BdfParams<S>,
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
    /// [`bdf`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`bdf`].
    pub fn bdf<S, F, V>(
        &mut self,
        system: &F,
        t_span: (S, S),
        y: &mut V,
        params: &BdfParams<S>,
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

/// Rows of the difference array (orders up to 5, plus the two the order change looks at),
/// and the other local vectors: the prediction, ψ, the scale, the Newton iterate, its
/// correction `d`, `f`, the Newton update, the interpolation buffer, and the first step's
/// three temporaries.
const D_ROWS: usize = MAX_ORDER + 3;
const WORK_VECTORS: usize = D_ROWS + 11;

/// The BDF coefficients for the chosen formulas.
struct Coefficients<S> {
    /// γ_k = Σ_{j≤k} 1/j.
    gamma: [S; MAX_ORDER + 2],
    /// α_k = (1 − κ_k)·γ_k.
    alpha: [S; MAX_ORDER + 2],
    /// The error constants κ_k·γ_k + 1/(k+1).
    error_const: [S; MAX_ORDER + 2],
}

impl<S: Real> Coefficients<S> {
    fn new(ndf: bool) -> Self {
        let f = S::from_f64_lossy;
        let kappa = |k: usize| {
            if ndf && k <= MAX_ORDER {
                f(KAPPA[k])
            } else {
                S::zero()
            }
        };
        let mut gamma = [S::zero(); MAX_ORDER + 2];
        for k in 1..MAX_ORDER + 2 {
            gamma[k] = gamma[k - 1] + S::one() / S::from_usize_lossy(k);
        }
        let alpha = core::array::from_fn(|k| (S::one() - kappa(k)) * gamma[k]);
        let error_const =
            core::array::from_fn(|k| kappa(k) * gamma[k] + S::one() / S::from_usize_lossy(k + 1));
        Self {
            gamma,
            alpha,
            error_const,
        }
    }
}

/// `R(order, factor)` of Shampine and Reichelt: the matrix that re-expresses backward
/// differences for a step size scaled by `factor` (a cumulative product of
/// `M[i][j] = (i − 1 − factor·j)/i`).
// Index loops: the formulas are about the indices themselves.
#[allow(clippy::needless_range_loop)]
fn compute_r<S: Real>(order: usize, factor: S) -> [[S; MAX_ORDER + 1]; MAX_ORDER + 1] {
    let mut m = [[S::zero(); MAX_ORDER + 1]; MAX_ORDER + 1];
    m[0] = [S::one(); MAX_ORDER + 1];
    for i in 1..=order {
        for j in 1..=order {
            let (fi, fj) = (S::from_usize_lossy(i), S::from_usize_lossy(j));
            m[i][j] = (fi - S::one() - factor * fj) / fi;
        }
    }
    for i in 1..=order {
        for j in 0..=order {
            m[i][j] *= m[i - 1][j];
        }
    }
    m
}

/// The backward differences `D` (rows of `n` local values in one arena block) rescaled for
/// a step size multiplied by `factor`: `D[..=order] ← (R·U)ᵀ·D[..=order]`.
#[allow(clippy::needless_range_loop)]
fn change_d<S: Real>(d: &mut [S], n: usize, order: usize, factor: S) {
    let r = compute_r(order, factor);
    let u = compute_r(order, S::one());
    let mut ru = [[S::zero(); MAX_ORDER + 1]; MAX_ORDER + 1];
    for i in 0..=order {
        for j in 0..=order {
            ru[i][j] = (0..=order).fold(S::zero(), |acc, k| acc + r[i][k] * u[k][j]);
        }
    }
    for e in 0..n {
        let old: [S; MAX_ORDER + 1] =
            core::array::from_fn(|i| if i <= order { d[i * n + e] } else { S::zero() });
        for j in 0..=order {
            d[j * n + e] = (0..=order).fold(S::zero(), |acc, i| acc + ru[i][j] * old[i]);
        }
    }
}

/// Root-mean-square of `x / scale` over the global vector (`reduce` turns this process's
/// sum into the global one), the norm of the error tests and of Newton's updates.
fn rms<S: Real>(x: &[S], scale: &[S], n_global: usize, reduce: &impl Fn(S) -> S) -> S {
    let local = reduce2(Local::Contiguous(x), Local::Contiguous(scale), |a, s| {
        let q = a / s;
        q * q
    });
    (reduce(local) / S::from_usize_lossy(n_global.max(1))).sqrt()
}

/// Why the last attempt at a step failed, for the error if the step size bottoms out.
#[derive(Clone, Copy, PartialEq)]
enum Failure {
    None,
    Newton,
    Singular(usize),
}

/// The integration behind every BDF entry point.
fn run<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &BdfParams<S>,
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
        "bdf",
        system.dimension(),
        y,
        t_span,
        (params.rel_tol, params.abs_tol),
        params.initial_step,
        params.max_step,
    )?;
    if !(1..=MAX_ORDER).contains(&params.max_order) {
        return Err(SolverError::InvalidParameter {
            name: "max_order",
            value: params.max_order as f64,
            requirement: "BDF orders run from 1 to 5",
        });
    }
    if let NewtonLinearSolver::Gmres {
        restart,
        tolerance_factor,
        max_iter,
    }
    | NewtonLinearSolver::SparseIlu0 {
        restart,
        tolerance_factor,
        max_iter,
    } = params.linear_solver
    {
        positive("linear_solver: restart", restart as f64)?;
        positive("linear_solver: max_iter", max_iter as f64)?;
        positive("linear_solver: tolerance_factor", to_f64(tolerance_factor))?;
    }
    let n_global = y.dimension();
    let n = y.local().len();
    if n != n_global && !matches!(params.linear_solver, NewtonLinearSolver::Gmres { .. }) {
        return Err(SolverError::MissingCapability {
            capability: "a distributed dense Jacobian",
            needed_by: "bdf with dense LU or sparse ILU(0) needs the whole state on one \
                        process: choose NewtonLinearSolver::gmres() for a distributed state",
        });
    }

    let f = S::from_f64_lossy;
    let (rtol, atol) = (params.rel_tol, params.abs_tol);
    let (t0, t_end) = t_span;
    let mut report = IntegrationReport::new(t0);
    if t0 == t_end {
        return Ok(report);
    }
    let coef = Coefficients::<S>::new(params.ndf);
    let newton_tol =
        (f(10.0) * S::epsilon() / rtol.max(S::min_positive_value())).max(f(0.03).min(rtol.sqrt()));
    let max_step = params.max_step.unwrap_or(S::infinity());

    let outer = arena.create_scope();
    let mut dd = outer.alloc_zeroed::<S>(D_ROWS * n)?;
    let mut work = outer.alloc_zeroed::<S>(7 * n)?;
    let (y_predict, rest) = work.split_at_mut(n);
    let (psi, rest) = rest.split_at_mut(n);
    let (scale, rest) = rest.split_at_mut(n);
    let (y_new, rest) = rest.split_at_mut(n);
    let (corr, rest) = rest.split_at_mut(n);
    let (fx, dy) = rest.split_at_mut(n);

    // y₀ and f₀ = f(t₀, y₀) in D's first two rows (D₁ = h·f₀ once h is known).
    y.local().with_slice(|ys| dd[..n].copy_from_slice(ys));
    system.rhs(t0, &dd[..n], fx);
    report.evaluations += 1;
    let mut h_abs = match params.initial_step {
        Some(h) => h,
        None => {
            let scope = outer.create_scope();
            let mut f0 = scope.clone_of(&*y)?;
            f0.local_mut().with_slice_mut(|s| s.copy_from_slice(fx));
            let (h, evaluations) =
                initial_step(&scope, system, t0, &*y, &f0, 1, rtol, atol, Par::Seq)?;
            report.evaluations += evaluations;
            h
        }
    }
    .min(max_step)
    .min(t_end - t0);
    for (d1, &fi) in dd[n..2 * n].iter_mut().zip(fx.iter()) {
        *d1 = h_abs * fi;
    }
    let pattern = matches!(params.linear_solver, NewtonLinearSolver::SparseIlu0 { .. })
        .then(|| system.jacobian_pattern())
        .flatten();
    let mut newton = NewtonMatrix::new(n, n_global, params.linear_solver, newton_tol, pattern)?;
    {
        y_new.copy_from_slice(&dd[..n]);
        let cost = newton.update_jacobian(system, t0, y_new);
        report.evaluations += cost.evaluations;
        report.jacobian_evaluations += 1;
    }

    let mut event_state = EventState::start(events, t0, Local::Contiguous(&dd[..n]));
    let mut interp_buffer = if event_state.is_empty() {
        None
    } else {
        Some(outer.clone_of(&*y)?)
    };
    let dense = params.dense_output || !event_state.is_empty();

    let mut t = t0;
    let mut order = 1;
    let mut n_equal_steps = 0;
    while t < t_end {
        let min_step = f(10.0) * S::epsilon() * t.abs().max(S::min_positive_value());
        if h_abs > max_step {
            change_d(&mut dd, n, order, max_step / h_abs);
            h_abs = max_step;
            n_equal_steps = 0;
            newton.invalidate();
        } else if h_abs < min_step {
            change_d(&mut dd, n, order, min_step / h_abs);
            h_abs = min_step;
            n_equal_steps = 0;
            newton.invalidate();
        }

        // One step: attempts at shrinking sizes until the Newton iteration converges and
        // the error test passes.
        let mut current_jac = false;
        let mut jac_at_accepted = false;
        let mut failure = Failure::None;
        let (t_new, n_iter, error_norm) = loop {
            if report.steps + report.rejected >= params.max_steps {
                return Err(SolverError::MaxStepsExceeded {
                    steps: report.steps + report.rejected,
                    t: to_f64(t),
                });
            }
            if h_abs < min_step || !h_abs.is_finite() {
                return Err(match failure {
                    Failure::Newton => SolverError::NewtonFailed {
                        t: to_f64(t),
                        h: to_f64(h_abs),
                    },
                    Failure::Singular(row) => SolverError::FactorizationFailed {
                        method: "the BDF Newton matrix I − c·J (LU)",
                        row,
                        pivot: 0.0,
                    },
                    Failure::None => SolverError::StepSizeUnderflow {
                        t: to_f64(t),
                        h: to_f64(h_abs),
                    },
                });
            }
            let mut t_new = t + h_abs;
            if t_new >= t_end {
                t_new = t_end;
                change_d(&mut dd, n, order, (t_new - t) / h_abs);
                n_equal_steps = 0;
                newton.invalidate();
            }
            let h = t_new - t;
            h_abs = h;

            // Predict from the polynomial; ψ carries the history into the corrector.
            y_predict.copy_from_slice(&dd[..n]);
            psi.fill(S::zero());
            for i in 1..=order {
                let row = &dd[i * n..(i + 1) * n];
                for ((p, q), &v) in y_predict.iter_mut().zip(psi.iter_mut()).zip(row) {
                    *p += v;
                    *q += coef.gamma[i] * v;
                }
            }
            let inv_alpha = S::one() / coef.alpha[order];
            for (q, (s, &p)) in psi.iter_mut().zip(scale.iter_mut().zip(y_predict.iter())) {
                *q *= inv_alpha;
                *s = atol + rtol * p.abs();
            }

            let c = h / coef.alpha[order];
            let (converged, n_iter) = loop {
                if !newton.is_factored() {
                    match newton.factor(c, &ByVector(&*y)) {
                        Ok(factored) => report.lu_decompositions += usize::from(factored),
                        Err(Some(row)) => {
                            report.lu_decompositions += 1;
                            failure = Failure::Singular(row);
                            break (false, 0);
                        }
                        Err(None) if !jac_at_accepted => {
                            // The Jacobian is not finite (it was taken where f is not):
                            // take it again at the last accepted state, which is finite.
                            y_new.copy_from_slice(&dd[..n]);
                            let cost = newton.update_jacobian(system, t, y_new);
                            report.evaluations += cost.evaluations;
                            report.jacobian_evaluations += 1;
                            jac_at_accepted = true;
                            continue;
                        }
                        Err(None) => {
                            failure = Failure::Newton;
                            break (false, 0);
                        }
                    }
                }
                let outcome = solve_bdf_system(
                    system,
                    t_new,
                    c,
                    BdfSystem {
                        y_predict,
                        psi,
                        scale,
                    },
                    &mut newton,
                    newton_tol,
                    (y_new, corr, fx, dy),
                    &ByVector(&*y),
                    n_global,
                );
                report.evaluations += outcome.evaluations;
                report.newton_iterations += outcome.iterations;
                report.linear_iterations += outcome.linear_iterations;
                if outcome.converged || current_jac {
                    if !outcome.converged {
                        failure = Failure::Newton;
                    }
                    break (outcome.converged, outcome.iterations);
                }
                // A stale Jacobian may be why: re-evaluate it at the prediction, once.
                y_new.copy_from_slice(y_predict);
                let cost = newton.update_jacobian(system, t_new, y_new);
                report.evaluations += cost.evaluations;
                report.jacobian_evaluations += 1;
                current_jac = true;
            };
            if !converged {
                h_abs *= f(0.5);
                change_d(&mut dd, n, order, f(0.5));
                n_equal_steps = 0;
                newton.invalidate();
                report.rejected += 1;
                continue;
            }

            let safety = f(0.9) * S::from_usize_lossy(2 * NEWTON_MAXITER + 1)
                / S::from_usize_lossy(2 * NEWTON_MAXITER + n_iter);
            for (s, &v) in scale.iter_mut().zip(y_new.iter()) {
                *s = atol + rtol * v.abs();
            }
            // The error estimate error_const·d, in `dy` (free now).
            for (e, &dv) in dy.iter_mut().zip(corr.iter()) {
                *e = coef.error_const[order] * dv;
            }
            let error_norm = rms(dy, scale, n_global, &|v| y_reduce(&*y, v));
            if error_norm > S::one() {
                let factor = f(MIN_FACTOR)
                    .max(safety * error_norm.powf(-S::one() / S::from_usize_lossy(order + 1)));
                h_abs *= factor;
                change_d(&mut dd, n, order, factor);
                n_equal_steps = 0;
                report.rejected += 1;
                failure = Failure::None;
                // The factors stay, though for the old c: Newton converged with them, and a
                // simplified iteration tolerates the stale matrix (SciPy does the same).
                continue;
            }
            break (t_new, n_iter, error_norm);
        };

        // Accept: update the differences. D^{k+1} y_n = d, and each lower difference
        // accumulates the one above it.
        let t_start = t;
        t = t_new;
        n_equal_steps += 1;
        {
            let (low, high) = dd.split_at_mut((order + 1) * n);
            let (d_k1, d_k2) = high.split_at_mut(n);
            for ((a, b), &dv) in d_k2[..n].iter_mut().zip(d_k1.iter_mut()).zip(corr.iter()) {
                *a = dv - *b;
                *b = dv;
            }
            for i in (0..=order).rev() {
                let (lower, upper) = if i == order {
                    (&mut low[i * n..(i + 1) * n], &*d_k1)
                } else {
                    let (lo, hi) = low.split_at_mut((i + 1) * n);
                    (&mut lo[i * n..], &hi[..n])
                };
                for (a, &b) in lower.iter_mut().zip(upper) {
                    *a += b;
                }
            }
        }
        report.steps += 1;
        report.t = t;
        let state = &dd[..n];
        let bad = state.iter().filter(|v| !v.is_finite()).count();
        if y_reduce(&*y, S::from_usize_lossy(bad)) > S::zero() {
            return Err(SolverError::NonFiniteState {
                step: report.steps,
                t: to_f64(t_start),
            });
        }
        y.local_mut().with_slice_mut(|ys| ys.copy_from_slice(state));

        let step = dense.then(|| BdfStep {
            t: t_new,
            start: t_start,
            end: t_new,
            h: t_new - t_start,
            order,
            n,
            d: &dd[..(order + 1) * n],
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

        // Order and step-size selection after k + 1 steps at one size.
        if n_equal_steps < order + 1 {
            continue;
        }
        let norm_of = |row: usize, k: usize, buf: &mut [S]| {
            for (e, &v) in buf.iter_mut().zip(&dd[row * n..(row + 1) * n]) {
                *e = coef.error_const[k] * v;
            }
            rms(buf, scale, n_global, &|v| y_reduce(&*y, v))
        };
        let error_m_norm = if order > 1 {
            norm_of(order, order - 1, dy)
        } else {
            S::infinity()
        };
        let error_p_norm = if order < params.max_order {
            norm_of(order + 2, order + 1, dy)
        } else {
            S::infinity()
        };
        let norms = [error_m_norm, error_norm, error_p_norm];
        let factors: [S; 3] = core::array::from_fn(|i| {
            let e = norms[i];
            let p = -S::one() / S::from_usize_lossy(order + i);
            if e == S::zero() {
                S::infinity()
            } else {
                e.powf(p)
            }
        });
        let (best, best_factor) =
            factors
                .iter()
                .enumerate()
                .fold((0, S::neg_infinity()), |(bi, bf), (i, &fv)| {
                    if fv > bf {
                        (i, fv)
                    } else {
                        (bi, bf)
                    }
                });
        order = order + best - 1;
        let safety = f(0.9) * S::from_usize_lossy(2 * NEWTON_MAXITER + 1)
            / S::from_usize_lossy(2 * NEWTON_MAXITER + n_iter);
        let factor = f(MAX_FACTOR).min(safety * best_factor);
        h_abs *= factor;
        change_d(&mut dd, n, order, factor);
        n_equal_steps = 0;
        newton.invalidate();
    }
    Ok(report)
}

/// The global sum of a process's partial, through the state's reduction context.
fn y_reduce<S: Real, V: RealVector<Scalar = S> + ?Sized>(y: &V, v: S) -> S {
    y.reduce_sum(v)
}

/// The predictor's data for one step's Newton iteration.
struct BdfSystem<'a, S> {
    y_predict: &'a [S],
    psi: &'a [S],
    scale: &'a [S],
}

/// What one Newton solve did.
struct NewtonOutcome {
    converged: bool,
    iterations: usize,
    evaluations: usize,
    /// Iterations of the linear solves (matrix-free only).
    linear_iterations: usize,
}

/// The simplified Newton iteration for `y = y_predict + d` with
/// `d − c·f(t, y) + ψ = 0`, from `d = 0`, with the factors of `I − c·J`: stops when the
/// estimated remaining error `rate/(1 − rate)·‖Δ‖` is below `tol`, and gives up when the
/// rate is 1 or more or `NEWTON_MAXITER` iterations cannot get there.
#[allow(clippy::too_many_arguments)]
fn solve_bdf_system<S, F>(
    system: &F,
    t: S,
    c: S,
    sys: BdfSystem<'_, S>,
    newton: &mut NewtonMatrix<S>,
    tol: S,
    (y, d, fx, dy): (&mut [S], &mut [S], &mut [S], &mut [S]),
    reducer: &dyn Reducer<S>,
    n_global: usize,
) -> NewtonOutcome
where
    S: LuScalar,
    F: OdeSystem<S> + ?Sized,
{
    y.copy_from_slice(sys.y_predict);
    d.fill(S::zero());
    let mut dy_norm_old: Option<S> = None;
    let mut outcome = NewtonOutcome {
        converged: false,
        iterations: 0,
        evaluations: 0,
        linear_iterations: 0,
    };
    for k in 0..NEWTON_MAXITER {
        outcome.iterations = k + 1;
        system.rhs(t, y, fx);
        outcome.evaluations += 1;
        let bad = fx.iter().filter(|v| !v.is_finite()).count();
        if reducer.sum(S::from_usize_lossy(bad)) > S::zero() {
            break;
        }
        for ((u, &fv), (&p, &dv)) in dy
            .iter_mut()
            .zip(fx.iter())
            .zip(sys.psi.iter().zip(d.iter()))
        {
            *u = c * fv - p - dv;
        }
        let solved = newton.solve_in_place(system, dy, sys.scale, reducer);
        let cost = solved.as_ref().unwrap_or_else(|cost| cost);
        outcome.evaluations += cost.evaluations;
        outcome.linear_iterations += cost.iterations;
        if solved.is_err() {
            break;
        }
        let dy_norm = rms(dy, sys.scale, n_global, &|v| reducer.sum(v));
        let rate = dy_norm_old.map(|old| dy_norm / old);
        if let Some(rate) = rate {
            let remaining = S::from_usize_lossy(NEWTON_MAXITER - k);
            if rate >= S::one() || rate.powf(remaining) / (S::one() - rate) * dy_norm > tol {
                break;
            }
        }
        for ((yi, di), &u) in y.iter_mut().zip(d.iter_mut()).zip(dy.iter()) {
            *yi += u;
            *di += u;
        }
        if dy_norm == S::zero() || rate.is_some_and(|r| r / (S::one() - r) * dy_norm < tol) {
            outcome.converged = true;
            break;
        }
        dy_norm_old = Some(dy_norm);
    }
    outcome
}

/// One accepted step's interpolating polynomial: through the solution at `t, t − h, …,
/// t − k·h`, from the backward differences,
/// `y(s) = D₀ + Σⱼ Dⱼ·Πₘ₍ₘ<ⱼ₎ (s − (t − m·h)) / ((m + 1)·h)`.
#[derive(Clone, Copy)]
struct BdfStep<'a, S> {
    t: S,
    start: S,
    end: S,
    h: S,
    order: usize,
    n: usize,
    d: &'a [S],
}

impl<S: Real> Interpolant<S> for BdfStep<'_, S> {
    fn interval(&self) -> (S, S) {
        (self.start, self.end)
    }

    fn interpolate_local(&self, s: S, mut out: LocalMut<'_, S>) {
        let n = self.n;
        let mut p = [S::zero(); MAX_ORDER + 1];
        let mut acc = S::one();
        for (m, pm) in p.iter_mut().enumerate().take(self.order) {
            let shift = self.t - S::from_usize_lossy(m) * self.h;
            acc *= (s - shift) / (S::from_usize_lossy(m + 1) * self.h);
            *pm = acc;
        }
        out.with_slice_mut(|o| {
            o.copy_from_slice(&self.d[..n]);
            for j in 1..=self.order {
                let row = &self.d[j * n..(j + 1) * n];
                for (oi, &v) in o.iter_mut().zip(row) {
                    *oi += p[j - 1] * v;
                }
            }
        });
    }
}
