//! Views of the elements a vector holds on this process: contiguous or strided.
//!
//! Every vector operation is written once over these views. Contiguous storage takes the fast
//! slice kernels; strided storage (an ndarray column, `s![..;2]`, a nalgebra row view) takes an
//! element-by-element path that gives the same results.

use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A read-only strided run of `len` elements, `stride` elements apart (the stride may be
/// negative or zero-length runs may have any stride).
#[derive(Clone, Copy)]
pub struct Strided<'a, S> {
    ptr: NonNull<S>,
    len: usize,
    stride: isize,
    _marker: PhantomData<&'a [S]>,
}

// SAFETY: a `Strided` is a shared borrow of `S` values, exactly like `&[S]`.
unsafe impl<S: Sync> Send for Strided<'_, S> {}
// SAFETY: as above, shared access only.
unsafe impl<S: Sync> Sync for Strided<'_, S> {}

impl<'a, S> Strided<'a, S> {
    /// Builds a strided view from a pointer to its first element.
    ///
    /// # Safety
    /// For every `i < len`, `i·stride` must not overflow `isize` (in elements, nor its byte
    /// offset), and `ptr.offset(i as isize * stride)` must point to an initialised, properly
    /// aligned `S` inside one allocation, valid for reads and not mutated for `'a`. A null or
    /// dangling `ptr` is allowed only with `len == 0`.
    #[inline]
    pub unsafe fn from_raw_parts(ptr: *const S, len: usize, stride: isize) -> Self {
        Self {
            ptr: NonNull::new(ptr as *mut S).unwrap_or(NonNull::dangling()),
            len,
            stride,
            _marker: PhantomData,
        }
    }

    /// A view of every element of a slice with stride 1.
    #[inline]
    pub fn from_slice(s: &'a [S]) -> Self {
        // SAFETY: the slice's elements are contiguous, initialised and borrowed for 'a.
        unsafe { Self::from_raw_parts(s.as_ptr(), s.len(), 1) }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the view has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Distance between consecutive elements, in elements.
    #[inline]
    pub fn stride(&self) -> isize {
        self.stride
    }

    /// The sub-run of elements `range` (in logical positions).
    ///
    /// # Panics
    /// If `range` is not inside `0..len`.
    #[inline]
    pub fn subview(&self, range: core::ops::Range<usize>) -> Strided<'a, S> {
        assert!(
            range.start <= range.end && range.end <= self.len,
            "Strided::subview: range {range:?} out of bounds for length {}",
            self.len
        );
        if range.start == range.end {
            // SAFETY: an empty view reads nothing.
            return unsafe { Strided::from_raw_parts(self.ptr.as_ptr(), 0, self.stride) };
        }
        // SAFETY: `range.start < len`, so the offset lands on an element of the view, and the
        // sub-run's elements are a subset of the view's.
        unsafe {
            let start = self.ptr.as_ptr().offset(range.start as isize * self.stride);
            Strided::from_raw_parts(start, range.end - range.start, self.stride)
        }
    }

    /// Element `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> S
    where
        S: Copy,
    {
        assert!(
            i < self.len,
            "Strided::get: index {i} out of bounds for length {}",
            self.len
        );
        // SAFETY: `i < len`, so the element is inside the view.
        unsafe { *self.ptr.as_ptr().offset(i as isize * self.stride) }
    }

    /// Element `i` without a bounds check.
    ///
    /// # Safety
    /// `i < len()`.
    #[inline(always)]
    pub unsafe fn get_unchecked(&self, i: usize) -> S
    where
        S: Copy,
    {
        debug_assert!(i < self.len);
        // SAFETY: `i < len` (caller contract), so the element is inside the view.
        unsafe { *self.ptr.as_ptr().offset(i as isize * self.stride) }
    }

    /// Iterates over the elements in logical order.
    #[inline]
    pub fn iter(&self) -> StridedIter<'a, S> {
        StridedIter {
            ptr: self.ptr,
            remaining: self.len,
            stride: self.stride,
            _marker: PhantomData,
        }
    }
}

/// A mutable strided run of elements; see [`Strided`].
pub struct StridedMut<'a, S> {
    ptr: NonNull<S>,
    len: usize,
    stride: isize,
    _marker: PhantomData<&'a mut [S]>,
}

