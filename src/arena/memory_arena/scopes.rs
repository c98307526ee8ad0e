//! Entering and leaving scopes: the checkpoint a scope keeps, and the rare cases (holes,
//! scopes dropped out of order, timing and observers) that need more than restoring it.

use std::time::{Duration, Instant};

use super::{MemoryArena, EMPTY, KEY_FLAGS, WIDE};
use crate::arena::policy::GrowthPolicy;
use crate::arena::stats::ScopeStatistics;

/// The chunk index of a checkpoint taken while the arena had no chunk yet.
pub(crate) const NO_CHUNK: usize = usize::MAX;

/// What a scope saves on entry: the arena's state to restore when it ends. It lives in the
/// [`Scope`](crate::arena::Scope) guard itself, so entering and leaving a scope touch no
/// memory but the arena's fields and the guard.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint {
    /// The cursor at entry (a pointer into chunk `chunk`, or the empty arena's dangling one).
    cursor: *mut u8,
    /// The current chunk at entry, or [`NO_CHUNK`].
    chunk: usize,
    /// The arena's `floor` at entry, valid again once the cursor is back in `chunk`.
    floor: usize,
    /// The arena's `bias` at entry: with `cursor`, the live bytes at entry.
    bias: usize,
    /// The length of the hole log at entry: holes logged later may lie below this
    /// checkpoint, and then are no longer live when the scope ends.
    holes: usize,
}

impl Checkpoint {
    /// Where the scope began, ordered as allocation proceeds (chunk, then address); a
    /// checkpoint taken before the first chunk lies before everything.
    fn position(&self) -> (usize, usize) {
        if self.chunk == NO_CHUNK {
            (0, 0)
        } else {
            (self.chunk, self.cursor.addr())
        }
    }
}

/// An allocation released while it was not on top, with scopes alive: its bytes stay in the
/// used region, and scopes entered after it must not count them as live when they end.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hole {
    position: (usize, usize),
    bytes: usize,
}

impl MemoryArena {
    /// Records a new innermost scope and returns its depth and checkpoint.
    #[inline]
    pub(crate) fn enter_scope(&self) -> (usize, Checkpoint) {
        let cursor = self.cursor.get();
        let checkpoint = Checkpoint {
            cursor,
            chunk: self.current.get(),
            floor: self.floor.get(),
            bias: self.bias.get(),
            holes: self.hole_count.get(),
        };
        let key = self.key.get() + 1;
        let depth = key & !KEY_FLAGS;
        if !self.plain {
            // Before the arena changes: an observer that panics leaves no scope behind.
            self.enter_scope_general(depth);
        }
        self.key.set(key);
        self.floor.set(cursor.addr());
        (depth, checkpoint)
    }

    /// Scope entry with timing or observers.
    #[cold]
    #[inline(never)]
    fn enter_scope_general(&self, depth: usize) {
        if self.timing {
            let mut starts = self.starts.borrow_mut();
            // Scopes leaked before timing was switched on have no start.
            starts.resize(depth - 1, None);
            starts.push(Some(Instant::now()));
        }
        if !self.observers.is_empty() {
            self.notify(|o| o.on_scope_enter(depth));
        }
    }

    /// Ends the scope at `depth` that saved `checkpoint`. The innermost scope releases its
    /// memory at once, along with any outer scopes already dropped out of order; a scope
    /// dropped while a later one lives is kept aside, so nothing still in use is freed.
    #[inline]
    pub(crate) fn exit_scope(
        &self,
        depth: usize,
        allocations_at_entry: u64,
        checkpoint: &Checkpoint,
    ) {
        // `depth == key` (or `depth | WIDE`, an alignment flag that scopes ignore): the
        // innermost scope of a plain arena with no scope dropped out of order. It also has to
        // end in the chunk it began in, with no hole logged since.
        let key = self.key.get();
        if (depth == key || depth | WIDE == key)
            && checkpoint.chunk == self.current.get()
            && checkpoint.holes == self.hole_count.get()
        {
            // Unchanged fields are not stored again: an empty scope then leaves no store for
            // the next entry's loads to wait on. With cursor and bias unchanged, the live
            // count is too, so there is no peak to note (releases note their own).
            let (cursor, bias) = (self.cursor.get(), self.bias.get());
            if cursor != checkpoint.cursor || bias != checkpoint.bias {
                self.note_peak_live();
                self.cursor.set(checkpoint.cursor);
                self.bias.set(checkpoint.bias);
            }
            if self.floor.get() != checkpoint.floor {
                self.floor.set(checkpoint.floor);
            }
            // `key − 1`: one scope fewer, flags (`WIDE`) kept.
            self.key.set(key - 1);
            return;
        }
        self.exit_scope_general(depth, allocations_at_entry, *checkpoint);
    }

    #[cold]
    #[inline(never)]
    fn exit_scope_general(&self, depth: usize, allocations_at_entry: u64, checkpoint: Checkpoint) {
        // The statistics describe the scope as it ends; the observers hear of it after the
        // arena is consistent again, so one that panics cannot leave a phantom scope.
        let stats = (!self.observers.is_empty())
            .then(|| self.scope_statistics(depth, allocations_at_entry, &checkpoint));
        if self.growth == GrowthPolicy::Adaptive {
            self.note_peak_region();
        }
        let innermost = self.scope_depth();
        if depth == innermost {
            // End this scope and every outer one already dropped; restore the outermost.
            let mut target = checkpoint;
            let mut new_depth = depth - 1;
            {
                let mut deferred = self.deferred.borrow_mut();
                while let Some(i) = deferred.iter().position(|&(d, _)| d == new_depth) {
                    target = deferred.swap_remove(i).1;
                    new_depth -= 1;
                }
            }
            self.rewind_to(&target);
            self.forget_holes_inside(&target);
            self.starts.borrow_mut().truncate(new_depth);
            if new_depth == 0 {
                // No scope left for a hole to matter to.
                self.holes.borrow_mut().clear();
                self.hole_count.set(0);
            }
            self.set_key(new_depth);
        } else if depth < innermost {
            // Dropped while a later scope lives: its memory is released when that one ends.
            self.deferred.borrow_mut().push((depth, checkpoint));
            self.set_key(innermost);
        }
        if let Some(stats) = stats {
            self.notify(|o| o.on_scope_exit(depth, &stats));
        }
    }

