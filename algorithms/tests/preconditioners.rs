//! ILU(0), IC(0) and SSOR: exact where the theory says so, iteration counts cut, symmetry
//! and definiteness, and the failures named by row.
#![cfg(feature = "sparse")]

use approx::assert_relative_eq;
use nalgebra_sparse::{CooMatrix, CsrMatrix};
use rvf::prelude::*;
use rvf_algorithms::linear::{
    bicgstab, cg, convection_diffusion_2d_csr, gmres, pbicgstab, pcg, pgmres, poisson_2d_csr,
    BicgstabParams, CgParams, GmresParams, Ic0, Ilu0, LinearOperator, Preconditioner, Ssor,
};
use rvf_algorithms::SolverError;

/// A dense matrix stored in CSR with every entry: ILU(0) and IC(0) are then the exact LU and
/// Cholesky factorisations.
fn full_csr(n: usize, f: impl Fn(usize, usize) -> f64) -> CsrMatrix<f64> {
    let mut coo = CooMatrix::new(n, n);
    for i in 0..n {
        for j in 0..n {
            coo.push(i, j, f(i, j));
        }
    }
    CsrMatrix::from(&coo)
}

fn from_entries(n: usize, entries: &[(usize, usize, f64)]) -> CsrMatrix<f64> {
    let mut coo = CooMatrix::new(n, n);
    for &(i, j, v) in entries {
        coo.push(i, j, v);
    }
    CsrMatrix::from(&coo)
}

fn residual(a: &CsrMatrix<f64>, x: &[f64], b: &[f64]) -> f64 {
    // Row by row from the CSR data: independent of the library's product.
    let mut s = 0.0;
    for (i, row) in a.row_iter().enumerate() {
        let ax: f64 = row
            .col_indices()
            .iter()
            .zip(row.values())
            .map(|(&j, &v)| v * x[j])
            .sum();
        s += (b[i] - ax).powi(2);
    }
    s.sqrt()
}

#[test]
fn on_a_full_pattern_the_incomplete_factorisations_are_exact() {
    let n = 8;
    // Non-symmetric, diagonally dominant; and SPD.
    let general = full_csr(n, |i, j| {
        if i == j {
            10.0 + i as f64
        } else {
            1.0 / (1.0 + (i + 2 * j) as f64)
        }
    });
    let spd = full_csr(n, |i, j| {
        if i == j {
            6.0
        } else {
            1.0 / (1.0 + i.abs_diff(j) as f64)
        }
    });
    let b: Vec<f64> = (0..n).map(|i| (i as f64).cos()).collect();
    let mut z = vec![0.0; n];
    Ilu0::new(&general).unwrap().apply(&b, &mut z);
    assert!(residual(&general, &z, &b) <= 1e-12);
    Ic0::new(&spd).unwrap().apply(&b, &mut z);
    assert!(residual(&spd, &z, &b) <= 1e-12);
    // A tridiagonal pattern has no fill-in: exact too, and one GMRES iteration suffices.
    let tri = convection_diffusion_2d_csr::<f64>(50, 1, (30.0, 0.0));
    let m = Ilu0::new(&tri).unwrap();
    let b = vec![1.0; 50];
    let mut x = vec![0.0; 50];
    let r = pgmres(&tri, &m, &b, &mut x, &GmresParams::default()).unwrap();
    assert_eq!(r.iterations, 1);
}

#[test]
fn ilu0_at_least_halves_gmres_and_bicgstab_iterations_on_convection_diffusion() {
    let (nx, ny) = (48, 48);
    let a = convection_diffusion_2d_csr::<f64>(nx, ny, (40.0, 15.0));
    let m = Ilu0::new(&a).unwrap();
    println!(
        "ILU(0): {} nonzeros, {} bytes, set up in {:?}",
        m.nnz(),
        m.memory_bytes(),
        m.setup_time()
    );
    let b: Vec<f64> = (0..nx * ny).map(|k| 1.0 + (k % 5) as f64).collect();
    let (mut x0, mut x1, mut x2, mut x3) = (
        vec![0.0; nx * ny],
        vec![0.0; nx * ny],
        vec![0.0; nx * ny],
        vec![0.0; nx * ny],
    );
    let g0 = gmres(&a, &b, &mut x0, &GmresParams::default()).unwrap();
    let g1 = pgmres(&a, &m, &b, &mut x1, &GmresParams::default()).unwrap();
    let b0 = bicgstab(&a, &b, &mut x2, &BicgstabParams::default()).unwrap();
    let b1 = pbicgstab(&a, &m, &b, &mut x3, &BicgstabParams::default()).unwrap();
    println!(
        "GMRES(30) {} → {} with ILU(0); BiCGSTAB {} → {}",
        g0.iterations, g1.iterations, b0.iterations, b1.iterations
    );
    assert!(2 * g1.iterations <= g0.iterations);
    assert!(2 * b1.iterations <= b0.iterations);
    let bn = b.l2norm();
    for x in [&x1, &x3] {
        assert!(residual(&a, x, &b) <= 1e-8 * bn);
    }
}

