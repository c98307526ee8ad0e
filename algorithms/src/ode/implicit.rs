//! Implicit time stepping for stiff linear problems `y' = −A·y + g(t)`, `A` symmetric positive
//! definite (diffusion), with the linear systems solved by conjugate gradients.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::fixed_step::{check_start, drive_fixed_steps, FixedStepParams};
use super::report::{IntegrationReport, StepProgress};
use crate::error::to_f64;
use crate::error::{non_negative, SolverError};
use crate::linear::{cg_in, CgParams, LinearOperator};
use crate::no_monitor;
use crate::solver::{default_tol, NonExhaustive};
use crate::workspace::{arena_for, Workspace};

/// `I + c·A`: the matrix of an implicit step. Symmetric positive definite when `A` is and
/// `c ≥ 0`.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedOperator<'a, A: ?Sized, S> {
    /// The operator `A`.
    pub a: &'a A,
    /// The factor `c`.
    pub c: S,
}

impl<S: Real, A: LinearOperator<S> + ?Sized> LinearOperator<S> for ShiftedOperator<'_, A, S> {
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }
    fn apply_local(&self, par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        self.a.apply_local(par, x, y.reborrow());
        par.axpby(&mut y, S::one(), &x, self.c);
    }
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        self.apply_transpose_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y))
    }
    fn apply_transpose_local(
        &self,
        par: Par,
        x: Local<'_, S>,
        mut y: LocalMut<'_, S>,
    ) -> Result<(), SolverError> {
        self.a.apply_transpose_local(par, x, y.reborrow())?;
        par.axpby(&mut y, S::one(), &x, self.c);
        Ok(())
    }
    fn diagonal(&self) -> Option<Vec<S>> {
        self.a
            .diagonal()
            .map(|d| d.into_iter().map(|v| S::one() + self.c * v).collect())
    }
}

/// The implicit scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplicitScheme {
    /// `(I + dt·A)·yₙ₊₁ = yₙ + dt·g(tₙ₊₁)`: first order, L-stable (stiff modes are damped).
    BackwardEuler,
    /// `(I + dt/2·A)·yₙ₊₁ = (I − dt/2·A)·yₙ + dt/2·(g(tₙ) + g(tₙ₊₁))`: second order,
    /// A-stable.
    CrankNicolson,
}

