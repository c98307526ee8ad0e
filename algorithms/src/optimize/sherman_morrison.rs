//! Sherman–Morrison: solves with a matrix plus a rank-one update, `(A + u·vᵀ)·x = b`, from a
//! solver for `A`.

use rvf::{Real, RealVector, RealVectorMut};

use crate::error::{same_dim, to_f64, SolverError};
use crate::linear::LinearOperator;

/// Refuses an update whose denominator `1 + vᵀA⁻¹u` is zero or lost to cancellation: the
/// updated matrix is then singular to working precision.
fn check_denominator<S: Real>(vw: S) -> Result<S, SolverError> {
    let denom = S::one() + vw;
    let floor = S::from_f64_lossy(100.0) * S::epsilon() * (S::one() + vw.abs());
    if denom.is_nan() || denom.abs() <= floor {
        return Err(SolverError::Breakdown {
            iteration: 0,
            quantity: "1 + vᵀA⁻¹u",
            value: to_f64(denom),
        });
    }
    Ok(denom)
}

/// Solves `(I + u·vᵀ)·x = b`: `x = b − u·(vᵀb)/(1 + vᵀu)`.
///
/// ```
/// use rvf_algorithms::optimize::identity_plus_rank_one_solve;
/// let (u, v) = (vec![1.0, 0.0], vec![0.0, 2.0]); // I + u·vᵀ = [[1, 2], [0, 1]]
/// let mut x = vec![0.0; 2];
/// identity_plus_rank_one_solve(&u, &v, &vec![5.0, 2.0], &mut x).unwrap();
/// assert_eq!(x, [1.0, 2.0]);
/// ```
///
/// # Errors
/// [`SolverError::DimensionMismatch`]; [`SolverError::Breakdown`] when `1 + vᵀu` is zero or
/// nearly so (within `100·ε·(1 + |vᵀu|)`).
pub fn identity_plus_rank_one_solve<S, U, V, B, X>(
    u: &U,
    v: &V,
    b: &B,
    x: &mut X,
) -> Result<(), SolverError>
where
    S: Real,
    U: RealVector<Scalar = S> + ?Sized,
    V: RealVector<Scalar = S> + ?Sized,
    B: RealVector<Scalar = S> + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
{
    let n = u.dimension();
    same_dim("sherman_morrison (v)", n, v.dimension())?;
    same_dim("sherman_morrison (b)", n, b.dimension())?;
    same_dim("sherman_morrison (x)", n, x.dimension())?;
    let denom = check_denominator(v.inner_product(u))?;
    let vb = v.inner_product(b);
    x.copy_from(b);
    x.axpy_in_place(-vb / denom, u);
    Ok(())
}

/// `(A + u·vᵀ)⁻¹` applied to any number of right-hand sides, given `A⁻¹` as an operator
/// (an exact solve, a factorisation, or any linear map). `A⁻¹u` and `1 + vᵀA⁻¹u` are computed
/// once, at construction.
///
/// ```
/// use rvf::DenseMatrix;
/// use rvf_algorithms::optimize::ShermanMorrison;
/// // A = diag(2, 4), so A⁻¹ = diag(1/2, 1/4); update with u = v = (1, 1).
/// let a_inv = DenseMatrix::from_row_major(2, 2, vec![0.5, 0.0, 0.0, 0.25]).unwrap();
/// let sm = ShermanMorrison::new(&a_inv, &vec![1.0, 1.0], &vec![1.0, 1.0]).unwrap();
/// // A + u·vᵀ = [[3, 1], [1, 5]]; solve for b = (4, 6): x = (1, 1).
/// let mut x = vec![0.0_f64; 2];
/// sm.solve(&vec![4.0, 6.0], &mut x).unwrap();
/// assert!((x[0] - 1.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14);
/// ```
#[derive(Debug, Clone)]
pub struct ShermanMorrison<'a, S, A: ?Sized> {
    a_inv: &'a A,
    v: Vec<S>,
    a_inv_u: Vec<S>,
    denominator: S,
}

impl<'a, S: Real, A: LinearOperator<S> + ?Sized> ShermanMorrison<'a, S, A> {
    /// Prepares solves with `A + u·vᵀ`.
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`]; [`SolverError::Breakdown`] when `1 + vᵀA⁻¹u` is
    /// zero or nearly so (the updated matrix is singular).
    pub fn new<U, V>(a_inv: &'a A, u: &U, v: &V) -> Result<Self, SolverError>
    where
        U: RealVector<Scalar = S> + ?Sized,
        V: RealVector<Scalar = S> + ?Sized,
    {
        let n = a_inv.nrows();
        same_dim("ShermanMorrison (A⁻¹ must be square)", n, a_inv.ncols())?;
        same_dim("ShermanMorrison (u)", n, u.dimension())?;
        same_dim("ShermanMorrison (v)", n, v.dimension())?;
        let mut a_inv_u = vec![S::zero(); n];
        a_inv.apply_local(
            rvf::Par::Seq,
            u.local(),
            rvf::LocalMut::Contiguous(&mut a_inv_u),
        );
        let v: Vec<S> = v.local().iter().copied().collect();
        let denominator = check_denominator(v.inner_product(&a_inv_u))?;
        Ok(Self {
            a_inv,
            v,
            a_inv_u,
            denominator,
        })
    }

    /// `1 + vᵀA⁻¹u`.
    pub fn denominator(&self) -> S {
        self.denominator
    }

    /// `x ← (A + u·vᵀ)⁻¹·b = A⁻¹b − A⁻¹u·(vᵀA⁻¹b)/(1 + vᵀA⁻¹u)`.
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`] if `b` or `x` do not fit.
    pub fn solve<B, X>(&self, b: &B, x: &mut X) -> Result<(), SolverError>
    where
        B: RealVector<Scalar = S> + ?Sized,
        X: RealVectorMut<Scalar = S> + ?Sized,
    {
        let n = self.v.len();
        same_dim("ShermanMorrison::solve (b)", n, b.dimension())?;
        same_dim("ShermanMorrison::solve (x)", n, x.dimension())?;
        self.a_inv
            .apply_local(rvf::Par::Seq, b.local(), x.local_mut());
        let vx = x.inner_product(&self.v[..]);
        x.axpy_in_place(-vx / self.denominator, &self.a_inv_u[..]);
        Ok(())
    }
}
