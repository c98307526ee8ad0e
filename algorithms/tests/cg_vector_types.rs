//! One generic CG on many vector types: the same problem gives the same iterates on `Vec`,
// Reference computations are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]
//! nalgebra's `DVector` and ndarray's `Array1`, and a mock "distributed" vector proves every
//! reduction inside the solver goes through the vector's reduction context.

use approx::assert_relative_eq;
use rvf::arena::{ArenaClone, ArenaError, ArenaVec, Scope};
use rvf::prelude::*;
use rvf_algorithms::linear::{cg, CgParams, LinearOperator, Poisson2d};

/// A vector that behaves as if two processes held identical copies of its block: the global
/// dimension is twice the local length, and every sum is doubled by `reduce_sum`. A solver
/// that reduced a temporary without the context would compute wrong step lengths.
#[derive(Clone, Debug)]
struct Mirrored<V>(V);

impl<V: RealVector> RealVector for Mirrored<V> {
    type Scalar = V::Scalar;
    fn local(&self) -> Local<'_, V::Scalar> {
        self.0.local()
    }
    fn dimension(&self) -> usize {
        2 * self.0.local().len()
    }
    fn reduce_sum(&self, partial: V::Scalar) -> V::Scalar {
        partial + partial
    }
}

impl<V: RealVectorMut> RealVectorMut for Mirrored<V> {
    fn local_mut(&mut self) -> LocalMut<'_, V::Scalar> {
        self.0.local_mut()
    }
}

impl<V: RealVector<Scalar = f64>> ArenaClone for Mirrored<V> {
    type Temp<'s>
        = Mirrored<ArenaVec<'s, f64>>
    where
        Self: 's;
    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's,
    {
        let mut it = self.0.local().iter();
        let v = scope.alloc_with(self.0.local().len(), |_| *it.next().unwrap())?;
        Ok(Mirrored(v))
    }
}

/// The 2-D Poisson operator acting on each process's (identical) block.
struct MirroredOp(Poisson2d<f64>);

impl LinearOperator<f64> for MirroredOp {
    fn nrows(&self) -> usize {
        2 * self.0.nrows()
    }
    fn ncols(&self) -> usize {
        2 * self.0.ncols()
    }
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        // Each process applies the stencil to its own block (local lengths only).
        self.0.apply(x, y);
    }
}

fn problem() -> (Poisson2d<f64>, Vec<f64>) {
    let n = 24;
    let b = (0..n * n).map(|k| ((k * 13) % 17) as f64 - 8.0).collect();
    (Poisson2d::new(n, n), b)
}

#[cfg(any(all(feature = "nalgebra", feature = "ndarray"), feature = "sparse"))]
fn solve_vec() -> (usize, Vec<f64>) {
    let (r, x) = solve_vec_full();
    (r.iterations, x)
}

