//! [`Preconditioner`]: `z ← M⁻¹·r` for preconditioned Krylov methods.

use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use crate::error::SolverError;

/// An approximation `M ≈ A` whose inverse is cheap to apply: `z ← M⁻¹·r`. For CG, `M` must be
/// symmetric positive definite.
///
/// Implement [`apply`](Self::apply) over slices; solvers call
/// [`apply_local`](Self::apply_local), which passes contiguous storage straight through and
/// gathers strided storage (see [`LinearOperator`]). Dyn-compatible, like the operators.
///
/// ```
/// use rvf_algorithms::linear::{pcg, CgParams, Poisson1d, Preconditioner};
///
/// /// Scales by a constant: M = c·I.
/// struct Scaled(f64);
///
/// impl Preconditioner<f64> for Scaled {
///     fn apply(&self, r: &[f64], z: &mut [f64]) {
///         for (zi, ri) in z.iter_mut().zip(r) {
///             *zi = ri / self.0;
///         }
///     }
/// }
///
/// let a = Poisson1d::<f64>::new(40);
/// let m: &dyn Preconditioner<f64> = &Scaled(2.0 * 41.0 * 41.0); // diag(A)
/// let mut x = vec![0.0; 40];
/// let report = pcg(&a, m, &vec![1.0; 40], &mut x, &CgParams::default()).unwrap();
/// assert!(report.relative_residual <= 1e-8);
/// ```
pub trait Preconditioner<S: Real> {
    /// `z ← M⁻¹·r` on slices of the preconditioner's dimension.
    fn apply(&self, r: &[S], z: &mut [S]);

    /// `z ← M⁻¹·r` on this process's storage of any vector, with the parallelism `par`; the
    /// default runs [`apply`](Self::apply) on slices and ignores `par`. Overrides must give
    /// the same bits for every `par`.
    fn apply_local(&self, par: Par, r: Local<'_, S>, mut z: LocalMut<'_, S>) {
        let _ = par;
        r.with_slice(|rs| z.with_slice_mut(|zs| self.apply(rs, zs)));
    }

    /// Whether `M = I`. Solvers then skip the application and its work vector.
    fn is_identity(&self) -> bool {
        false
    }
}

macro_rules! forward_preconditioner {
    ($($ptr:ty),+) => {$(
        impl<S: Real, M: Preconditioner<S> + ?Sized> Preconditioner<S> for $ptr {
            fn apply(&self, r: &[S], z: &mut [S]) {
                (**self).apply(r, z)
            }
            fn apply_local(&self, par: Par, r: Local<'_, S>, z: LocalMut<'_, S>) {
                (**self).apply_local(par, r, z)
            }
            fn is_identity(&self) -> bool {
                (**self).is_identity()
            }
        }
    )+};
}

forward_preconditioner!(&M, Box<M>);

/// The step every preconditioned Krylov method repeats: `z ← M⁻¹·r` and the inner product
/// `rᵀz`. With the identity there is no `z` (pass `None`): the product is `rᵀr` and callers
/// read `r` where they would read `z`.
pub(crate) fn precondition<S, M, R, Z>(par: Par, m: &M, r: &R, z: Option<&mut Z>) -> S
where
    S: Real,
    M: Preconditioner<S> + ?Sized,
    R: RealVector<Scalar = S> + ?Sized,
    Z: RealVectorMut<Scalar = S> + ?Sized,
{
    match z {
        None => par.l2norm_squared(r),
        Some(z) => {
            m.apply_local(par, r.local(), z.local_mut());
            par.inner_product(r, z)
        }
    }
}

/// `M = I`: no preconditioning.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl<S: Real> Preconditioner<S> for Identity {
    fn apply(&self, r: &[S], z: &mut [S]) {
        z.copy_from_slice(r);
    }
    fn apply_local(&self, par: Par, r: Local<'_, S>, mut z: LocalMut<'_, S>) {
        par.copy(&mut z, &r);
    }
    fn is_identity(&self) -> bool {
        true
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
/// m.apply(&[8.0, 8.0], &mut z);
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
    /// [`SolverError::InvalidParameter`] naming the first entry that is not positive and
    /// finite (the diagonal of a symmetric positive definite matrix is).
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
    /// ```
    /// use rvf_algorithms::linear::{FnOperator, Jacobi};
    /// use rvf_algorithms::SolverError;
    /// let closure = FnOperator::square(2, |x: &[f64], y: &mut [f64]| y.copy_from_slice(x));
    /// let err = Jacobi::from_operator(&closure).unwrap_err();
    /// assert!(matches!(err, SolverError::MissingCapability { .. }));
    /// assert!(err.to_string().contains("Jacobi::new"));
    /// ```
    ///
    /// # Errors
    /// [`SolverError::MissingCapability`] if the operator has no diagonal to give (a closure:
    /// pass the diagonal to [`Jacobi::new`] instead), [`SolverError::InvalidParameter`] if an
    /// entry is not positive and finite.
    pub fn from_operator<A: LinearOperator<S> + ?Sized>(a: &A) -> Result<Self, SolverError> {
        let d = a.diagonal().ok_or(SolverError::MissingCapability {
            capability: "diagonal()",
            needed_by: "Jacobi::from_operator needs the diagonal; give it to Jacobi::new, or \
                        implement LinearOperator::diagonal",
        })?;
        Self::new(&d)
    }

    /// `1 / diag(A)`.
    pub fn inverse_diagonal(&self) -> &[S] {
        &self.inverse_diagonal
    }
}

impl<S: Real> Preconditioner<S> for Jacobi<S> {
    fn apply(&self, r: &[S], z: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(r), LocalMut::Contiguous(z));
    }
    fn apply_local(&self, par: Par, r: Local<'_, S>, mut z: LocalMut<'_, S>) {
        par.zip(&mut z, (&r, &self.inverse_diagonal[..]), |zi, [ri, di]| {
            *zi = ri * di
        });
    }
}
