//! The Newton matrix of the implicit integrators with a dense Jacobian (feature `faer`):
//! `J = ∂f/∂y` (the system's own, or differenced), `I − c·J` and its LU factors.

use rvf::Real;

use super::newton_krylov::{KrylovCost, KrylovNewton, Reducer};
use super::newton_sparse::SparseNewton;
use super::system::OdeSystem;
use crate::error::SolverError;
use crate::linear::dense_lu::{DenseLu, LuScalar};

/// How the implicit integrators solve their Newton systems `(I − c·J)·x = r`.
///
/// ```
/// use rvf_algorithms::ode::{BdfParams, NewtonLinearSolver};
/// let matrix_free = BdfParams::<f64> {
///     linear_solver: NewtonLinearSolver::gmres(),
///     ..Default::default()
/// };
/// assert!(matches!(matrix_free.linear_solver, NewtonLinearSolver::Gmres { restart: 30, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NewtonLinearSolver<S> {
    /// LU factors of the dense `I − c·J` (faer), `J` from [`OdeSystem::jacobian`] or
    /// differenced column by column (`n + 1` evaluations of `f`); `n²` numbers of memory.
    /// For up to a few thousand unknowns.
    DenseLu,
    /// Matrix-free Newton–Krylov: GMRES(`restart`) on each Newton system, with `J·v` one
    /// forward difference of `f` at the linearisation point (one evaluation per iteration).
    /// No Jacobian is formed or stored: for large systems, and systems whose Jacobian is
    /// unknown. As in CVODE, everything is measured in the error weights
    /// `1 / (abs_tol + rel_tol·|yᵢ|)`: a solve stops when the weighted RMS norm of its
    /// residual is below `tolerance_factor` times the Newton iteration's tolerance; one that
    /// needs more than `max_iter` iterations counts as a failed Newton iteration (the step
    /// is retried smaller). Without a preconditioner the iterations grow with `h·‖J‖`.
    Gmres {
        /// GMRES's Krylov dimension between restarts.
        restart: usize,
        /// The linear residual allowed, as a fraction of the Newton tolerance (CVODE's
        /// `eplifac`).
        tolerance_factor: S,
        /// Iterations per linear solve.
        max_iter: usize,
    },
    /// The system's sparse Jacobian ([`OdeSystem::jacobian_pattern`] and
    /// [`OdeSystem::jacobian_sparse`]), `I − c·J` formed on its pattern, and GMRES
    /// preconditioned by that matrix's ILU(0) factors (no fill-in), weighted and stopped as
    /// for [`Gmres`](Self::Gmres). Exact products, memory proportional to the nonzeros: for
    /// large sparse systems (reaction–diffusion, banded), including very stiff ones that
    /// defeat the unpreconditioned matrix-free iteration. One process only.
    SparseIlu0 {
        /// GMRES's Krylov dimension between restarts.
        restart: usize,
        /// The linear residual allowed, as a fraction of the Newton tolerance.
        tolerance_factor: S,
        /// Iterations per linear solve.
        max_iter: usize,
    },
}

impl<S: Real> NewtonLinearSolver<S> {
    /// [`SparseIlu0`](Self::SparseIlu0) with restart 30, tolerance factor 0.05 and 500
    /// iterations per solve.
    pub fn sparse_ilu0() -> Self {
        Self::SparseIlu0 {
            restart: 30,
            tolerance_factor: S::from_f64_lossy(0.05),
            max_iter: 500,
        }
    }

    /// [`Gmres`](Self::Gmres) with restart 30, tolerance factor 0.05 (CVODE's), and 500
    /// iterations per solve.
    pub fn gmres() -> Self {
        Self::Gmres {
            restart: 30,
            tolerance_factor: S::from_f64_lossy(0.05),
            max_iter: 500,
        }
    }
}

/// The Newton matrix `I − c·J` of an implicit integrator: dense and factored, or
/// matrix-free.
pub(crate) enum NewtonMatrix<S> {
    Dense(DenseNewton<S>),
    // Boxed: its arena and GMRES settings make it several times the dense variant's size
    // (one allocation at set-up).
    Krylov(Box<KrylovNewton<S>>),
    Sparse(Box<SparseNewton<S>>),
}

/// What one linear solve cost beyond the caller's own evaluations.
#[derive(Default)]
pub(crate) struct SolveCost {
    /// Evaluations of `f` (matrix-free products).
    pub evaluations: usize,
    /// Iterations of an iterative solve.
    pub iterations: usize,
}

