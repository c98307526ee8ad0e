//! Implicit time stepping for stiff linear problems `y' = −A·y + g(t)`, `A` symmetric positive
//! definite (diffusion), with the linear systems solved by conjugate gradients.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::LocalMut;
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::explicit::{check_start, check_state};
use super::stats::IntegrationStats;
use crate::error::to_f64;
use crate::error::{non_negative, SolverError};
use crate::linear::{solve_in, CgParams, Identity, LinearOperator};

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
    fn apply<X, Y>(&self, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        self.a.apply(x, y);
        y.axpby_in_place(S::one(), x, self.c);
    }
    fn apply_par<X, Y>(&self, par: Par, x: &X, y: &mut Y)
    where
        X: RealVector<Scalar = S> + ?Sized,
        Y: RealVectorMut<Scalar = S> + ?Sized,
    {
        self.a.apply_par(par, x, y);
        par.axpby(y, S::one(), x, self.c);
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
    /// Relative tolerance of each step's CG solve. Default `1e-10`.
    pub cg_tol: S,
    /// Sequential or rayon-parallel vector operations and operator applications. Default
    /// [`Par::Seq`].
    pub par: Par,
}

impl<S: Real> Default for ImplicitParams<S> {
    fn default() -> Self {
        Self {
            scheme: ImplicitScheme::CrankNicolson,
            cg_tol: S::from_f64_lossy(1e-10),
            par: Par::Seq,
        }
    }
}

/// Writes `g(t)` into `out` through the slice-based forcing closure.
fn eval_forcing<S: Real, O: RealVectorMut<Scalar = S> + ?Sized>(
    g: &impl Fn(S, &mut [S]),
    t: S,
    out: &mut O,
) {
    match out.local_mut() {
        LocalMut::Contiguous(s) => g(t, s),
        mut strided => {
            let mut buf = vec![S::zero(); strided.len()];
            g(t, &mut buf);
            for (slot, v) in strided.iter_mut().zip(buf) {
                *slot = v;
            }
        }
    }
}

/// Advances `y' = −A·y + g(t)` by `steps` implicit steps of size `dt` from `t0`. Each step
/// solves one SPD system `(I + c·A)·y = r` by CG (started from the previous state) to the
/// relative tolerance `params.cg_tol`. `forcing`, if given, writes `g(t)` into a slice.
///
/// Stable for any `dt`, unlike explicit methods on diffusion (whose limit is
/// `dt ≤ 2/λ_max(A)`). The step's temporaries live in a per-step scope of `arena`.
///
/// ```
/// use rvf::prelude::*;
/// use rvf_algorithms::linear::Poisson1d;
/// use rvf_algorithms::ode::{linear_implicit, ImplicitParams};
/// let n = 50;
/// let a = Poisson1d::<f64>::new(n); // u_t = u_xx, fixed ends
/// let h = 1.0 / (n + 1) as f64;
/// let mut u: Vec<f64> = (1..=n).map(|i| (std::f64::consts::PI * i as f64 * h).sin()).collect();
/// let arena = MemoryArena::new(1 << 16);
/// let no_forcing: Option<&fn(f64, &mut [f64])> = None;
/// // dt is 100× the explicit stability limit h²/2.
/// let dt = 50.0 * h * h;
/// let params = ImplicitParams { cg_tol: 1e-12, ..Default::default() }; // Crank–Nicolson
/// linear_implicit(&a, no_forcing, 0.0, dt, 20, &mut u, &params, &arena).unwrap();
/// let t = 20.0 * dt;
/// let decay = (-std::f64::consts::PI.powi(2) * t).exp();
/// assert!((u[n / 2] - decay).abs() < 1e-3);
/// ```
///
/// # Errors
/// As [`explicit_euler`](super::explicit_euler), plus the CG errors of each solve
/// ([`SolverError::NotConverged`], [`SolverError::Breakdown`] if `A` is not SPD) and
/// [`SolverError::InvalidParameter`] for a negative `cg_tol`.
#[allow(clippy::too_many_arguments)]
pub fn linear_implicit<S, A, G, V>(
    a: &A,
    forcing: Option<&G>,
    t0: S,
    dt: S,
    steps: usize,
    y: &mut V,
    params: &ImplicitParams<S>,
    arena: &MemoryArena,
) -> Result<IntegrationStats<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    G: Fn(S, &mut [S]),
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    check_start("linear_implicit", a.nrows(), y, dt)?;
    non_negative("cg_tol", to_f64(params.cg_tol))?;
    let (scheme, par) = (params.scheme, params.par);
    let half = S::from_f64_lossy(0.5);
    let c = match scheme {
        ImplicitScheme::BackwardEuler => dt,
        ImplicitScheme::CrankNicolson => half * dt,
    };
    let shifted = ShiftedOperator { a, c };
    let mut stats = IntegrationStats::new(t0);
    for step in 1..=steps {
        let t = t0 + S::from_usize_lossy(step - 1) * dt;
        let scope = arena.create_scope();
        // The previous state is the initial guess; y is overwritten with the right-hand side.
        let mut next = scope.clone_of(y)?;
        if scheme == ImplicitScheme::CrankNicolson {
            let mut ay = scope.clone_of(y)?;
            a.apply_par(par, &next, &mut ay);
            par.axpy(y, -c, &ay);
        }
        if let Some(g) = forcing {
            let mut gv = scope.clone_of(y)?;
            eval_forcing(g, t + dt, &mut gv);
            match scheme {
                ImplicitScheme::BackwardEuler => par.axpy(y, dt, &gv),
                ImplicitScheme::CrankNicolson => {
                    par.axpy(y, c, &gv);
                    eval_forcing(g, t, &mut gv);
                    par.axpy(y, c, &gv);
                }
            }
            stats.evaluations += 1 + usize::from(scheme == ImplicitScheme::CrankNicolson);
        }
        let mut cg = CgParams {
            rel_tol: params.cg_tol,
            par,
            ..Default::default()
        };
        let solved = solve_in(arena, &shifted, &Identity, &*y, &mut next, &mut cg)?;
        stats.linear_iterations += solved.iterations;
        par.copy(y, &next);
        check_state(y, step, t)?;
        stats.steps = step;
    }
    stats.t = t0 + S::from_usize_lossy(steps) * dt;
    Ok(stats)
}
