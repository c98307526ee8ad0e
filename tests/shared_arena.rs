//! The shared (multi-threaded) arena under contention: no two live allocations overlap,
//! contents survive, counts are exact once the threads are joined, memory stays bounded.

use rvf::arena::{AlignmentPolicy, ArenaError, GrowthPolicy, SharedArena, SharedVec};
use rvf::prelude::*;
use std::sync::Barrier;

const THREADS: usize = 4;

/// The value element `j` of the `i`th vector of thread `t` holds.
fn stamp(t: usize, i: usize, j: usize) -> f64 {
    (t * 1_000_000 + i * 1000 + j) as f64
}

/// Length of the `i`th vector of a thread: varied, so buffers run out at different points.
fn len_of(i: usize) -> usize {
    1 + (i * 37) % 300
}

/// Asserts that no two of the vectors' byte ranges overlap (zero-length ones excluded).
fn assert_disjoint(ranges: &mut [(usize, usize)]) {
    ranges.sort_unstable();
    for w in ranges.windows(2) {
        assert!(
            w[0].1 <= w[1].0,
            "blocks {:x?} and {:x?} overlap",
            w[0],
            w[1]
        );
    }
}

fn ranges_of(vs: &[SharedVec<'_, f64>]) -> Vec<(usize, usize)> {
    vs.iter()
        .filter(|v| !v.is_empty())
        .map(|v| {
            let start = v.as_ptr() as usize;
            (start, start + 8 * v.len())
        })
        .collect()
}

/// Every thread allocates `per_thread` vectors, all threads at once (a barrier lines them
/// up), fills them with its stamp and keeps them; the caller gets all of them back.
fn allocate_concurrently(arena: &SharedArena, per_thread: usize) -> Vec<Vec<SharedVec<'_, f64>>> {
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    (0..per_thread)
                        .map(|i| {
                            arena
                                .alloc_with(len_of(i), |j| stamp(t, i, j))
                                .expect("the arena grows")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    })
}

#[test]
fn concurrent_allocations_never_overlap_and_keep_their_contents() {
    // Small buffers and chunks: thousands of refills and dozens of chunk additions race.
    let arena = SharedArena::builder()
        .capacity(4096)
        .growth(GrowthPolicy::Linear(64 * 1024))
        .thread_buffer(1024)
        .build()
        .unwrap();
    let per_thread = 3000;
    let all = allocate_concurrently(&arena, per_thread);
    for (t, vs) in all.iter().enumerate() {
        for (i, v) in vs.iter().enumerate() {
            assert_eq!(v.len(), len_of(i));
            assert!(
                v.iter().enumerate().all(|(j, &x)| x == stamp(t, i, j)),
                "thread {t} vector {i}"
            );
        }
    }
    let mut ranges: Vec<_> = all.iter().flat_map(|vs| ranges_of(vs)).collect();
    assert_eq!(ranges.len(), THREADS * per_thread);
    assert_disjoint(&mut ranges);
    let stats = arena.statistics();
    assert!(
        stats.chunks > 10,
        "growth under contention was exercised: {stats}"
    );
}

#[test]
fn counts_are_exact_once_the_threads_are_joined() {
    let arena = SharedArena::builder()
        .capacity(1 << 16)
        .thread_buffer(2048)
        .build()
        .unwrap();
    let per_thread = 2000;
    let all = allocate_concurrently(&arena, per_thread);
    let elements: usize = (0..per_thread).map(len_of).sum();
    let stats = arena.statistics();
    assert_eq!(stats.total_allocations, (THREADS * per_thread) as u64);
    assert_eq!(stats.bytes_requested, (THREADS * elements * 8) as u64);
    assert_eq!(stats.bytes_allocated, THREADS * elements * 8);
    assert_eq!(stats.threads, THREADS);
    assert_eq!(stats.failed_allocations, 0);
    assert!(stats.bytes_carved >= stats.bytes_allocated);
    assert!(stats.bytes_carved <= stats.total_capacity);
    // Dropped on this thread, which never allocated: still counted.
    drop(all);
    let stats = arena.statistics();
    assert_eq!(stats.bytes_allocated, 0);
    assert_eq!(stats.total_allocations, (THREADS * per_thread) as u64);
}

#[test]
fn a_thread_that_drops_its_latest_vector_reuses_the_same_bytes() {
    let arena = SharedArena::new(1 << 20);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut first = None;
                for k in 0..10_000 {
                    let mut a = arena.alloc_zeroed::<f64>(1000).unwrap();
                    let b = arena.alloc_slice_copy(&a).unwrap();
                    a.axpy_in_place(1.0, &b);
                    let addr = a.as_ptr() as usize;
                    assert_eq!(*first.get_or_insert(addr), addr, "iteration {k} moved");
                    drop(b);
                    drop(a);
                }
            });
        }
    });
    let stats = arena.statistics();
    assert_eq!(stats.chunks, 1, "no growth: {stats}");
    assert_eq!(stats.bytes_allocated, 0);
    assert_eq!(stats.total_allocations, 40_000);
}

