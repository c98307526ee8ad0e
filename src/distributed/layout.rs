//! [`BlockLayout`]: which contiguous block of a global vector each process owns.

use core::ops::Range;

/// A block partition of `global` elements over `processes` processes, in units of `unit`
/// consecutive elements (1 for plain vectors; the row length for a grid split by rows).
///
/// With `u = global / unit` units, process `r` owns units `[r·q + min(r, m), …)` where
/// `q = u / p` and `m = u mod p`: the first `m` processes own one extra unit. Blocks are
/// contiguous and in rank order; when there are fewer units than processes, the last
/// processes own empty blocks.
///
/// ```
/// use rvf::distributed::BlockLayout;
/// // 10 elements over 3 processes: 4, 3, 3.
/// let blocks: Vec<_> = (0..3).map(|r| BlockLayout::new(10, 3, r).local_range()).collect();
/// assert_eq!(blocks, [0..4, 4..7, 7..10]);
/// // 2 elements over 3 processes: the last block is empty.
/// assert!(BlockLayout::new(2, 3, 2).local_range().is_empty());
/// // A 4×5 grid (rows of 5) over 3 processes: 2, 1, 1 rows.
/// assert_eq!(BlockLayout::with_unit(4, 5, 3, 0).local_range(), 0..10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockLayout {
    units: usize,
    unit: usize,
    processes: usize,
    rank: usize,
}

impl BlockLayout {
    /// `global` elements over `processes` processes, seen from `rank`.
    ///
    /// # Panics
    /// If `processes` is zero or `rank >= processes`.
    pub fn new(global: usize, processes: usize, rank: usize) -> Self {
        Self::with_unit(global, 1, processes, rank)
    }

    /// `units` blocks of `unit` elements each over `processes` processes, seen from `rank`.
    ///
    /// # Panics
    /// If `processes` is zero, `rank >= processes`, or `units · unit` overflows.
    pub fn with_unit(units: usize, unit: usize, processes: usize, rank: usize) -> Self {
        assert!(processes > 0, "BlockLayout: no processes");
        assert!(rank < processes, "BlockLayout: rank {rank} of {processes}");
        assert!(
            units.checked_mul(unit).is_some(),
            "BlockLayout: {units}×{unit} overflows usize"
        );
        Self {
            units,
            unit,
            processes,
            rank,
        }
    }

    /// Number of elements in the whole vector.
    pub fn global_len(&self) -> usize {
        self.units * self.unit
    }

    /// The units (e.g. grid rows) process `rank` owns.
    pub fn units_of(&self, rank: usize) -> Range<usize> {
        let q = self.units / self.processes;
        let m = self.units % self.processes;
        let start = rank * q + rank.min(m);
        start..start + q + usize::from(rank < m)
    }

    /// The global indices process `rank` owns.
    pub fn range_of(&self, rank: usize) -> Range<usize> {
        let u = self.units_of(rank);
        u.start * self.unit..u.end * self.unit
    }

    /// The global indices this process owns.
    pub fn local_range(&self) -> Range<usize> {
        self.range_of(self.rank)
    }

    /// Number of elements this process owns.
    pub fn local_len(&self) -> usize {
        self.local_range().len()
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Number of processes.
    pub fn processes(&self) -> usize {
        self.processes
    }

    /// Elements per unit.
    pub fn unit(&self) -> usize {
        self.unit
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.units
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_the_vector_in_order_without_overlap() {
        for global in [0usize, 1, 2, 7, 10, 100] {
            for p in 1..6 {
                let mut next = 0;
                for r in 0..p {
                    let range = BlockLayout::new(global, p, r).local_range();
                    assert_eq!(range.start, next);
                    next = range.end;
                }
                assert_eq!(next, global);
            }
        }
    }
}
