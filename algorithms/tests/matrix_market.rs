//! Matrix Market files: the entries as written (general, mirrored symmetric and
//! skew-symmetric, duplicates summed), a 2-D Poisson matrix written out and read back equal
//! to the one built in memory and solved alike, and a clear error for each kind of bad file.
#![cfg(feature = "sparse")]

use std::path::PathBuf;

use rvf_algorithms::linear::{cg, poisson_2d_csr, read_matrix_market, CgParams};
use rvf_algorithms::SolverError;

/// Writes `text` to a file of its own in the temporary directory.
fn file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("rvf_test_{}_{name}.mtx", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn dense(a: &nalgebra_sparse::CsrMatrix<f64>) -> Vec<Vec<f64>> {
    let mut d = vec![vec![0.0; a.ncols()]; a.nrows()];
    for (i, j, v) in a.triplet_iter() {
        d[i][j] += v;
    }
    d
}

#[test]
fn entries_are_read_as_written_mirrored_and_summed() {
    let general = file(
        "general",
        "%%MatrixMarket matrix coordinate real general\n% a comment\n3 3 5\n1 1 2.5\n1 3 -1\n2 2 3\n3 1 4e-1\n3 1 0.1\n",
    );
    let a = read_matrix_market::<f64>(&general).unwrap();
    assert_eq!(
        dense(&a),
        vec![
            vec![2.5, 0.0, -1.0],
            vec![0.0, 3.0, 0.0],
            vec![0.5, 0.0, 0.0]
        ]
    );
    let symmetric = file(
        "symmetric",
        "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 1 1\n2 1 7\n",
    );
    let a = read_matrix_market::<f64>(&symmetric).unwrap();
    assert_eq!(dense(&a), vec![vec![1.0, 7.0], vec![7.0, 0.0]]);
    let skew = file(
        "skew",
        "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3\n",
    );
    let a = read_matrix_market::<f64>(&skew).unwrap();
    assert_eq!(dense(&a), vec![vec![0.0, -3.0], vec![3.0, 0.0]]);
    for path in [general, symmetric, skew] {
        std::fs::remove_file(path).unwrap();
    }
}

#[test]
fn a_poisson_matrix_written_and_read_back_solves_alike() {
    let (nx, ny) = (12, 9);
    let a = poisson_2d_csr::<f64>(nx, ny);
    let mut text = format!(
        "%%MatrixMarket matrix coordinate real general\n{} {} {}\n",
        a.nrows(),
        a.ncols(),
        a.nnz()
    );
    for (i, j, v) in a.triplet_iter() {
        // Rust prints the shortest representation that reads back to the same bits.
        text.push_str(&format!("{} {} {v:?}\n", i + 1, j + 1));
    }
    let path = file("poisson", &text);
    let b = read_matrix_market::<f64>(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(b.row_offsets(), a.row_offsets());
    assert_eq!(b.col_indices(), a.col_indices());
    assert_eq!(b.values(), a.values());
    let rhs = vec![1.0; nx * ny];
    let (mut x, mut y) = (vec![0.0; nx * ny], vec![0.0; nx * ny]);
    let ra = cg(&a, &rhs, &mut x, &CgParams::default()).unwrap();
    let rb = cg(&b, &rhs, &mut y, &CgParams::default()).unwrap();
    assert_eq!(ra.iterations, rb.iterations);
    assert_eq!(x, y);
}

#[test]
fn bad_files_are_errors_that_say_what_is_wrong() {
    let cases = [
        (
            "header",
            "%%MatrixMarket matrix coordinate real nonsense\n1 1 1\n1 1 1\n",
            "nonsense",
        ),
        (
            "entry",
            "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 x 1\n",
            "",
        ),
        (
            "range",
            "%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n",
            "",
        ),
        // A symmetric file stores the lower triangle only: an entry above it is a wrong claim.
        (
            "claim",
            "%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 2 1\n",
            "",
        ),
        (
            "rectangular",
            "%%MatrixMarket matrix coordinate real general\n2 3 1\n1 3 1\n",
            "2 × 3",
        ),
    ];
    for (name, text, says) in cases {
        let path = file(name, text);
        let e = read_matrix_market::<f64>(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        match &e {
            SolverError::InvalidMatrixFile { reason } => {
                assert!(reason.contains(says), "{name}: {reason}");
                assert!(reason.contains(&format!("_{name}.mtx")), "{name}: {reason}");
            }
            other => panic!("{name}: {other}"),
        }
    }
    let missing = std::env::temp_dir().join("rvf_no_such_file.mtx");
    assert!(matches!(
        read_matrix_market::<f64>(&missing),
        Err(SolverError::InvalidMatrixFile { .. })
    ));
}