#[test]
fn a_request_larger_than_the_buffer_grows_it_in_place_and_is_reused() {
    let arena = SharedArena::builder()
        .capacity(1 << 22)
        .thread_buffer(4096)
        .build()
        .unwrap();
    // Two large temporaries per iteration, dropped in reverse order: after the first
    // iteration the buffer holds both and nothing more is carved.
    let mut carved = None;
    for _ in 0..100 {
        let a = arena.alloc_zeroed::<f64>(50_000).unwrap();
        let b = arena.alloc_zeroed::<f64>(50_000).unwrap();
        assert_eq!(a.len() + b.len(), 100_000);
        drop(b);
        drop(a);
        let now = arena.statistics().bytes_carved;
        assert_eq!(*carved.get_or_insert(now), now);
    }
    assert!(carved.unwrap() <= 800_000 + 4096 + 8);
}

#[test]
fn vectors_move_between_threads_and_are_dropped_where_they_end_up() {
    let arena = SharedArena::new(1 << 16);
    let (tx, rx) = std::sync::mpsc::channel::<SharedVec<'_, f64>>();
    std::thread::scope(|s| {
        let arena = &arena;
        s.spawn(move || {
            for i in 0..100 {
                tx.send(arena.alloc_with(64, |j| stamp(1, i, j)).unwrap())
                    .unwrap();
            }
            drop(tx);
        });
        s.spawn(move || {
            // This thread allocates too: what it drops of the other's must not move its
            // own cursor, so its vectors never overlap the other's.
            let mut mine = Vec::new();
            for (i, v) in rx.iter().enumerate() {
                assert!(v.iter().enumerate().all(|(j, &x)| x == stamp(1, i, j)));
                mine.push(arena.alloc_with(64, |j| stamp(2, i, j)).unwrap());
                drop(v);
            }
            for (i, v) in mine.iter().enumerate() {
                assert!(v.iter().enumerate().all(|(j, &x)| x == stamp(2, i, j)));
            }
        });
    });
    let stats = arena.statistics();
    assert_eq!(stats.total_allocations, 200);
    assert_eq!(stats.bytes_allocated, 0);
}

#[test]
fn a_full_fixed_size_arena_refuses_with_exhausted_and_stays_usable() {
    let arena = SharedArena::builder()
        .capacity(8192)
        .growth(GrowthPolicy::FixedSize)
        .thread_buffer(1024)
        .build()
        .unwrap();
    let kept: Vec<_> = (0..8)
        .map(|_| arena.alloc_zeroed::<f64>(128).unwrap())
        .collect();
    let err = arena.alloc_zeroed::<f64>(128).unwrap_err();
    assert!(
        matches!(
            err,
            ArenaError::Exhausted {
                requested: 1024,
                available: 0
            }
        ),
        "{err}"
    );
    let err = arena.alloc_zeroed::<f64>(usize::MAX / 4).unwrap_err();
    assert!(matches!(err, ArenaError::SizeOverflow { .. }), "{err}");
    assert_eq!(arena.statistics().failed_allocations, 2);
    // Dropping the latest vector gives its room back to this thread.
    drop(kept);
    let again = arena.alloc_zeroed::<f64>(128).unwrap();
    assert_eq!(again.len(), 128);
}

#[test]
fn reset_frees_all_but_one_chunk_and_threads_start_over() {
    let mut arena = SharedArena::builder()
        .capacity(4096)
        .growth(GrowthPolicy::Linear(8192))
        .thread_buffer(1024)
        .build()
        .unwrap();
    drop(allocate_concurrently(&arena, 200));
    let before = arena.statistics();
    assert!(before.chunks > 1);
    arena.reset();
    let after = arena.statistics();
    assert_eq!((after.chunks, after.bytes_carved, after.threads), (1, 0, 0));
    assert_eq!(after.total_allocations, before.total_allocations);
    // The threads' cached buffers are of the old epoch: fresh ones are carved, and the new
    // allocations do not overlap.
    let all = allocate_concurrently(&arena, 200);
    let mut ranges: Vec<_> = all.iter().flat_map(|vs| ranges_of(vs)).collect();
    assert_disjoint(&mut ranges);
    assert_eq!(arena.statistics().threads, THREADS);
}

