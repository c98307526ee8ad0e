//! [`SharedArena`]: one arena that several threads allocate from at once.
//!
//! Design (the "synchronized pool" next to [`ThreadLocalArena`](super::ThreadLocalArena)):
//! each thread bumps in a buffer of its own ([`thread_slot`]), found through a small
//! thread-local cache, so the short path takes no lock, makes no atomic read-modify-write and
//! touches no cache line another thread writes. Only a request that its buffer cannot hold
//! takes the arena's lock ([`regions`]), to extend the buffer in place or carve a new one
//! (growing the arena by its [`GrowthPolicy`]).

use core::mem::{align_of, MaybeUninit};
use core::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, PoisonError};

mod builder;
mod regions;
mod thread_slot;
mod vec;

pub use builder::SharedArenaBuilder;
pub use vec::SharedVec;

use super::policy::{GrowthPolicy, MAX_ALIGN};
use super::stats::{ArenaId, SharedArenaStatistics};
use super::{uninit, ArenaError};
use crate::ops::RealVector;
use num_traits::Zero;
use regions::Regions;
use thread_slot::ThreadSlot;

/// An arena that many threads allocate from at once, through `&SharedArena`.
///
/// Every thread that allocates gets a buffer of its own in the arena's chunks (64 KiB by
/// default, see [`SharedArenaBuilder::thread_buffer`]) and bumps in it without locking; the
/// arena's lock is taken only when a buffer runs out. Vectors ([`SharedVec`]) borrow the
/// arena, are `Send` and `Sync` like `&mut [T]`, and can be returned from worker threads or
/// rayon tasks. Memory comes back all at once with [`reset`](Self::reset) (through `&mut`,
/// so no vector can outlive it), and early when a thread drops the latest vector it
/// allocated: a thread that allocates and drops temporaries in turn reuses the same bytes.
///
/// ```
/// use rvf::arena::SharedArena;
/// use rvf::prelude::*;
///
/// let mut arena = SharedArena::new(1 << 20);
/// let x = vec![1.0_f64; 1000];
/// let norms = std::thread::scope(|s| {
///     let workers: Vec<_> = (1..=4)
///         .map(|k| {
///             let (arena, x) = (&arena, &x);
///             s.spawn(move || {
///                 // Allocated on this thread, returned to the caller.
///                 let mut y = arena.clone_of(x).unwrap();
///                 y.scale_in_place(k as f64);
///                 y
///             })
///         })
///         .collect();
///     let ys: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
///     ys.iter().map(|y| y.l2norm()).collect::<Vec<_>>()
/// });
/// assert_eq!(norms[3], 4.0 * 1000_f64.sqrt());
/// let stats = arena.statistics();
/// assert_eq!((stats.total_allocations, stats.bytes_allocated), (4, 0));
/// arena.reset(); // every vector is gone: the borrow checker says so
/// ```
///
/// Bounded memory needs a [`reset`](Self::reset) between phases, or threads that drop what
/// they allocated in reverse order: a vector dropped out of order, or on another thread, is
/// reclaimed only by the reset. Elements are `Copy`; no destructors run.
///
/// Unlike [`MemoryArena`](super::MemoryArena) there are no scopes, observers or timing: those
/// are per-thread concepts.
pub struct SharedArena {
    /// Names this arena in threads' caches until the next reset: unique for the process's
    /// lifetime, so a stale cache entry (of a reset or dropped arena) never matches.
    epoch: u64,
    /// Minimum alignment of every allocation, at least the quantum.
    min_align: usize,
    /// Bytes of a fresh thread buffer.
    buffer: usize,
    growth: GrowthPolicy,
    regions: Mutex<Regions>,
    failed: AtomicU64,
    /// Bytes released by threads that have no buffer in this arena.
    released_elsewhere: AtomicU64,
    id: ArenaId,
}

impl SharedArena {
    /// An arena with `capacity_bytes` reserved up front, growing exponentially beyond.
    ///
    /// # Panics
    /// If the system cannot allocate `capacity_bytes`; see
    /// [`SharedArenaBuilder::build`] for a `Result`.
    pub fn new(capacity_bytes: usize) -> Self {
        match Self::builder().capacity(capacity_bytes).build() {
            Ok(a) => a,
            Err(e) => panic!("SharedArena::new: {e}"),
        }
    }

