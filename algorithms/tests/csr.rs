//! CSR operators: the 32-bit-index `CsrMatrix32` against a dense product written here and
//! against nalgebra-sparse's `CsrMatrix` (the same bits), its structure checks, its
//! transpose, and CG giving the same iterates on both.
#![cfg(feature = "sparse")]

use nalgebra_sparse::{CooMatrix, CsrMatrix};
use proptest::prelude::*;
use rvf::ops::{Local, LocalMut, Strided};
use rvf::Par;
use rvf_algorithms::linear::{
    cg, convection_diffusion_2d_csr, lsqr, CgParams, CsrMatrix32, LinearOperator, LsqrParams,
};
use rvf_algorithms::SolverError;

/// A random sparse matrix (some rows empty) as triplets; duplicates add up in the CSR form.
fn triplets() -> impl Strategy<Value = (usize, usize, Vec<(usize, usize, f64)>)> {
    (1..40usize, 1..40usize).prop_flat_map(|(m, n)| {
        let entry = (0..m, 0..n, -10.0..10.0f64);
        (Just(m), Just(n), prop::collection::vec(entry, 0..200))
    })
}

fn csr_of(m: usize, n: usize, t: &[(usize, usize, f64)]) -> CsrMatrix<f64> {
    let mut coo = CooMatrix::new(m, n);
    for &(i, j, v) in t {
        coo.push(i, j, v);
    }
    CsrMatrix::from(&coo)
}

/// `A·x` from the triplets, with a dense matrix: the independent reference.
fn dense_product(m: usize, n: usize, t: &[(usize, usize, f64)], x: &[f64]) -> Vec<f64> {
    let mut a = vec![vec![0.0; n]; m];
    for &(i, j, v) in t {
        a[i][j] += v;
    }
    a.iter()
        .map(|row| row.iter().zip(x).map(|(p, q)| p * q).sum())
        .collect()
}

proptest! {
    #[test]
    fn the_32_bit_product_is_the_dense_product_and_nalgebras_bits(
        (m, n, t) in triplets(),
        seed in 0..1000u32,
    ) {
        let a = csr_of(m, n, &t);
        let a32 = CsrMatrix32::try_from(&a).unwrap();
        let x: Vec<f64> = (0..n).map(|j| ((j as u32 * 7 + seed) % 13) as f64 - 6.0).collect();
        let (mut y, mut y32) = (vec![0.0; m], vec![0.0; m]);
        a.apply(&x, &mut y);
        a32.apply(&x, &mut y32);
        prop_assert_eq!(&y, &y32);
        let reference = dense_product(m, n, &t, &x);
        for (p, q) in y32.iter().zip(&reference) {
            prop_assert!((p - q).abs() <= 1e-12 * (1.0 + q.abs()));
        }
        // x read with a stride: the same bits.
        let wide: Vec<f64> = x.iter().flat_map(|&v| [v, f64::NAN]).collect();
        // SAFETY: elements 0, 2, …, 2(n − 1) of `wide` are initialised and borrowed here.
        let strided = unsafe { Strided::from_raw_parts(wide.as_ptr(), n, 2) };
        let mut ys = vec![0.0; m];
        a32.apply_local(Par::Seq, Local::Strided(strided), LocalMut::Contiguous(&mut ys));
        prop_assert_eq!(&ys, &y32);
        // The transpose is the adjoint: yᵀ(A·x) = (Aᵀ·y)ᵀx.
        let w: Vec<f64> = (0..m).map(|i| (i % 5) as f64 - 2.0).collect();
        let mut atw = vec![0.0; n];
        a32.apply_transpose(&w, &mut atw).unwrap();
        let lhs: f64 = w.iter().zip(&y32).map(|(p, q)| p * q).sum();
        let rhs: f64 = atw.iter().zip(&x).map(|(p, q)| p * q).sum();
        prop_assert!((lhs - rhs).abs() <= 1e-9 * (1.0 + lhs.abs()));
    }
}

#[test]
fn malformed_structures_are_errors_that_say_what_is_wrong() {
    let err = |r: Result<CsrMatrix32<f64>, SolverError>| match r.unwrap_err() {
        SolverError::InvalidParameter { requirement, .. } => requirement,
        e => panic!("unexpected {e}"),
    };
    let offsets = err(CsrMatrix32::try_from_parts(
        2,
        2,
        vec![0, 1],
        vec![0],
        vec![1.0],
    ));
    assert!(offsets.contains("nrows + 1"), "{offsets}");
    let decreasing = err(CsrMatrix32::try_from_parts(
        2,
        2,
        vec![0, 2, 1],
        vec![0, 1],
        vec![1.0; 2],
    ));
    assert!(decreasing.contains("never decrease"), "{decreasing}");
    let count = err(CsrMatrix32::try_from_parts(
        1,
        2,
        vec![0, 2],
        vec![0],
        vec![1.0],
    ));
    assert!(count.contains("number of nonzeros"), "{count}");
    let column = err(CsrMatrix32::try_from_parts(
        1,
        2,
        vec![0, 1],
        vec![2],
        vec![1.0],
    ));
    assert!(column.contains("below ncols"), "{column}");
    // Empty rows, unsorted columns and duplicates are fine.
    let a = CsrMatrix32::try_from_parts(3, 2, vec![0, 0, 3, 3], vec![1, 0, 1], vec![1.0, 2.0, 3.0])
        .unwrap();
    let mut y = vec![9.0; 3];
    a.apply(&[10.0, 100.0], &mut y);
    assert_eq!(y, [0.0, 420.0, 0.0]);
    assert_eq!(a.diagonal().unwrap(), [0.0, 4.0]);
}

