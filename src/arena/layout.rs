//! The arena's address arithmetic: rounding, padding, whether a request fits, whether a
//! block is the most recent one. Pure functions on integers, with no `unsafe` and no state,
//! so the rest of the arena can rely on them and they can be tested exhaustively on their
//! own (see the property tests below).
//!
//! Every allocation starts at a multiple of [`QUANTUM`] and its size is rounded up to one,
//! so the bump cursor stays aligned to it and scalar requests never need padding.

/// The granule of every allocation (see the module doc).
pub(crate) const QUANTUM: usize = 8;

/// `bytes ≤ isize::MAX` rounded up to a multiple of [`QUANTUM`] (cannot overflow).
#[inline(always)]
pub(crate) fn quantum_size(bytes: usize) -> usize {
    debug_assert!(bytes <= isize::MAX as usize);
    (bytes + (QUANTUM - 1)) & !(QUANTUM - 1)
}

/// Bytes to skip from `addr` to the next multiple of `align` (a power of two).
#[inline(always)]
pub(crate) fn padding(addr: usize, align: usize) -> usize {
    debug_assert!(align.is_power_of_two());
    addr.wrapping_neg() & (align - 1)
}

/// Where a request of `bytes ≤ isize::MAX` aligned to `align ≤ MAX_ALIGN` lands when the
/// cursor is at `addr` with `room` bytes before the chunk's end: its padding and the bytes
/// the cursor advances (padding plus the rounded size), or `None` if it does not fit.
#[inline(always)]
pub(crate) fn fit(addr: usize, room: usize, bytes: usize, align: usize) -> Option<(usize, usize)> {
    let pad = padding(addr, align);
    // No overflow: pad < 2³⁰ and the rounded size ≤ isize::MAX + 1 − QUANTUM.
    let need = pad + quantum_size(bytes);
    (need <= room).then_some((pad, need))
}

/// Whether the non-empty block of `bytes ≤ isize::MAX` at `addr` is the most recent
/// allocation of the innermost scope: it ends at `cursor` and starts at or above `floor`.
///
/// Zero sizes are excluded: a zero-size block occupies no space, so "ending at the cursor"
/// would only be a coincidence of addresses (one past the end of one chunk can be the start
/// of the next), and releasing one is a no-op anyway.
#[inline(always)]
pub(crate) fn is_top(addr: usize, bytes: usize, cursor: usize, floor: usize) -> bool {
    bytes != 0 && addr.wrapping_add(quantum_size(bytes)) == cursor && addr >= floor
}

/// Whether `addr` lies in the block of `capacity` bytes at `start` (one past the end
/// excluded).
#[inline]
pub(crate) fn contains(start: usize, capacity: usize, addr: usize) -> bool {
    addr >= start && addr - start < capacity
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::MAX_ALIGN;
    use proptest::prelude::*;

    fn align() -> impl Strategy<Value = usize> {
        (0..=30u32).prop_map(|k| 1usize << k)
    }

    proptest! {
        #[test]
        fn quantum_size_is_the_smallest_multiple_of_the_quantum_not_below_the_request(
            bytes in prop_oneof![0..10_000usize, (isize::MAX as usize - 64)..=isize::MAX as usize]
        ) {
            let q = quantum_size(bytes);
            prop_assert_eq!(q % QUANTUM, 0);
            prop_assert!(q >= bytes && q - bytes < QUANTUM);
        }

        #[test]
        fn padding_reaches_the_next_aligned_address(addr in any::<usize>(), align in align()) {
            let pad = padding(addr, align);
            prop_assert!(pad < align);
            prop_assert_eq!(addr.wrapping_add(pad) % align, 0);
        }

        #[test]
        fn a_fit_is_aligned_inside_the_room_and_anything_refused_would_overrun(
            addr in (0..usize::MAX / 2).prop_map(|a| a & !(QUANTUM - 1)),
            room in 0..1usize << 20,
            bytes in 0..1usize << 20,
            align in align(),
        ) {
            prop_assert!(align <= MAX_ALIGN);
            match fit(addr, room, bytes, align) {
                Some((pad, need)) => {
                    prop_assert_eq!((addr + pad) % align, 0);
                    prop_assert!(need <= room);
                    prop_assert!(need >= pad + bytes);
                    // The cursor stays a multiple of the quantum.
                    prop_assert_eq!((addr + need) % QUANTUM, 0);
                }
                None => prop_assert!(padding(addr, align) + bytes > room
                    || padding(addr, align) + quantum_size(bytes) > room),
            }
        }

        #[test]
        fn only_the_block_ending_at_the_cursor_above_the_floor_is_on_top(
            addr in (1usize << 12..1usize << 40).prop_map(|a| a & !(QUANTUM - 1)),
            bytes in 0..4096usize,
            floor_below in 0..8192usize,
            shift in -16isize..16,
        ) {
            let cursor = addr + quantum_size(bytes);
            let floor = addr.saturating_sub(floor_below);
            prop_assert_eq!(is_top(addr, bytes, cursor, floor), bytes != 0);
            // Moved off the cursor, or below the floor, it is not on top.
            let moved = cursor.wrapping_add_signed(shift * QUANTUM as isize);
            prop_assert_eq!(is_top(addr, bytes, moved, floor), bytes != 0 && shift == 0);
            prop_assert!(!is_top(addr, bytes, cursor, addr + QUANTUM));
        }

        #[test]
        fn contains_excludes_one_past_the_end(start in 0..usize::MAX / 2, cap in 1..1usize << 30) {
            prop_assert!(contains(start, cap, start));
            prop_assert!(contains(start, cap, start + cap - 1));
            prop_assert!(!contains(start, cap, start + cap));
            prop_assert!(start == 0 || !contains(start, cap, start - 1));
        }
    }

    #[test]
    fn a_zero_size_block_at_the_start_of_the_next_chunk_is_not_on_top() {
        // One past the end of a chunk ending at 0x2000 is where a following chunk may start:
        // with the cursor and floor there, a zero-size block at that address must not count
        // as the latest allocation (its release must not touch the cursor).
        assert!(!is_top(0x2000, 0, 0x2000, 0x2000));
    }
}
