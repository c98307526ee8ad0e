//! A CSR matrix whose rows are split in blocks over MPI processes (feature `mpi`), in the
//! manner of PETSc's MPIAIJ: each process owns a block of rows with global column indices,
//! and a communication plan made once tells it which entries of `x` to send to whom and
//! which to receive.

use core::cell::{Cell, RefCell};
use core::marker::PhantomData;

use mpi::datatype::{Partition, PartitionMut};
use mpi::ffi;
use mpi::raw::AsRaw;
use mpi::traits::{Communicator, CommunicatorCollectives, Equivalence};
use rvf::distributed::BlockLayout;
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real};

use super::csr::CsrView;
use super::operator::LinearOperator;
use super::preconditioner::Preconditioner;
use super::sparse_factor::SparseRows;
use crate::error::SolverError;

/// A square sparse matrix distributed by rows: this process's block of rows (in
/// [`layout`](Self::layout)) with global column indices, multiplied with
/// [`DistributedVector`](rvf::distributed::DistributedVector)s in that layout.
///
/// A product exchanges with the neighbouring processes only — those sharing a column —
/// by non-blocking point-to-point messages (`MPI_Irecv`/`MPI_Isend` of exactly the entries
/// needed, straight into and out of buffers made at set-up), computes the rows that need no
/// remote entry while the messages travel, waits, and then computes the rows that read the
/// halo. Each row's terms are added in the order the row was given, with the project's CSR
/// kernel (32-bit column indices into this process's entries followed by the received ones),
/// so the product equals the single-process CSR product bit for bit.
///
/// Set-up is collective (every process calls [`from_local_rows`](Self::from_local_rows) or
/// [`scatter_from`](Self::scatter_from) at once); so is every product, which allocates
/// nothing. The messages use tag `0x5256` on the matrix's communicator: give the matrix a
/// communicator of its own (`comm.duplicate()`) if the program sends messages with that tag
/// while products run.
pub struct DistributedCsr<'c, C, S> {
    comm: &'c C,
    layout: BlockLayout,
    /// The rows that read only owned entries of `x` (columns below the local length), and
    /// the others (columns into `[x_local | halo]`), each stored as a CSR of its own, with
    /// `runs` saying which rows are which: (first row, number of rows, interior?) in row
    /// order.
    interior: LocalRows<S>,
    boundary: LocalRows<S>,
    runs: Vec<(usize, usize, bool)>,
    /// Local indices of the entries to send, grouped by destination rank.
    send_index: Vec<usize>,
    /// Messages of a product: (rank, offset, count) into the halo for receives, into the
    /// packed send buffer for sends; one per neighbour, none for other processes.
    receives: Vec<(i32, usize, usize)>,
    sends: Vec<(i32, usize, usize)>,
    /// `[x_local | halo]`, the packed send buffer, the requests of one exchange.
    buffers: RefCell<Buffers<S>>,
    /// Products (and transpose products) made so far: instrumentation.
    products: Cell<u64>,
}

/// Rows in CSR form, offsets from 0; checked at construction (every column below the width
/// the product reads them with), so products use them unchecked.
struct LocalRows<S> {
    offsets: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<S>,
    /// The length of the `x` the columns index.
    width: usize,
}

impl<S: Real> LocalRows<S> {
    fn new(width: usize) -> Self {
        Self {
            offsets: vec![0],
            cols: Vec::new(),
            vals: Vec::new(),
            width,
        }
    }

    fn push_row(&mut self, cols: &[u32], vals: &[S]) {
        self.cols.extend_from_slice(cols);
        self.vals.extend_from_slice(vals);
        self.offsets.push(self.cols.len());
    }

    fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    fn row(&self, i: usize) -> (&[u32], &[S]) {
        let range = self.offsets[i]..self.offsets[i + 1];
        (&self.cols[range.clone()], &self.vals[range])
    }