fn solve_vec_full() -> (rvf_algorithms::linear::SolveReport<f64>, Vec<f64>) {
    let (a, b) = problem();
    let mut x = vec![0.0; b.len()];
    let r = cg(
        &a,
        &b,
        &mut x,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();
    (r, x)
}

#[test]
fn a_lost_reduction_would_show_and_does_not() {
    let (serial, reference) = solve_vec_full();
    let iterations = serial.iterations;
    let (a, b) = problem();
    let bm = Mirrored(b.clone());
    let mut xm = Mirrored(vec![0.0; b.len()]);
    let r = cg(
        &MirroredOp(a),
        &bm,
        &mut xm,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.iterations, iterations);
    // The global residual norm covers both copies: √2 times the serial one. A temporary that
    // dropped the reduction context would report the serial value.
    assert_relative_eq!(
        r.residual,
        serial.residual * 2f64.sqrt(),
        max_relative = 1e-9
    );
    assert_relative_eq!(
        r.relative_residual,
        serial.relative_residual,
        max_relative = 1e-9
    );
    for (p, q) in xm.0.iter().zip(&reference) {
        assert_relative_eq!(p, q, max_relative = 1e-12, epsilon = 1e-14);
    }
}

#[cfg(all(feature = "nalgebra", feature = "ndarray"))]
#[test]
fn vec_dvector_and_array1_give_the_same_iterates() {
    let (iterations, reference) = solve_vec();
    let (a, b) = problem();

    let bn = nalgebra::DVector::from_vec(b.clone());
    let mut xn = nalgebra::DVector::zeros(b.len());
    let rn = cg(
        &a,
        &bn,
        &mut xn,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();

    let ba = ndarray::Array1::from(b.clone());
    let mut xa = ndarray::Array1::zeros(b.len());
    let ra = cg(
        &a,
        &ba,
        &mut xa,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();

    // Every other element of longer arrays: strided views for b and for x.
    let spread =
        |v: &[f64]| -> ndarray::Array1<f64> { v.iter().flat_map(|&e| [e, f64::NAN]).collect() };
    let bs_storage = spread(&b);
    let bs = bs_storage.slice(ndarray::s![..;2]);
    let mut xs_storage = spread(&vec![0.0; b.len()]);
    let mut xs = xs_storage.slice_mut(ndarray::s![..;2]);
    let rs = cg(
        &a,
        &bs,
        &mut xs,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();

    assert_eq!(rn.iterations, iterations);
    assert_eq!(ra.iterations, iterations);
    assert_eq!(rs.iterations, iterations);
    // The kernels are deterministic and layout-independent: bit-for-bit the same.
    assert_eq!(xn.as_slice(), &reference[..]);
    assert_eq!(xa.as_slice().unwrap(), &reference[..]);
    assert_eq!(xs.to_vec(), reference);
    // The solve wrote only the view's elements.
    assert!(xs_storage.iter().skip(1).step_by(2).all(|v| v.is_nan()));
}

#[cfg(all(feature = "nalgebra", feature = "ndarray"))]
#[test]
fn library_matrices_are_operators() {
    use rvf_algorithms::linear::Jacobi;
    let n = 12;
    let dense = nalgebra::DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            4.0
        } else if i.abs_diff(j) == 1 {
            -1.0
        } else {
            0.0
        }
    });
    let arr = ndarray::Array2::from_shape_fn((n, n), |(i, j)| dense[(i, j)]);
    let b: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut x1 = vec![0.0; n];
    let mut x2 = vec![0.0; n];
    cg(
        &dense,
        &b,
        &mut x1,
        &CgParams {
            rel_tol: 1e-12,
            ..Default::default()
        },
    )
    .unwrap();
    cg(
        &arr,
        &b,
        &mut x2,
        &CgParams {
            rel_tol: 1e-12,
            ..Default::default()
        },
    )
    .unwrap();
    let bx = dense.clone() * nalgebra::DVector::from_vec(x1.clone());
    for i in 0..n {
        assert_relative_eq!(bx[i], b[i], epsilon = 1e-9);
        assert_relative_eq!(x1[i], x2[i], max_relative = 1e-10);
    }
    assert_eq!(
        Jacobi::from_operator(&arr).unwrap().inverse_diagonal()[0],
        0.25
    );
}

#[cfg(feature = "sparse")]
#[test]
fn csr_poisson_matches_the_matrix_free_operator() {
    use rvf_algorithms::linear::poisson_2d_csr;
    let (a, b) = problem();
    let csr = poisson_2d_csr::<f64>(24, 24);
    let mut x = vec![0.0; b.len()];
    let r = cg(
        &csr,
        &b,
        &mut x,
        &CgParams {
            rel_tol: 1e-10,
            ..Default::default()
        },
    )
    .unwrap();
    let (iterations, reference) = solve_vec();
    assert_eq!(r.iterations, iterations);
    for (p, q) in x.iter().zip(&reference) {
        assert_relative_eq!(p, q, max_relative = 1e-10, epsilon = 1e-13);
    }
    let mut y1 = vec![0.0; b.len()];
    let mut y2 = vec![0.0; b.len()];
    csr.apply(&b, &mut y1);
    a.apply(&b, &mut y2);
    for (p, q) in y1.iter().zip(&y2) {
        assert_relative_eq!(p, q, max_relative = 1e-12, epsilon = 1e-9);
    }
}
