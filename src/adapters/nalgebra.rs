//! The operation traits for nalgebra column vectors and dynamic row vectors (feature
//! `nalgebra`).
//!
//! # Methods nalgebra already has
//! nalgebra's own inherent methods win over trait methods of the same name, and three of
//! them differ from rvf's: `copy_from` (nalgebra's takes another nalgebra matrix of the same
//! shape), `max` and `min` (nalgebra's return the element, not an `Option`, and panic on an
//! empty vector). On a nalgebra vector, call rvf's with the trait's name:
//!
//! ```
//! use nalgebra::DVector;
//! use rvf::prelude::*;
//! let mut v = DVector::from_vec(vec![1.0, 5.0, 3.0]);
//! assert_eq!(v.max(), 5.0);                        // nalgebra's: the element
//! assert_eq!(RealVector::max(&v), Some(5.0));      // rvf's: an Option
//! RealVectorMut::copy_from(&mut v, &vec![0.0, 1.0, 2.0]); // rvf's: any rvf vector
//! assert_eq!(v.as_slice(), [0.0, 1.0, 2.0]);
//! ```
//!
//! Generic code (`fn f<V: RealVectorMut>(v: &mut V)`) always calls rvf's: inherent methods
//! are only found on the concrete type.

use nalgebra::storage::{RawStorage, RawStorageMut};
use nalgebra::{Dim, Dyn, Matrix, Scalar, ViewStorageMut, U1};

use crate::arena::{ArenaClone, ArenaError, Scope};
use crate::ops::{CloneVector, Local, LocalMut, RealVector, RealVectorMut, Strided, StridedMut};
use crate::Real;

/// Every nalgebra column vector (`DVector`, `SVector`, `DVectorView`, `DVectorViewMut`, with
/// any row stride) is a [`RealVector`].
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use rvf::prelude::*;
/// let x = DVector::from_vec(vec![1.0, 2.0, 3.0]);
/// let m = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
/// // A row of a column-major matrix is strided; a column is contiguous.
/// assert_eq!(x.inner_product(&m.column(0)), 14.0);
/// assert_eq!(m.row(1).transpose().l2norm(), 2.0);
/// ```
impl<T, R, S> RealVector for Matrix<T, R, U1, S>
where
    T: Real + Scalar,
    R: Dim,
    S: RawStorage<T, R, U1>,
{
    type Scalar = T;

    #[inline]
    fn local(&self) -> Local<'_, T> {
        // SAFETY: nalgebra's storage holds `nrows` initialised elements at `ptr + i·stride`,
        // borrowed with `self`.
        unsafe { view(self.data.ptr(), self.nrows(), self.data.strides().0.value()) }
    }
}

impl<T, R, S> RealVectorMut for Matrix<T, R, U1, S>
where
    T: Real + Scalar,
    R: Dim,
    S: RawStorageMut<T, R, U1>,
{
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, T> {
        let (len, stride) = (self.nrows(), self.data.strides().0.value());
        // SAFETY: mutable nalgebra storage holds `len` distinct elements at `ptr + i·stride`,
        // exclusively borrowed through `&mut self`.
        unsafe { view_mut(self.data.ptr_mut(), len, stride) }
    }
}

impl<T, R, S> CloneVector for Matrix<T, R, U1, S>
where
    T: Real + Scalar,
    R: Dim,
    S: nalgebra::storage::Storage<T, R, U1>,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R, U1>,
{
    type Owned = nalgebra::OVector<T, R>;
    #[inline]
    fn clone_vector(&self) -> Self::Owned {
        self.clone_owned()
    }
}

/// Arena clones of nalgebra vectors are contiguous mutable views over arena memory: ordinary
/// nalgebra vectors for every nalgebra method, released with their scope.
///
/// ```
/// use nalgebra::DVector;
/// use rvf::prelude::*;
/// let arena = MemoryArena::new(4096);
/// let scope = arena.create_scope();
/// let x = DVector::from_vec(vec![1.0, 2.0, 2.0]);
/// let mut t = scope.clone_of(&x).unwrap(); // a DVectorViewMut over arena memory
/// t *= 2.0;                                 // nalgebra's own operators work
/// assert_eq!(t.norm(), 6.0);
/// assert!(arena.owns(t.as_ptr().cast()));
/// ```
impl<T, R, S> ArenaClone for Matrix<T, R, U1, S>
where
    T: Real + Scalar,
    R: Dim,
    S: RawStorage<T, R, U1>,
{
    type Temp<'s>
        = Matrix<T, R, U1, ViewStorageMut<'s, T, R, U1, U1, R>>
    where
        Self: 's;

    #[inline]
    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's,
    {
        let rows = self.shape_generic().0;
        Ok(Matrix::from_data(unsafe_view(
            arena_copy(scope, self.local())?,
            rows,
        )))
    }
}

/// The view of `len` elements `stride` apart from `ptr`: contiguous when the stride is 1.
///
/// # Safety
/// The elements `ptr + i·stride`, `i < len`, must be initialised and borrowed for `'a`.
#[inline]
unsafe fn view<'a, T>(ptr: *const T, len: usize, stride: usize) -> Local<'a, T> {
    if stride == 1 || len <= 1 {
        // SAFETY: contiguous elements, as the caller guarantees.
        Local::Contiguous(unsafe { core::slice::from_raw_parts(ptr, len) })
    } else {
        // SAFETY: the caller guarantees the elements at `ptr + i·stride`.
        Local::Strided(unsafe { Strided::from_raw_parts(ptr, len, stride as isize) })
    }
}