#[test]
fn adaptive_reset_keeps_one_chunk_for_the_peak_footprint() {
    let mut arena = SharedArena::builder()
        .capacity(4096)
        .growth(GrowthPolicy::Adaptive)
        .build()
        .unwrap();
    for _ in 0..3 {
        let vs: Vec<_> = (0..50)
            .map(|_| arena.alloc_zeroed::<f64>(1000).unwrap())
            .collect();
        drop(vs);
        arena.reset();
    }
    let stats = arena.statistics();
    assert_eq!(stats.chunks, 1);
    assert!(stats.total_capacity >= 400_000, "{stats}");
    let before = stats.total_capacity;
    let vs: Vec<_> = (0..50)
        .map(|_| arena.alloc_zeroed::<f64>(1000).unwrap())
        .collect();
    assert_eq!(
        arena.statistics().total_capacity,
        before,
        "the repeat needs no growth"
    );
    drop(vs);
}

#[test]
fn alignment_requests_and_policies_are_honoured() {
    let arena = SharedArena::builder()
        .alignment(AlignmentPolicy::CacheLine)
        .build()
        .unwrap();
    for n in [1, 3, 8, 100] {
        let v = arena.alloc_zeroed::<f64>(n).unwrap();
        assert_eq!(v.as_ptr() as usize % 64, 0);
        std::mem::forget(v);
    }
    let plain = SharedArena::new(1 << 12);
    let p = plain.allocate(100, 4096).unwrap();
    assert_eq!(p.as_ptr() as usize % 4096, 0);
    let z = plain.allocate(0, 256).unwrap();
    assert_eq!(z.as_ptr() as usize % 256, 0);
    assert!(matches!(
        plain.allocate(8, 3),
        Err(ArenaError::InvalidAlignment { align: 3 })
    ));
    assert!(matches!(
        SharedArena::builder()
            .alignment(AlignmentPolicy::Custom(48))
            .build(),
        Err(ArenaError::InvalidAlignment { align: 48 })
    ));
    assert_eq!(plain.statistics().total_allocations, 2);
    assert_eq!(plain.statistics().failed_allocations, 1);
}

#[test]
fn one_thread_can_use_more_arenas_than_its_cache_holds() {
    // Six arenas in turn: the thread's four-entry cache evicts, the lock finds the thread's
    // slot again, and no arena gains a second slot for the same thread.
    let arenas: Vec<_> = (0..6).map(|_| SharedArena::new(1 << 14)).collect();
    let mut kept = Vec::new();
    for round in 0..50 {
        for (k, arena) in arenas.iter().enumerate() {
            kept.push(arena.alloc_with(10, |j| stamp(k, round, j)).unwrap());
        }
    }
    for (n, v) in kept.iter().enumerate() {
        let (round, k) = (n / 6, n % 6);
        assert!(v.iter().enumerate().all(|(j, &x)| x == stamp(k, round, j)));
    }
    let mut ranges = ranges_of(&kept);
    assert_disjoint(&mut ranges);
    for arena in &arenas {
        let stats = arena.statistics();
        assert_eq!((stats.threads, stats.total_allocations), (1, 50));
    }
}

#[test]
fn collections_grow_in_the_shared_arena_from_several_threads() {
    use allocator_api2::vec::Vec as AVec;
    let arena = SharedArena::new(1 << 16);
    let sums = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let arena = &arena;
                s.spawn(move || {
                    let mut v: AVec<u64, &SharedArena> = AVec::new_in(arena);
                    for i in 0..1000u64 {
                        v.push(i * t as u64);
                    }
                    v.iter().sum::<u64>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (t, sum) in sums.iter().enumerate() {
        assert_eq!(*sum, 499_500 * t as u64);
    }
    assert_eq!(arena.statistics().bytes_allocated, 0);
}

#[cfg(feature = "rayon")]
#[test]
fn rayon_tasks_allocate_from_one_arena_and_return_their_vectors() {
    use rayon::prelude::*;
    let arena = SharedArena::builder().thread_buffer(4096).build().unwrap();
    let x: Vec<f64> = (0..500).map(f64::from).collect();
    let scaled: Vec<_> = (0..2000)
        .into_par_iter()
        .map(|i| {
            let mut y = arena.clone_of(&x).unwrap();
            y.scale_in_place(i as f64);
            y
        })
        .collect();
    for (i, y) in scaled.iter().enumerate() {
        assert!(
            y.iter().zip(&x).all(|(a, b)| *a == b * i as f64),
            "task {i}"
        );
    }
    let mut ranges = ranges_of(&scaled);
    assert_disjoint(&mut ranges);
    let stats = arena.statistics();
    assert_eq!(stats.total_allocations, 2000);
    assert_eq!(stats.bytes_allocated, 2000 * 500 * 8);
}