impl<S: LuScalar> NewtonMatrix<S> {
    /// Set up for `n` unknowns on this process (`n_global` in all) as `solver` says, for a
    /// Newton iteration that stops at `newton_tol` in the weighted RMS norm; `pattern` is
    /// the system's sparse Jacobian pattern, needed by [`NewtonLinearSolver::SparseIlu0`].
    ///
    /// # Errors
    /// [`SolverError::MissingCapability`] for the sparse solver without a pattern, and the
    /// pattern's errors.
    pub fn new(
        n: usize,
        n_global: usize,
        solver: NewtonLinearSolver<S>,
        newton_tol: S,
        pattern: Option<(Vec<usize>, Vec<usize>)>,
    ) -> Result<Self, SolverError> {
        Ok(match solver {
            NewtonLinearSolver::DenseLu => Self::Dense(DenseNewton::new(n)),
            NewtonLinearSolver::Gmres {
                restart,
                tolerance_factor,
                max_iter,
            } => Self::Krylov(Box::new(KrylovNewton::new(
                n,
                n_global,
                restart,
                tolerance_factor * newton_tol,
                max_iter,
            ))),
            NewtonLinearSolver::SparseIlu0 {
                restart,
                tolerance_factor,
                max_iter,
            } => {
                let pattern = pattern.ok_or(SolverError::MissingCapability {
                    capability: "jacobian_pattern()",
                    needed_by: "NewtonLinearSolver::SparseIlu0 (implement jacobian_pattern and \
                                jacobian_sparse, or choose another linear solver)",
                })?;
                Self::Sparse(Box::new(SparseNewton::new(
                    n,
                    pattern,
                    restart,
                    tolerance_factor * newton_tol,
                    max_iter,
                )?))
            }
        })
    }

    /// Takes the Jacobian at `(t, y)`: formed (dense), or the linearisation point
    /// (matrix-free, one evaluation).
    pub fn update_jacobian<F: OdeSystem<S> + ?Sized>(
        &mut self,
        system: &F,
        t: S,
        y: &mut [S],
    ) -> JacobianCost {
        match self {
            Self::Dense(d) => d.update_jacobian(system, t, y),
            Self::Krylov(k) => {
                k.linearise_at(system, t, y);
                JacobianCost { evaluations: 1 }
            }
            Self::Sparse(s) => s.update_jacobian(system, t, y),
        }
    }

    /// Whether solves with some `c` can go ahead.
    pub fn is_factored(&self) -> bool {
        match self {
            Self::Dense(d) => d.is_factored(),
            Self::Krylov(k) => k.is_ready(),
            Self::Sparse(s) => s.is_factored(),
        }
    }

    /// Forgets the factors (or the `c`).
    pub fn invalidate(&mut self) {
        match self {
            Self::Dense(d) => d.invalidate(),
            Self::Krylov(k) => k.invalidate(),
            Self::Sparse(s) => s.invalidate(),
        }
    }

    /// Prepares solves with `I − c·J`: `Ok(true)` if that took an LU factorisation;
    /// `Err(Some(row))` if singular, `Err(None)` if the Jacobian is not finite (`reducer`:
    /// the state's reductions, so that every process decides alike).
    pub fn factor(&mut self, c: S, reducer: &dyn Reducer<S>) -> Result<bool, Option<usize>> {
        match self {
            Self::Dense(d) => d.factor(c).map(|()| true),
            Self::Krylov(k) => k.prepare(c, reducer).map(|()| false),
            Self::Sparse(s) => s.factor(c).map(|()| false),
        }
    }

    /// `rhs ← (I − c·J)⁻¹·rhs`; `Err` (with what it cost) if an iterative solve missed its
    /// tolerance, measured in the error weights `1 / scale`.
    pub fn solve_in_place<F: OdeSystem<S> + ?Sized>(
        &mut self,
        system: &F,
        rhs: &mut [S],
        scale: &[S],
        reducer: &dyn Reducer<S>,
    ) -> Result<SolveCost, SolveCost> {
        match self {
            Self::Dense(d) => {
                d.solve_in_place(rhs);
                Ok(SolveCost::default())
            }
            Self::Krylov(k) => k
                .solve_in_place(system, rhs, scale, reducer)
                .map(SolveCost::from)
                .map_err(SolveCost::from),
            Self::Sparse(s) => s
                .solve_in_place(rhs, scale, reducer)
                .map(SolveCost::from)
                .map_err(SolveCost::from),
        }
    }
}

impl From<KrylovCost> for SolveCost {
    fn from(c: KrylovCost) -> Self {
        Self {
            evaluations: c.evaluations,
            iterations: c.iterations,
        }
    }
}

/// The dense Jacobian of a system and the LU factors of `I − c·J`, all allocated at set-up.
pub(crate) struct DenseNewton<S> {
    n: usize,
    /// `∂f/∂y`, row-major.
    jac: Vec<S>,
    lu: DenseLu<S>,
    /// Whether factors are at hand. They may be for an earlier `c` (a simplified Newton
    /// iteration with a slightly stale matrix still converges): the integrator decides when
    /// they must be redone.
    factored: bool,
    /// `f(t, y)` and `f(t, y + δⱼ·eⱼ)` for a differenced Jacobian.
    f_base: Vec<S>,
    f_step: Vec<S>,
}

