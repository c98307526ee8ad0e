//! Entering and leaving scopes: the checkpoint a scope keeps, and the rare cases (holes,
//! scopes dropped out of order, timing and observers) that need more than restoring it.

use std::time::Duration;

use super::{MemoryArena, EMPTY, KEY_FLAGS, WIDE};
use crate::arena::stats::ScopeStatistics;

/// The chunk index of a checkpoint taken while the arena had no chunk yet.
pub(crate) const NO_CHUNK: usize = usize::MAX;

/// A place in the order allocation proceeds: (chunk index, address).
pub(super) type Position = (usize, usize);

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
    /// Where the scope began; a checkpoint taken before the first chunk lies before
    /// everything.
    fn position(&self) -> Position {
        if self.chunk == NO_CHUNK {
            (0, 0)
        } else {
            (self.chunk, self.cursor.addr())
        }
    }
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
            holes: self.log.hole_count(),
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
        if self.settings.timing {
            self.log.note_start(depth);
        }
        if self.observed() {
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
            && checkpoint.holes == self.log.hole_count()
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
        let stats = self
            .observed()
            .then(|| self.scope_statistics(depth, allocations_at_entry, &checkpoint));
        self.note_peak_region();
        let innermost = self.scope_depth();
        if depth == innermost {
            // End this scope and every outer one already dropped; restore the outermost.
            let mut target = checkpoint;
            let mut new_depth = depth - 1;
            while let Some(outer) = self.log.take_deferred(new_depth) {
                target = outer;
                new_depth -= 1;
            }
            self.rewind_to(&target);
            self.log.forget_holes_after(target.holes, target.position());
            self.log.end_starts_above(new_depth);
            if new_depth == 0 {
                // No scope left for a hole to matter to.
                self.log.forget_holes();
            }
            self.set_key(new_depth);
        } else if depth < innermost {
            // Dropped while a later scope lives: its memory is released when that one ends.
            self.log.defer(depth, checkpoint);
            self.set_key(innermost);
        }
        self.check_invariants();
        if let Some(stats) = stats {
            self.notify(|o| o.on_scope_exit(depth, &stats));
        }
    }

    /// Restores the arena to `checkpoint` (at or before the current position), minus the
    /// holes logged since that lie below it.
    fn rewind_to(&self, checkpoint: &Checkpoint) {
        self.note_peak_live();
        let below = self
            .log
            .hole_bytes_below(checkpoint.holes, checkpoint.position());
        let chunks = self.chunks.borrow();
        if checkpoint.chunk == NO_CHUNK {
            if let Some(first) = chunks.first() {
                // The scope began before the first chunk: that chunk's start takes the
                // empty cursor's place, with the same live count.
                let start = first.start();
                self.switch_to(&chunks, 0, 0);
                self.floor.set(start);
                self.bias.set(
                    checkpoint
                        .bias
                        .wrapping_add(EMPTY.addr())
                        .wrapping_sub(start)
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

    /// Statistics of the scope at `depth` that saved `checkpoint`.
    pub(crate) fn scope_statistics(
        &self,
        depth: usize,
        allocations_at_entry: u64,
        checkpoint: &Checkpoint,
    ) -> ScopeStatistics {
        let allocations = self.counters.allocations() - allocations_at_entry;
        // Live bytes: everything allocated since the scope began and not yet released
        // (what its end gives back).
        let live_at_entry = checkpoint
            .cursor
            .addr()
            .wrapping_add(checkpoint.bias)
            .wrapping_sub(
                self.log
                    .hole_bytes_below(checkpoint.holes, checkpoint.position()),
            );
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
        Some(self.log.start_of(depth)?.elapsed())
    }
}
