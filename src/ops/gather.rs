//! Slices from any local view: the bridge from rvf vectors to code written over `&[S]`.
//!
//! User operators, systems and objectives are written over plain slices. Contiguous storage
//! (every `Vec`, arena vector, contiguous nalgebra or ndarray vector) is passed through as it
//! is; strided storage (a matrix row, `s![..;2]`) is gathered into a temporary buffer first
//! and, for outputs, scattered back afterwards. That buffer is a heap allocation: the one place
//! where strided vectors cost more than contiguous ones.

use super::local::{Local, LocalMut, Strided, StridedMut};

impl<S: Copy> Local<'_, S> {
    /// Runs `f` on the elements as a slice: the storage itself when contiguous, a gathered
    /// copy when strided.
    ///
    /// ```
    /// use rvf::prelude::*;
    /// let x = vec![1.0, 2.0, 3.0];
    /// let total = x.local().with_slice(|s| s.iter().sum::<f64>());
    /// assert_eq!(total, 6.0);
    /// ```
    #[inline]
    pub fn with_slice<R>(&self, f: impl FnOnce(&[S]) -> R) -> R {
        match self {
            Local::Contiguous(s) => f(s),
            Local::Strided(s) => gathered(*s, f),
        }
    }
}

// The strided paths live out of line, so that the contiguous path, `f` included, stays small
// enough to be inlined where it is called (callgrind: an RK4 step over a user closure took
// 16 instructions per element with both paths in one function, 10 without).

#[cold]
#[inline(never)]
fn gathered<S: Copy, R>(s: Strided<'_, S>, f: impl FnOnce(&[S]) -> R) -> R {
    let gathered: Vec<S> = s.iter().copied().collect();
    f(&gathered)
}

#[cold]
#[inline(never)]
fn scattered<S: Copy, R>(s: &mut StridedMut<'_, S>, f: impl FnOnce(&mut [S]) -> R) -> R {
    let mut buf: Vec<S> = s.as_strided().iter().copied().collect();
    let r = f(&mut buf);
    for (slot, v) in s.iter_mut().zip(buf) {
        *slot = v;
    }
    r
}

impl<S: Copy> LocalMut<'_, S> {
    /// Runs `f` on the elements as a mutable slice: the storage itself when contiguous; when
    /// strided, a gathered copy whose contents are scattered back after `f` returns.
    ///
    /// ```
    /// use rvf::prelude::*;
    /// let mut y = vec![0.0; 3];
    /// y.local_mut().with_slice_mut(|s| s[1] = 5.0);
    /// assert_eq!(y, [0.0, 5.0, 0.0]);
    /// ```
    #[inline]
    pub fn with_slice_mut<R>(&mut self, f: impl FnOnce(&mut [S]) -> R) -> R {
        match self {
            LocalMut::Contiguous(s) => f(s),
            LocalMut::Strided(s) => scattered(s, f),
        }
    }

    /// A shorter-lived mutable view of the same elements, so the view can be passed on and
    /// used again afterwards.
    #[inline]
    pub fn reborrow(&mut self) -> LocalMut<'_, S> {
        match self {
            LocalMut::Contiguous(s) => LocalMut::Contiguous(s),
            LocalMut::Strided(s) => LocalMut::Strided(s.reborrow()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_views_are_gathered_and_scattered_back_in_order() {
        let mut data = [1.0, -1.0, 2.0, -1.0, 3.0, -1.0];
        // SAFETY: indices 0, 2, 4 are in bounds.
        let view = unsafe { Strided::from_raw_parts(data.as_ptr(), 3, 2) };
        assert_eq!(
            Local::Strided(view).with_slice(|s| s.to_vec()),
            [1.0, 2.0, 3.0]
        );
        // SAFETY: indices 0, 2, 4 are in bounds and distinct.
        let view = unsafe { StridedMut::from_raw_parts(data.as_mut_ptr(), 3, 2) };
        let mut local = LocalMut::Strided(view);
        local.with_slice_mut(|s| {
            assert_eq!(s, [1.0, 2.0, 3.0]);
            s.iter_mut().for_each(|v| *v *= 10.0);
        });
        local.reborrow().with_slice_mut(|s| s[0] += 1.0);
        assert_eq!(data, [11.0, -1.0, 20.0, -1.0, 30.0, -1.0]);
    }
}
