//! One block of memory obtained from the system allocator.

use core::ptr::NonNull;
use std::alloc::{alloc, dealloc, Layout};

use super::ArenaError;

/// The alignment of every chunk unless a request needs more: one cache line.
pub(crate) const CHUNK_ALIGN: usize = 64;

/// An owned, uninitialised block of `layout.size()` bytes.
pub(crate) struct Chunk {
    ptr: NonNull<u8>,
    layout: Layout,
}

impl Chunk {
    /// Asks the system for `bytes > 0` bytes aligned to `align` (a power of two).
    pub(crate) fn new(bytes: usize, align: usize) -> Result<Self, ArenaError> {
        debug_assert!(bytes > 0 && align.is_power_of_two());
        let failed = ArenaError::SystemAllocationFailed { chunk_bytes: bytes };
        let layout = Layout::from_size_align(bytes, align.max(CHUNK_ALIGN)).map_err(|_| failed)?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc(layout) };
        let ptr = NonNull::new(ptr).ok_or(failed)?;
        Ok(Self { ptr, layout })
    }

    #[inline]
    pub(crate) fn ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.layout.size()
    }

    /// Whether `addr` lies in this chunk (one-past-the-end excluded).
    #[inline]
    pub(crate) fn contains(&self, addr: usize) -> bool {
        let start = self.ptr.as_ptr() as usize;
        addr >= start && addr < start + self.capacity()
    }

    /// Padding needed to align the chunk's start to `align`, and whether `bytes` fit after it.
    #[inline]
    pub(crate) fn fits(&self, bytes: usize, align: usize) -> Option<usize> {
        let pad = (self.ptr.as_ptr() as usize).wrapping_neg() & (align - 1);
        let end = pad.checked_add(bytes)?;
        (end <= self.capacity()).then_some(pad)
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc` with exactly this layout and is freed once.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
    }
}
