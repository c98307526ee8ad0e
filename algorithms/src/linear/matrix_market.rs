//! Reading sparse matrices from Matrix Market files (feature `sparse`), through
//! nalgebra-sparse's reader, for the linear solvers.

use std::path::Path;

use nalgebra_sparse::io::{load_coo_from_matrix_market_file, MatrixMarketScalar};
use nalgebra_sparse::{CooMatrix, CsrMatrix};
use rvf::Real;

use crate::error::SolverError;

/// A square matrix from a Matrix Market coordinate file (`%%MatrixMarket matrix coordinate
/// real general`, or `symmetric`/`skew-symmetric`, whose stored lower triangle is
/// mirrored), in compressed rows; duplicate entries are summed.
///
/// ```
/// use rvf_algorithms::linear::{cg, read_matrix_market, CgParams};
/// let path = std::env::temp_dir().join("rvf_doc_example.mtx");
/// std::fs::write(
///     &path,
///     "%%MatrixMarket matrix coordinate real symmetric\n3 3 5\n1 1 4\n2 1 -1\n2 2 4\n3 2 -1\n3 3 4\n",
/// )
/// .unwrap();
/// let a = read_matrix_market::<f64>(&path).unwrap();
/// assert_eq!(a.nnz(), 7); // the lower triangle mirrored
/// let mut x = vec![0.0; 3];
/// cg(&a, &vec![1.0; 3], &mut x, &CgParams::default()).unwrap();
/// assert!((4.0 * x[0] - x[1] - 1.0).abs() < 1e-8);
/// ```
///
/// # Errors
/// [`SolverError::InvalidMatrixFile`] saying what is wrong: the file cannot be read, its
/// header or an entry does not parse, an index is out of range, a symmetric file stores an
/// entry above the diagonal (a wrong symmetry claim), or the matrix is not square.
pub fn read_matrix_market<S>(path: impl AsRef<Path>) -> Result<CsrMatrix<S>, SolverError>
where
    S: Real + MatrixMarketScalar,
{
    let path = path.as_ref();
    let coo: CooMatrix<S> =
        load_coo_from_matrix_market_file(path).map_err(|e| SolverError::InvalidMatrixFile {
            reason: format!("{}: {e}", path.display()),
        })?;
    if coo.nrows() != coo.ncols() {
        return Err(SolverError::InvalidMatrixFile {
            reason: format!(
                "{}: the solvers need a square matrix, this one is {} × {}",
                path.display(),
                coo.nrows(),
                coo.ncols()
            ),
        });
    }
    Ok(CsrMatrix::from(&coo))
}
