//! A CSR matrix whose rows are split in blocks over MPI processes (feature `mpi`), in the
//! manner of PETSc's MPIAIJ: each process owns a block of rows with global column indices,
//! and a communication plan made once tells it which entries of `x` to send to whom and
//! which to receive.

use core::cell::RefCell;

use mpi::datatype::{Partition, PartitionMut};
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
/// A product sends each process the entries of `x` its rows need from others (one
/// all-to-all with the counts fixed at construction: nothing for pairs of processes that
/// share no column), then computes its rows. Each row's terms are added in the order the row
/// was given, with the project's CSR kernel (32-bit column indices into this process's
/// entries followed by the received ones), so the product equals the single-process CSR
/// product bit for bit.
///
/// Set-up is collective (every process calls [`from_local_rows`](Self::from_local_rows) at
/// once); so is every product. All buffers are made at set-up: a product allocates nothing.
pub struct DistributedCsr<'c, C, S> {
    comm: &'c C,
    layout: BlockLayout,
    /// Local rows: offsets, columns into `[x_local | halo]`, values.
    offsets: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<S>,
    /// Local indices of the entries to send, grouped by destination rank; counts and
    /// offsets per rank (MPI's `int`s) for sending and receiving.
    send_index: Vec<usize>,
    send_counts: Vec<i32>,
    send_displs: Vec<i32>,
    recv_counts: Vec<i32>,
    recv_displs: Vec<i32>,
    /// `[x_local | halo]`, the packed send buffer and the receive buffer.
    buffers: RefCell<Buffers<S>>,
}

struct Buffers<S> {
    extended: Vec<S>,
    send: Vec<S>,
    recv: Vec<S>,
}

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
        Ok(Self {
            comm,
            layout,
            offsets: offsets.to_vec(),
            cols: mapped,
            vals: vals.to_vec(),
            buffers: RefCell::new(Buffers {
                extended: vec![S::zero(); rows + needed.len()],
                send: vec![S::zero(); total_send],
                recv: vec![S::zero(); needed.len()],
            }),
            send_index,
            send_counts,
            send_displs,
            recv_counts,
            recv_displs,
        })
    }

    /// The matrix process `root` holds whole — `global` is `Some((offsets, cols, vals))` of all
    /// `n` rows there, and is ignored elsewhere — sent row block by row block to the processes
    /// of the block layout of `n` rows ([`BlockLayout::new`]), then set up as
    /// [`from_local_rows`](Self::from_local_rows). Collective. For a matrix read or assembled
    /// on one process (see [`scatter_csr`](Self::scatter_csr) for a nalgebra-sparse matrix).
    ///
    /// # Errors
    /// On every process, [`SolverError::InvalidParameter`] if the root has no matrix, its
    /// offsets are malformed, it has more than `i32::MAX` entries (MPI's counts), or the rows
    /// fail the checks of [`from_local_rows`](Self::from_local_rows).
    pub fn scatter_from(
        comm: &'c C,
        root: i32,
        global: Option<(&[usize], &[usize], &[S])>,
    ) -> Result<Self, SolverError> {
        use mpi::traits::Root;
        let p = comm.size() as usize;
        let rank = comm.rank() as usize;
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
        let count = |c: &[i32]| c.iter().filter(|&&k| k > 0).count();
        let total = |c: &[i32]| c.iter().sum::<i32>() as usize;
        HaloTraffic {
            messages_sent: count(&self.send_counts),
            messages_received: count(&self.recv_counts),
            bytes_sent: total(&self.send_counts) * size,
            bytes_received: total(&self.recv_counts) * size,
        }
    }

    /// Block Jacobi with ILU(0) blocks: each process factors the diagonal block of its rows
    /// (the entries whose columns it owns) by ILU(0) and applies it to its part of the
    /// residual, with no communication. Collective (every process learns of a failure).
    ///
    /// # Errors
    /// On every process, [`SolverError::FactorizationFailed`] if any process's block lacks a
    /// diagonal entry or meets a zero pivot (the row is global on the process that failed).
    pub fn block_jacobi_ilu0(&self) -> Result<BlockJacobiIlu0<S>, SolverError> {
        let rows = self.offsets.len() - 1;
        let start = self.layout.local_range().start;
        let (mut offsets, mut cols, mut vals) = (vec![0], Vec::new(), Vec::new());
        for i in 0..rows {
            for k in self.offsets[i]..self.offsets[i + 1] {
                // Owned columns come first in the extended numbering, in their order.
                let c = self.cols[k] as usize;
                if c < rows {
                    cols.push(c);
                    vals.push(self.vals[k]);
                }
            }
            offsets.push(cols.len());
        }
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
        let mut failed = 0u8;
        self.comm.all_reduce_into(
            &u8::from(factored.is_err()),
            &mut failed,
            mpi::collective::SystemOperation::max(),
        );
        match factored {
            Ok(lu) if failed == 0 => Ok(BlockJacobiIlu0 { lu }),
            Ok(_) => Err(SolverError::FactorizationFailed {
                method: "block Jacobi ILU(0) (on another process)",
                row: 0,
                pivot: 0.0,
            }),
            Err(e) => Err(e),
        }
    }

    /// Entries stored on this process.
    pub fn local_nnz(&self) -> usize {
        self.vals.len()
    }

    fn view(&self, ncols: usize) -> CsrView<'_, S, usize, u32> {
        // SAFETY: the offsets were checked (from 0, non-decreasing, ending at the number of
        // entries) and every mapped column is below `rows + halo = ncols`.
        unsafe {
            CsrView::new_unchecked(
                self.offsets.len() - 1,
                ncols,
                &self.offsets,
                &self.cols,
                &self.vals,
            )
        }
    }

    /// `ys ← A·x` on this process's blocks.
    fn product(&self, xs: &[S], ys: &mut [S]) {
        let mut buffers = self.buffers.borrow_mut();
        let Buffers {
            extended,
            send,
            recv,
        } = &mut *buffers;
        let rows = xs.len();
        extended[..rows].copy_from_slice(xs);
        for (s, &i) in send.iter_mut().zip(&self.send_index) {
            *s = xs[i];
        }
        let view = self.view(extended.len());
        let sendbuf = Partition::new(&send[..], &self.send_counts[..], &self.send_displs[..]);
        // Blocking: the non-blocking all-to-all (MPI_Ialltoallv through rsmpi 0.8) hung
        // with three oversubscribed OpenMPI processes, so the rows that need nothing remote
        // are not yet computed while the entries travel.
        {
            let mut recvbuf =
                PartitionMut::new(&mut recv[..], &self.recv_counts[..], &self.recv_displs[..]);
            self.comm.all_to_all_varcount_into(&sendbuf, &mut recvbuf);
        }
        extended[rows..].copy_from_slice(recv);
        view.rows(0, extended, ys);
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
