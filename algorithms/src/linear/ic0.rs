//! IC(0): incomplete Cholesky factorisation on the lower sparsity pattern of a symmetric CSR
//! matrix (feature `sparse`).

use std::time::{Duration, Instant};

use rvf::Real;

use super::preconditioner::Preconditioner;
use super::sparse_factor::SparseRows;
use crate::error::SolverError;

/// `M = L·Lᵀ ≈ A` with `L` lower triangular on the pattern of `A`'s lower triangle (no
/// fill-in), for symmetric positive definite matrices, with CG or MINRES. Applying it is one
/// forward and one backward sweep over `L`, sequential and allocation-free.
///
/// A factorisation can meet a non-positive pivot even for SPD `A`; [`Ic0::with_shift`]
/// factors `A + α·diag(A)` instead, which succeeds for large enough `α`.
///
/// ```
/// use rvf_algorithms::linear::{cg, pcg, poisson_2d_csr, CgParams, Ic0};
/// let a = poisson_2d_csr::<f64>(40, 40);
/// let m = Ic0::new(&a).unwrap();
/// let b = vec![1.0; 1600];
/// let (mut x0, mut x1) = (vec![0.0; 1600], vec![0.0; 1600]);
/// let plain = cg(&a, &b, &mut x0, &CgParams::default()).unwrap();
/// let pre = pcg(&a, &m, &b, &mut x1, &CgParams::default()).unwrap();
/// assert!(2 * pre.iterations <= plain.iterations);
/// ```
#[derive(Debug, Clone)]
pub struct Ic0<S> {
    l: SparseRows<S>,
    setup: Duration,
}

impl<S: Real + nalgebra::Scalar> Ic0<S> {
    /// Factors `a`, which must be symmetric (only its lower triangle is read).
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`] if `a` is not square;
    /// [`SolverError::FactorizationFailed`] naming the first row whose pivot is not positive
    /// (try [`Ic0::with_shift`]) or that stores no diagonal entry.
    pub fn new(a: &nalgebra_sparse::CsrMatrix<S>) -> Result<Self, SolverError> {
        Self::with_shift(a, S::zero())
    }

    /// Factors `A + shift·diag(A)`.
    ///
    /// # Errors
    /// As [`Ic0::new`], and [`SolverError::InvalidParameter`] for a negative or non-finite
    /// shift.
    pub fn with_shift(a: &nalgebra_sparse::CsrMatrix<S>, shift: S) -> Result<Self, SolverError> {
        crate::error::non_negative("shift", shift.to_f64().unwrap_or(f64::NAN))?;
        let start = Instant::now();
        let mut l = SparseRows::from_csr("IC(0)", a, |i, j| j <= i)?;
        let n = l.n();
        for i in 0..n {
            let d = l.diag[i];
            let v = l.vals[d];
            l.vals[d] = v + shift * v;
        }
        let mut position = vec![usize::MAX; n];
        for i in 0..n {
            let (start_i, end_i) = (l.offsets[i], l.offsets[i + 1]);
            for k in start_i..end_i {
                position[l.cols[k]] = k;
            }
            // Lᵢₖ = (Aᵢₖ − Σⱼ<ₖ Lᵢⱼ·Lₖⱼ) / Lₖₖ over the stored j of both rows, then the pivot.
            for ik in start_i..l.diag[i] {
                let k = l.cols[ik];
                let (lower_k, _) = l.split_row(k);
                let mut v = l.vals[ik];
                for kj in lower_k {
                    let p = position[l.cols[kj]];
                    if p != usize::MAX {
                        v -= l.vals[p] * l.vals[kj];
                    }
                }
                l.vals[ik] = v / l.vals[l.diag[k]];
            }
            let mut pivot = l.vals[l.diag[i]];
            for ij in start_i..l.diag[i] {
                pivot -= l.vals[ij] * l.vals[ij];
            }
            if !(pivot > S::zero() && pivot.is_finite()) {
                return Err(SolverError::FactorizationFailed {
                    method: "IC(0)",
                    row: i,
                    pivot: pivot.to_f64().unwrap_or(f64::NAN),
                });
            }
            l.vals[l.diag[i]] = pivot.sqrt();
            for k in start_i..end_i {
                position[l.cols[k]] = usize::MAX;
            }
        }
        Ok(Self {
            l,
            setup: start.elapsed(),
        })
    }
}

impl<S: Real> Ic0<S> {
    /// Nonzeros of `L`: those of `A`'s lower triangle.
    pub fn nnz(&self) -> usize {
        self.l.nnz()
    }

    /// Bytes the factor takes.
    pub fn memory_bytes(&self) -> usize {
        self.l.bytes()
    }

    /// How long the factorisation took.
    pub fn setup_time(&self) -> Duration {
        self.setup
    }
}

impl<S: Real> Preconditioner<S> for Ic0<S> {
    /// `z ← L⁻ᵀ·L⁻¹·r`.
    fn apply(&self, r: &[S], z: &mut [S]) {
        let l = &self.l;
        z.copy_from_slice(r);
        l.forward(z, |i| l.vals[l.diag[i]]);
        // Lᵀ·z = y column by column: row i of L is column i of Lᵀ.
        for i in (0..l.n()).rev() {
            let zi = z[i] / l.vals[l.diag[i]];
            z[i] = zi;
            let (lower, _) = l.split_row(i);
            for k in lower {
                z[l.cols[k]] -= l.vals[k] * zi;
            }
        }
    }
}