#[test]
fn ic0_and_ssor_cut_cg_iterations_on_poisson() {
    let n = 64;
    let a = poisson_2d_csr::<f64>(n, n);
    let b: Vec<f64> = (0..n * n).map(|k| 1.0 + ((k * 3) % 7) as f64).collect();
    let mut x = vec![0.0; n * n];
    let plain = cg(&a, &b, &mut x, &CgParams::default()).unwrap();
    let ic = Ic0::new(&a).unwrap();
    assert_eq!(ic.nnz(), (a.nnz() + n * n) / 2); // the lower triangle, diagonal included
    let mut x = vec![0.0; n * n];
    let with_ic = pcg(&a, &ic, &b, &mut x, &CgParams::default()).unwrap();
    assert!(residual(&a, &x, &b) <= 1e-8 * b.l2norm());
    let ssor = Ssor::new(&a, 1.6).unwrap();
    let mut x = vec![0.0; n * n];
    let with_ssor = pcg(&a, &ssor, &b, &mut x, &CgParams::default()).unwrap();
    assert!(residual(&a, &x, &b) <= 1e-8 * b.l2norm());
    println!(
        "CG {}; IC(0) {}; SSOR(1.6) {}",
        plain.iterations, with_ic.iterations, with_ssor.iterations
    );
    assert!(2 * with_ic.iterations <= plain.iterations);
    assert!(2 * with_ssor.iterations <= plain.iterations);
}

#[test]
fn ssor_is_symmetric_positive_definite_for_relaxations_in_0_2() {
    let a = poisson_2d_csr::<f64>(12, 9);
    let n = 108;
    let u: Vec<f64> = (0..n).map(|k| (k as f64 * 0.7).sin()).collect();
    let v: Vec<f64> = (0..n).map(|k| (k as f64 * 0.3).cos() - 0.2).collect();
    for omega in [0.3, 1.0, 1.5, 1.9] {
        let m = Ssor::new(&a, omega).unwrap();
        let (mut mu, mut mv) = (vec![0.0; n], vec![0.0; n]);
        m.apply(&u, &mut mu);
        m.apply(&v, &mut mv);
        assert_relative_eq!(
            mu.inner_product(&v),
            u.inner_product(&mv),
            max_relative = 1e-12
        );
        assert!(mu.inner_product(&u) > 0.0 && mv.inner_product(&v) > 0.0);
    }
    // ω = 1 is symmetric Gauss–Seidel: M = (D + L)·D⁻¹·(D + U). Check M·z = r with z = M⁻¹r.
    let m = Ssor::new(&a, 1.0).unwrap();
    let mut z = vec![0.0; n];
    m.apply(&u, &mut z);
    // (D + U)·z, then D⁻¹, then (D + L), from the CSR rows.
    let (mut t, mut back) = (vec![0.0; n], vec![0.0; n]);
    let d: Vec<f64> = (0..n)
        .map(|i| a.get_entry(i, i).unwrap().into_value())
        .collect();
    for (i, row) in a.row_iter().enumerate() {
        t[i] = row
            .col_indices()
            .iter()
            .zip(row.values())
            .filter(|(&j, _)| j >= i)
            .map(|(&j, &w)| w * z[j])
            .sum::<f64>()
            / d[i];
    }
    for (i, row) in a.row_iter().enumerate() {
        back[i] = row
            .col_indices()
            .iter()
            .zip(row.values())
            .filter(|(&j, _)| j <= i)
            .map(|(&j, &w)| w * t[j])
            .sum();
    }
    for (p, q) in back.iter().zip(&u) {
        assert_relative_eq!(p, q, epsilon = 1e-12);
    }
}

#[test]
fn failed_factorisations_name_the_row() {
    // A zero pivot in row 0.
    let swap = from_entries(2, &[(0, 0, 0.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 0.0)]);
    let e = Ilu0::new(&swap).unwrap_err();
    assert_eq!(
        e,
        SolverError::FactorizationFailed {
            method: "ILU(0)",
            row: 0,
            pivot: 0.0
        }
    );
    assert!(e.to_string().contains("row 0"));
    // Symmetric, not positive definite: the pivot of row 1 is 1 − 4 = −3. A shift of the
    // diagonal by α·diag makes it (1 + α) − 4/(1 + α) > 0 for α > 1.
    let indefinite = from_entries(2, &[(0, 0, 1.0), (0, 1, 2.0), (1, 0, 2.0), (1, 1, 1.0)]);
    let e = Ic0::new(&indefinite).unwrap_err();
    let SolverError::FactorizationFailed { method, row, pivot } = e else {
        panic!("{e:?}");
    };
    assert_eq!((method, row), ("IC(0)", 1));
    assert_relative_eq!(pivot, -3.0, epsilon = 1e-12);
    assert!(Ic0::with_shift(&indefinite, 1.5).is_ok());
    // A row that stores no diagonal entry.
    let missing = from_entries(2, &[(0, 0, 1.0), (1, 0, 1.0)]);
    assert!(matches!(
        Ilu0::new(&missing),
        Err(SolverError::FactorizationFailed { row: 1, .. })
    ));
    let a = poisson_2d_csr::<f64>(4, 4);
    for omega in [0.0, 2.0, -1.0, f64::NAN] {
        assert!(matches!(
            Ssor::new(&a, omega),
            Err(SolverError::InvalidParameter { name: "omega", .. })
        ));
    }
    assert!(matches!(
        Ic0::with_shift(&a, -0.1),
        Err(SolverError::InvalidParameter { name: "shift", .. })
    ));
}

#[test]
fn csr_transposes_match_the_transposed_matrix() {
    let a = convection_diffusion_2d_csr::<f64>(9, 7, (25.0, -10.0));
    let at = a.transpose();
    let x: Vec<f64> = (0..63).map(|k| (k as f64 * 0.21).sin()).collect();
    let (mut y1, mut y2) = (vec![0.0; 63], vec![0.0; 63]);
    a.apply_transpose(&x, &mut y1).unwrap();
    at.apply(&x, &mut y2);
    for (p, q) in y1.iter().zip(&y2) {
        assert_relative_eq!(p, q, max_relative = 1e-13, epsilon = 1e-10);
    }
}
