//! Matrix-free Newton systems for the implicit integrators: `(I − c·J)·x = r` solved by
//! GMRES, with `J·v` a forward difference of `f`, so no Jacobian is ever formed or stored.
//!
//! Everything is measured in the integrator's error weights, as CVODE does: with
//! `W = diag(1 / (abs_tol + rel_tol·|yᵢ|))`, GMRES solves `W·(I − c·J)·W⁻¹·x̂ = W·r` (so a
//! state whose components differ by orders of magnitude, like Robertson's, is solved to the
//! same relative accuracy in each), and each product perturbs the state by one unit of the
//! weighted norm, `σ = 1 / ‖v‖_W`.

use core::cell::{Cell, RefCell};
use core::ops::{ControlFlow, Deref, DerefMut};

use rvf::arena::{ArenaClone, ArenaError, ArenaVec, MemoryArena, Scope};
use rvf::ops::{Local, LocalMut};
use rvf::{Real, RealVector, RealVectorMut};

use super::system::OdeSystem;
use crate::linear::{gmres_in, GmresParams, LinearOperator};

/// The linearisation point and GMRES's arena and settings, set up once.
pub(crate) struct KrylovNewton<S> {
    t: S,
    /// The state the Jacobian is taken at, and `f` there.
    y_lin: Vec<S>,
    f_lin: Vec<S>,
    /// The `c` of `I − c·J` for the coming solves.
    c: S,
    ready: bool,
    /// The weighted right-hand side (GMRES reads it while writing the solution into the
    /// caller's).
    rhs: Vec<S>,
    /// `abs_tol + rel_tol·|yᵢ|` of the current solve: `W⁻¹`.
    scale: Vec<S>,
    /// `y_lin + σ·v` and `f` there, for the products.
    point: RefCell<Vec<S>>,
    f_point: RefCell<Vec<S>>,
    gmres: GmresParams<S>,
    arena: MemoryArena,
    /// Unknowns over all processes.
    n_global: usize,
}

/// What a solve cost.
pub(crate) struct KrylovCost {
    /// GMRES iterations.
    pub iterations: usize,
    /// Evaluations of `f` (one per product).
    pub evaluations: usize,
}

impl<S: Real> KrylovNewton<S> {
    /// Room for GMRES(`restart`) on `n` unknowns of this process's (`n_global` in all),
    /// solving until the weighted RMS norm of the residual is below `tolerance`, in at most
    /// `max_iter` iterations a solve.
    pub fn new(n: usize, n_global: usize, restart: usize, tolerance: S, max_iter: usize) -> Self {
        let zeros = || vec![S::zero(); n];
        // The basis and GMRES's other vectors, in one chunk.
        let bytes = (restart + 6) * (n * core::mem::size_of::<S>() + 64)
            + (restart + 2) * (restart + 4) * core::mem::size_of::<S>();
        Self {
            t: S::zero(),
            y_lin: zeros(),
            f_lin: zeros(),
            scale: zeros(),
            c: S::zero(),
            ready: false,
            rhs: zeros(),
            point: RefCell::new(zeros()),
            f_point: RefCell::new(zeros()),
            gmres: GmresParams {
                rel_tol: S::zero(),
                // On the 2-norm of the weighted residual: √n times its RMS norm.
                abs_tol: tolerance * S::from_usize_lossy(n_global).sqrt(),
                max_iter,
                restart,
                ..Default::default()
            },
            arena: MemoryArena::new(bytes),
            n_global,
        }
    }

    /// Takes `(t, y)` as the linearisation point (one evaluation of `f`).
    pub fn linearise_at<F: OdeSystem<S> + ?Sized>(&mut self, system: &F, t: S, y: &[S]) {
        self.t = t;
        self.y_lin.copy_from_slice(y);
        system.rhs(t, y, &mut self.f_lin);
        self.ready = false;
    }

    /// Whether `c` is set for solves.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Forgets `c` (the step size changed).
    pub fn invalidate(&mut self) {
        self.ready = false;
    }

    /// Sets `c`; `Err(None)` if the linearisation point's `f` is not finite (on any
    /// process: `reducer` makes it a global verdict).
    pub fn prepare(&mut self, c: S, reducer: &dyn Reducer<S>) -> Result<(), Option<usize>> {
        let bad = self.f_lin.iter().filter(|v| !v.is_finite()).count();
        if reducer.sum(S::from_usize_lossy(bad)) > S::zero() {
            return Err(None);
        }
        self.c = c;
        self.ready = true;
        Ok(())
    }

    /// `rhs ← (I − c·J)⁻¹·rhs` by GMRES from zero on the system weighted by `scale`
    /// (`abs_tol + rel_tol·|yᵢ|`); `Err` with the cost if GMRES did not reach its tolerance
    /// (the caller treats it as a failed Newton iteration).
    pub fn solve_in_place<F: OdeSystem<S> + ?Sized>(
        &mut self,
        system: &F,
        rhs: &mut [S],
        scale: &[S],
        reducer: &dyn Reducer<S>,
    ) -> Result<KrylovCost, KrylovCost> {
        debug_assert!(self.ready);
        self.scale.copy_from_slice(scale);
        for ((b, &r), &s) in self.rhs.iter_mut().zip(rhs.iter()).zip(scale) {
            *b = r / s;
        }
        rhs.fill(S::zero());
        let operator = ShiftedJacobian {
            system,
            t: self.t,
            c: self.c,
            y_lin: &self.y_lin,
            f_lin: &self.f_lin,
            scale: &self.scale,
            point: &self.point,
            f_point: &self.f_point,
            products: Cell::new(0),
            n_global: self.n_global,
            reducer,
        };
        let b = Part::new(&self.rhs[..], self.n_global, reducer);
        let mut x = Part::new(&mut *rhs, self.n_global, reducer);
        let result = gmres_in(&operator, &b, &mut x, &self.gmres, &self.arena, |_| {
            ControlFlow::Continue(())
        });
        let evaluations = operator.products.get();
        for (x, &s) in rhs.iter_mut().zip(scale) {
            *x *= s;
        }
        match result {
            Ok(report) => Ok(KrylovCost {
                iterations: report.iterations,
                evaluations,
            }),
            Err(_) => Err(KrylovCost {
                iterations: self.gmres.max_iter,
                evaluations,
            }),
        }
    }
}