#[test]
fn cg_gives_the_same_iterates_on_both_csr_types() {
    // A symmetric positive definite matrix: convection–diffusion without convection.
    let a = convection_diffusion_2d_csr::<f64>(30, 30, (0.0, 0.0));
    let a32 = CsrMatrix32::try_from(&a).unwrap();
    let b: Vec<f64> = (0..900).map(|i| ((i * 31) % 17) as f64 / 17.0).collect();
    let params = CgParams {
        rel_tol: 1e-10,
        record_history: true,
        ..Default::default()
    };
    let (mut x, mut x32) = (vec![0.0; 900], vec![0.0; 900]);
    let r = cg(&a, &b, &mut x, &params).unwrap();
    let r32 = cg(&a32, &b, &mut x32, &params).unwrap();
    assert_eq!(x, x32);
    assert_eq!(r.history, r32.history);
    // LSQR uses the transpose: also the same.
    let (mut u, mut u32) = (vec![0.0; 900], vec![0.0; 900]);
    lsqr(&a, &b, &mut u, &LsqrParams::default()).unwrap();
    lsqr(&a32, &b, &mut u32, &LsqrParams::default()).unwrap();
    assert_eq!(u, u32);
}

#[cfg(feature = "rayon")]
#[test]
fn parallel_products_give_the_sequential_bits() {
    let a = convection_diffusion_2d_csr::<f64>(300, 300, (20.0, -10.0));
    let a32 = CsrMatrix32::try_from(&a).unwrap();
    let n = 90_000;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
    let (mut seq, mut par) = (vec![0.0; n], vec![0.0; n]);
    a32.apply_local(
        Par::Seq,
        Local::Contiguous(&x),
        LocalMut::Contiguous(&mut seq),
    );
    a32.apply_local(
        Par::Rayon,
        Local::Contiguous(&x),
        LocalMut::Contiguous(&mut par),
    );
    assert_eq!(seq, par);
}

/// `apply_dot_local` (one sweep for the stencil and both CSR types) gives the product and the
/// bits of the product followed by an inner product, under `Par::Seq` and `Par::Rayon`, and
/// with a strided `x` (two passes), on sizes below and above the parallel threshold.
#[test]
fn fused_products_give_the_bits_of_product_then_dot() {
    use rvf::RealVector;
    use rvf_algorithms::linear::{poisson_2d_csr, Poisson2d};
    for n in [7usize, 61, 300] {
        let stencil = Poisson2d::<f64>::new(n, n + 3);
        let csr = poisson_2d_csr::<f64>(n, n + 3);
        let csr32 = CsrMatrix32::try_from(&csr).unwrap();
        let len = n * (n + 3);
        let x: Vec<f64> = (0..len).map(|i| (i as f64 * 0.37).sin()).collect();
        let backing: Vec<f64> = x.iter().flat_map(|&v| [v, f64::NAN]).collect();
        let ops: [&dyn LinearOperator<f64>; 3] = [&stencil, &csr, &csr32];
        for (k, op) in ops.into_iter().enumerate() {
            // Each operator's own product (the stencil and CSR add the five terms in
            // different orders), then the inner product.
            let mut expected = vec![0.0; len];
            op.apply(&x, &mut expected);
            let dot = x.inner_product(&expected);
            for par in [Par::Seq, Par::Rayon] {
                let mut y = vec![0.0; len];
                let d =
                    op.apply_dot_local(par, Local::Contiguous(&x), LocalMut::Contiguous(&mut y));
                assert_eq!(
                    (d.to_bits(), &y),
                    (dot.to_bits(), &expected),
                    "op {k}, n {n}, {par:?}"
                );
                // SAFETY: `len` elements at stride 2 lie inside `backing`.
                let strided = unsafe { Strided::from_raw_parts(backing.as_ptr(), len, 2) };
                let mut y = vec![0.0; len];
                let d =
                    op.apply_dot_local(par, Local::Strided(strided), LocalMut::Contiguous(&mut y));
                assert_eq!(
                    (d.to_bits(), &y),
                    (dot.to_bits(), &expected),
                    "strided, op {k}, n {n}"
                );
            }
        }
    }
}