// SAFETY: a `StridedMut` is an exclusive borrow of `S` values, exactly like `&mut [S]`.
unsafe impl<S: Send> Send for StridedMut<'_, S> {}
// SAFETY: shared access to a `StridedMut` only reads through `&self` methods.
unsafe impl<S: Sync> Sync for StridedMut<'_, S> {}

impl<'a, S> StridedMut<'a, S> {
    /// Builds a mutable strided view from a pointer to its first element.
    ///
    /// # Safety
    /// For every `i < len`, `i·stride` must not overflow `isize` (in elements, nor its byte
    /// offset), and `ptr.offset(i as isize * stride)` must point to an initialised, properly
    /// aligned `S` inside one allocation, valid for reads and writes, distinct for distinct
    /// `i` (so `stride != 0` when `len > 1`), and not accessed through any other path for
    /// `'a`. A null or dangling `ptr` is allowed only with `len == 0`.
    #[inline]
    pub unsafe fn from_raw_parts(ptr: *mut S, len: usize, stride: isize) -> Self {
        Self {
            ptr: NonNull::new(ptr).unwrap_or(NonNull::dangling()),
            len,
            stride,
            _marker: PhantomData,
        }
    }

    /// A view of every element of a mutable slice with stride 1.
    #[inline]
    pub fn from_slice(s: &'a mut [S]) -> Self {
        // SAFETY: the slice's elements are contiguous, distinct and exclusively borrowed for 'a.
        unsafe { Self::from_raw_parts(s.as_mut_ptr(), s.len(), 1) }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the view has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Splits into the elements before `mid` and from `mid` on: two disjoint views.
    ///
    /// # Panics
    /// If `mid > len`.
    #[inline]
    pub fn split_at(self, mid: usize) -> (StridedMut<'a, S>, StridedMut<'a, S>) {
        assert!(
            mid <= self.len,
            "StridedMut::split_at: {mid} > length {}",
            self.len
        );
        let rest = if mid < self.len {
            // SAFETY: `mid < len`, so the offset lands on an element of this view.
            unsafe { self.ptr.as_ptr().offset(mid as isize * self.stride) }
        } else {
            self.ptr.as_ptr()
        };
        // SAFETY: the two index sets `0..mid` and `mid..len` are disjoint subsets of this
        // view's elements, which `self` (consumed) borrowed exclusively for 'a.
        unsafe {
            (
                StridedMut::from_raw_parts(self.ptr.as_ptr(), mid, self.stride),
                StridedMut::from_raw_parts(rest, self.len - mid, self.stride),
            )
        }
    }

    /// A shorter-lived mutable view of the same elements.
    #[inline]
    pub fn reborrow(&mut self) -> StridedMut<'_, S> {
        // SAFETY: the reborrow covers the same elements, exclusively borrowed through
        // `&mut self` for its shorter lifetime.
        unsafe { StridedMut::from_raw_parts(self.ptr.as_ptr(), self.len, self.stride) }
    }

    /// Reborrows as a read-only view.
    #[inline]
    pub fn as_strided(&self) -> Strided<'_, S> {
        // SAFETY: the invariants of `StridedMut` imply those of `Strided` for a shared reborrow.
        unsafe { Strided::from_raw_parts(self.ptr.as_ptr(), self.len, self.stride) }
    }

    /// Iterates mutably over the elements in logical order.
    #[inline]
    pub fn iter_mut(&mut self) -> StridedIterMut<'_, S> {
        StridedIterMut {
            ptr: self.ptr,
            remaining: self.len,
            stride: self.stride,
            _marker: PhantomData,
        }
    }
}

/// Iterator over a [`Strided`] view.
pub struct StridedIter<'a, S> {
    ptr: NonNull<S>,
    remaining: usize,
    stride: isize,
    _marker: PhantomData<&'a [S]>,
}

impl<'a, S> Iterator for StridedIter<'a, S> {
    type Item = &'a S;

