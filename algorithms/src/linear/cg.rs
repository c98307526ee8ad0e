//! The conjugate gradient method, plain and preconditioned.

use core::fmt;
use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, ArenaStatistics, MemoryArena};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use super::preconditioner::{Identity, Preconditioner};
use crate::error::{non_negative, same_dim, to_f64, SolverError};

/// What a CG callback sees after each iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CgProgress<S> {
    /// Iteration just completed (1-based).
    pub iteration: usize,
    /// `‖r‖₂` of the recursively updated residual.
    pub residual: S,
    /// `‖r‖₂ / ‖b‖₂`.
    pub relative_residual: S,
}

/// A per-iteration callback: return `ControlFlow::Break(())` to stop early.
pub type CgCallback<'c, S> = &'c mut dyn FnMut(&CgProgress<S>) -> ControlFlow<()>;

/// Parameters of [`cg`]/[`pcg`]. Convergence: `‖b − A·x‖₂ ≤ max(rel_tol·‖b‖₂, abs_tol)`.
///
/// ```
/// use rvf_algorithms::linear::CgParams;
/// let p = CgParams::<f64> { rel_tol: 1e-10, record_history: true, ..Default::default() };
/// assert_eq!(p.max_iter, None); // defaults to the dimension
/// ```
pub struct CgParams<'c, S> {
    /// Relative tolerance on `‖r‖/‖b‖`. Default `1e-8`.
    pub rel_tol: S,
    /// Absolute tolerance on `‖r‖`. Default `0`.
    pub abs_tol: S,
    /// Iteration limit; `None` means the dimension of the problem.
    pub max_iter: Option<usize>,
    /// Record `‖rₖ‖/‖b‖` for every iteration (starting with k = 0) in
    /// [`CgResult::history`]. The buffer is reserved before iterating. Default `false`.
    pub record_history: bool,
    /// Called after every iteration; may stop the solve early. Default `None`.
    pub callback: Option<CgCallback<'c, S>>,
    /// Sequential or rayon-parallel vector operations and operator applications. The iterates
    /// are bitwise the same either way. Default [`Par::Seq`].
    pub par: Par,
}

impl<S: Real> Default for CgParams<'_, S> {
    fn default() -> Self {
        Self {
            rel_tol: S::from_f64_lossy(1e-8),
            abs_tol: S::zero(),
            max_iter: None,
            record_history: false,
            callback: None,
            par: Par::Seq,
        }
    }
}

impl<S: Real> fmt::Debug for CgParams<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CgParams")
            .field("rel_tol", &self.rel_tol)
            .field("abs_tol", &self.abs_tol)
            .field("max_iter", &self.max_iter)
            .field("record_history", &self.record_history)
            .field("callback", &self.callback.as_ref().map(|_| "FnMut"))
            .field("par", &self.par)
            .finish()
    }
}

/// How a solve ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgStatus {
    /// The tolerance was met (checked on the true residual `b − A·x`).
    Converged,
    /// The callback asked to stop.
    StoppedByCallback,
}

/// The outcome of a successful solve.
#[derive(Debug, Clone, PartialEq)]
pub struct CgResult<S> {
    /// Iterations performed.
    pub iterations: usize,
    /// Final `‖b − A·x‖₂` (computed afresh when converged; the recursive residual when stopped
    /// by the callback).
    pub residual: S,
    /// `residual / ‖b‖₂` (0 when `b = 0`).
    pub relative_residual: S,
    /// How the solve ended.
    pub status: CgStatus,
    /// `‖rₖ‖/‖b‖` for k = 0, 1, … if requested, else empty.
    pub history: Vec<S>,
}