/// The mutable twin of [`view`].
///
/// # Safety
/// As [`view`], and the elements must be distinct and exclusively borrowed for `'a`.
#[inline]
unsafe fn view_mut<'a, T>(ptr: *mut T, len: usize, stride: usize) -> LocalMut<'a, T> {
    if stride == 1 || len <= 1 {
        // SAFETY: contiguous, exclusively borrowed elements, as the caller guarantees.
        LocalMut::Contiguous(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
    } else {
        // SAFETY: distinct elements at `ptr + i·stride` (stride > 1), exclusively borrowed.
        LocalMut::Strided(unsafe { StridedMut::from_raw_parts(ptr, len, stride as isize) })
    }
}

/// A contiguous copy of `local` in `scope`'s memory, borrowed for the scope's lifetime.
fn arena_copy<'s, T: Real>(
    scope: &'s Scope<'_>,
    local: Local<'_, T>,
) -> Result<&'s mut [T], ArenaError> {
    let data = match local {
        Local::Contiguous(s) => scope.alloc_slice_copy(s)?,
        local => {
            let mut it = local.iter();
            scope.alloc_with(local.len(), |_| *it.next().expect("length was checked"))?
        }
    };
    Ok(data.leak())
}

/// A contiguous column view of `rows` elements over `data`.
fn unsafe_view<T: Scalar, R: Dim>(data: &mut [T], rows: R) -> ViewStorageMut<'_, T, R, U1, U1, R> {
    assert_eq!(data.len(), rows.value());
    // SAFETY: `data` holds exactly `rows` elements, contiguous (row stride 1); the column
    // stride is never used for a single column. The view borrows `data` mutably.
    unsafe { ViewStorageMut::from_raw_parts(data.as_mut_ptr(), (rows, U1), (U1, rows)) }
}

/// Dynamic row vectors (`RowDVector`, and the rows of a `DMatrix`, `m.row(i)`, which are
/// strided views of a column-major matrix) are rvf vectors too. Rows of statically sized
/// matrices are not: a `1 × 1` matrix would then be both a row and a column.
///
/// ```
/// use nalgebra::{DMatrix, RowDVector};
/// use rvf::prelude::*;
/// let m = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let r = RowDVector::from_vec(vec![1.0, 1.0, 1.0]);
/// assert_eq!(r.inner_product(&m.row(1)), 15.0);
/// let mut row = m.row(0).clone_owned();
/// row.axpy_in_place(2.0, &m.row(1));
/// assert_eq!(row.as_slice(), [9.0, 12.0, 15.0]);
/// ```
impl<T, S> RealVector for Matrix<T, U1, Dyn, S>
where
    T: Real + Scalar,
    S: RawStorage<T, U1, Dyn>,
{
    type Scalar = T;

    #[inline]
    fn local(&self) -> Local<'_, T> {
        // SAFETY: nalgebra's storage holds `ncols` initialised elements of the row at
        // `ptr + j·stride` (the column stride), borrowed with `self`.
        unsafe { view(self.data.ptr(), self.ncols(), self.data.strides().1.value()) }
    }
}

impl<T, S> RealVectorMut for Matrix<T, U1, Dyn, S>
where
    T: Real + Scalar,
    S: RawStorageMut<T, U1, Dyn>,
{
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, T> {
        let (len, stride) = (self.ncols(), self.data.strides().1.value());
        // SAFETY: mutable nalgebra storage holds the row's `len` distinct elements at
        // `ptr + j·stride`, exclusively borrowed through `&mut self`.
        unsafe { view_mut(self.data.ptr_mut(), len, stride) }
    }
}

impl<T, S> CloneVector for Matrix<T, U1, Dyn, S>
where
    T: Real + Scalar,
    S: nalgebra::storage::Storage<T, U1, Dyn>,
{
    type Owned = nalgebra::RowDVector<T>;
    #[inline]
    fn clone_vector(&self) -> Self::Owned {
        self.clone_owned()
    }
}

/// Arena clones of row vectors are contiguous mutable row views over arena memory.
impl<T, S> ArenaClone for Matrix<T, U1, Dyn, S>
where
    T: Real + Scalar,
    S: RawStorage<T, U1, Dyn>,
{
    type Temp<'s>
        = Matrix<T, U1, Dyn, ViewStorageMut<'s, T, U1, Dyn, U1, U1>>
    where
        Self: 's;

    #[inline]
    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's,
    {
        let cols = self.shape_generic().1;
        let data = arena_copy(scope, self.local())?;
        assert_eq!(data.len(), cols.value());
        // SAFETY: `data` holds exactly `cols` contiguous elements (column stride 1); the row
        // stride is never used for a single row. The view borrows `data` mutably.
        Ok(Matrix::from_data(unsafe {
            ViewStorageMut::from_raw_parts(data.as_mut_ptr(), (U1, cols), (U1, U1))
        }))
    }
}