    /// Configures an arena: capacity, policies, thread buffer size.
    pub fn builder() -> SharedArenaBuilder {
        SharedArenaBuilder::default()
    }

    /// This arena's identity (as in its statistics).
    pub fn id(&self) -> ArenaId {
        self.id
    }

    /// Allocates `bytes` raw bytes aligned to at least `align`, from the calling thread's
    /// buffer. They stay valid until [`reset`](Self::reset) or the arena's drop.
    ///
    /// # Errors
    /// [`ArenaError::InvalidAlignment`] if `align` is not a power of two up to
    /// [`MAX_ALIGN`]; [`ArenaError::Exhausted`] when a [`GrowthPolicy::FixedSize`] arena has
    /// no room left to carve (room in other threads' buffers is theirs);
    /// [`ArenaError::SystemAllocationFailed`] if a new chunk cannot be had. Every refusal is
    /// counted and leaves the arena usable.
    #[inline]
    pub fn allocate(&self, bytes: usize, align: usize) -> Result<NonNull<u8>, ArenaError> {
        if !align.is_power_of_two() || align > MAX_ALIGN || bytes > isize::MAX as usize {
            return Err(self.refuse(bytes, align));
        }
        let align = align.max(self.min_align);
        let slot = self.slot();
        if bytes == 0 {
            // No space, only a non-null aligned address.
            slot.count(0);
            let dangling = core::ptr::without_provenance_mut::<u8>(align);
            // SAFETY: `align` is a power of two, hence non-zero.
            return Ok(unsafe { NonNull::new_unchecked(dangling) });
        }
        match slot.bump(bytes, align) {
            Some(ptr) => Ok(ptr),
            None => self.refill(slot, bytes, align),
        }
    }

    /// The calling thread's slot: from its cache, else registered under the lock.
    #[inline(always)]
    fn slot(&self) -> &ThreadSlot {
        match thread_slot::cached(self.epoch) {
            // SAFETY: the entry names this arena's current epoch, so the slot is one of
            // `regions.slots` (boxed, freed only by `reset(&mut self)` or drop, which no
            // `&self` outlives) and belongs to this thread.
            Some(slot) => unsafe { &*slot },
            None => self.register_thread(),
        }
    }

    #[cold]
    #[inline(never)]
    fn register_thread(&self) -> &ThreadSlot {
        let slot = self.lock().slot_of(thread_slot::thread_key());
        thread_slot::remember(self.epoch, slot);
        // SAFETY: as in `slot`: the slot lives in `regions` until reset or drop.
        unsafe { &*slot }
    }

    #[cold]
    #[inline(never)]
    fn refill(
        &self,
        slot: &ThreadSlot,
        bytes: usize,
        align: usize,
    ) -> Result<NonNull<u8>, ArenaError> {
        let result = self
            .lock()
            .refill(slot, bytes, align, self.buffer, self.growth);
        result.map_err(|e| self.fail(e))
    }

    #[cold]
    fn refuse(&self, bytes: usize, align: usize) -> ArenaError {
        let e = if !align.is_power_of_two() || align > MAX_ALIGN {
            ArenaError::InvalidAlignment { align }
        } else {
            // No chunk can be that large; the growth policy says which error it is.
            self.growth.refusal(bytes, 0)
        };
        self.fail(e)
    }

    fn fail(&self, e: ArenaError) -> ArenaError {
        self.failed.fetch_add(1, Relaxed);
        e
    }

    fn lock(&self) -> MutexGuard<'_, Regions> {
        // Nothing panics while the lock is held with the state half-changed; a poisoned lock
        // (a panic elsewhere, e.g. a failed `expect` in user code between calls) is safe to
        // keep using.
        self.regions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives back the allocation of `bytes` at `ptr`: its space is reused at once when it is
    /// the latest allocation in the calling thread's buffer.
    #[inline]
    pub(crate) fn release(&self, ptr: NonNull<u8>, bytes: usize) {
        match thread_slot::cached(self.epoch) {
            // SAFETY: as in `slot`.
            Some(slot) => unsafe { &*slot }.release(ptr.as_ptr().addr(), bytes),
            None => {
                self.released_elsewhere.fetch_add(bytes as u64, Relaxed);
            }
        }
    }

