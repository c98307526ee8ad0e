//! Restarted GMRES, right-preconditioned, and its flexible variant.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use super::preconditioner::{Identity, Preconditioner};
use super::report::{SolveProgress, SolveReport};
use super::start::{true_residual, Start, Tolerances};
use crate::error::{to_f64, SolverError};
use crate::no_monitor;
use crate::solver::{default_tol, NonExhaustive, Termination, AUTO_ITERATIONS};
use crate::workspace::{arena_bytes, Workspace};

/// Parameters of [`gmres`], [`pgmres`] and [`fgmres`]. Convergence:
/// `‖b − A·x‖₂ ≤ max(rel_tol·‖b‖₂, abs_tol)`, checked on the true residual.
///
/// ```
/// use rvf_algorithms::linear::GmresParams;
/// let p = GmresParams::<f64> { restart: 50, ..Default::default() };
/// assert_eq!(p.rel_tol, 1e-8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GmresParams<S> {
    /// Relative tolerance on `‖r‖/‖b‖`. Default `1e-8` (`100·ε` for `f32`).
    pub rel_tol: S,
    /// Absolute tolerance on `‖r‖`. Default `0`.
    pub abs_tol: S,
    /// Iteration limit (Arnoldi steps over all cycles). Default: `10·n` for `n` unknowns.
    pub max_iter: usize,
    /// Krylov dimension of a cycle, `m` in GMRES(m): the method restarts from the current
    /// iterate after `m` steps. Memory: `m + 1` basis vectors (and `m` preconditioned ones
    /// for [`fgmres`]). `restart ≥ n` is full GMRES. Default 30 (SciPy's).
    pub restart: usize,
    /// Record the residual estimate `‖rₖ‖/‖b‖` of every iteration (starting with k = 0) in
    /// [`SolveReport::history`]. Default `false`.
    pub record_history: bool,
    /// Sequential or rayon-parallel vector operations, operator and preconditioner
    /// applications. The iterates are bitwise the same either way. Default [`Par::Seq`].
    pub par: Par,
    /// Room for more parameters: write `..Default::default()`.
    pub non_exhaustive: NonExhaustive,
}

impl<S: Real> Default for GmresParams<S> {
    fn default() -> Self {
        Self {
            rel_tol: default_tol(1e-8),
            abs_tol: S::zero(),
            max_iter: AUTO_ITERATIONS,
            restart: 30,
            record_history: false,
            par: Par::Seq,
            non_exhaustive: NonExhaustive::default(),
        }
    }
}

impl<S: Real> GmresParams<S> {
    /// What the shared start of a solve needs, as [`KrylovParams`](super::KrylovParams) gives
    /// it.
    fn tolerances(&self) -> Tolerances<S> {
        Tolerances {
            rel_tol: self.rel_tol,
            abs_tol: self.abs_tol,
            max_iter: self.max_iter,
            record_history: self.record_history,
            par: self.par,
        }
    }
}

/// How the preconditioned directions are kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// Right preconditioning with a fixed `M`: `x = x₀ + M⁻¹·V·y`, one extra application
    /// per cycle.
    Right,
    /// `M` may change between iterations: every `zⱼ = M⁻¹·vⱼ` is kept, `x = x₀ + Z·y`.
    Flexible,
}

/// Solves `A·x = b` for a general square `A` by restarted GMRES, from the `x` given, in a
/// fresh arena; see [`Workspace::gmres`] and [`gmres_in`].
///
/// Each cycle builds an orthonormal Krylov basis by modified Gram–Schmidt, with a second
/// orthogonalisation pass when the first left less than `√ε` of the vector's norm (the new
/// direction lay nearly in the basis), and minimises the residual with Givens rotations.
/// The residual estimate of the rotations is confirmed on the true residual `b − A·x` at the
/// end of each cycle.
///
/// ```
/// use rvf_algorithms::linear::{gmres, ConvectionDiffusion2d, GmresParams, LinearOperator};
/// let a = ConvectionDiffusion2d::<f64>::new(20, 20, (30.0, 10.0)); // non-symmetric
/// let b = vec![1.0; 400];
/// let mut x = vec![0.0; 400];
/// let r = gmres(&a, &b, &mut x, &GmresParams::default()).unwrap();
/// let mut ax = vec![0.0; 400];
/// a.apply(&x, &mut ax);
/// let res: f64 = ax.iter().zip(&b).map(|(p, q)| (p - q).powi(2)).sum::<f64>().sqrt();
/// assert!(res <= 1e-8 * 20.0 && r.iterations > 0);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`] if `A` is not square or `b`, `x` do not fit it;
/// [`SolverError::InvalidParameter`] for a negative tolerance or `restart = 0`;
/// [`SolverError::NonFiniteInput`] for NaN or ±∞ in `b` or `x`;
/// [`SolverError::Breakdown`] if the Arnoldi process produces a non-finite value;
/// [`SolverError::NotConverged`] after `max_iter` iterations (x holds the last iterate);
/// [`SolverError::Arena`].
pub fn gmres<S, A, B, X>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &GmresParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    pgmres(a, &Identity, b, x, params)
}

