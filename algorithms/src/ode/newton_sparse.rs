//! Sparse Newton systems for the implicit integrators: the system's CSR Jacobian, `I − c·J`
//! on its pattern, and GMRES preconditioned by the ILU(0) factors of that matrix. Exact
//! products (no differences), a factorisation without fill-in: for large sparse systems
//! (reaction–diffusion, banded), where dense LU is out of reach and unpreconditioned
//! matrix-free iterations grow with the stiffness.

use core::ops::ControlFlow;

use rvf::arena::MemoryArena;
use rvf::Real;

use super::newton::JacobianCost;
use super::newton_krylov::{KrylovCost, Part, Reducer};
use super::system::OdeSystem;
use crate::error::SolverError;
use crate::linear::sparse_factor::SparseRows;
use crate::linear::{pgmres_in, GmresParams, LinearOperator, Preconditioner};

/// The Jacobian on its pattern, the ILU(0) factors of `I − c·J`, and GMRES's arena and
/// settings, all set up once.
pub(crate) struct SparseNewton<S> {
    /// `∂f/∂y`, one value per pattern entry.
    jac: Vec<S>,
    /// The pattern, and the ILU(0) factors of `I − c·J` in its values.
    lu: SparseRows<S>,
    position: Vec<usize>,
    c: S,
    factored: bool,
    /// The weighted right-hand side, and the weights' inverses of the current solve.
    rhs: Vec<S>,
    scale: Vec<S>,
    gmres: GmresParams<S>,
    arena: MemoryArena,
}

impl<S: Real> SparseNewton<S> {
    /// For `n` unknowns with the Jacobian `pattern` (row offsets, column indices), GMRES
    /// (`restart`, at most `max_iter` iterations) solving until the weighted RMS residual is
    /// below `tolerance`.
    ///
    /// # Errors
    /// As [`SparseRows::from_pattern`]: a malformed pattern, or a row without its diagonal.
    pub fn new(
        n: usize,
        (offsets, cols): (Vec<usize>, Vec<usize>),
        restart: usize,
        tolerance: S,
        max_iter: usize,
    ) -> Result<Self, SolverError> {
        let lu = SparseRows::from_pattern("I − c·J on the Jacobian's pattern", offsets, cols, n)?;
        let bytes = (restart + 6) * (n * core::mem::size_of::<S>() + 64)
            + (restart + 2) * (restart + 6) * core::mem::size_of::<S>();
        Ok(Self {
            jac: vec![S::zero(); lu.nnz()],
            lu,
            position: vec![usize::MAX; n],
            c: S::zero(),
            factored: false,
            rhs: vec![S::zero(); n],
            scale: vec![S::zero(); n],
            gmres: GmresParams {
                rel_tol: S::zero(),
                abs_tol: tolerance * S::from_usize_lossy(n).sqrt(),
                max_iter,
                restart,
                ..Default::default()
            },
            arena: MemoryArena::new(bytes),
        })
    }

    /// `J ← ∂f/∂y` at `(t, y)` from the system's sparse Jacobian (NaN if it gives none, so
    /// that the factorisation reports a Jacobian that is not finite).
    pub fn update_jacobian<F: OdeSystem<S> + ?Sized>(
        &mut self,
        system: &F,
        t: S,
        y: &[S],
    ) -> JacobianCost {
        self.factored = false;
        if !system.jacobian_sparse(t, y, &mut self.jac) {
            self.jac.fill(S::nan());
        }
        JacobianCost { evaluations: 0 }
    }

    pub fn is_factored(&self) -> bool {
        self.factored
    }

    pub fn invalidate(&mut self) {
        self.factored = false;
    }

    /// ILU(0) of `I − c·J`: `Err(Some(row))` at a zero pivot, `Err(None)` if `J` is not
    /// finite.
    pub fn factor(&mut self, c: S) -> Result<(), Option<usize>> {
        self.factored = false;
        if self.jac.iter().any(|v| !v.is_finite()) {
            return Err(None);
        }
        for i in 0..self.lu.n() {
            for k in self.lu.offsets[i]..self.lu.offsets[i + 1] {
                let identity = if k == self.lu.diag[i] {
                    S::one()
                } else {
                    S::zero()
                };
                self.lu.vals[k] = identity - c * self.jac[k];
            }
        }
        self.lu
            .ilu0_in_place(&mut self.position)
            .map_err(|(row, _)| Some(row))?;
        self.c = c;
        self.factored = true;
        Ok(())
    }

    /// `rhs ← (I − c·J)⁻¹·rhs` by ILU(0)-preconditioned GMRES on the system weighted by
    /// `1 / scale`, from zero; `Err` with the cost if GMRES missed its tolerance.
    pub fn solve_in_place(
        &mut self,
        rhs: &mut [S],
        scale: &[S],
        reducer: &dyn Reducer<S>,
    ) -> Result<KrylovCost, KrylovCost> {
        debug_assert!(self.factored);
        let n = rhs.len();
        self.scale.copy_from_slice(scale);
        for ((b, &r), &s) in self.rhs.iter_mut().zip(rhs.iter()).zip(scale) {
            *b = r / s;
        }
        rhs.fill(S::zero());
        let weighted = Weighted {
            jac: &self.jac,
            lu: &self.lu,
            c: self.c,
            scale: &self.scale,
        };
        let b = Part::new(&self.rhs[..], n, reducer);
        let mut x = Part::new(&mut *rhs, n, reducer);
        let result = pgmres_in(
            &weighted,
            &weighted,
            &b,
            &mut x,
            &self.gmres,
            &self.arena,
            |_| ControlFlow::Continue(()),
        );
        for (v, &s) in rhs.iter_mut().zip(scale) {
            *v *= s;
        }
        match result {
            Ok(report) => Ok(KrylovCost {
                iterations: report.iterations,
                evaluations: 0,
            }),
            Err(_) => Err(KrylovCost {
                iterations: self.gmres.max_iter,
                evaluations: 0,
            }),
        }
    }
}

/// `W·(I − c·J)·W⁻¹` as the operator and `W·(L·U)⁻¹·W⁻¹` as its preconditioner, `W⁻¹ =
/// diag(scale)`.
struct Weighted<'a, S> {
    jac: &'a [S],
    lu: &'a SparseRows<S>,
    c: S,
    scale: &'a [S],
}

impl<S: Real> LinearOperator<S> for Weighted<'_, S> {
    fn nrows(&self) -> usize {
        self.scale.len()
    }

    fn ncols(&self) -> usize {
        self.scale.len()
    }

    fn apply(&self, x: &[S], y: &mut [S]) {
        for (i, yi) in y.iter_mut().enumerate() {
            let mut jx = S::zero();
            for k in self.lu.offsets[i]..self.lu.offsets[i + 1] {
                let j = self.lu.cols[k];
                jx += self.jac[k] * self.scale[j] * x[j];
            }
            *yi = x[i] - self.c * jx / self.scale[i];
        }
    }
}

impl<S: Real> Preconditioner<S> for Weighted<'_, S> {
    fn apply(&self, r: &[S], z: &mut [S]) {
        for ((zi, &ri), &s) in z.iter_mut().zip(r).zip(self.scale) {
            *zi = ri * s;
        }
        let lu = self.lu;
        lu.forward(z, |_| S::one());
        lu.backward(z, |i| lu.vals[lu.diag[i]]);
        for (zi, &s) in z.iter_mut().zip(self.scale) {
            *zi /= s;
        }
    }
}