    #[inline]
    fn next(&mut self) -> Option<&'a S> {
        if self.remaining == 0 {
            return None;
        }
        let current = self.ptr;
        self.remaining -= 1;
        if self.remaining > 0 {
            // SAFETY: another element remains, so the next position is inside the view's
            // allocation by the `Strided` constructor's contract.
            self.ptr = unsafe { NonNull::new_unchecked(current.as_ptr().offset(self.stride)) };
        }
        // SAFETY: `current` is one of the view's elements, valid for reads for 'a.
        Some(unsafe { &*current.as_ptr() })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<S> ExactSizeIterator for StridedIter<'_, S> {}
impl<S> FusedIterator for StridedIter<'_, S> {}

/// Mutable iterator over a [`StridedMut`] view.
pub struct StridedIterMut<'a, S> {
    ptr: NonNull<S>,
    remaining: usize,
    stride: isize,
    _marker: PhantomData<&'a mut [S]>,
}

impl<'a, S> Iterator for StridedIterMut<'a, S> {
    type Item = &'a mut S;

    #[inline]
    fn next(&mut self) -> Option<&'a mut S> {
        if self.remaining == 0 {
            return None;
        }
        let current = self.ptr;
        self.remaining -= 1;
        if self.remaining > 0 {
            // SAFETY: another element remains, so the next position is inside the allocation.
            self.ptr = unsafe { NonNull::new_unchecked(current.as_ptr().offset(self.stride)) };
        }
        // SAFETY: each element is yielded once and the elements are pairwise distinct
        // (`StridedMut` contract), so the returned exclusive references never alias.
        Some(unsafe { &mut *current.as_ptr() })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<S> ExactSizeIterator for StridedIterMut<'_, S> {}
impl<S> FusedIterator for StridedIterMut<'_, S> {}

/// The elements a vector holds locally, read-only.
#[derive(Clone, Copy)]
pub enum Local<'a, S> {
    /// Contiguous storage: the fast path.
    Contiguous(&'a [S]),
    /// Strided storage.
    Strided(Strided<'a, S>),
}

impl<'a, S> Local<'a, S> {
    /// Number of local elements.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Local::Contiguous(s) => s.len(),
            Local::Strided(s) => s.len(),
        }
    }

    /// Whether there are no local elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sub-run of elements `range`.
    ///
    /// # Panics
    /// If `range` is not inside `0..len()`.
    #[inline]
    pub fn subview(&self, range: core::ops::Range<usize>) -> Local<'a, S> {
        match self {
            Local::Contiguous(s) => Local::Contiguous(&s[range]),
            Local::Strided(s) => Local::Strided(s.subview(range)),
        }
    }

    /// Element `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> S
    where
        S: Copy,
    {
        match self {
            Local::Contiguous(s) => s[i],
            Local::Strided(s) => s.get(i),
        }
    }

    /// The contiguous slice, if the storage is contiguous.
    #[inline]
    pub fn as_slice(&self) -> Option<&'a [S]> {
        match self {
            Local::Contiguous(s) => Some(s),
            Local::Strided(_) => None,
        }
    }

    /// Iterates over the elements in logical order.
    #[inline]
    pub fn iter(&self) -> LocalIter<'a, S> {
        match self {
            Local::Contiguous(s) => LocalIter::Contiguous(s.iter()),
            Local::Strided(s) => LocalIter::Strided(s.iter()),
        }
    }
}

/// The elements a vector holds locally, mutable.
pub enum LocalMut<'a, S> {
    /// Contiguous storage: the fast path.
    Contiguous(&'a mut [S]),
    /// Strided storage.
    Strided(StridedMut<'a, S>),
}

impl<'a, S> LocalMut<'a, S> {
    /// Splits into the elements before `mid` and from `mid` on.
    ///
    /// # Panics
    /// If `mid > len()`.
    #[inline]
    pub fn split_at(self, mid: usize) -> (LocalMut<'a, S>, LocalMut<'a, S>) {
        match self {
            LocalMut::Contiguous(s) => {
                let (a, b) = s.split_at_mut(mid);
                (LocalMut::Contiguous(a), LocalMut::Contiguous(b))
            }
            LocalMut::Strided(s) => {
                let (a, b) = s.split_at(mid);
                (LocalMut::Strided(a), LocalMut::Strided(b))
            }
        }
    }

    /// Number of local elements.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            LocalMut::Contiguous(s) => s.len(),
            LocalMut::Strided(s) => s.len(),
        }
    }

    /// Whether there are no local elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reborrows as a read-only view.
    #[inline]
    pub fn as_local(&self) -> Local<'_, S> {
        match self {
            LocalMut::Contiguous(s) => Local::Contiguous(s),
            LocalMut::Strided(s) => Local::Strided(s.as_strided()),
        }
    }

    /// Iterates mutably over the elements in logical order.
    #[inline]
    pub fn iter_mut(&mut self) -> LocalIterMut<'_, S> {
        match self {
            LocalMut::Contiguous(s) => LocalIterMut::Contiguous(s.iter_mut()),
            LocalMut::Strided(s) => LocalIterMut::Strided(s.iter_mut()),
        }
    }
}

