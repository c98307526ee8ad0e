//! [`DistributedVector`]: a vector split in blocks over MPI processes.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::traits::{Communicator, CommunicatorCollectives, Equivalence};
use num_traits::Zero;

use super::layout::BlockLayout;
use crate::arena::{ArenaClone, ArenaError, Scope};
use crate::ops::{ExactSum, Local, LocalMut, RealVector, RealVectorMut, WORDS};
use crate::Real;

/// Two distributed vectors, or a vector and its layout, do not agree. Every process of the
/// communicator returns this error together (it is decided collectively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutMismatch {
    /// Number of processes whose blocks disagree.
    pub processes: usize,
}

impl fmt::Display for LayoutMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "distributed layouts disagree on {} process(es)",
            self.processes
        )
    }
}

impl std::error::Error for LayoutMismatch {}

/// Number of processes, over `comm`, for which `bad` is true; every process gets the count.
fn count_everywhere<C: Communicator>(comm: &C, bad: bool) -> usize {
    let mine = i64::from(bad);
    let mut total = 0i64;
    comm.all_reduce_into(&mine, &mut total, SystemOperation::sum());
    usize::try_from(total).unwrap_or(usize::MAX)
}

/// A vector whose elements are split in contiguous blocks over the processes of an MPI
/// communicator ([`BlockLayout`]). Each process holds its block in any local vector type `V`
/// (a `Vec`, an arena vector, …).
///
/// It implements the vector operations: element-wise ones act on the local block; reductions
/// (`inner_product`, norms, `sum`, `min`/`max`) combine the blocks' partial results across
/// processes, so every process gets the same answer: sums gather the partial sums of all
/// processes and add them in rank order (deterministic, identical everywhere, but dependent on
/// the number of processes); max and min use an all-reduce. Wrapped in
/// [`Reproducible`](crate::adapters::Reproducible), its sums are exact instead: one
/// all-reduce of integer accumulators, bitwise the same for any number of processes and
/// equal to the serial sums of a `Reproducible` vector. `dimension` is the global size. Arena clones keep the communicator: they
/// put the local block in the calling process's arena, and still reduce across processes.
///
/// Operations on two vectors compare their global dimensions, which every process sees alike;
/// vectors built from the same layout therefore never disagree on one process only. Vectors
/// assembled with [`from_local`](Self::from_local) are checked collectively.
pub struct DistributedVector<'c, C, V> {
    local: V,
    comm: &'c C,
    layout: BlockLayout,
}

impl<'c, C: Communicator, T: Real + Equivalence> DistributedVector<'c, C, Vec<T>> {
    /// The vector with global elements `f(0), f(1), …` in the block layout of `global`
    /// elements over `comm`; each process evaluates `f` on its own indices only.
    pub fn from_fn(comm: &'c C, global: usize, f: impl FnMut(usize) -> T) -> Self {
        let layout = BlockLayout::new(global, comm.size() as usize, comm.rank() as usize);
        Self::from_fn_with_layout(comm, layout, f)
    }

    /// As [`from_fn`](Self::from_fn) with a given layout (e.g. one a distributed operator
    /// needs).
    ///
    /// # Panics
    /// If the layout was made for another process count or rank.
    pub fn from_fn_with_layout(
        comm: &'c C,
        layout: BlockLayout,
        f: impl FnMut(usize) -> T,
    ) -> Self {
        assert_eq!(
            (layout.processes(), layout.rank()),
            (comm.size() as usize, comm.rank() as usize),
            "DistributedVector: the layout is for another process count or rank"
        );
        let local = layout.local_range().map(f).collect();
        Self {
            local,
            comm,
            layout,
        }
    }

    /// Zeros in the block layout of `global` elements.
    pub fn zeros(comm: &'c C, global: usize) -> Self {
        Self::from_fn(comm, global, |_| T::zero())
    }
}

