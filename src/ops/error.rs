//! The error of a two-operand operation whose operands differ in size.

use core::fmt;

/// Two operands of one operation have different dimensions.
///
/// Returned by the `try_` variants of the vector operations; the panicking variants print the
/// same message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DimensionMismatch {
    /// The operation that was refused, e.g. `"axpy_in_place"`.
    pub operation: &'static str,
    /// Dimension of the vector the operation was called on (or the expected dimension).
    pub expected: usize,
    /// Dimension of the other operand.
    pub found: usize,
}

impl fmt::Display for DimensionMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: dimension mismatch (expected {}, found {})",
            self.operation, self.expected, self.found
        )
    }
}

impl std::error::Error for DimensionMismatch {}

/// `Ok(())` when `expected == found`, the mismatch error otherwise.
#[inline]
pub fn check_dims(
    operation: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), DimensionMismatch> {
    if expected == found {
        Ok(())
    } else {
        Err(DimensionMismatch {
            operation,
            expected,
            found,
        })
    }
}

/// Panics with the [`DimensionMismatch`] message when the dimensions differ.
#[inline]
#[track_caller]
pub fn assert_dims(operation: &'static str, expected: usize, found: usize) {
    if expected != found {
        mismatch_panic(operation, expected, found);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn mismatch_panic(operation: &'static str, expected: usize, found: usize) -> ! {
    panic!(
        "{}",
        DimensionMismatch {
            operation,
            expected,
            found
        }
    )
}