    /// The structure is valid: offsets from 0, non-decreasing, columns below `width`.
    fn check(&self) -> Result<(), &'static str> {
        CsrView::new(
            self.rows(),
            self.width,
            &self.offsets,
            &self.cols,
            &self.vals,
        )
        .map(|_| ())
    }

    fn view(&self) -> CsrView<'_, S, usize, u32> {
        // SAFETY: `check` passed when the matrix was built (see `from_local_rows`), and the
        // rows are never changed afterwards.
        unsafe {
            CsrView::new_unchecked(
                self.rows(),
                self.width,
                &self.offsets,
                &self.cols,
                &self.vals,
            )
        }
    }
}

struct Buffers<S> {
    extended: Vec<S>,
    send: Vec<S>,
    requests: Vec<ffi::MPI_Request>,
}

/// The tag of the halo messages on the matrix's communicator.
const HALO_TAG: i32 = 0x5256;

/// What a product communicates from this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HaloTraffic {
    /// Processes this one sends entries to (messages per product).
    pub messages_sent: usize,
    /// Processes it receives entries from.
    pub messages_received: usize,
    /// Bytes sent per product.
    pub bytes_sent: usize,
    /// Bytes received per product.
    pub bytes_received: usize,
}

impl<'c, C: Communicator, S: Real + Equivalence> DistributedCsr<'c, C, S> {
    /// The matrix from each process's own rows — `offsets` (`rows + 1`, from 0), global
    /// `cols` and `vals` of the rows of this process's block of `layout` — and the plan for
    /// its products. Collective.
    ///
    /// # Errors
    /// On every process, if any process's rows are malformed (wrong number of offsets,
    /// offsets that decrease, columns at or past the global size, lengths that disagree)
    /// or its layout is not `comm`'s: [`SolverError::InvalidParameter`].
    pub fn from_local_rows(
        comm: &'c C,
        layout: BlockLayout,
        offsets: &[usize],
        cols: &[usize],
        vals: &[S],
    ) -> Result<Self, SolverError> {
        let n = layout.global_len();
        let p = comm.size() as usize;
        let rank = comm.rank() as usize;
        let mine = layout.local_range();
        let rows = mine.len();
        let problem = if layout.processes() != p || layout.rank() != rank {
            Some("the layout must be the communicator's")
        } else if offsets.len() != rows + 1
            || offsets[0] != 0
            || offsets.windows(2).any(|w| w[0] > w[1])
            || offsets[rows] != cols.len()
            || cols.len() != vals.len()
        {
            Some("rows + 1 non-decreasing offsets from 0 to the number of entries")
        } else if cols.iter().any(|&c| c >= n) || n > u32::MAX as usize {
            Some("column indices below the global size (and the size below 2³²)")
        } else {
            None
        };
        // Everybody learns whether anybody failed, before any other collective call.
        let mut failed = 0u8;
        comm.all_reduce_into(
            &u8::from(problem.is_some()),
            &mut failed,
            mpi::collective::SystemOperation::max(),
        );
        if failed != 0 {
            return Err(SolverError::InvalidParameter {
                name: "distributed CSR rows",
                value: rank as f64,
                requirement: problem.unwrap_or("another process's rows are malformed"),
            });
        }

        // The remote columns this process needs, sorted (so grouped by owner, in rank order).
        let mut needed: Vec<usize> = cols.iter().copied().filter(|c| !mine.contains(c)).collect();
        needed.sort_unstable();
        needed.dedup();
        let owner = |c: usize| {
            (0..p)
                .find(|&r| layout.range_of(r).contains(&c))
                .unwrap_or(0)
        };
        let mut recv_counts = vec![0i32; p];
        for &c in &needed {
            recv_counts[owner(c)] += 1;
        }
        let displs = |counts: &[i32]| -> Vec<i32> {
            counts
                .iter()
                .scan(0, |acc, &c| {
                    let d = *acc;
                    *acc += c;
                    Some(d)
                })
                .collect()
        };
        let recv_displs = displs(&recv_counts);
        // Tell each owner what it must send: counts, then the global indices.
        let mut send_counts = vec![0i32; p];
        comm.all_to_all_into(&recv_counts[..], &mut send_counts[..]);
        let send_displs = displs(&send_counts);
        let total_send = send_counts.iter().sum::<i32>() as usize;
        let needed_u64: Vec<u64> = needed.iter().map(|&c| c as u64).collect();
        let mut requested = vec![0u64; total_send];
        {
            let sendbuf = Partition::new(&needed_u64[..], &recv_counts[..], &recv_displs[..]);
            let mut recvbuf =
                PartitionMut::new(&mut requested[..], &send_counts[..], &send_displs[..]);
            comm.all_to_all_varcount_into(&sendbuf, &mut recvbuf);
        }
        let send_index: Vec<usize> = requested.iter().map(|&c| c as usize - mine.start).collect();

        // Columns into [x_local | halo].
        let mapped: Vec<u32> = cols
            .iter()
            .map(|&c| {
                if mine.contains(&c) {
                    (c - mine.start) as u32
                } else {
                    let h = needed.binary_search(&c).unwrap_or(0);
                    (rows + h) as u32
                }
            })
            .collect();
        let width = rows + needed.len();
        let (mut interior, mut boundary) = (LocalRows::new(rows), LocalRows::new(width));
        let mut runs: Vec<(usize, usize, bool)> = Vec::new();
        for i in 0..rows {
            let range = offsets[i]..offsets[i + 1];
            let inside = mapped[range.clone()].iter().all(|&c| (c as usize) < rows);
            let part = if inside { &mut interior } else { &mut boundary };
            part.push_row(&mapped[range.clone()], &vals[range]);
            match runs.last_mut() {
                Some((_, len, kind)) if *kind == inside => *len += 1,
                _ => runs.push((i, 1, inside)),
            }
        }
        interior
            .check()
            .and_then(|()| boundary.check())
            .expect("the mapped columns are below the local length plus the halo");
        let messages = |counts: &[i32], displs: &[i32]| -> Vec<(i32, usize, usize)> {
            (0..p)
                .filter(|&r| counts[r] > 0)
                .map(|r| (r as i32, displs[r] as usize, counts[r] as usize))
                .collect()
        };
        let receives = messages(&recv_counts, &recv_displs);
        let sends = messages(&send_counts, &send_displs);
        // SAFETY: reading a constant the MPI shim initialises before main.
        let null = unsafe { ffi::RSMPI_REQUEST_NULL };
        Ok(Self {
            comm,
            layout,
            interior,
            boundary,
            runs,
            buffers: RefCell::new(Buffers {
                extended: vec![S::zero(); width],
                send: vec![S::zero(); total_send],
                requests: vec![null; receives.len() + sends.len()],
            }),
            send_index,
            receives,
            sends,
            products: Cell::new(0),
        })
    }

