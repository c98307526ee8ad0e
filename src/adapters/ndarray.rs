//! The operation traits for one-dimensional ndarray arrays (feature `ndarray`).

use ndarray::{ArrayBase, ArrayViewMut1, Data, DataMut, Ix1, OwnedRepr};

use crate::arena::{ArenaClone, ArenaError, Scope};
use crate::ops::{CloneVector, Local, LocalMut, RealVector, RealVectorMut, Strided, StridedMut};
use crate::Real;

/// Every one-dimensional ndarray array (`Array1`, `ArrayView1`, `ArrayViewMut1`, `ArcArray1`),
/// with any stride, negative ones included, is a [`RealVector`].
///
/// ```
/// use ndarray::{array, s};
/// use rvf::prelude::*;
/// let a = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
/// let x = array![1.0, 1.0, 1.0];
/// assert_eq!(x.inner_product(&a.column(1)), 12.0); // a strided column
/// let v = array![1.0, 2.0, 3.0, 4.0];
/// assert_eq!(v.slice(s![..;-2]).sum(), 6.0); // 4 + 2, negative stride
/// ```
impl<T, D> RealVector for ArrayBase<D, Ix1>
where
    T: Real,
    D: Data<Elem = T>,
{
    type Scalar = T;

    #[inline]
    fn local(&self) -> Local<'_, T> {
        if let Some(s) = self.as_slice() {
            return Local::Contiguous(s);
        }
        // SAFETY: ndarray guarantees `len` elements at `as_ptr() + i·stride`, borrowed with
        // `self`.
        Local::Strided(unsafe {
            Strided::from_raw_parts(self.as_ptr(), self.len(), self.strides()[0])
        })
    }
}

impl<T, D> RealVectorMut for ArrayBase<D, Ix1>
where
    T: Real,
    D: DataMut<Elem = T>,
{
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, T> {
        let (len, stride) = (self.len(), self.strides()[0]);
        if self.as_slice_mut().is_some() {
            return LocalMut::Contiguous(self.as_slice_mut().expect("checked just above"));
        }
        let ptr = self.as_mut_ptr();
        // SAFETY: a mutable ndarray view has distinct elements at `ptr + i·stride` (it is not
        // standard-layout here, so `len > 1` implies `stride != 0, 1`), exclusively borrowed.
        LocalMut::Strided(unsafe { StridedMut::from_raw_parts(ptr, len, stride) })
    }
}

impl<T, D> CloneVector for ArrayBase<D, Ix1>
where
    T: Real,
    D: Data<Elem = T>,
{
    type Owned = ArrayBase<OwnedRepr<T>, Ix1>;
    #[inline]
    fn clone_vector(&self) -> Self::Owned {
        self.to_owned()
    }
}

/// Arena clones of ndarray arrays are `ArrayViewMut1`s over arena memory: ordinary ndarray
/// arrays for every ndarray method, released with their scope.
///
/// ```
/// use ndarray::array;
/// use rvf::prelude::*;
/// let arena = MemoryArena::new(4096);
/// let scope = arena.create_scope();
/// let x = array![1.0, 2.0, 3.0];
/// let mut t = scope.clone_of(&x).unwrap(); // an ArrayViewMut1 over arena memory
/// t *= 2.0;                                 // ndarray's own operators work
/// assert_eq!(t, array![2.0, 4.0, 6.0]);
/// assert!(arena.owns(t.as_ptr().cast()));
/// ```
impl<T, D> ArenaClone for ArrayBase<D, Ix1>
where
    T: Real,
    D: Data<Elem = T>,
{
    type Temp<'s>
        = ArrayViewMut1<'s, T>
    where
        Self: 's;

    #[inline]
    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<ArrayViewMut1<'s, T>, ArenaError>
    where
        Self: 's,
    {
        let data = match self.local() {
            Local::Contiguous(s) => scope.alloc_slice_copy(s)?,
            local => {
                let mut it = local.iter();
                scope.alloc_with(local.len(), |_| *it.next().expect("length was checked"))?
            }
        };
        Ok(ArrayViewMut1::from(data.leak()))
    }
}