/// Parameters of [`linear_implicit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImplicitParams<S> {
    /// The scheme. Default [`ImplicitScheme::CrankNicolson`].
    pub scheme: ImplicitScheme,
    /// The largest step; the span is cut into equal steps as by [`FixedStepParams`]. No
    /// default: `0` is refused.
    pub dt: S,
    /// Relative tolerance of each step's CG solve. Default `1e-10` (`100·ε` for `f32`).
    pub linear_rel_tol: S,
    /// Sequential or rayon-parallel vector operations and operator applications. Default
    /// [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for ImplicitParams<S> {
    fn default() -> Self {
        Self {
            scheme: ImplicitScheme::CrankNicolson,
            dt: S::zero(),
            linear_rel_tol: default_tol(1e-10),
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

/// A forcing term `g(t)`, written into a slice: `Some(&|t, g| …)`, or `None` for `g = 0`.
pub type Forcing<'g, S> = Option<&'g dyn Fn(S, &mut [S])>;

/// Work vectors of a step: the new state, `A·y`, `g`, and CG's five.
const WORK_VECTORS: usize = 8;

/// Advances `y' = −A·y + g(t)` over `t_span` by implicit steps of at most `params.dt`. Each
/// step solves one SPD system `(I + c·A)·y = r` by CG (started from the previous state) to
/// the relative tolerance `params.linear_rel_tol`, in a fresh arena; see
/// [`linear_implicit_in`] for a monitor or another arena.
///
/// Stable for any step, unlike explicit methods on diffusion (whose limit is
/// `dt ≤ 2/λ_max(A)`).
///
/// ```
/// use rvf_algorithms::linear::Poisson1d;
/// use rvf_algorithms::ode::{linear_implicit, ImplicitParams};
/// let n = 50;
/// let a = Poisson1d::<f64>::new(n); // u_t = u_xx, fixed ends
/// let h = 1.0 / (n + 1) as f64;
/// let mut u: Vec<f64> = (1..=n).map(|i| (std::f64::consts::PI * i as f64 * h).sin()).collect();
/// // dt is 100× the explicit stability limit h²/2; Crank–Nicolson by default.
/// let dt = 50.0 * h * h;
/// let params = ImplicitParams { dt, linear_rel_tol: 1e-12, ..Default::default() };
/// linear_implicit(&a, None, (0.0, 20.0 * dt), &mut u, &params).unwrap();
/// let decay = (-std::f64::consts::PI.powi(2) * 20.0 * dt).exp();
/// assert!((u[n / 2] - decay).abs() < 1e-3);
/// ```
///
/// # Errors
/// As [`explicit_euler`](super::explicit_euler), plus the CG errors of each solve
/// ([`SolverError::NotConverged`], [`SolverError::Breakdown`] if `A` is not SPD) and
/// [`SolverError::InvalidParameter`] for a negative `linear_rel_tol`.
pub fn linear_implicit<S, A, V>(
    a: &A,
    forcing: Forcing<'_, S>,
    t_span: (S, S),
    y: &mut V,
    params: &ImplicitParams<S>,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(WORK_VECTORS, y.local().len(), core::mem::size_of::<S>());
    linear_implicit_in(a, forcing, t_span, y, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`linear_implicit`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`linear_implicit`].
    pub fn linear_implicit<S, A, V>(
        &mut self,
        a: &A,
        forcing: Forcing<'_, S>,
        t_span: (S, S),
        y: &mut V,
        params: &ImplicitParams<S>,
    ) -> Result<IntegrationReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        linear_implicit_in(
            a,
            forcing,
            t_span,
            y,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// [`linear_implicit`] in `arena`, with a monitor that sees every step and may stop the run.
///
/// # Errors
/// As [`linear_implicit`].
pub fn linear_implicit_in<S, A, V, M>(
    a: &A,
    forcing: Forcing<'_, S>,
    t_span: (S, S),
    y: &mut V,
    params: &ImplicitParams<S>,
    arena: &MemoryArena,
    monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    check_start("linear_implicit", a.nrows(), y, t_span)?;
    non_negative("linear_rel_tol", to_f64(params.linear_rel_tol))?;
    let (scheme, par) = (params.scheme, params.par);
    let half = S::from_f64_lossy(0.5);
    let steps = FixedStepParams {
        dt: params.dt,
        par,
        ..Default::default()
    };
    let cg = CgParams {
        rel_tol: params.linear_rel_tol,
        par,
        ..Default::default()
    };
    let outer = arena.create_scope();
    let mut linear_iterations = 0;
    let mut report = drive_fixed_steps(
        &outer,
        t_span,
        &steps,
        y,
        None,
        IntegrationReport::new(t_span.0),
        monitor,
        |scope, t, h, y, _| {
            let c = match scheme {
                ImplicitScheme::BackwardEuler => h,
                ImplicitScheme::CrankNicolson => half * h,
            };
            // The previous state is the initial guess; y is overwritten with the right-hand
            // side.
            let mut next = scope.clone_of(y)?;
            if scheme == ImplicitScheme::CrankNicolson {
                let mut ay = scope.clone_of(y)?;
                a.apply_local(par, next.local(), ay.local_mut());
                par.axpy(y, -c, &ay);
            }
            let mut evaluations = 0;
            if let Some(g) = forcing {
                let mut gv = scope.clone_of(y)?;
                gv.local_mut().with_slice_mut(|s| g(t + h, s));
                match scheme {
                    ImplicitScheme::BackwardEuler => par.axpy(y, h, &gv),
                    ImplicitScheme::CrankNicolson => {
                        par.axpy(y, c, &gv);
                        gv.local_mut().with_slice_mut(|s| g(t, s));
                        par.axpy(y, c, &gv);
                    }
                }
                evaluations = 1 + usize::from(scheme == ImplicitScheme::CrankNicolson);
            }
            let shifted = ShiftedOperator { a, c };
            let solved = cg_in(&shifted, &*y, &mut next, &cg, arena, no_monitor!())?;
            linear_iterations += solved.iterations;
            par.copy(y, &next);
            Ok(evaluations)
        },
    )?;
    report.linear_iterations = linear_iterations;
    Ok(report)
}