    /// The matrix process `root` holds whole — `global` is `Some((offsets, cols, vals))` of all
    /// `n` rows there, and is ignored elsewhere — sent row block by row block to the processes
    /// of the block layout of `n` rows ([`BlockLayout::new`]), then set up as
    /// [`from_local_rows`](Self::from_local_rows). Collective. For a matrix read or assembled
    /// on one process (see [`scatter_csr`](Self::scatter_csr) for a nalgebra-sparse matrix).
    ///
    /// # Errors
    /// On every process, [`SolverError::InvalidParameter`] if `root` is not a rank of `comm`,
    /// the root has no matrix, its offsets are malformed, it has more than `i32::MAX` entries
    /// (MPI's counts), or the rows fail the checks of
    /// [`from_local_rows`](Self::from_local_rows).
    pub fn scatter_from(
        comm: &'c C,
        root: i32,
        global: Option<(&[usize], &[usize], &[S])>,
    ) -> Result<Self, SolverError> {
        use mpi::traits::Root;
        let p = comm.size() as usize;
        let rank = comm.rank() as usize;
        if root < 0 || root as usize >= p {
            // Every process sees the same size, so all of them return here.
            return Err(SolverError::InvalidParameter {
                name: "root",
                value: f64::from(root),
                requirement: "a rank of the communicator",
            });
        }
        let root_process = comm.process_at_rank(root);
        let is_root = comm.rank() == root;
        // The size, or u64::MAX if the root's matrix cannot be sent.
        let mut header = u64::MAX;
        if is_root {
            if let Some((offsets, cols, vals)) = global {
                let well_formed = !offsets.is_empty()
                    && offsets[0] == 0
                    && offsets.windows(2).all(|w| w[0] <= w[1])
                    && offsets[offsets.len() - 1] == cols.len()
                    && cols.len() == vals.len()
                    && cols.len() <= i32::MAX as usize;
                if well_formed {
                    header = (offsets.len() - 1) as u64;
                }
            }
        }
        root_process.broadcast_into(&mut header);
        if header == u64::MAX {
            return Err(SolverError::InvalidParameter {
                name: "scattered CSR matrix",
                value: f64::from(root),
                requirement: "the root holds n + 1 non-decreasing offsets from 0 to the \
                              number of entries (at most i32::MAX), and as many columns as values",
            });
        }
        let n = header as usize;
        let layout = BlockLayout::new(n, p, rank);
        let rows = layout.local_range().len();
        let as_count = |k: usize| i32::try_from(k).expect("counts checked at the root");
        let row_counts: Vec<i32> = (0..p).map(|r| as_count(layout.range_of(r).len())).collect();
        let row_displs: Vec<i32> = (0..p).map(|r| as_count(layout.range_of(r).start)).collect();
        let mut lengths = vec![0u64; rows];
        let (my_cols, my_vals) = match global.filter(|_| is_root) {
            Some((offsets, cols, vals)) => {
                let all_lengths: Vec<u64> =
                    offsets.windows(2).map(|w| (w[1] - w[0]) as u64).collect();
                let entries = |r: usize| {
                    let range = layout.range_of(r);
                    (offsets[range.start], offsets[range.end])
                };
                let counts: Vec<i32> = (0..p).map(&entries).map(|(a, b)| as_count(b - a)).collect();
                let displs: Vec<i32> = (0..p).map(|r| as_count(entries(r).0)).collect();
                let (a, b) = entries(rank);
                let mut my_cols = vec![0u64; b - a];
                let mut my_vals = vec![S::zero(); b - a];
                let cols_u64: Vec<u64> = cols.iter().map(|&c| c as u64).collect();
                root_process.scatter_varcount_into_root(
                    &Partition::new(&all_lengths[..], &row_counts[..], &row_displs[..]),
                    &mut lengths[..],
                );
                root_process.scatter_varcount_into_root(
                    &Partition::new(&cols_u64[..], &counts[..], &displs[..]),
                    &mut my_cols[..],
                );
                root_process.scatter_varcount_into_root(
                    &Partition::new(vals, &counts[..], &displs[..]),
                    &mut my_vals[..],
                );
                (my_cols, my_vals)
            }
            None => {
                root_process.scatter_varcount_into(&mut lengths[..]);
                let entries = lengths.iter().sum::<u64>() as usize;
                let mut my_cols = vec![0u64; entries];
                let mut my_vals = vec![S::zero(); entries];
                root_process.scatter_varcount_into(&mut my_cols[..]);
                root_process.scatter_varcount_into(&mut my_vals[..]);
                (my_cols, my_vals)
            }
        };
        let offsets: Vec<usize> = core::iter::once(0)
            .chain(lengths.iter().scan(0usize, |acc, &l| {
                *acc += l as usize;
                Some(*acc)
            }))
            .collect();
        let cols: Vec<usize> = my_cols.iter().map(|&c| c as usize).collect();
        Self::from_local_rows(comm, layout, &offsets, &cols, &my_vals)
    }

