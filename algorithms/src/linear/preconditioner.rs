//! [`Preconditioner`]: `z ← M⁻¹·r` for preconditioned CG.

use rvf::{Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use crate::error::SolverError;

/// An approximation `M ≈ A` whose inverse is cheap to apply: `z ← M⁻¹·r`. For CG, `M` must be
/// symmetric positive definite.
pub trait Preconditioner<S: Real> {
    /// Whether `M = I`. Solvers then skip the application and the extra vector.
    const IS_IDENTITY: bool = false;

    /// `z ← M⁻¹·r`.
    ///
    /// # Panics
    /// If the dimensions of `r` and `z` differ from the preconditioner's.
    fn apply<R, Z>(&self, r: &R, z: &mut Z)
    where
        R: RealVector<Scalar = S> + ?Sized,
        Z: RealVectorMut<Scalar = S> + ?Sized;
}

/// `M = I`: no preconditioning.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl<S: Real> Preconditioner<S> for Identity {
    const IS_IDENTITY: bool = true;

    #[inline]
    fn apply<R, Z>(&self, r: &R, z: &mut Z)
    where
        R: RealVector<Scalar = S> + ?Sized,
        Z: RealVectorMut<Scalar = S> + ?Sized,
    {
        z.copy_from(r);
    }
}

/// Jacobi (diagonal) preconditioning: `M = diag(A)`.
///
/// ```
/// use rvf::DenseMatrix;
/// use rvf_algorithms::linear::{Jacobi, Preconditioner};
/// let a = DenseMatrix::from_row_major(2, 2, vec![4.0, 1.0, 1.0, 2.0]).unwrap();
/// let m = Jacobi::from_operator(&a).unwrap();
/// let mut z = vec![0.0; 2];
/// m.apply(&vec![8.0, 8.0], &mut z);
/// assert_eq!(z, [2.0, 4.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Jacobi<S> {
    inverse_diagonal: Vec<S>,
}

impl<S: Real> Jacobi<S> {
    /// From the diagonal of `A`.
    ///
    /// # Errors
    /// [`SolverError::InvalidParameter`] if an entry is not positive and finite (the diagonal
    /// of a symmetric positive definite matrix is).
    pub fn new(diagonal: &[S]) -> Result<Self, SolverError> {
        let mut inverse_diagonal = Vec::with_capacity(diagonal.len());
        for &d in diagonal {
            let v = d.to_f64().unwrap_or(f64::NAN);
            if !(v > 0.0 && v.is_finite()) {
                return Err(SolverError::InvalidParameter {
                    name: "Jacobi diagonal entry",
                    value: v,
                    requirement: "must be positive and finite (A must be SPD)",
                });
            }
            inverse_diagonal.push(S::one() / d);
        }
        Ok(Self { inverse_diagonal })
    }

    /// From an operator that can report its diagonal.
    ///
    /// # Errors
    /// [`SolverError::InvalidParameter`] if the operator has no diagonal to give (a closure)
    /// or an entry is not positive and finite.
    pub fn from_operator<A: LinearOperator<S> + ?Sized>(a: &A) -> Result<Self, SolverError> {
        let d = a.diagonal().ok_or(SolverError::InvalidParameter {
            name: "operator diagonal",
            value: f64::NAN,
            requirement: "the operator must provide its diagonal for Jacobi",
        })?;
        Self::new(&d)
    }

    /// `1 / diag(A)`.
    pub fn inverse_diagonal(&self) -> &[S] {
        &self.inverse_diagonal
    }
}

impl<S: Real> Preconditioner<S> for Jacobi<S> {
    #[inline]
    fn apply<R, Z>(&self, r: &R, z: &mut Z)
    where
        R: RealVector<Scalar = S> + ?Sized,
        Z: RealVectorMut<Scalar = S> + ?Sized,
    {
        z.copy_from(r);
        z.multiply_in_place(&self.inverse_diagonal[..]);
    }
}
