//! The chunks an arena holds: blocks of memory obtained from the system allocator, in the
//! order the bump cursor uses them.

use core::ptr::NonNull;
use std::alloc::{alloc, dealloc, Layout};

use super::layout;
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
    pub(crate) fn start(&self) -> usize {
        self.ptr.as_ptr().addr()
    }

    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.layout.size()
    }

    /// Whether `addr` lies in this chunk (one past the end excluded).
    #[inline]
    pub(crate) fn contains(&self, addr: usize) -> bool {
        layout::contains(self.start(), self.capacity(), addr)
    }

    /// The padding before a request of `size` bytes (already rounded to the quantum) at
    /// `align` placed at the chunk's start, if it fits.
    #[inline]
    pub(crate) fn fits(&self, size: usize, align: usize) -> Option<usize> {
        layout::fit(self.start(), self.capacity(), size, align).map(|(pad, _)| pad)
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc` with exactly this layout and is freed once.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// The chunks of one arena. The cursor is in one of them (the current one); chunks before it
/// are full or partly used, chunks after it hold no live data and are reused before new ones
/// are requested from the system.
#[derive(Default)]
pub(crate) struct ChunkList {
    chunks: Vec<Chunk>,
}

impl ChunkList {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.chunks.len()
    }

    #[inline]
    pub(crate) fn first(&self) -> Option<&Chunk> {
        self.chunks.first()
    }

    #[inline]
    pub(crate) fn get(&self, index: usize) -> &Chunk {
        &self.chunks[index]
    }

    /// Bytes reserved from the system over all chunks.
    pub(crate) fn total_capacity(&self) -> usize {
        self.chunks.iter().map(Chunk::capacity).sum()
    }

    /// Bytes of the chunks before `index`: where chunk `index` begins in the used region.
    pub(crate) fn capacity_before(&self, index: usize) -> usize {
        self.chunks[..index].iter().map(Chunk::capacity).sum()
    }

    /// The first chunk from `from` on in which `size` bytes at `align` fit, with the padding
    /// before them.
    pub(crate) fn find_fit(
        &self,
        from: usize,
        size: usize,
        align: usize,
    ) -> Option<(usize, usize)> {
        (from..self.chunks.len()).find_map(|i| self.chunks[i].fits(size, align).map(|pad| (i, pad)))
    }

    /// Appends a chunk and returns its index.
    pub(crate) fn push(&mut self, chunk: Chunk) -> usize {
        self.chunks.push(chunk);
        self.chunks.len() - 1
    }

    /// The index of the chunk holding `addr`.
    pub(crate) fn index_of(&self, addr: usize) -> Option<usize> {
        self.chunks.iter().position(|c| c.contains(addr))
    }

    /// Whether some chunk holds `addr`.
    pub(crate) fn owns(&self, addr: usize) -> bool {
        self.index_of(addr).is_some()
    }

    /// Frees every chunk but the largest, which it returns.
    pub(crate) fn take_largest(&mut self) -> Option<Chunk> {
        let (i, _) = self
            .chunks
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| c.capacity())?;
        let largest = self.chunks.swap_remove(i);
        self.chunks.clear();
        Some(largest)
    }
}