    /// [`scatter_from`](Self::scatter_from) for a nalgebra-sparse matrix on the root
    /// (feature `sparse`), e.g. one [`read_matrix_market`](super::read_matrix_market) gave.
    ///
    /// # Errors
    /// As [`scatter_from`](Self::scatter_from); also if the root's matrix is not square.
    #[cfg(feature = "sparse")]
    pub fn scatter_csr(
        comm: &'c C,
        root: i32,
        matrix: Option<&nalgebra_sparse::CsrMatrix<S>>,
    ) -> Result<Self, SolverError>
    where
        S: nalgebra::Scalar,
    {
        let parts = matrix
            .filter(|m| m.nrows() == m.ncols())
            .map(|m| (m.row_offsets(), m.col_indices(), m.values()));
        Self::scatter_from(comm, root, parts)
    }

    /// The layout vectors must have.
    pub fn layout(&self) -> BlockLayout {
        self.layout
    }

    /// What one product sends and receives from this process.
    pub fn halo_traffic(&self) -> HaloTraffic {
        let size = core::mem::size_of::<S>();
        let total = |m: &[(i32, usize, usize)]| m.iter().map(|&(_, _, c)| c).sum::<usize>();
        HaloTraffic {
            messages_sent: self.sends.len(),
            messages_received: self.receives.len(),
            bytes_sent: total(&self.sends) * size,
            bytes_received: total(&self.receives) * size,
        }
    }