    /// A vector of `len` uninitialised elements; write them all, then call
    /// [`SharedVec::assume_init`].
    ///
    /// # Errors
    /// [`ArenaError::SizeOverflow`] if `len · size_of::<T>()` overflows, and the errors of
    /// [`allocate`](Self::allocate).
    #[inline]
    pub fn alloc_uninit<T: Copy>(
        &self,
        len: usize,
    ) -> Result<SharedVec<'_, MaybeUninit<T>>, ArenaError> {
        let bytes = uninit::array_bytes::<T>(len).map_err(|e| self.fail(e))?;
        let ptr = self.allocate(bytes, align_of::<T>())?.cast();
        // SAFETY: `ptr` is valid for `len` elements of `MaybeUninit<T>` (which need no
        // initialisation), owned by nothing else, until the arena is reset or dropped, which
        // the borrow of `self` prevents.
        Ok(unsafe { SharedVec::from_raw_parts(ptr, len, self) })
    }

    /// A vector of `len` values `f(0), f(1), …`, written directly into the arena.
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit).
    #[inline]
    pub fn alloc_with<T: Copy>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> Result<SharedVec<'_, T>, ArenaError> {
        let mut v = self.alloc_uninit::<T>(len)?;
        uninit::write_with(&mut v, f);
        // SAFETY: every element was written just above.
        Ok(unsafe { v.assume_init() })
    }

    /// A vector of `len` zeros.
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit).
    #[inline]
    pub fn alloc_zeroed<T: Copy + Zero>(&self, len: usize) -> Result<SharedVec<'_, T>, ArenaError> {
        self.alloc_with(len, |_| T::zero())
    }

    /// A copy of `values`.
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit).
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, values: &[T]) -> Result<SharedVec<'_, T>, ArenaError> {
        self.clone_local(crate::ops::Local::Contiguous(values))
    }

    /// A copy of any vector (contiguous or strided: `Vec`, slices, nalgebra and ndarray
    /// vectors, arena vectors) in this arena.
    ///
    /// # Errors
    /// As [`alloc_uninit`](Self::alloc_uninit).
    #[inline]
    pub fn clone_of<V: RealVector + ?Sized>(
        &self,
        v: &V,
    ) -> Result<SharedVec<'_, V::Scalar>, ArenaError> {
        self.clone_local(v.local())
    }

    fn clone_local<T: Copy>(
        &self,
        values: crate::ops::Local<'_, T>,
    ) -> Result<SharedVec<'_, T>, ArenaError> {
        let mut v = self.alloc_uninit::<T>(values.len())?;
        uninit::write_local(&mut v, values);
        // SAFETY: every element was copied from an initialised value.
        Ok(unsafe { v.assume_init() })
    }

    /// Counts and sizes so far (see [`SharedArenaStatistics`] for when they are exact).
    pub fn statistics(&self) -> SharedArenaStatistics {
        let totals = self.lock().totals(self.released_elsewhere.load(Relaxed));
        SharedArenaStatistics {
            total_capacity: totals.capacity,
            chunks: totals.chunks,
            bytes_carved: totals.carved,
            bytes_allocated: totals.live as usize,
            bytes_requested: totals.bytes_requested,
            total_allocations: totals.allocations,
            failed_allocations: self.failed.load(Relaxed),
            threads: totals.threads,
            arena: self.id,
        }
    }

    /// Releases everything at once. Every chunk but the largest is freed (for
    /// [`GrowthPolicy::Adaptive`], the chunks are replaced by one as large as the peak
    /// footprint), and every thread starts over with a fresh buffer. Counts are kept.
    pub fn reset(&mut self) {
        let regions = self
            .regions
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        regions.reset(self.growth, self.min_align);
        // The threads' cached slots of the old epoch are gone with it.
        self.epoch = thread_slot::next_epoch();
        *self.released_elsewhere.get_mut() = 0;
    }
}

impl core::fmt::Debug for SharedArena {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedArena")
            .field("statistics", &self.statistics())
            .finish()
    }
}