impl<'c, C: Communicator, V: RealVector> DistributedVector<'c, C, V>
where
    V::Scalar: Equivalence,
{
    /// Wraps this process's block. Collective: every process checks its block's length
    /// against the layout, and all of them return the error if any block is wrong.
    ///
    /// # Errors
    /// [`LayoutMismatch`] if some process's block has the wrong length or the layout is for
    /// another process count or rank.
    pub fn from_local(comm: &'c C, layout: BlockLayout, local: V) -> Result<Self, LayoutMismatch> {
        let bad = local.local().len() != layout.local_len()
            || layout.processes() != comm.size() as usize
            || layout.rank() != comm.rank() as usize;
        match count_everywhere(comm, bad) {
            0 => Ok(Self {
                local,
                comm,
                layout,
            }),
            processes => Err(LayoutMismatch { processes }),
        }
    }

    /// Collective check that `other` is partitioned like `self`.
    ///
    /// # Errors
    /// [`LayoutMismatch`] on every process if the layouts differ on any.
    pub fn check_same_layout<W>(
        &self,
        other: &DistributedVector<'_, C, W>,
    ) -> Result<(), LayoutMismatch> {
        let bad = self.layout.local_range() != other.layout.local_range()
            || self.layout.global_len() != other.layout.global_len();
        match count_everywhere(self.comm, bad) {
            0 => Ok(()),
            processes => Err(LayoutMismatch { processes }),
        }
    }

    /// The whole vector, on every process (an all-gather; for checks and output, not for
    /// the inner loop).
    pub fn gather(&self) -> Vec<V::Scalar> {
        let p = self.layout.processes();
        let counts: Vec<i32> = (0..p)
            .map(|r| i32::try_from(self.layout.range_of(r).len()).expect("block fits an MPI count"))
            .collect();
        let displs: Vec<i32> = (0..p)
            .map(|r| {
                i32::try_from(self.layout.range_of(r).start).expect("offset fits an MPI count")
            })
            .collect();
        let mine: Vec<V::Scalar> = self.local.local().iter().copied().collect();
        let mut all = vec![V::Scalar::zero(); self.layout.global_len()];
        let mut partition = PartitionMut::new(&mut all[..], counts, displs);
        self.comm
            .all_gather_varcount_into(&mine[..], &mut partition);
        all
    }
}

impl<'c, C, V> DistributedVector<'c, C, V> {
    /// This process's block.
    pub fn local_vector(&self) -> &V {
        &self.local
    }

    /// This process's block, mutably.
    pub fn local_vector_mut(&mut self) -> &mut V {
        &mut self.local
    }

    /// The layout.
    pub fn layout(&self) -> BlockLayout {
        self.layout
    }

    /// The communicator.
    pub fn comm(&self) -> &'c C {
        self.comm
    }
}

/// Partial sums gathered from every process and added in rank order, on a stack buffer for
/// up to this many values (processes × values per reduction: 64 processes reducing four
/// values at once); larger jobs use a heap buffer per reduction.
const STACK_VALUES: usize = 256;

/// Collective reductions made by this process (see [`reductions`]).
static REDUCTIONS: AtomicU64 = AtomicU64::new(0);

/// Payload bytes of those reductions (see [`reduction_bytes`]).
static REDUCTION_BYTES: AtomicU64 = AtomicU64::new(0);

fn count_reduction() {
    REDUCTIONS.fetch_add(1, Relaxed);
}

fn count_bytes(bytes: usize) {
    REDUCTION_BYTES.fetch_add(bytes as u64, Relaxed);
}

/// The payload of this process's reductions since it started, in bytes: for a rank-order sum
/// of `K` values the gathered buffer (`P·K` values), for an exact sum the integer words
/// (`71·8·K` bytes), for a maximum or minimum one value. With [`reductions`], the
/// communication volume of a solve's reductions (what crosses the network also depends on how
/// the MPI library implements the collective).
pub fn reduction_bytes() -> u64 {
    REDUCTION_BYTES.load(Relaxed)
}

/// How many collective reductions this process has made through [`DistributedVector`]s since
/// it started (sums — one for several values reduced together by
/// [`reduce_sums`](RealVector::reduce_sums) — maxima and minima): instrumentation, to count
/// the reductions per iteration of a solver.
///
/// ```no_run
/// # fn solve() {}
/// let before = rvf::distributed::reductions();
/// solve();
/// println!("{} reductions", rvf::distributed::reductions() - before);
/// ```
pub fn reductions() -> u64 {
    REDUCTIONS.load(Relaxed)
}