    /// How many products (`A·x` or `Aᵀ·x`) this matrix has made: with
    /// [`halo_traffic`](Self::halo_traffic), the messages and bytes of a solve.
    pub fn products(&self) -> u64 {
        self.products.get()
    }

    /// This process's rows that need no entry of another process (computed while the halo
    /// travels), of its rows in all.
    pub fn interior_rows(&self) -> (usize, usize) {
        (self.interior.rows(), self.layout.local_len())
    }

    /// This process's rows in order: columns in the `[x_local | halo]` numbering, values.
    fn local_rows(&self) -> impl Iterator<Item = (&[u32], &[S])> + '_ {
        let (mut next_interior, mut next_boundary) = (0, 0);
        self.runs.iter().flat_map(move |&(_, len, inside)| {
            let (part, next) = if inside {
                (&self.interior, &mut next_interior)
            } else {
                (&self.boundary, &mut next_boundary)
            };
            let first = *next;
            *next += len;
            (first..first + len).map(move |i| part.row(i))
        })
    }

    /// Block Jacobi with ILU(0) blocks: each process factors the diagonal block of its rows
    /// (the entries whose columns it owns) by ILU(0) and applies it to its part of the
    /// residual, with no communication. Collective (every process learns of a failure).
    ///
    /// # Errors
    /// On every process, [`SolverError::FactorizationFailed`] if any process's block lacks a
    /// diagonal entry or meets a zero pivot (the row is global on the process that failed).
    pub fn block_jacobi_ilu0(&self) -> Result<BlockJacobiIlu0<S>, SolverError> {
        let rows = self.layout.local_len();
        let start = self.layout.local_range().start;
        let (offsets, cols, vals) = self.diagonal_block_parts();
        let factored = SparseRows::from_pattern("block Jacobi ILU(0)", offsets, cols, rows)
            .and_then(|mut lu| {
                lu.vals.copy_from_slice(&vals);
                let mut position = vec![usize::MAX; rows];
                lu.ilu0_in_place(&mut position).map_err(|(row, pivot)| {
                    SolverError::FactorizationFailed {
                        method: "block Jacobi ILU(0)",
                        row: start + row,
                        pivot: pivot.to_f64().unwrap_or(f64::NAN),
                    }
                })?;
                Ok(lu)
            });
        self.everywhere(factored, "block Jacobi ILU(0) (on another process)")
            .map(|lu| BlockJacobiIlu0 { lu })
    }

    /// This process's diagonal block — its rows, restricted to the columns it owns, with
    /// local column numbers — as a nalgebra-sparse matrix (feature `sparse`): what a block
    /// Jacobi preconditioner factors.
    #[cfg(feature = "sparse")]
    pub fn diagonal_block(&self) -> nalgebra_sparse::CsrMatrix<S>
    where
        S: nalgebra::Scalar,
    {
        let rows = self.layout.local_len();
        let (offsets, cols, vals) = self.diagonal_block_parts();
        nalgebra_sparse::CsrMatrix::try_from_csr_data(rows, rows, offsets, cols, vals)
            .expect("the owned columns of valid rows, in the rows' order")
    }

    /// Block Jacobi with any preconditioner of the diagonal blocks (feature `sparse`):
    /// `build` makes this process's from its [`diagonal_block`](Self::diagonal_block) — an
    /// [`Ic0`](super::Ic0), an [`Ssor`](super::Ssor), an [`Ilu0`](super::Ilu0) — and the
    /// result applies it to this process's part of the residual, without communication (so
    /// it changes with the number of processes; on one process it is `build`'s
    /// preconditioner of the whole matrix). Collective: if `build` fails on any process,
    /// every process returns an error.
    ///
    /// # Errors
    /// `build`'s error on the process where it failed; on the others
    /// [`SolverError::FactorizationFailed`] naming "another process".
    #[cfg(feature = "sparse")]
    pub fn block_jacobi<P>(
        &self,
        build: impl FnOnce(&nalgebra_sparse::CsrMatrix<S>) -> Result<P, SolverError>,
    ) -> Result<BlockJacobi<P>, SolverError>
    where
        S: nalgebra::Scalar,
    {
        let local = build(&self.diagonal_block());
        self.everywhere(local, "block Jacobi (on another process)")
            .map(BlockJacobi)
    }

    /// `local`, if it is `Ok` on every process of the communicator; otherwise an error on
    /// every process (the failing ones keep theirs). Collective.
    fn everywhere<T>(
        &self,
        local: Result<T, SolverError>,
        elsewhere: &'static str,
    ) -> Result<T, SolverError> {
        let mut failed = 0u8;
        self.comm.all_reduce_into(
            &u8::from(local.is_err()),
            &mut failed,
            mpi::collective::SystemOperation::max(),
        );
        match local {
            Ok(value) if failed == 0 => Ok(value),
            Ok(_) => Err(SolverError::FactorizationFailed {
                method: elsewhere,
                row: 0,
                pivot: 0.0,
            }),
            Err(e) => Err(e),
        }
    }

    /// The entries of this process's rows in the columns it owns, as CSR parts (offsets,
    /// local columns, values) in the rows' order.
    fn diagonal_block_parts(&self) -> (Vec<usize>, Vec<usize>, Vec<S>) {
        let rows = self.layout.local_len();
        let (mut offsets, mut cols, mut vals) = (vec![0], Vec::new(), Vec::new());
        for (row_cols, row_vals) in self.local_rows() {
            for (&c, &v) in row_cols.iter().zip(row_vals) {
                // Owned columns come first in the extended numbering, in their order.
                if (c as usize) < rows {
                    cols.push(c as usize);
                    vals.push(v);
                }
            }
            offsets.push(cols.len());
        }
        (offsets, cols, vals)
    }

    /// Entries stored on this process.
    pub fn local_nnz(&self) -> usize {
        self.interior.vals.len() + self.boundary.vals.len()
    }

    /// `ys ← A·x` on this process's blocks: the halo messages started, the interior rows
    /// computed while they travel, then the rows that read the halo.
    fn product(&self, xs: &[S], ys: &mut [S]) {
        self.products.set(self.products.get() + 1);
        let mut buffers = self.buffers.borrow_mut();
        let Buffers {
            extended,
            send,
            requests,
        } = &mut *buffers;
        let rows = xs.len();
        for (s, &i) in send.iter_mut().zip(&self.send_index) {
            *s = xs[i];
        }
        let (local, halo) = extended.split_at_mut(rows);
        // Only the boundary rows read `[x_local | halo]`; the interior ones read `xs`.
        if self.boundary.rows() > 0 {
            local.copy_from_slice(xs);
        }
        // SAFETY: the exchange borrows `halo` and `send` until it is waited for below (or
        // dropped while unwinding), and it is not forgotten.
        let exchange = unsafe {
            start_exchange(
                self.comm.as_raw(),
                halo,
                &self.receives,
                send,
                &self.sends,
                requests,
            )
        };
        // The interior rows while the entries travel: they read `xs` only, never the halo
        // MPI is writing.
        let interior = self.interior.view();
        let mut next = 0;
        for &(first, len, _) in self.runs.iter().filter(|r| r.2) {
            interior.rows(next, xs, &mut ys[first..first + len]);
            next += len;
        }
        exchange.wait();
        let boundary = self.boundary.view();
        let mut next = 0;
        for &(first, len, _) in self.runs.iter().filter(|r| !r.2) {
            boundary.rows(next, extended, &mut ys[first..first + len]);
            next += len;
        }
    }

    /// `ys ← Aᵀ·x` on this process's blocks, the product's exchange reversed: this process's
    /// rows scatter `A_ij·x_i` into `[y_local | halo]`, the halo's sums go back to the
    /// processes owning those columns (the messages the product receives, sent), and each
    /// process adds what it receives to its entries, in rank order. Deterministic, but the
    /// additions are grouped by process, so the bits depend on the number of processes.
    fn transpose_product(&self, xs: &[S], ys: &mut [S]) {
        self.products.set(self.products.get() + 1);
        let mut buffers = self.buffers.borrow_mut();
        let Buffers {
            extended,
            send,
            requests,
        } = &mut *buffers;
        let rows = xs.len();
        extended.fill(S::zero());
        for ((cols, vals), &xi) in self.local_rows().zip(xs) {
            for (&c, &v) in cols.iter().zip(vals) {
                extended[c as usize] += v * xi;
            }
        }
        let (local, halo) = extended.split_at_mut(rows);
        // The product's messages reversed: the halo's sums go to the columns' owners, and the
        // entries the product sends come back as sums.
        // SAFETY: the exchange borrows `send` and `halo` until the wait, and is not forgotten.
        unsafe {
            start_exchange(
                self.comm.as_raw(),
                send,
                &self.sends,
                halo,
                &self.receives,
                requests,
            )
        }
        .wait();
        ys.copy_from_slice(local);
        for (&i, &v) in self.send_index.iter().zip(send.iter()) {
            ys[i] += v;
        }
    }
}