/// Solves `A·x = b` for symmetric positive definite `A` by conjugate gradients, starting from
/// the `x` given. Uses a fresh arena; see [`ConjugateGradient`] to reuse one.
///
/// ```
/// use rvf_algorithms::linear::{cg, CgParams, Poisson1d};
/// let a = Poisson1d::<f64>::new(50);
/// let b = vec![1.0; 50];
/// let mut x = vec![0.0; 50];
/// let r = cg(&a, &b, &mut x, &mut CgParams { rel_tol: 1e-12, ..Default::default() }).unwrap();
/// assert!(r.iterations <= 25); // −u'' = 1 is symmetric: 25 distinct modes
/// // The exact solution of −u'' = 1, u(0) = u(1) = 0 is x(1 − x)/2, and the 3-point scheme
/// // is exact for quadratics.
/// let h = 1.0 / 51.0;
/// for (i, xi) in x.iter().enumerate() {
///     let t = (i + 1) as f64 * h;
///     assert!((xi - t * (1.0 - t) / 2.0).abs() < 1e-10);
/// }
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`] if `A` is not square or `b`, `x` do not fit it;
/// [`SolverError::InvalidParameter`] for a negative or non-finite tolerance;
/// [`SolverError::NonFiniteInput`] if `b` or `x` holds NaN or ±∞ (checked before
/// iterating); [`SolverError::Breakdown`] if `pᵀAp ≤ 0` or is not finite (A is not SPD);
/// [`SolverError::NotConverged`] after `max_iter` iterations (x holds the last iterate);
/// [`SolverError::Arena`] if the arena cannot hold the work vectors.
pub fn cg<S, A, B, X>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &mut CgParams<'_, S>,
) -> Result<CgResult<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    ConjugateGradient::new().solve(a, b, x, params)
}

/// Preconditioned CG: as [`cg`] with `M⁻¹` applied to every residual.
///
/// # Errors
/// As [`cg`], plus [`SolverError::Breakdown`] if `rᵀM⁻¹r ≤ 0` (M is not SPD).
pub fn pcg<S, A, M, B, X>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &mut CgParams<'_, S>,
) -> Result<CgResult<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    ConjugateGradient::new().solve_preconditioned(a, m, b, x, params)
}

/// A CG solver that keeps its arena between solves, so repeated solves (time steps, Newton
/// iterations) allocate nothing once the arena has grown to fit.
///
/// ```
/// use rvf_algorithms::linear::{CgParams, ConjugateGradient, Poisson2d};
/// let a = Poisson2d::<f64>::new(16, 16);
/// let b = vec![1.0; 256];
/// let mut solver = ConjugateGradient::new();
/// for _ in 0..3 {
///     let mut x = vec![0.0; 256];
///     let r = solver.solve(&a, &b, &mut x, &mut CgParams::default()).unwrap();
///     assert!(r.relative_residual <= 1e-8);
/// }
/// assert_eq!(solver.arena_statistics().bytes_allocated, 0);
/// ```
#[derive(Debug)]
pub struct ConjugateGradient {
    arena: MemoryArena,
}

impl Default for ConjugateGradient {
    fn default() -> Self {
        Self::new()
    }
}

/// Work vectors CG keeps: r, p, A·p, z, and one temporary for the true residual.
const WORK_VECTORS: usize = 5;

impl ConjugateGradient {
    /// A solver with an empty arena, sized on the first solve.
    pub fn new() -> Self {
        Self {
            arena: MemoryArena::new(0),
        }
    }

    /// Statistics of the solver's arena.
    pub fn arena_statistics(&self) -> ArenaStatistics {
        self.arena.statistics()
    }

    /// Makes sure the arena holds the work vectors for a problem like `b` in one chunk.
    fn fit_arena<B: RealVector + ?Sized>(&mut self, b: &B) {
        // Each vector may be padded up to its alignment: allow a cache line per vector.
        let per_vector = b.local().len() * core::mem::size_of::<B::Scalar>() + 64;
        let needed = per_vector * WORK_VECTORS;
        if self.arena.statistics().total_capacity < needed {
            self.arena = MemoryArena::new(needed);
        }
    }

    /// Plain CG; see [`cg`].
    ///
    /// # Errors
    /// As [`cg`].
    pub fn solve<S, A, B, X>(
        &mut self,
        a: &A,
        b: &B,
        x: &mut X,
        params: &mut CgParams<'_, S>,
    ) -> Result<CgResult<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        self.fit_arena(b);
        solve_in(&self.arena, a, &Identity, b, x, params)
    }

    /// Preconditioned CG; see [`pcg`].
    ///
    /// # Errors
    /// As [`pcg`].
    pub fn solve_preconditioned<S, A, M, B, X>(
        &mut self,
        a: &A,
        m: &M,
        b: &B,
        x: &mut X,
        params: &mut CgParams<'_, S>,
    ) -> Result<CgResult<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        M: Preconditioner<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        self.fit_arena(b);
        solve_in(&self.arena, a, m, b, x, params)
    }
}

