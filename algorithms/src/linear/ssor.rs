//! SSOR (symmetric successive over-relaxation) on a CSR matrix (feature `sparse`).

use std::time::{Duration, Instant};

use rvf::Real;

use super::preconditioner::Preconditioner;
use super::sparse_factor::SparseRows;
use crate::error::SolverError;

/// `M = (D/ω + L)·(ω/(2 − ω))·(D/ω)⁻¹·(D/ω + U)`, `A = L + D + U`: one forward and one backward
/// Gauss–Seidel sweep with relaxation `ω`; symmetric Gauss–Seidel for `ω = 1`. For symmetric
/// positive definite `A`, `M` is symmetric positive definite for every `0 < ω < 2`, so it
/// serves CG and MINRES. It needs no factorisation: it keeps a copy of `A`.
///
/// ```
/// use rvf_algorithms::linear::{cg, pcg, poisson_2d_csr, CgParams, Ssor};
/// let a = poisson_2d_csr::<f64>(40, 40);
/// let m = Ssor::new(&a, 1.5).unwrap();
/// let b = vec![1.0; 1600];
/// let (mut x0, mut x1) = (vec![0.0; 1600], vec![0.0; 1600]);
/// let plain = cg(&a, &b, &mut x0, &CgParams::default()).unwrap();
/// let pre = pcg(&a, &m, &b, &mut x1, &CgParams::default()).unwrap();
/// assert!(pre.iterations < plain.iterations);
/// ```
#[derive(Debug, Clone)]
pub struct Ssor<S> {
    a: SparseRows<S>,
    omega: S,
    setup: Duration,
}

impl<S: Real + nalgebra::Scalar> Ssor<S> {
    /// SSOR with relaxation `omega` for `a` (square, every diagonal entry stored and
    /// nonzero).
    ///
    /// # Errors
    /// [`SolverError::InvalidParameter`] unless `0 < omega < 2`;
    /// [`SolverError::DimensionMismatch`] if `a` is not square;
    /// [`SolverError::FactorizationFailed`] naming a row whose diagonal entry is zero or
    /// missing.
    pub fn new(a: &nalgebra_sparse::CsrMatrix<S>, omega: S) -> Result<Self, SolverError> {
        let w = omega.to_f64().unwrap_or(f64::NAN);
        if !(w > 0.0 && w < 2.0) {
            return Err(SolverError::InvalidParameter {
                name: "omega",
                value: w,
                requirement: "SSOR needs 0 < ω < 2",
            });
        }
        let start = Instant::now();
        let a = SparseRows::from_csr("SSOR", a, |_, _| true)?;
        for i in 0..a.n() {
            let d = a.vals[a.diag[i]];
            if !(d != S::zero() && d.is_finite()) {
                return Err(SolverError::FactorizationFailed {
                    method: "SSOR",
                    row: i,
                    pivot: d.to_f64().unwrap_or(f64::NAN),
                });
            }
        }
        Ok(Self {
            a,
            omega,
            setup: start.elapsed(),
        })
    }
}

impl<S: Real> Ssor<S> {
    /// The relaxation parameter `ω`.
    pub fn omega(&self) -> S {
        self.omega
    }

    /// Nonzeros kept (those of `A`).
    pub fn nnz(&self) -> usize {
        self.a.nnz()
    }

    /// Bytes the copy of `A` takes.
    pub fn memory_bytes(&self) -> usize {
        self.a.bytes()
    }

    /// How long the set-up (copying `A`) took.
    pub fn setup_time(&self) -> Duration {
        self.setup
    }
}

impl<S: Real> Preconditioner<S> for Ssor<S> {
    /// `z ← M⁻¹·r` as two sweeps: `(D/ω + L)·y = r·(2 − ω)/ω`, then `(D/ω + U)·z = D·y/ω`.
    fn apply(&self, r: &[S], z: &mut [S]) {
        let a = &self.a;
        let w = self.omega;
        let d = |i: usize| a.vals[a.diag[i]] / w;
        let c = (S::one() + S::one() - w) / w;
        for (zi, &ri) in z.iter_mut().zip(r) {
            *zi = c * ri;
        }
        a.forward(z, d);
        for (i, zi) in z.iter_mut().enumerate() {
            *zi *= d(i);
        }
        a.backward(z, d);
    }
}
