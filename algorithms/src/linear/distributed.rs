//! The 2-D Poisson operator on a grid partitioned by rows over MPI processes (feature `mpi`).

use core::cell::RefCell;

use mpi::traits::{Communicator, Destination, Equivalence, Source};
use rvf::distributed::BlockLayout;
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real};

use super::operator::LinearOperator;

/// Tag of a process's first row, sent to the neighbour below.
const TAG_FIRST_ROW: i32 = 11;
/// Tag of a process's last row, sent to the neighbour above.
const TAG_LAST_ROW: i32 = 12;

/// The 5-point Laplacian of [`Poisson2d`](super::Poisson2d) on an `nx × ny` grid whose rows
/// are split in blocks over the processes of `comm` ([`BlockLayout::with_unit`] with unit
/// `nx`). Vectors must be [`DistributedVector`](rvf::distributed::DistributedVector)s in
/// [`layout`](Self::layout).
///
/// Applying it exchanges halo rows with the neighbouring processes by non-blocking sends
/// and receives (one grid row each way), then applies the stencil to the local rows. The
/// result equals the single-process operator's to the last bit (same arithmetic per row).
pub struct DistributedPoisson2d<'c, C, S> {
    nx: usize,
    ny: usize,
    inv_hx2: S,
    inv_hy2: S,
    comm: &'c C,
    layout: BlockLayout,
    below: RefCell<Vec<S>>,
    above: RefCell<Vec<S>>,
}

impl<'c, C: Communicator, S: Real + Equivalence> DistributedPoisson2d<'c, C, S> {
    /// The operator on an `nx × ny` interior grid, rows split over `comm`.
    pub fn new(comm: &'c C, nx: usize, ny: usize) -> Self {
        let layout = BlockLayout::with_unit(ny, nx, comm.size() as usize, comm.rank() as usize);
        Self {
            nx,
            ny,
            inv_hx2: S::from_usize_lossy((nx + 1) * (nx + 1)),
            inv_hy2: S::from_usize_lossy((ny + 1) * (ny + 1)),
            comm,
            layout,
            below: RefCell::new(vec![S::zero(); nx]),
            above: RefCell::new(vec![S::zero(); nx]),
        }
    }

    /// The layout vectors must have.
    pub fn layout(&self) -> BlockLayout {
        self.layout
    }

    /// Fills the halo rows from the neighbours' boundary rows of `xs` (this process's rows).
    fn exchange(&self, xs: &[S], below: &mut [S], above: &mut [S]) {
        let rows = self.layout.units_of(self.layout.rank());
        if rows.is_empty() {
            return;
        }
        let nx = self.nx;
        let rank = self.comm.rank();
        let has_below = rows.start > 0;
        let has_above = rows.end < self.ny;
        let first = &xs[..nx];
        let last = &xs[xs.len() - nx..];
        mpi::request::scope(|scope| {
            let recv_below = has_below.then(|| {
                self.comm
                    .process_at_rank(rank - 1)
                    .immediate_receive_into_with_tag(scope, &mut *below, TAG_LAST_ROW)
            });
            let recv_above = has_above.then(|| {
                self.comm
                    .process_at_rank(rank + 1)
                    .immediate_receive_into_with_tag(scope, &mut *above, TAG_FIRST_ROW)
            });
            let send_below = has_below.then(|| {
                self.comm.process_at_rank(rank - 1).immediate_send_with_tag(
                    scope,
                    first,
                    TAG_FIRST_ROW,
                )
            });
            let send_above = has_above.then(|| {
                self.comm.process_at_rank(rank + 1).immediate_send_with_tag(
                    scope,
                    last,
                    TAG_LAST_ROW,
                )
            });
            for request in [recv_below, recv_above].into_iter().flatten() {
                request.wait();
            }
            for request in [send_below, send_above].into_iter().flatten() {
                request.wait();
            }
        });
    }
}

impl<C: Communicator, S: Real + Equivalence> LinearOperator<S> for DistributedPoisson2d<'_, C, S> {
    fn nrows(&self) -> usize {
        self.nx * self.ny
    }
    fn ncols(&self) -> usize {
        self.nx * self.ny
    }

    /// # Panics
    /// If a slice does not have this process's local length.
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }

    /// # Panics
    /// If a vector's local block does not have this process's length.
    fn apply_local(&self, _par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        let n_local = self.layout.local_len();
        assert!(
            x.len() == n_local && y.len() == n_local,
            "DistributedPoisson2d: local blocks must have {n_local} elements"
        );
        x.with_slice(|xs| self.stencil(xs, &mut y));
    }

    /// This process's block of the diagonal (for Jacobi).
    fn diagonal(&self) -> Option<Vec<S>> {
        let d = S::from_f64_lossy(2.0) * (self.inv_hx2 + self.inv_hy2);
        Some(vec![d; self.layout.local_len()])
    }
}

impl<C: Communicator, S: Real + Equivalence> DistributedPoisson2d<'_, C, S> {
    /// Exchanges halos, then applies the stencil to this process's rows `xs` into `out`.
    fn stencil(&self, xs: &[S], out: &mut LocalMut<'_, S>) {
        let mut below = self.below.borrow_mut();
        let mut above = self.above.borrow_mut();
        self.exchange(xs, &mut below, &mut above);
        let rows = self.layout.units_of(self.layout.rank());
        let (nx, ny) = (self.nx, self.ny);
        let (cx, cy) = (self.inv_hx2, self.inv_hy2);
        let diag = S::from_f64_lossy(2.0) * (cx + cy);
        // Same arithmetic, in the same order, as the single-process stencil.
        let at = |i: usize, j: usize| -> S {
            if j < rows.start {
                below[i]
            } else if j >= rows.end {
                above[i]
            } else {
                xs[(j - rows.start) * nx + i]
            }
        };
        let mut slots = out.iter_mut();
        for j in rows.clone() {
            for i in 0..nx {
                let mut v = diag * at(i, j);
                if i > 0 {
                    v -= cx * at(i - 1, j);
                }
                if i + 1 < nx {
                    v -= cx * at(i + 1, j);
                }
                if j > 0 {
                    v -= cy * at(i, j - 1);
                }
                if j + 1 < ny {
                    v -= cy * at(i, j + 1);
                }
                if let Some(slot) = slots.next() {
                    *slot = v;
                }
            }
        }
    }
}