/// GMRES right-preconditioned by `M`: it solves `A·M⁻¹·u = b`, `x = M⁻¹·u`, so the residual
/// it minimises and reports is the true one of `A·x = b`. `M` must not change during the
/// solve; see [`fgmres`] for one that does.
///
/// # Errors
/// As [`gmres`].
pub fn pgmres<S, A, M, B, X>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &GmresParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let arena = gmres_arena(b, params, Variant::Right);
    run(a, m, b, x, params, &arena, no_monitor!(), Variant::Right)
}

/// Flexible GMRES (Saad's FGMRES): as [`pgmres`], but the preconditioner may differ from one
/// iteration to the next, e.g. an inner iterative solve to a loose tolerance. It keeps every
/// preconditioned direction, `m` more vectors than [`pgmres`].
///
/// # Errors
/// As [`gmres`].
pub fn fgmres<S, A, M, B, X>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &GmresParams<S>,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let arena = gmres_arena(b, params, Variant::Flexible);
    run(a, m, b, x, params, &arena, no_monitor!(), Variant::Flexible)
}

/// [`gmres`] in `arena`, with a monitor that sees every iteration (the rotations' residual
/// estimate) and may stop the solve.
///
/// # Errors
/// As [`gmres`].
pub fn gmres_in<S, A, B, X, F>(
    a: &A,
    b: &B,
    x: &mut X,
    params: &GmresParams<S>,
    arena: &MemoryArena,
    monitor: F,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    run(a, &Identity, b, x, params, arena, monitor, Variant::Right)
}

/// [`pgmres`] in `arena`, with a monitor.
///
/// # Errors
/// As [`gmres`].
#[allow(clippy::too_many_arguments)]
pub fn pgmres_in<S, A, M, B, X, F>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &GmresParams<S>,
    arena: &MemoryArena,
    monitor: F,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    run(a, m, b, x, params, arena, monitor, Variant::Right)
}

/// [`fgmres`] in `arena`, with a monitor.
///
/// # Errors
/// As [`gmres`].
#[allow(clippy::too_many_arguments)]
pub fn fgmres_in<S, A, M, B, X, F>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &GmresParams<S>,
    arena: &MemoryArena,
    monitor: F,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    run(a, m, b, x, params, arena, monitor, Variant::Flexible)
}

impl Workspace {
    /// [`gmres`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`gmres`].
    pub fn gmres<S, A, B, X>(
        &mut self,
        a: &A,
        b: &B,
        x: &mut X,
        params: &GmresParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        let arena = self.arena_for_solve();
        run(
            a,
            &Identity,
            b,
            x,
            params,
            arena,
            no_monitor!(),
            Variant::Right,
        )
    }

    /// [`pgmres`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`gmres`].
    pub fn pgmres<S, A, M, B, X>(
        &mut self,
        a: &A,
        m: &M,
        b: &B,
        x: &mut X,
        params: &GmresParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        M: Preconditioner<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        let arena = self.arena_for_solve();
        run(a, m, b, x, params, arena, no_monitor!(), Variant::Right)
    }

    /// [`fgmres`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`gmres`].
    pub fn fgmres<S, A, M, B, X>(
        &mut self,
        a: &A,
        m: &M,
        b: &B,
        x: &mut X,
        params: &GmresParams<S>,
    ) -> Result<SolveReport<S>, SolverError>
    where
        S: Real,
        A: LinearOperator<S> + ?Sized,
        M: Preconditioner<S> + ?Sized,
        B: RealVector<Scalar = S> + ArenaClone + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        let arena = self.arena_for_solve();
        run(a, m, b, x, params, arena, no_monitor!(), Variant::Flexible)
    }
}