/// Starts the non-blocking receives of the `incoming` messages — (rank, offset, count) — into
/// `into` and the sends of the `outgoing` ones from `from`, one request each in `requests`
/// (receives first), with the halo tag. The returned [`Exchange`] completes them when waited
/// for or dropped (so also when a panic unwinds past it).
///
/// # Safety
/// The exchange must be waited for or dropped, not leaked (`mem::forget`): it borrows the
/// buffers, and MPI writes `into` and reads `from` until it completes.
///
/// # Panics
/// If a message does not fit its buffer or `requests` has not one slot per message.
unsafe fn start_exchange<'b, S: Equivalence>(
    comm: ffi::MPI_Comm,
    into: &'b mut [S],
    incoming: &[(i32, usize, usize)],
    from: &'b [S],
    outgoing: &[(i32, usize, usize)],
    requests: &'b mut [ffi::MPI_Request],
) -> Exchange<'b> {
    assert_eq!(requests.len(), incoming.len() + outgoing.len());
    let datatype = S::equivalent_datatype();
    let datatype = datatype.as_raw();
    let (receiving, sending) = requests.split_at_mut(incoming.len());
    for (&(rank, offset, count), request) in incoming.iter().zip(receiving) {
        assert!(offset + count <= into.len() && count <= i32::MAX as usize);
        // SAFETY: the message lies inside `into` (asserted); the caller keeps `into` alive
        // and untouched until the request completes.
        unsafe {
            ffi::MPI_Irecv(
                into.as_mut_ptr().add(offset).cast(),
                count as i32,
                datatype,
                rank,
                HALO_TAG,
                comm,
                request,
            );
        }
    }
    for (&(rank, offset, count), request) in outgoing.iter().zip(sending) {
        assert!(offset + count <= from.len() && count <= i32::MAX as usize);
        // SAFETY: the message lies inside `from` (asserted); the caller keeps it alive and
        // unwritten until the request completes.
        unsafe {
            ffi::MPI_Isend(
                from.as_ptr().add(offset).cast(),
                count as i32,
                datatype,
                rank,
                HALO_TAG,
                comm,
                request,
            );
        }
    }
    Exchange {
        requests,
        _buffers: PhantomData,
    }
}