/// `x̂ ↦ x̂ − c·W·J·W⁻¹·x̂` with `J·v ≈ (f(t, y + σ·v) − f(t, y)) / σ` for `v = W⁻¹·x̂`,
/// `σ = 1 / ‖v‖_W = √n / ‖x̂‖₂`: the perturbation is one unit of the weighted norm. On
/// this process's part of the vectors; `f` does its own communication, and `‖x̂‖` is
/// reduced over all processes.
struct ShiftedJacobian<'a, S, F: ?Sized> {
    system: &'a F,
    t: S,
    c: S,
    y_lin: &'a [S],
    f_lin: &'a [S],
    /// `W⁻¹`.
    scale: &'a [S],
    point: &'a RefCell<Vec<S>>,
    f_point: &'a RefCell<Vec<S>>,
    /// Products so far (each one evaluation of `f`).
    products: Cell<usize>,
    /// The global length and reductions, for `‖x̂‖`.
    n_global: usize,
    reducer: &'a dyn Reducer<S>,
}

impl<S: Real, F: OdeSystem<S> + ?Sized> LinearOperator<S> for ShiftedJacobian<'_, S, F> {
    /// The global size (the products themselves run on this process's part).
    fn nrows(&self) -> usize {
        self.n_global
    }

    fn ncols(&self) -> usize {
        self.n_global
    }

    fn apply(&self, x: &[S], out: &mut [S]) {
        let local = x.iter().map(|v| *v * *v).fold(S::zero(), |a, b| a + b);
        let norm = self.reducer.sum(local).sqrt();
        if norm == S::zero() {
            out.fill(S::zero());
            return;
        }
        let sigma = S::from_usize_lossy(self.n_global).sqrt() / norm;
        let mut point = self.point.borrow_mut();
        let mut f_point = self.f_point.borrow_mut();
        for (((p, &y), &xi), &s) in point.iter_mut().zip(self.y_lin).zip(x).zip(self.scale) {
            *p = y + sigma * s * xi;
        }
        self.system.rhs(self.t, &point, &mut f_point);
        self.products.set(self.products.get() + 1);
        let c_over_sigma = self.c / sigma;
        let terms = x.iter().zip(f_point.iter()).zip(self.f_lin).zip(self.scale);
        for (o, (((&xi, &fp), &f0), &s)) in out.iter_mut().zip(terms) {
            *o = xi - c_over_sigma * (fp - f0) / s;
        }
    }
}

/// The global reductions of a state vector (sum, maximum, minimum of per-process partials),
/// for solvers that keep this process's part of their vectors as plain slices.
pub(crate) trait Reducer<S> {
    fn sum(&self, partial: S) -> S;
    fn max(&self, partial: S) -> S;
    fn min(&self, partial: S) -> S;
}

/// The reductions of the vector `V` (the state: `DistributedVector`s reduce over their
/// processes, local vectors not at all).
pub(crate) struct ByVector<'a, V: ?Sized>(pub &'a V);

impl<S: Real, V: RealVector<Scalar = S> + ?Sized> Reducer<S> for ByVector<'_, V> {
    fn sum(&self, partial: S) -> S {
        self.0.reduce_sum(partial)
    }
    fn max(&self, partial: S) -> S {
        self.0.reduce_max(partial)
    }
    fn min(&self, partial: S) -> S {
        self.0.reduce_min(partial)
    }
}

/// This process's part of a vector (`data`) with the global dimension and reductions of the
/// state: lets GMRES run on the integrator's slices, whether the state is local or spread
/// over processes.
pub(crate) struct Part<'r, S, D> {
    data: D,
    dim: usize,
    reducer: &'r dyn Reducer<S>,
}

impl<'r, S, D> Part<'r, S, D> {
    /// `data` as part of a vector of `dim` entries reduced by `reducer`.
    pub fn new(data: D, dim: usize, reducer: &'r dyn Reducer<S>) -> Self {
        Self { data, dim, reducer }
    }
}

impl<S: Real, D: Deref<Target = [S]>> RealVector for Part<'_, S, D> {
    type Scalar = S;

    fn local(&self) -> Local<'_, S> {
        Local::Contiguous(&self.data)
    }
    fn dimension(&self) -> usize {
        self.dim
    }
    fn reduce_sum(&self, partial: S) -> S {
        self.reducer.sum(partial)
    }
    fn reduce_max(&self, partial: S) -> S {
        self.reducer.max(partial)
    }
    fn reduce_min(&self, partial: S) -> S {
        self.reducer.min(partial)
    }
}

impl<S: Real, D: DerefMut<Target = [S]>> RealVectorMut for Part<'_, S, D> {
    fn local_mut(&mut self) -> LocalMut<'_, S> {
        LocalMut::Contiguous(&mut self.data)
    }
}

impl<'r, S: Real, D: Deref<Target = [S]>> ArenaClone for Part<'r, S, D> {
    type Temp<'s>
        = Part<'r, S, ArenaVec<'s, S>>
    where
        Self: 's;

    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's,
    {
        Ok(Part {
            data: self.data.arena_clone(scope)?,
            dim: self.dim,
            reducer: self.reducer,
        })
    }
}
