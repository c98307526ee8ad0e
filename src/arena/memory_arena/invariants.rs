//! The arena's invariants, checked in debug builds after every general-path operation (the
//! model test in `tests/arena_model.rs` runs thousands of random episodes through them).
//! Release builds compile the check away.

#[cfg(debug_assertions)]
use super::scopes::NO_CHUNK;
use super::MemoryArena;
#[cfg(debug_assertions)]
use super::{EMPTY, NOT_PLAIN};
#[cfg(debug_assertions)]
use crate::arena::layout::QUANTUM;

impl MemoryArena {
    /// Asserts that the bump state, the chunk list, the counters and the scope log agree.
    #[inline]
    pub(super) fn check_invariants(&self) {
        #[cfg(debug_assertions)]
        self.assert_invariants();
    }

    #[cfg(debug_assertions)]
    fn assert_invariants(&self) {
        let Ok(chunks) = self.chunks.try_borrow() else {
            return; // Called from inside a growth; checked again once it is done.
        };
        let (cursor, base, limit, floor) = (
            self.cursor.get().addr(),
            self.base.get(),
            self.limit.get(),
            self.floor.get(),
        );
        assert_eq!(cursor % QUANTUM, 0, "cursor {cursor:#x} off the quantum");
        let current = self.current.get();
        if current == NO_CHUNK {
            assert_eq!(
                (cursor, base, limit),
                (EMPTY.addr(), EMPTY.addr(), EMPTY.addr())
            );
            assert_eq!(chunks.len(), 0, "chunks exist but none is current");
        } else {
            assert!(
                current < chunks.len(),
                "current chunk {current} out of range"
            );
            let chunk = chunks.get(current);
            assert_eq!(base, chunk.start(), "base is not the current chunk's start");
            assert_eq!(
                limit,
                base + chunk.capacity(),
                "limit is not the chunk's end"
            );
            assert_eq!(self.region_base.get(), chunks.capacity_before(current));
        }
        assert!(
            base <= floor && floor <= cursor && cursor <= limit,
            "expected base ≤ floor ≤ cursor ≤ limit: {base:#x} {floor:#x} {cursor:#x} {limit:#x}"
        );
        let live = self.live();
        let region = self.used_region();
        assert!(
            live <= region,
            "live bytes {live} exceed the used region {region}"
        );
        assert_eq!(
            self.log.hole_count(),
            self.log.holes_len(),
            "hole count out of date"
        );
        let depth = self.scope_depth();
        if self.log.has_deferred() {
            assert_ne!(
                self.key.get() & NOT_PLAIN,
                0,
                "scopes kept aside on the short path"
            );
        }
        if let Some(d) = self.log.deepest_deferred() {
            assert!(d < depth, "scope {d} kept aside at depth {depth}");
        }
        if depth == 0 {
            assert_eq!(self.log.hole_count(), 0, "holes logged with no scope alive");
        }
    }
}