/// The requests of a started exchange ([`start_exchange`]), completed when waited for or
/// dropped. It borrows the buffers, so the compiler keeps them untouched meanwhile.
struct Exchange<'b> {
    requests: &'b mut [ffi::MPI_Request],
    _buffers: PhantomData<&'b mut [u8]>,
}

impl Exchange<'_> {
    /// Blocks until every message has arrived or left.
    fn wait(self) {}
}

impl Drop for Exchange<'_> {
    fn drop(&mut self) {
        // SAFETY: each request is null or was started by `start_exchange` on buffers its
        // caller keeps alive until now; MPI_STATUSES_IGNORE asks for no statuses (reading the
        // shim's constant is sound).
        unsafe {
            ffi::MPI_Waitall(
                self.requests.len() as i32,
                self.requests.as_mut_ptr(),
                ffi::RSMPI_STATUSES_IGNORE,
            );
        }
    }
}

impl<C: Communicator, S: Real + Equivalence> LinearOperator<S> for DistributedCsr<'_, C, S> {
    fn nrows(&self) -> usize {
        self.layout.global_len()
    }
    fn ncols(&self) -> usize {
        self.layout.global_len()
    }

    /// # Panics
    /// If a slice does not have this process's local length.
    fn apply(&self, x: &[S], y: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(x), LocalMut::Contiguous(y));
    }

    /// # Panics
    /// If a vector's local block does not have this process's length.
    fn apply_local(&self, _par: Par, x: Local<'_, S>, mut y: LocalMut<'_, S>) {
        let rows = self.layout.local_len();
        assert!(
            x.len() == rows && y.len() == rows,
            "DistributedCsr: local blocks must have {rows} elements"
        );
        x.with_slice(|xs| y.with_slice_mut(|ys| self.product(xs, ys)));
    }

    /// This process's part of the diagonal (as the vectors' blocks are parts).
    fn diagonal(&self) -> Option<Vec<S>> {
        // Owned columns are numbered locally, so row i's diagonal entry has column i.
        Some(
            self.local_rows()
                .enumerate()
                .map(|(i, (cols, vals))| {
                    cols.iter()
                        .zip(vals)
                        .filter(|(&c, _)| c as usize == i)
                        .fold(S::zero(), |d, (_, &v)| d + v)
                })
                .collect(),
        )
    }

    /// `y ← Aᵀ·x` with the reverse exchange (see the type's docs); on one process the
    /// serial scatter's bits, on several the same sums grouped by process.
    ///
    /// # Panics
    /// If a slice does not have this process's local length.
    fn apply_transpose(&self, x: &[S], y: &mut [S]) -> Result<(), SolverError> {
        let rows = self.layout.local_len();
        assert!(
            x.len() == rows && y.len() == rows,
            "DistributedCsr: local blocks must have {rows} elements"
        );
        self.transpose_product(x, y);
        Ok(())
    }
}