    /// Restores the arena to `checkpoint` (at or before the current position), minus the
    /// holes logged since that lie below it.
    fn rewind_to(&self, checkpoint: &Checkpoint) {
        self.note_peak_live();
        let below = self.hole_bytes_below(checkpoint);
        let chunks = self.chunks.borrow();
        if checkpoint.chunk == NO_CHUNK {
            if let Some(first) = chunks.first() {
                // The scope began before the first chunk: that chunk's start takes the
                // empty cursor's place, with the same live count.
                let start = first.ptr().as_ptr();
                self.switch_to(&chunks, 0, 0);
                self.floor.set(start.addr());
                self.bias.set(
                    checkpoint
                        .bias
                        .wrapping_add(EMPTY.addr())
                        .wrapping_sub(start.addr())
                        .wrapping_sub(below),
                );
                return;
            }
        } else if checkpoint.chunk != self.current.get() {
            self.switch_to(&chunks, checkpoint.chunk, 0);
        }
        self.cursor.set(checkpoint.cursor);
        self.floor.set(checkpoint.floor);
        self.bias.set(checkpoint.bias.wrapping_sub(below));
    }

    /// Bytes of the holes logged after `checkpoint` was taken that lie below it.
    fn hole_bytes_below(&self, checkpoint: &Checkpoint) -> usize {
        let at = checkpoint.position();
        let holes = self.holes.borrow();
        holes
            .get(checkpoint.holes..)
            .unwrap_or_default()
            .iter()
            .filter(|h| h.position < at)
            .map(|h| h.bytes)
            .sum()
    }

    /// Moves the cursor back over holes that end at it inside the innermost scope (in the
    /// current chunk, at or above its floor), removing them from the log: the releases that
    /// made them were only out of order, and once the allocations above them are gone their
    /// bytes are free again. Without this, a loop that releases out of order inside one long
    /// scope would grow the log (a heap allocation) and the used region at every iteration.
    #[cold]
    #[inline(never)]
    pub(super) fn reclaim_holes(&self) {
        let mut holes = self.holes.borrow_mut();
        let (chunk, floor) = (self.current.get(), self.floor.get());
        loop {
            let cursor = self.cursor.get().addr();
            let Some(i) = holes.iter().rposition(|h| {
                h.position.0 == chunk
                    && h.position.1 >= floor
                    && h.position.1 + super::quantum_size(h.bytes) == cursor
            }) else {
                break;
            };
            let hole = holes.remove(i);
            let size = super::quantum_size(hole.bytes);
            // The hole's bytes were already taken off the live count: moving the cursor back
            // over its (rounded) size keeps the count.
            self.cursor.set(self.cursor.get().wrapping_sub(size));
            self.bias.set(self.bias.get().wrapping_add(size));
        }
        self.hole_count.set(holes.len());
    }

    /// Drops the holes logged since `checkpoint` that lie inside the scope it began: that
    /// scope has ended, so its whole region is free and they no longer matter to anyone.
    /// The holes below it stay, for the outer scopes whose checkpoints lie above them.
    fn forget_holes_inside(&self, checkpoint: &Checkpoint) {
        let at = checkpoint.position();
        let mut holes = self.holes.borrow_mut();
        let first = checkpoint.holes.min(holes.len());
        let mut index = 0;
        // `retain` keeps the order, which the checkpoints' indices into the log rely on.
        holes.retain(|h| {
            let keep = index < first || h.position < at;
            index += 1;
            keep
        });
        self.hole_count.set(holes.len());
    }

    /// Logs a hole at `position` when a scope is alive (with none, no checkpoint exists for
    /// it to matter to).
    pub(super) fn log_hole(&self, position: (usize, usize), bytes: usize) {
        if self.scope_depth() > 0 {
            self.holes.borrow_mut().push(Hole { position, bytes });
            self.hole_count.set(self.hole_count.get() + 1);
        }
    }

    /// Statistics of the scope at `depth` that saved `checkpoint`.
    pub(crate) fn scope_statistics(
        &self,
        depth: usize,
        allocations_at_entry: u64,
        checkpoint: &Checkpoint,
    ) -> ScopeStatistics {
        let allocations = self.total_allocations.get() - allocations_at_entry;
        // Live bytes: everything allocated since the scope began and not yet released
        // (what its end gives back).
        let live_at_entry = checkpoint
            .cursor
            .addr()
            .wrapping_add(checkpoint.bias)
            .wrapping_sub(self.hole_bytes_below(checkpoint));
        ScopeStatistics {
            scope_allocations: usize::try_from(allocations).unwrap_or(usize::MAX),
            scope_bytes: self.live().saturating_sub(live_at_entry),
            scope_lifetime: self.scope_lifetime(depth),
            depth,
            arena: self.id,
        }
    }

    /// Time since the scope at `depth` began, when the arena times.
    fn scope_lifetime(&self, depth: usize) -> Option<Duration> {
        let starts = self.starts.borrow();
        let start = (*starts.get(depth.wrapping_sub(1))?)?;
        Some(start.elapsed())
    }
}