impl<C: Communicator, V: RealVector> RealVector for DistributedVector<'_, C, V>
where
    V::Scalar: Equivalence,
{
    type Scalar = V::Scalar;

    #[inline]
    fn local(&self) -> Local<'_, V::Scalar> {
        self.local.local()
    }

    #[inline]
    fn dimension(&self) -> usize {
        self.layout.global_len()
    }

    #[inline]
    fn global_offset(&self) -> usize {
        self.layout.local_range().start
    }

    fn reduce_sum(&self, partial: V::Scalar) -> V::Scalar {
        let [sum] = self.reduce_sums([partial]);
        sum
    }

    /// One all-gather of the `K` partials of every process, each component then summed in
    /// rank order: the same bits on every process, and the bits of `K` separate
    /// [`reduce_sum`](RealVector::reduce_sum)s.
    fn reduce_sums<const K: usize>(&self, partials: [V::Scalar; K]) -> [V::Scalar; K] {
        count_reduction();
        let p = self.layout.processes();
        count_bytes(p * K * core::mem::size_of::<V::Scalar>());
        let sum = |parts: &[V::Scalar]| {
            core::array::from_fn(|k| {
                parts
                    .chunks_exact(K)
                    .fold(V::Scalar::zero(), |acc, rank| acc + rank[k])
            })
        };
        if p * K <= STACK_VALUES {
            let mut parts = [V::Scalar::zero(); STACK_VALUES];
            self.comm
                .all_gather_into(&partials[..], &mut parts[..p * K]);
            sum(&parts[..p * K])
        } else {
            let mut parts = vec![V::Scalar::zero(); p * K];
            self.comm.all_gather_into(&partials[..], &mut parts[..]);
            sum(&parts)
        }
    }

    /// One all-reduce (`MPI_SUM` over `i64`) of the `K` accumulators' integer words
    /// ([`ExactSum::to_words`]): integer sums are exact and associative, so the result does not
    /// depend on the number of processes nor on the order MPI adds in; each sum is then
    /// rounded once, alike on every process.
    fn reduce_exact<const K: usize>(&self, partials: [ExactSum; K]) -> [V::Scalar; K] {
        count_reduction();
        count_bytes(K * WORDS * 8);
        let mine: [[i64; WORDS]; K] = partials.map(|p| p.to_words());
        let mut all = [[0i64; WORDS]; K];
        self.comm.all_reduce_into(
            mine.as_flattened(),
            all.as_flattened_mut(),
            SystemOperation::sum(),
        );
        all.map(|words| ExactSum::from_words(words).rounded())
    }

    fn reduce_max(&self, partial: V::Scalar) -> V::Scalar {
        count_reduction();
        count_bytes(core::mem::size_of::<V::Scalar>());
        let mut out = partial;
        self.comm
            .all_reduce_into(&partial, &mut out, SystemOperation::max());
        out
    }

    fn reduce_min(&self, partial: V::Scalar) -> V::Scalar {
        count_reduction();
        count_bytes(core::mem::size_of::<V::Scalar>());
        let mut out = partial;
        self.comm
            .all_reduce_into(&partial, &mut out, SystemOperation::min());
        out
    }
}

impl<C: Communicator, V: RealVectorMut> RealVectorMut for DistributedVector<'_, C, V>
where
    V::Scalar: Equivalence,
{
    #[inline]
    fn local_mut(&mut self) -> LocalMut<'_, V::Scalar> {
        self.local.local_mut()
    }
}

impl<'c, C: Communicator, V: ArenaClone> ArenaClone for DistributedVector<'c, C, V>
where
    V::Scalar: Equivalence,
{
    type Temp<'s>
        = DistributedVector<'c, C, V::Temp<'s>>
    where
        Self: 's;

    fn arena_clone<'s>(&self, scope: &'s Scope<'_>) -> Result<Self::Temp<'s>, ArenaError>
    where
        Self: 's,
    {
        Ok(DistributedVector {
            local: self.local.arena_clone(scope)?,
            comm: self.comm,
            layout: self.layout,
        })
    }
}

impl<C, V: fmt::Debug> fmt::Debug for DistributedVector<'_, C, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DistributedVector")
            .field("layout", &self.layout)
            .field("local", &self.local)
            .finish()
    }
}
