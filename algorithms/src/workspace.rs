//! [`Workspace`]: an arena that the bundled solvers keep between solves.

use rvf::arena::{ArenaStatistics, MemoryArena};

/// Memory that survives from one solve to the next: every bundled solver has a method here
/// (`workspace.cg(…)`, `workspace.dopri5(…)`, `workspace.lbfgs(…)`) that runs it with the
/// workspace's arena. The arena grows to fit the first solve and is reused by every later
/// one, so repeated solves (time steps, Newton iterations, parameter sweeps) touch the heap
/// only until it has grown.
///
/// The three entry points of every solver:
/// - `method(problem…, x, &params)`: a fresh arena sized for the solve;
/// - `workspace.method(problem…, x, &params)`: this reusable arena;
/// - `method_in(problem…, x, &params, arena, monitor)`: the caller's arena (a worker
///   thread's, say) and a monitor closure that sees every iteration and may stop the run.
///   [`Workspace::arena`] gives this workspace's arena to it.
///
/// ```
/// use rvf_algorithms::linear::{CgParams, Poisson2d};
/// use rvf_algorithms::Workspace;
/// let a = Poisson2d::<f64>::new(16, 16);
/// let b = vec![1.0; 256];
/// let mut workspace = Workspace::new();
/// for _ in 0..3 {
///     let mut x = vec![0.0; 256];
///     let r = workspace.cg(&a, &b, &mut x, &CgParams::default()).unwrap();
///     assert!(r.relative_residual <= 1e-8);
/// }
/// let stats = workspace.statistics();
/// assert_eq!(stats.bytes_allocated, 0); // everything was given back after each solve
/// assert!(stats.total_capacity >= 4 * 256 * 8); // and the memory was kept: r, p, A·p, b − A·x
/// ```
#[derive(Debug)]
pub struct Workspace {
    arena: MemoryArena,
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

impl Workspace {
    /// An empty workspace; its arena grows on the first solve.
    pub fn new() -> Self {
        Self {
            arena: MemoryArena::new(0),
        }
    }

    /// A workspace whose arena starts with `bytes` of capacity.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            arena: MemoryArena::new(bytes),
        }
    }

    /// The arena, for the `_in` entry points (a solve with a monitor).
    pub fn arena(&self) -> &MemoryArena {
        &self.arena
    }

    /// The arena for the next solve. After a solve that made the arena grow (it then holds
    /// several chunks), the chunks are replaced by one that holds everything that solve
    /// needed at once: allocations in one chunk stay on the arena's shortest path, and the
    /// next solve of the same size touches the heap no more.
    pub(crate) fn arena_for_solve(&mut self) -> &MemoryArena {
        let s = self.arena.statistics();
        if s.chunks > 1 {
            self.arena = MemoryArena::new(s.peak_usage.next_power_of_two());
        }
        &self.arena
    }

    /// Statistics of the arena.
    pub fn statistics(&self) -> ArenaStatistics {
        self.arena.statistics()
    }
}

/// An arena for one solve that keeps `vectors` work vectors of `len` scalars of `size` bytes
/// each, in one chunk (each vector may be padded to a cache line).
pub(crate) fn arena_for(vectors: usize, len: usize, size: usize) -> MemoryArena {
    MemoryArena::new(arena_bytes(vectors, len, size))
}

/// The bytes [`arena_for`] reserves.
pub(crate) fn arena_bytes(vectors: usize, len: usize, size: usize) -> usize {
    vectors * (len * size + 64)
}
