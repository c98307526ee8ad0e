//! ILU(0): incomplete LU factorisation on the sparsity pattern of a CSR matrix (feature
//! `sparse`).

use std::time::{Duration, Instant};

use rvf::Real;

use super::preconditioner::Preconditioner;
use super::sparse_factor::SparseRows;
use crate::error::SolverError;

/// `M = L·U ≈ A` with `L` unit lower and `U` upper triangular, both on `A`'s sparsity pattern
/// (no fill-in): `(L·U)ᵢⱼ = Aᵢⱼ` wherever `A` stores an entry. For non-symmetric matrices
/// (convection–diffusion), with GMRES or BiCGSTAB. Applying it is one forward and one
/// backward sweep over the factor, sequential and allocation-free.
///
/// ```
/// use rvf_algorithms::linear::{convection_diffusion_2d_csr, gmres, pgmres, GmresParams, Ilu0};
/// let a = convection_diffusion_2d_csr::<f64>(30, 30, (40.0, 15.0));
/// let m = Ilu0::new(&a).unwrap();
/// assert_eq!(m.nnz(), a.nnz()); // no fill-in
/// let b = vec![1.0; 900];
/// let (mut x0, mut x1) = (vec![0.0; 900], vec![0.0; 900]);
/// let plain = gmres(&a, &b, &mut x0, &GmresParams::default()).unwrap();
/// let pre = pgmres(&a, &m, &b, &mut x1, &GmresParams::default()).unwrap();
/// assert!(2 * pre.iterations <= plain.iterations);
/// ```
#[derive(Debug, Clone)]
pub struct Ilu0<S> {
    lu: SparseRows<S>,
    setup: Duration,
}

impl<S: Real + nalgebra::Scalar> Ilu0<S> {
    /// Factors `a` (square, every diagonal entry stored).
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`] if `a` is not square;
    /// [`SolverError::FactorizationFailed`] naming the first row whose pivot is zero or not
    /// finite, or that stores no diagonal entry.
    pub fn new(a: &nalgebra_sparse::CsrMatrix<S>) -> Result<Self, SolverError> {
        let start = Instant::now();
        let mut lu = SparseRows::from_csr("ILU(0)", a, |_, _| true)?;
        let mut position = vec![usize::MAX; lu.n()];
        lu.ilu0_in_place(&mut position).map_err(|(row, pivot)| {
            SolverError::FactorizationFailed {
                method: "ILU(0)",
                row,
                pivot: pivot.to_f64().unwrap_or(f64::NAN),
            }
        })?;
        Ok(Self {
            lu,
            setup: start.elapsed(),
        })
    }
}

impl<S: Real> Ilu0<S> {
    /// Nonzeros of the factor (`L` and `U` together, the diagonal once): `A`'s.
    pub fn nnz(&self) -> usize {
        self.lu.nnz()
    }

    /// Bytes the factor takes.
    pub fn memory_bytes(&self) -> usize {
        self.lu.bytes()
    }

    /// How long the factorisation took.
    pub fn setup_time(&self) -> Duration {
        self.setup
    }
}

impl<S: Real> Preconditioner<S> for Ilu0<S> {
    /// `z ← U⁻¹·L⁻¹·r`.
    fn apply(&self, r: &[S], z: &mut [S]) {
        z.copy_from_slice(r);
        self.lu.forward(z, |_| S::one());
        self.lu.backward(z, |i| self.lu.vals[self.lu.diag[i]]);
    }
}