/// Iterator over a [`Local`] view.
pub enum LocalIter<'a, S> {
    /// Over a slice.
    Contiguous(core::slice::Iter<'a, S>),
    /// Over a strided run.
    Strided(StridedIter<'a, S>),
}

impl<'a, S> Iterator for LocalIter<'a, S> {
    type Item = &'a S;
    #[inline]
    fn next(&mut self) -> Option<&'a S> {
        match self {
            LocalIter::Contiguous(it) => it.next(),
            LocalIter::Strided(it) => it.next(),
        }
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            LocalIter::Contiguous(it) => it.size_hint(),
            LocalIter::Strided(it) => it.size_hint(),
        }
    }
}

impl<S> ExactSizeIterator for LocalIter<'_, S> {}

/// Mutable iterator over a [`LocalMut`] view.
pub enum LocalIterMut<'a, S> {
    /// Over a slice.
    Contiguous(core::slice::IterMut<'a, S>),
    /// Over a strided run.
    Strided(StridedIterMut<'a, S>),
}

impl<'a, S> Iterator for LocalIterMut<'a, S> {
    type Item = &'a mut S;
    #[inline]
    fn next(&mut self) -> Option<&'a mut S> {
        match self {
            LocalIterMut::Contiguous(it) => it.next(),
            LocalIterMut::Strided(it) => it.next(),
        }
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            LocalIterMut::Contiguous(it) => it.size_hint(),
            LocalIterMut::Strided(it) => it.size_hint(),
        }
    }
}

impl<S> ExactSizeIterator for LocalIterMut<'_, S> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_views_visit_every_stride_th_element_in_order() {
        let data = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        // SAFETY: indices 0, 2, 4, 6 are in bounds.
        let forward = unsafe { Strided::from_raw_parts(data.as_ptr(), 4, 2) };
        let got: Vec<f64> = forward.iter().copied().collect();
        assert_eq!(got, [0.0, 2.0, 4.0, 6.0]);
        // SAFETY: indices 6, 3, 0 are in bounds.
        let backward = unsafe { Strided::from_raw_parts(data.as_ptr().add(6), 3, -3) };
        let got: Vec<f64> = backward.iter().copied().collect();
        assert_eq!(got, [6.0, 3.0, 0.0]);
    }

    #[test]
    fn strided_mut_writes_only_its_elements() {
        let mut data = [1.0; 6];
        // SAFETY: indices 1, 3, 5 are in bounds and distinct.
        let mut odd = unsafe { StridedMut::from_raw_parts(data.as_mut_ptr().add(1), 3, 2) };
        for x in odd.iter_mut() {
            *x = -1.0;
        }
        assert_eq!(data, [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]);
    }

    #[test]
    fn split_strided_views_are_disjoint_and_cover_everything() {
        let mut data = [0.0; 12];
        // SAFETY: indices 0, 3, 6, 9 are in bounds and distinct.
        let all = unsafe { StridedMut::from_raw_parts(data.as_mut_ptr(), 4, 3) };
        let (mut a, mut b) = all.split_at(1);
        a.iter_mut().for_each(|v| *v = 1.0);
        b.iter_mut().for_each(|v| *v = 2.0);
        assert_eq!(
            data,
            [1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 2.0, 0.0, 0.0, 2.0, 0.0, 0.0]
        );
        // SAFETY: as above.
        let all = unsafe { StridedMut::from_raw_parts(data.as_mut_ptr(), 4, 3) };
        let (a, b) = all.split_at(4);
        assert_eq!((a.len(), b.len()), (4, 0));
    }

    #[test]
    fn empty_views_yield_nothing() {
        // SAFETY: zero elements are read.
        let v: Strided<'_, f64> = unsafe { Strided::from_raw_parts(core::ptr::null(), 0, 7) };
        assert_eq!(v.iter().count(), 0);
        assert!(Local::Strided(v).is_empty());
    }
}