/// Block Jacobi with a preconditioner of each process's diagonal block
/// ([`DistributedCsr::block_jacobi`]): applies it to this process's part of the residual,
/// with no communication.
#[derive(Debug)]
pub struct BlockJacobi<P>(P);

impl<P> BlockJacobi<P> {
    /// This process's block preconditioner.
    pub fn block(&self) -> &P {
        &self.0
    }
}

impl<S: Real, P: Preconditioner<S>> Preconditioner<S> for BlockJacobi<P> {
    fn apply(&self, r: &[S], z: &mut [S]) {
        self.0.apply(r, z);
    }

    fn apply_local(&self, par: Par, r: Local<'_, S>, z: LocalMut<'_, S>) {
        self.0.apply_local(par, r, z);
    }
}

/// Block Jacobi with an ILU(0) factor of each process's diagonal block
/// ([`DistributedCsr::block_jacobi_ilu0`]): `z ← (L·U)⁻¹·r` on this process's part, without
/// communication, so it changes with the number of processes (one process: the ILU(0) of
/// the whole matrix).
pub struct BlockJacobiIlu0<S> {
    lu: SparseRows<S>,
}

impl<S: Real> Preconditioner<S> for BlockJacobiIlu0<S> {
    /// # Panics
    /// If the slices do not have this process's local length.
    fn apply(&self, r: &[S], z: &mut [S]) {
        z.copy_from_slice(r);
        self.lu.forward(z, |_| S::one());
        self.lu.backward(z, |i| self.lu.vals[self.lu.diag[i]]);
    }
}
