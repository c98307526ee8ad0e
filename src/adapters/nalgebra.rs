//! The operation traits for nalgebra column vectors (feature `nalgebra`).

use nalgebra::storage::{RawStorage, RawStorageMut};
use nalgebra::{Dim, Matrix, Scalar, ViewStorageMut, U1};

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
        let len = self.nrows();
        let stride = self.data.strides().0.value();
        let ptr = self.data.ptr();
        if stride == 1 || len <= 1 {
            // SAFETY: nalgebra's storage holds `len` initialised elements at `ptr` with row
            // stride 1, borrowed with `self`.
            Local::Contiguous(unsafe { core::slice::from_raw_parts(ptr, len) })
        } else {
            // SAFETY: the storage's elements are at `ptr + i·stride` for `i < len`, borrowed
            // with `self`.
            Local::Strided(unsafe { Strided::from_raw_parts(ptr, len, stride as isize) })
        }
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
        let len = self.nrows();
        let stride = self.data.strides().0.value();
        let ptr = self.data.ptr_mut();
        if stride == 1 || len <= 1 {
            // SAFETY: as in `local`, with exclusive access through `&mut self`.
            LocalMut::Contiguous(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
        } else {
            // SAFETY: mutable nalgebra storage has distinct elements at `ptr + i·stride`
            // (stride > 1 here), exclusively borrowed through `&mut self`.
            LocalMut::Strided(unsafe { StridedMut::from_raw_parts(ptr, len, stride as isize) })
        }
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
        let data = match self.local() {
            Local::Contiguous(s) => scope.alloc_slice_copy(s)?,
            local => {
                let mut it = local.iter();
                scope.alloc_with(local.len(), |_| *it.next().expect("length was checked"))?
            }
        };
        Ok(Matrix::from_data(unsafe_view(data.leak(), rows)))
    }
}

/// A contiguous column view of `rows` elements over `data`.
fn unsafe_view<T: Scalar, R: Dim>(data: &mut [T], rows: R) -> ViewStorageMut<'_, T, R, U1, U1, R> {
    assert_eq!(data.len(), rows.value());
    // SAFETY: `data` holds exactly `rows` elements, contiguous (row stride 1); the column
    // stride is never used for a single column. The view borrows `data` mutably.
    unsafe { ViewStorageMut::from_raw_parts(data.as_mut_ptr(), (rows, U1), (U1, rows)) }
}