/// An arena for the basis (`m + 1` vectors), the preconditioned directions, the residual,
/// and the Hessenberg problem (about `m + 6` more numbers per column).
fn gmres_arena<S: Real, B: RealVector<Scalar = S> + ?Sized>(
    b: &B,
    params: &GmresParams<S>,
    variant: Variant,
) -> MemoryArena {
    let m = params.restart.max(1).min(b.dimension().max(1));
    let z = if variant == Variant::Flexible { m } else { 1 };
    let hessenberg = (m + 6) * (m + 2) * core::mem::size_of::<S>() + 8 * 64;
    MemoryArena::new(
        arena_bytes(m + 1 + z + 1, b.local().len(), core::mem::size_of::<S>()) + hessenberg,
    )
}

/// The Givens rotation `(c, s)` with `c·a + s·b = r`, `−s·a + c·b = 0`, `r = ±√(a² + b²)`.
fn givens<S: Real>(a: S, b: S) -> (S, S) {
    if b == S::zero() {
        (S::one(), S::zero())
    } else {
        let r = a.hypot(b);
        (a / r, b / r)
    }
}

#[allow(clippy::too_many_arguments)]
fn run<S, A, M, B, X, F>(
    a: &A,
    m: &M,
    b: &B,
    x: &mut X,
    params: &GmresParams<S>,
    arena: &MemoryArena,
    mut monitor: F,
    variant: Variant,
) -> Result<SolveReport<S>, SolverError>
where
    S: Real,
    A: LinearOperator<S> + ?Sized,
    M: Preconditioner<S> + ?Sized,
    B: RealVector<Scalar = S> + ArenaClone + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
    F: FnMut(&SolveProgress<S>) -> ControlFlow<()>,
{
    if params.restart == 0 {
        return Err(SolverError::InvalidParameter {
            name: "restart",
            value: 0.0,
            requirement: "the Krylov dimension of a cycle must be at least 1",
        });
    }
    let par = params.par;
    let mut start = match Start::check("gmres", a, b, x, &params.tolerances())? {
        Ok(start) => start,
        Err(done) => return Ok(done),
    };
    let (bnorm, tol, max_iter) = (start.bnorm, start.tol, start.max_iter);
    // A cycle longer than n cannot make progress: the Krylov space is all of ℝⁿ by then.
    let dim = params.restart.min(a.nrows().max(1));

    // Everything the method keeps is made once, in the arena: the basis and directions, and
    // the small Hessenberg least-squares problem (so that a caller that solves many systems,
    // such as a Newton–Krylov integrator, touches no heap either).
    let outer = arena.create_scope();
    let mut basis = allocator_api2::vec::Vec::with_capacity_in(dim + 1, &outer);
    for _ in 0..=dim {
        basis.push(outer.clone_of(b)?);
    }
    let directions = if variant == Variant::Flexible { dim } else { 1 };
    let mut z = allocator_api2::vec::Vec::with_capacity_in(directions, &outer);
    for _ in 0..directions {
        z.push(outer.clone_of(b)?);
    }
    let mut r = outer.clone_of(b)?;
    // Column-major (dim + 1) × dim Hessenberg matrix, rotations, right-hand side, solution.
    let mut h = outer.alloc_zeroed::<S>((dim + 1) * dim)?;
    let (mut cs, mut sn) = (outer.alloc_zeroed::<S>(dim)?, outer.alloc_zeroed::<S>(dim)?);
    let mut g = outer.alloc_zeroed::<S>(dim + 1)?;
    let mut y = outer.alloc_zeroed::<S>(dim)?;
    let identity = m.is_identity();

    // basis[1] serves as scratch whenever no cycle is running.
    let mut beta = start.initial_residual(par, a, b, &*x, &mut r, &mut basis[1]);
    start.record(beta);
    let mut k = 0;
    let mut stopped = false;
    loop {
        if beta <= tol {
            return Ok(start.report(Termination::Converged, k, beta));
        }
        if stopped {
            return Ok(start.report(Termination::StoppedByMonitor, k, beta));
        }
        if k >= max_iter {
            return Err(start.not_converged(k, beta));
        }
        // A cycle: v₀ = r/β, g = β·e₁.
        par.copy(&mut basis[0], &r);
        par.scale(&mut basis[0], S::one() / beta);
        g.fill(S::zero());
        g[0] = beta;
        let mut steps = 0;
        while steps < dim && k < max_iter {
            let j = steps;
            // w = A·M⁻¹·vⱼ, written into vⱼ₊₁.
            let zj = if variant == Variant::Flexible { j } else { 0 };
            let (head, tail) = basis.split_at_mut(j + 1);
            let w = &mut tail[0];
            if identity {
                a.apply_local(par, head[j].local(), w.local_mut());
            } else {
                m.apply_local(par, head[j].local(), z[zj].local_mut());
                a.apply_local(par, z[zj].local(), w.local_mut());
            }
            // Modified Gram–Schmidt. MGS-GMRES is backward stable without reorthogonalisation
            // (Paige, Rozložník and Strakoš, SIMAX 2006): orthogonality is lost only as the
            // residual reaches rounding level. A second pass is made only when the first
            // cancelled all but √ε of the vector, i.e. A·M⁻¹·vⱼ lay (nearly) in the basis;
            // the stricter 1/√2 test meant for classical Gram–Schmidt fired on most steps of
            // convection–diffusion and cost a third of the time.
            let before = par.l2norm(&*w);
            let column = &mut h[j * (dim + 1)..(j + 1) * (dim + 1)];
            for (i, v) in head.iter().enumerate() {
                let hij = par.inner_product(&*w, v);
                column[i] = hij;
                par.axpy(w, -hij, v);
            }
            let mut after = par.l2norm(&*w);
            if after < S::epsilon().sqrt() * before {
                for (i, v) in head.iter().enumerate() {
                    let hij = par.inner_product(&*w, v);
                    column[i] += hij;
                    par.axpy(w, -hij, v);
                }
                after = par.l2norm(&*w);
            }
            column[j + 1] = after;
            if !(after.is_finite() && column[..=j].iter().all(|v| v.is_finite())) {
                return Err(SolverError::Breakdown {
                    iteration: k + 1,
                    quantity: "‖A·M⁻¹·v‖ (Arnoldi)",
                    value: to_f64(after),
                });
            }
            // Apply the earlier rotations to the new column, then the one that zeroes hⱼ₊₁ⱼ.
            for i in 0..j {
                let (p, q) = (column[i], column[i + 1]);
                column[i] = cs[i] * p + sn[i] * q;
                column[i + 1] = -sn[i] * p + cs[i] * q;
            }
            let (c, s) = givens(column[j], column[j + 1]);
            cs[j] = c;
            sn[j] = s;
            column[j] = c * column[j] + s * column[j + 1];
            column[j + 1] = S::zero();
            g[j + 1] = -s * g[j];
            g[j] = c * g[j];
            steps += 1;
            k += 1;
            let estimate = g[j + 1].abs();
            start.record(estimate);
            let progress = SolveProgress {
                iteration: k,
                residual: estimate,
                relative_residual: estimate / bnorm,
            };
            stopped = monitor(&progress).is_break();
            // A (numerically) invariant Krylov space: the solution is in the current basis.
            let invariant = after <= S::epsilon() * before;
            if stopped || estimate <= tol || invariant {
                break;
            }
            par.scale(w, S::one() / after);
        }
        // y = R⁻¹·g by back substitution over the `steps` columns of the rotated Hessenberg.
        for i in (0..steps).rev() {
            let mut v = g[i];
            for l in i + 1..steps {
                v -= h[l * (dim + 1) + i] * y[l];
            }
            y[i] = v / h[i * (dim + 1) + i];
        }
        // x ← x + Z·y (flexible), or x ← x + M⁻¹·(V·y).
        match variant {
            Variant::Flexible if !identity => {
                for (zi, &yi) in z.iter().zip(&y[..steps]) {
                    par.axpy(x, yi, zi);
                }
            }
            _ => {
                r.fill(S::zero());
                for (v, &yi) in basis.iter().zip(&y[..steps]) {
                    par.axpy(&mut r, yi, v);
                }
                if identity {
                    par.axpy(x, S::one(), &r);
                } else {
                    m.apply_local(par, r.local(), z[0].local_mut());
                    par.axpy(x, S::one(), &z[0]);
                }
            }
        }
        if !par.all_finite(x) {
            return Err(SolverError::Breakdown {
                iteration: k,
                quantity: "the iterate x (least-squares solve)",
                value: f64::NAN,
            });
        }
        beta = true_residual(par, a, b, &*x, &mut r, &mut basis[1]);
    }
}