/// Preconditioned CG with the work vectors in `arena` (which must have no live scope): the
/// building block of [`cg`], [`pcg`] and [`ConjugateGradient`], for callers that manage
/// arenas themselves (one per thread, say).
///
/// The work vectors r, p, A·p (and z when preconditioned) are arena clones of `b`, created
/// once in a scope around the solve; each convergence check computes the true residual in a
/// temporary of a per-iteration child scope. No iteration allocates from the heap.
///
/// # Errors
/// As [`pcg`].
pub fn solve_in<S, A, M, B, X>(
    arena: &MemoryArena,
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &mut CgParams<'_, S>,
) -> Result<CgResult<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let n = a.nrows();
    same_dim("cg (operator must be square)", n, a.ncols())?;
    same_dim("cg (b)", n, b.dimension())?;
    same_dim("cg (x)", n, x.dimension())?;
    non_negative("rel_tol", to_f64(params.rel_tol))?;
    non_negative("abs_tol", to_f64(params.abs_tol))?;
    if !b.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "b" });
    }
    if !x.all_finite() {
        return Err(SolverError::NonFiniteInput { what: "x0" });
    }
    let max_iter = params.max_iter.unwrap_or(n);
    let mut history = Vec::new();
    if params.record_history {
        history.reserve_exact(max_iter + 1);
    }

    let bnorm = b.l2norm();
    if bnorm == S::zero() {
        x.fill(S::zero());
        if params.record_history {
            history.push(S::zero());
        }
        return Ok(CgResult {
            iterations: 0,
            residual: S::zero(),
            relative_residual: S::zero(),
            status: CgStatus::Converged,
            history,
        });
    }
    let tol = (params.rel_tol * bnorm).max(params.abs_tol);

    let par = params.par;
    let outer = arena.create_scope();
    let mut r = outer.clone_of(b)?;
    let mut ap = outer.clone_of(b)?;
    let mut p = outer.clone_of(b)?;
    let mut z = if M::IS_IDENTITY {
        None
    } else {
        Some(outer.clone_of(b)?)
    };

    // r ← b − A·x
    a.apply_par(par, x, &mut ap);
    par.axpy(&mut r, -S::one(), &ap);

    let mut rr = par.l2norm_squared(&r);
    let mut rnorm = rr.sqrt();
    // z ← M⁻¹r, p ← z, rz ← rᵀz
    let mut rz = match z.as_mut() {
        None => {
            par.copy(&mut p, &r);
            rr
        }
        Some(z) => {
            m.apply(&r, z);
            par.copy(&mut p, z);
            par.inner_product(&r, z)
        }
    };
    if params.record_history {
        history.push(rnorm / bnorm);
    }

    let mut k = 0;
    loop {
        if rnorm <= tol {
            // Confirm on the true residual, a temporary of this iteration's scope.
            let scope = outer.create_scope();
            let mut t = scope.clone_of(b)?;
            a.apply_par(par, x, &mut ap);
            par.axpy(&mut t, -S::one(), &ap);
            let true_rr = par.l2norm_squared(&t);
            let true_norm = true_rr.sqrt();
            if true_norm <= tol {
                return Ok(CgResult {
                    iterations: k,
                    residual: true_norm,
                    relative_residual: true_norm / bnorm,
                    status: CgStatus::Converged,
                    history,
                });
            }
            // The recursive residual drifted from the true one: replace it and restart the
            // search direction.
            par.copy(&mut r, &t);
            rr = true_rr;
            rnorm = true_norm;
            rz = match z.as_mut() {
                None => {
                    par.copy(&mut p, &r);
                    rr
                }
                Some(z) => {
                    m.apply(&r, z);
                    par.copy(&mut p, z);
                    par.inner_product(&r, z)
                }
            };
        }
        if k == max_iter {
            return Err(SolverError::NotConverged {
                iterations: k,
                residual: to_f64(rnorm),
                relative_residual: to_f64(rnorm / bnorm),
            });
        }
        k += 1;

        a.apply_par(par, &p, &mut ap);
        let pap = par.inner_product(&p, &ap);
        if !(pap > S::zero() && pap.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "pᵀAp",
                value: to_f64(pap),
            });
        }
        if !(rz > S::zero() && rz.is_finite()) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "rᵀM⁻¹r",
                value: to_f64(rz),
            });
        }
        let alpha = rz / pap;
        par.axpy(x, alpha, &p);
        par.axpy(&mut r, -alpha, &ap);
        rr = par.l2norm_squared(&r);
        rnorm = rr.sqrt();
        if params.record_history {
            history.push(rnorm / bnorm);
        }
        if let Some(cb) = params.callback.as_mut() {
            let progress = CgProgress {
                iteration: k,
                residual: rnorm,
                relative_residual: rnorm / bnorm,
            };
            if cb(&progress).is_break() {
                return Ok(CgResult {
                    iterations: k,
                    residual: rnorm,
                    relative_residual: rnorm / bnorm,
                    status: CgStatus::StoppedByCallback,
                    history,
                });
            }
        }
        if rnorm <= tol {
            continue; // confirmed at the top of the loop
        }
        // p ← z + β·p with β = rᵀz (new) / rᵀz (old)
        let rz_new = match z.as_mut() {
            None => {
                let beta = rr / rz;
                par.axpby(&mut p, S::one(), &r, beta);
                rr
            }
            Some(z) => {
                m.apply(&r, z);
                let rz_new = par.inner_product(&r, z);
                par.axpby(&mut p, S::one(), z, rz_new / rz);
                rz_new
            }
        };
        rz = rz_new;
    }
}