/// What forming the Jacobian cost.
pub(crate) struct JacobianCost {
    /// Right-hand-side evaluations (the columns of a differenced Jacobian).
    pub evaluations: usize,
}

impl<S: LuScalar> DenseNewton<S> {
    pub fn new(n: usize) -> Self {
        Self {
            n,
            jac: vec![S::zero(); n * n],
            lu: DenseLu::new(n),
            factored: false,
            f_base: vec![S::zero(); n],
            f_step: vec![S::zero(); n],
        }
    }

    /// `J ← ∂f/∂y` at `(t, y)`: the system's analytic Jacobian, or forward differences
    /// column by column with Hairer's increment `δⱼ = √(ε·max(10⁻⁵, |yⱼ|))` (`n + 1`
    /// evaluations of `f`). `y` is perturbed one entry at a time and restored exactly.
    /// Invalidates the factors.
    pub fn update_jacobian<F: OdeSystem<S> + ?Sized>(
        &mut self,
        system: &F,
        t: S,
        y: &mut [S],
    ) -> JacobianCost {
        self.factored = false;
        if system.jacobian(t, y, &mut self.jac) {
            return JacobianCost { evaluations: 0 };
        }
        let n = self.n;
        let floor = S::from_f64_lossy(1e-5);
        system.rhs(t, y, &mut self.f_base);
        for j in 0..n {
            let saved = y[j];
            y[j] = saved + (S::epsilon() * saved.abs().max(floor)).sqrt();
            // The increment actually represented, so the quotient differences exactly.
            let delta = y[j] - saved;
            system.rhs(t, y, &mut self.f_step);
            y[j] = saved;
            for (i, (fp, f0)) in self.f_step.iter().zip(&self.f_base).enumerate() {
                self.jac[i * n + j] = (*fp - *f0) / delta;
            }
        }
        JacobianCost { evaluations: n + 1 }
    }

    /// Whether factors of `I − c·J` (for some `c`) are at hand.
    pub fn is_factored(&self) -> bool {
        self.factored
    }

    /// Forgets the factors (the step size changed enough to matter).
    pub fn invalidate(&mut self) {
        self.factored = false;
    }

    /// Factors `I − c·J`. `Err(Some(row))` if it is singular to working precision,
    /// `Err(None)` if the Jacobian is not finite (the right-hand side is not, near `y`).
    pub fn factor(&mut self, c: S) -> Result<(), Option<usize>> {
        let n = self.n;
        if self.jac.iter().any(|v| !v.is_finite()) {
            self.factored = false;
            return Err(None);
        }
        let m = self.lu.matrix_mut();
        for j in 0..n {
            for i in 0..n {
                let identity = if i == j { S::one() } else { S::zero() };
                m[j * n + i] = identity - c * self.jac[i * n + j];
            }
        }
        self.factored = false;
        self.lu.factor().map_err(Some)?;
        self.factored = true;
        Ok(())
    }

    /// `rhs ← (I − c·J)⁻¹·rhs` with the current factors.
    pub fn solve_in_place(&mut self, rhs: &mut [S]) {
        debug_assert!(self.factored);
        self.lu.solve_in_place(rhs);
    }
}

/// The Jacobian `∂f/∂y` of a system at a point, written out row-major — what an integrator
/// sees through [`OdeSystem::jacobian`] or differences; for tests of a user's Jacobian.
///
/// ```
/// use rvf_algorithms::ode::{finite_difference_jacobian, FnSystem};
/// let f = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[0] * y[1];
///     dy[1] = -y[0];
/// });
/// let j = finite_difference_jacobian(&f, 0.0, &[2.0, 3.0]);
/// let exact = [3.0, 2.0, -1.0, 0.0];
/// assert!(j.iter().zip(exact).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
pub fn finite_difference_jacobian<S: LuScalar, F: OdeSystem<S> + ?Sized>(
    system: &F,
    t: S,
    y: &[S],
) -> Vec<S> {
    let mut newton = DenseNewton::new(y.len());
    let mut point = y.to_vec();
    /// The system without its analytic Jacobian, so the differences are taken.
    struct Differenced<'a, F: ?Sized>(&'a F);
    impl<S: Real, F: OdeSystem<S> + ?Sized> OdeSystem<S> for Differenced<'_, F> {
        fn dimension(&self) -> usize {
            self.0.dimension()
        }
        fn rhs(&self, t: S, y: &[S], dydt: &mut [S]) {
            self.0.rhs(t, y, dydt)
        }
    }
    newton.update_jacobian(&Differenced(system), t, &mut point);
    newton.jac
}
