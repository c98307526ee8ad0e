//! The scope log: what the arena remembers about live scopes beyond their checkpoints —
//! holes (allocations released out of order while a scope lives), scopes dropped out of
//! order, and, when timing, when each scope began.
//!
//! All three are empty in the common case: scope entry and exit then read only the hole
//! count.

use core::cell::{Cell, RefCell};
use std::time::Instant;

use super::scopes::{Checkpoint, Position};
use crate::arena::layout::quantum_size;

/// An allocation released while it was not on top, with scopes alive: its bytes stay in the
/// used region, and scopes entered after it must not count them as live when they end.
#[derive(Debug, Clone, Copy)]
struct Hole {
    position: Position,
    bytes: usize,
}

#[derive(Default)]
pub(super) struct ScopeLog {
    /// The length of `holes`, read by every scope exit (a `Cell`, not a borrow).
    hole_count: Cell<usize>,
    /// In the order they were logged: a checkpoint's `holes` indexes this.
    holes: RefCell<Vec<Hole>>,
    /// Scopes dropped while a later one lived, with their depths: their memory is released
    /// when the scopes above them end.
    deferred: RefCell<Vec<(usize, Checkpoint)>>,
    /// When each live scope began (index: depth − 1), kept only while timing.
    starts: RefCell<Vec<Option<Instant>>>,
}

impl ScopeLog {
    #[inline(always)]
    pub(super) fn hole_count(&self) -> usize {
        self.hole_count.get()
    }

    /// Makes room for `additional` more holes, so logging them does not touch the heap.
    pub(super) fn reserve_holes(&self, additional: usize) {
        self.holes.borrow_mut().reserve(additional);
    }

    /// Logs a hole of `bytes` at `position`.
    pub(super) fn record_hole(&self, position: Position, bytes: usize) {
        self.holes.borrow_mut().push(Hole { position, bytes });
        self.hole_count.set(self.hole_count.get() + 1);
    }

    /// Bytes of the holes logged since the log had `since` entries that lie before `at`.
    pub(super) fn hole_bytes_below(&self, since: usize, at: Position) -> usize {
        let holes = self.holes.borrow();
        holes
            .get(since..)
            .unwrap_or_default()
            .iter()
            .filter(|h| h.position < at)
            .map(|h| h.bytes)
            .sum()
    }

    /// Removes the latest hole in `chunk` at or above `floor` that ends at `cursor`, and
    /// returns its rounded size (what the cursor may move back by).
    pub(super) fn take_hole_ending_at(
        &self,
        chunk: usize,
        floor: usize,
        cursor: usize,
    ) -> Option<usize> {
        let mut holes = self.holes.borrow_mut();
        let i = holes.iter().rposition(|h| {
            let (c, addr) = h.position;
            c == chunk && addr >= floor && addr + quantum_size(h.bytes) == cursor
        })?;
        let hole = holes.remove(i);
        self.hole_count.set(holes.len());
        Some(quantum_size(hole.bytes))
    }

    /// Drops the holes logged since the log had `since` entries that lie at or after `at`:
    /// the scope that began there has ended, so they no longer matter to anyone. Those
    /// before `at` stay, for the outer scopes whose checkpoints lie above them.
    pub(super) fn forget_holes_after(&self, since: usize, at: Position) {
        let mut holes = self.holes.borrow_mut();
        let first = since.min(holes.len());
        let mut index = 0;
        // `retain` keeps the order, which the checkpoints' indices into the log rely on.
        holes.retain(|h| {
            let keep = index < first || h.position < at;
            index += 1;
            keep
        });
        self.hole_count.set(holes.len());
    }

    /// Forgets every hole (no scope is left for one to matter to).
    pub(super) fn forget_holes(&self) {
        self.holes.borrow_mut().clear();
        self.hole_count.set(0);
    }

    /// Keeps the checkpoint of the scope at `depth`, dropped while a later scope lives.
    pub(super) fn defer(&self, depth: usize, checkpoint: Checkpoint) {
        self.deferred.borrow_mut().push((depth, checkpoint));
    }

    #[inline]
    pub(super) fn has_deferred(&self) -> bool {
        !self.deferred.borrow().is_empty()
    }

    /// Takes the checkpoint of the scope at `depth` if it was dropped out of order.
    pub(super) fn take_deferred(&self, depth: usize) -> Option<Checkpoint> {
        let mut deferred = self.deferred.borrow_mut();
        let i = deferred.iter().position(|&(d, _)| d == depth)?;
        Some(deferred.swap_remove(i).1)
    }

    /// Notes that the scope at `depth` begins now.
    pub(super) fn note_start(&self, depth: usize) {
        let mut starts = self.starts.borrow_mut();
        // Scopes leaked before timing was switched on have no start.
        starts.resize(depth - 1, None);
        starts.push(Some(Instant::now()));
    }

    /// When the scope at `depth` began, if it was timed.
    pub(super) fn start_of(&self, depth: usize) -> Option<Instant> {
        *self.starts.borrow().get(depth.wrapping_sub(1))?
    }

    /// Forgets the starts of scopes deeper than `depth`.
    pub(super) fn end_starts_above(&self, depth: usize) {
        self.starts.borrow_mut().truncate(depth);
    }

    /// Forgets everything (the arena starts over with no scope alive).
    pub(super) fn clear(&mut self) {
        self.holes.get_mut().clear();
        self.hole_count.set(0);
        self.deferred.get_mut().clear();
        self.starts.get_mut().clear();
    }

    /// Deepest depth of a scope kept aside, for the invariant checks.
    #[cfg(debug_assertions)]
    pub(super) fn deepest_deferred(&self) -> Option<usize> {
        self.deferred.borrow().iter().map(|&(d, _)| d).max()
    }

    #[cfg(debug_assertions)]
    pub(super) fn holes_len(&self) -> usize {
        self.holes.borrow().len()
    }
}
