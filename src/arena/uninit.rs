//! Sizing and initialising fresh arena memory: what [`Scope`](super::Scope) and
//! [`SharedArena`](super::SharedArena) share between their typed allocation methods.

use core::mem::{size_of, MaybeUninit};

use super::ArenaError;
use crate::ops::Local;

/// The bytes of `len` values of `T`, or [`ArenaError::SizeOverflow`] beyond `isize::MAX`.
#[inline(always)]
pub(crate) fn array_bytes<T>(len: usize) -> Result<usize, ArenaError> {
    // One compare against a constant (zero-size types: any length, no bytes).
    let max_len = match size_of::<T>() {
        0 => usize::MAX,
        size => isize::MAX as usize / size,
    };
    if len > max_len {
        return Err(ArenaError::SizeOverflow {
            count: len,
            element_size: size_of::<T>(),
        });
    }
    Ok(len * size_of::<T>())
}

/// Writes `f(0), f(1), …` into every slot.
#[inline]
pub(crate) fn write_with<T>(slots: &mut [MaybeUninit<T>], mut f: impl FnMut(usize) -> T) {
    for (i, slot) in slots.iter_mut().enumerate() {
        slot.write(f(i));
    }
}

/// Copies the elements of `src` (contiguous or strided) into `slots`.
///
/// # Panics
/// If the lengths differ.
#[inline]
pub(crate) fn write_local<T: Copy>(slots: &mut [MaybeUninit<T>], src: Local<'_, T>) {
    assert_eq!(
        slots.len(),
        src.len(),
        "copy into arena memory of another length"
    );
    match src {
        Local::Contiguous(s) => {
            // SAFETY: `MaybeUninit<T>` has the layout of `T`; fresh arena memory cannot overlap
            // the borrowed source.
            let s: &[MaybeUninit<T>] =
                unsafe { core::slice::from_raw_parts(s.as_ptr().cast(), s.len()) };
            slots.copy_from_slice(s);
        }
        strided => {
            for (slot, value) in slots.iter_mut().zip(strided.iter()) {
                slot.write(*value);
            }
        }
    }
}
