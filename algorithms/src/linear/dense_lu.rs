//! Dense LU with partial pivoting, in place and without allocation after set-up (faer's
//! kernels, feature `faer`): the Newton matrix `I − c·J` of the implicit integrators.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::{factor, solve};
use faer::perm::PermRef;
use faer::{MatMut, MatRef};
use rvf::Real;

/// The scalars the dense LU works in: `f32` and `f64`.
pub trait LuScalar: Real + faer::traits::ComplexField + private::Sealed {}

impl LuScalar for f32 {}
impl LuScalar for f64 {}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// An `n × n` matrix, its LU factors in place, and the scratch faer needs, all allocated
/// once.
pub(crate) struct DenseLu<S> {
    n: usize,
    /// Column-major `n × n`: the matrix, then its packed factors (unit `L` below the
    /// diagonal, `U` on and above).
    lu: Vec<S>,
    perm: Vec<usize>,
    perm_inv: Vec<usize>,
    scratch: MemBuffer,
}

impl<S: LuScalar> DenseLu<S> {
    pub fn new(n: usize) -> Self {
        let par = faer::Par::Seq;
        let req = factor::lu_in_place_scratch::<usize, S>(n, n, par, Default::default())
            .or(solve::solve_in_place_scratch::<usize, S>(n, 1, par));
        Self {
            n,
            lu: vec![S::zero(); n * n],
            perm: vec![0; n],
            perm_inv: vec![0; n],
            scratch: MemBuffer::new(req),
        }
    }

    /// The matrix to factor, column-major: entry `(i, j)` at `j·n + i`.
    pub fn matrix_mut(&mut self) -> &mut [S] {
        &mut self.lu
    }

    /// Factors the matrix in place. `Err(row)` names the first pivot at rounding level,
    /// `|uᵢᵢ| ≤ n·ε·max|aᵢⱼ|` (the matrix is singular to working precision; the factors are
    /// then unusable).
    pub fn factor(&mut self) -> Result<(), usize> {
        let n = self.n;
        let largest = self.lu.iter().fold(S::zero(), |m, v| m.max(v.abs()));
        let negligible = S::from_usize_lossy(n.max(1)) * S::epsilon() * largest;
        let a = MatMut::from_column_major_slice_mut(&mut self.lu, n, n);
        factor::lu_in_place(
            a,
            &mut self.perm,
            &mut self.perm_inv,
            faer::Par::Seq,
            MemStack::new(&mut self.scratch),
            Default::default(),
        );
        let unusable = |u: S| u.abs() <= negligible || !u.is_finite();
        match (0..n).find(|&i| unusable(self.lu[i * n + i])) {
            Some(row) => Err(row),
            None => Ok(()),
        }
    }

    /// `rhs ← A⁻¹·rhs` with the factors of the last successful [`factor`](Self::factor).
    pub fn solve_in_place(&mut self, rhs: &mut [S]) {
        let n = self.n;
        let lu = MatRef::from_column_major_slice(&self.lu, n, n);
        let perm = PermRef::new_checked(&self.perm, &self.perm_inv, n);
        let rhs = MatMut::from_column_major_slice_mut(rhs, n, 1);
        solve::solve_in_place(
            lu,
            lu,
            perm,
            rhs,
            faer::Par::Seq,
            MemStack::new(&mut self.scratch),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_system_that_needs_pivoting_and_names_a_zero_pivot() {
        // A = [[0, 2, 1], [1, 1, 0], [3, 0, 1]] (column-major below), b = A·[1, 2, 3].
        let mut lu = DenseLu::<f64>::new(3);
        lu.matrix_mut()
            .copy_from_slice(&[0.0, 1.0, 3.0, 2.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        lu.factor().unwrap();
        let mut b = [7.0, 3.0, 6.0];
        lu.solve_in_place(&mut b);
        for (v, e) in b.iter().zip([1.0, 2.0, 3.0]) {
            assert!((v - e).abs() < 1e-14, "{b:?}");
        }
        // Refactor the same buffers: a singular matrix (two equal columns).
        lu.matrix_mut()
            .copy_from_slice(&[1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 0.0, 1.0, 5.0]);
        assert!(lu.factor().is_err());
    }
}
