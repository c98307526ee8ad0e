//! Behaviour of the memory arena: scopes, policies, errors, statistics, observers, threads.

use std::sync::Arc;

use allocator_api2::vec::Vec as AVec;
use rvf::arena::{
    AlignmentPolicy, ArenaError, ArenaObserver, GrowthPolicy, LeakObserver, PerformanceObserver,
    ThreadLocalArena,
};
use rvf::prelude::*;

fn fixed(bytes: usize) -> MemoryArena {
    MemoryArena::builder()
        .capacity(bytes)
        .growth(GrowthPolicy::FixedSize)
        .build()
        .unwrap()
}

#[test]
fn scope_drop_releases_all_allocations() {
    let arena = MemoryArena::new(1 << 16);
    {
        let scope = arena.create_scope();
        let _a = scope.alloc_zeroed::<f64>(100).unwrap();
        let _b = scope.alloc_zeroed::<f32>(10).unwrap();
        assert_eq!(arena.statistics().bytes_allocated, 840);
        assert_eq!(scope.statistics().scope_allocations, 2);
        assert_eq!(scope.statistics().scope_bytes, 840);
    }
    let s = arena.statistics();
    assert_eq!(s.bytes_allocated, 0);
    assert_eq!(s.bytes_available, s.total_capacity);
    assert_eq!(s.peak_usage, 840);
    assert_eq!(s.total_allocations, 2);
    assert_eq!(s.scope_depth, 0);
}

#[test]
fn nested_scopes_release_in_reverse_order() {
    let arena = MemoryArena::new(1 << 16);
    let outer = arena.create_scope();
    let mut keep = outer.alloc_with(8, |i| i as f64).unwrap();
    for round in 0..5 {
        let inner = outer.create_scope();
        let t = inner.alloc_with(8, |_| round as f64).unwrap();
        keep.add_in_place(&t);
        assert_eq!(arena.statistics().bytes_allocated, 128);
        {
            let innermost = inner.create_scope();
            let _u = innermost.alloc_zeroed::<f64>(1000).unwrap();
            assert_eq!(arena.scope_depth(), 3);
        }
        assert_eq!(arena.statistics().bytes_allocated, 128);
    }
    assert_eq!(arena.statistics().bytes_allocated, 64);
    let expected: Vec<f64> = (0..8).map(|i| i as f64 + 10.0).collect();
    assert_eq!(keep, expected);
}

#[test]
fn allocating_from_an_outer_scope_while_an_inner_lives_is_refused() {
    let arena = MemoryArena::new(4096);
    let outer = arena.create_scope();
    let inner = outer.create_scope();
    let err = outer.alloc_zeroed::<f64>(1).unwrap_err();
    assert_eq!(
        err,
        ArenaError::ScopeNotInnermost {
            depth: 1,
            innermost: 2
        }
    );
    assert!(matches!(
        arena.allocate(8, 8),
        Err(ArenaError::ScopeNotInnermost { depth: 0, .. })
    ));
    assert_eq!(arena.statistics().failed_allocations, 2);
    assert!(inner.alloc_zeroed::<f64>(1).is_ok());
    drop(inner);
    assert!(outer.alloc_zeroed::<f64>(1).is_ok());
}

#[test]
fn dropping_scopes_out_of_order_frees_nothing_still_in_use() {
    let arena = MemoryArena::new(1 << 12);
    let a = arena.create_scope();
    let b = arena.create_scope(); // sibling created after `a`: it sits above it
    let mut vb = b.alloc_with(64, |i| i as f64).unwrap();
    drop(a); // not the innermost: must not release anything
    assert_eq!(arena.scope_depth(), 2);
    let c = b.create_scope();
    let mut vc = c.alloc_with(64, |i| -(i as f64)).unwrap();
    // Write to every live vector and check nothing overlaps.
    vb.scale_in_place(2.0);
    vc.scale_in_place(3.0);
    for i in 0..64 {
        assert_eq!(vb[i], 2.0 * i as f64);
        assert_eq!(vc[i], -3.0 * i as f64);
    }
    drop(vc);
    drop(c);
    let stats = arena.statistics();
    assert_eq!(stats.bytes_allocated, 512);
    drop(vb);
    drop(b); // releases `b` and the already-dropped `a`
    assert_eq!(arena.scope_depth(), 0);
    assert_eq!(arena.statistics().bytes_allocated, 0);
    assert!(arena.allocate(16, 8).is_ok());
}

#[test]
fn exhaustion_under_fixed_size_is_an_error_and_the_arena_stays_usable() {
    let arena = fixed(1024);
    let scope = arena.create_scope();
    let mut a = scope.alloc_with(64, |i| i as f64).unwrap(); // 512 bytes
    let err = scope.alloc_zeroed::<f64>(100).unwrap_err();
    assert_eq!(
        err,
        ArenaError::Exhausted {
            requested: 800,
            available: 512
        }
    );
    assert!(err.to_string().contains("800 bytes requested"));
    let s = arena.statistics();
    assert_eq!(s.failed_allocations, 1);
    assert_eq!(s.chunks, 1);
    // Earlier data untouched, later allocations still served.
    a.scale_in_place(1.0);
    assert!(a.iter().enumerate().all(|(i, &v)| v == i as f64));
    let b = scope.alloc_zeroed::<f64>(64).unwrap();
    assert_eq!(b.len(), 64);
    assert!(scope.alloc_zeroed::<u8>(1).is_err());
}

#[test]
fn size_overflow_is_an_error_not_a_wrap() {
    let arena = MemoryArena::new(1024);
    let scope = arena.create_scope();
    let err = scope.alloc_zeroed::<f64>(usize::MAX / 4).unwrap_err();
    assert_eq!(
        err,
        ArenaError::SizeOverflow {
            count: usize::MAX / 4,
            element_size: 8
        }
    );
}

#[test]
fn requests_the_system_cannot_satisfy_are_errors_under_growth() {
    let arena = MemoryArena::new(1024);
    let scope = arena.create_scope();
    // isize::MAX bytes: no Layout can describe the chunk, so growth fails cleanly.
    let err = scope.allocate(isize::MAX as usize - 8, 8).unwrap_err();
    assert!(matches!(err, ArenaError::SystemAllocationFailed { .. }));
    assert!(scope.alloc_zeroed::<f64>(4).is_ok());
}

#[test]
fn growth_keeps_existing_contents_and_adds_chunks() {
    for policy in [
        GrowthPolicy::Linear(256),
        GrowthPolicy::Exponential,
        GrowthPolicy::Adaptive,
    ] {
        let arena = MemoryArena::builder()
            .capacity(128)
            .growth(policy)
            .build()
            .unwrap();
        let scope = arena.create_scope();
        let vs: Vec<_> = (0..50)
            .map(|k| scope.alloc_with(10 + k, |i| (k * 1000 + i) as f64).unwrap())
            .collect();
        for (k, v) in vs.iter().enumerate() {
            assert_eq!(v.len(), 10 + k);
            assert!(v
                .iter()
                .enumerate()
                .all(|(i, &x)| x == (k * 1000 + i) as f64));
        }
        assert!(arena.statistics().chunks > 1, "{policy:?} did not grow");
    }
}

#[test]
fn exponential_growth_doubles_capacity() {
    let arena = MemoryArena::new(4096);
    let scope = arena.create_scope();
    let _a = scope.alloc_zeroed::<u8>(4000).unwrap();
    let _b = scope.alloc_zeroed::<u8>(200).unwrap();
    assert_eq!(arena.statistics().total_capacity, 8192);
}

#[test]
fn freed_chunks_are_reused_instead_of_growing_again() {
    let arena = MemoryArena::new(1024);
    for _ in 0..10 {
        let scope = arena.create_scope();
        let _big = scope.alloc_zeroed::<f64>(2000).unwrap();
    }
    assert_eq!(arena.statistics().chunks, 2);
}

#[test]
fn alignment_policies_set_the_minimum_alignment() {
    for (policy, align) in [
        (AlignmentPolicy::Natural, 1),
        (AlignmentPolicy::CacheLine, 64),
        (AlignmentPolicy::PageAligned, 4096),
        (AlignmentPolicy::Custom(256), 256),
    ] {
        let arena = MemoryArena::builder()
            .capacity(1 << 16)
            .alignment(policy)
            .build()
            .unwrap();
        let scope = arena.create_scope();
        for len in [1, 3, 17] {
            let v = scope.alloc_zeroed::<u8>(len).unwrap();
            assert_eq!(v.as_ptr() as usize % align, 0, "{policy:?}");
            std::mem::forget(v);
        }
        let d = scope.alloc_zeroed::<f64>(3).unwrap();
        assert_eq!(d.as_ptr() as usize % align.max(8), 0);
    }
    let err = MemoryArena::builder()
        .alignment(AlignmentPolicy::Custom(48))
        .build()
        .unwrap_err();
    assert_eq!(err, ArenaError::InvalidAlignment { align: 48 });
    let mut arena = MemoryArena::new(64);
    assert!(arena
        .set_alignment_policy(AlignmentPolicy::Custom(3))
        .is_err());
    assert_eq!(arena.alignment_policy(), AlignmentPolicy::Natural);
}

#[test]
fn alignment_larger_than_a_chunk_is_served_by_growth_or_refused_when_fixed() {
    let arena = MemoryArena::new(256);
    let p = arena.allocate(100, 1 << 16).unwrap();
    assert_eq!(p.as_ptr() as usize % (1 << 16), 0);
    let arena = fixed(256);
    let before = arena.statistics().failed_allocations;
    let r = arena.allocate(100, 1 << 16);
    // The one chunk might happen to be that aligned; otherwise it is an error.
    if let Ok(p) = r {
        assert_eq!(p.as_ptr() as usize % (1 << 16), 0);
    } else {
        assert_eq!(arena.statistics().failed_allocations, before + 1);
    }
    assert!(matches!(
        arena.allocate(8, 3),
        Err(ArenaError::InvalidAlignment { align: 3 })
    ));
}

#[test]
fn zero_size_allocations_use_no_space_and_are_aligned() {
    let arena = fixed(64);
    let scope = arena.create_scope();
    let e = scope.alloc_zeroed::<f64>(0).unwrap();
    assert!(e.is_empty());
    assert_eq!(e.as_ptr() as usize % 8, 0);
    let p = scope.allocate(0, 4096).unwrap();
    assert_eq!(p.as_ptr() as usize % 4096, 0);
    assert_eq!(arena.statistics().bytes_available, 64);
    let zst = scope.alloc_with(5, |_| ()).unwrap();
    assert_eq!(zst.len(), 5);
}

#[test]
fn deallocating_the_latest_allocation_reclaims_it() {
    let arena = fixed(256);
    let a = arena.allocate(64, 8).unwrap();
    let b = arena.allocate(64, 8).unwrap();
    // SAFETY: `b` is this arena's latest allocation of 64 bytes and is not used again.
    unsafe { arena.deallocate(b, 64) };
    assert_eq!(arena.statistics().bytes_available, 192);
    // Not the latest: recorded, not reclaimed.
    let c = arena.allocate(64, 8).unwrap();
    assert_eq!(c, b);
    // SAFETY: `a` was allocated above with 64 bytes and is not used again.
    unsafe { arena.deallocate(a, 64) };
    let s = arena.statistics();
    assert_eq!(s.bytes_allocated, 64);
    assert_eq!(s.bytes_available, 128);
    assert!((s.fragmentation_ratio - 0.5).abs() < 1e-12);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "not owned by this arena")]
fn deallocating_a_foreign_pointer_trips_a_debug_assertion() {
    let arena = MemoryArena::new(256);
    let _ = arena.allocate(8, 8).unwrap();
    let mut foreign = Box::new([0u8; 16]);
    let p = std::ptr::NonNull::new(foreign.as_mut_ptr()).unwrap();
    // SAFETY: deliberately breaks the contract to test the debug check; the arena only
    // compares the address and never touches the memory.
    unsafe { arena.deallocate(p, 16) };
}

#[test]
fn arena_vec_drop_gives_space_back_when_it_is_on_top() {
    let arena = fixed(1024);
    let scope = arena.create_scope();
    for _ in 0..1000 {
        let t = scope.alloc_zeroed::<f64>(100).unwrap();
        drop(t);
    }
    assert_eq!(arena.statistics().bytes_allocated, 0);
    assert_eq!(arena.statistics().bytes_available, 1024);
}

#[test]
fn outer_vector_dropped_inside_inner_scope_keeps_counts_right() {
    let arena = MemoryArena::new(4096);
    let outer = arena.create_scope();
    let a = outer.alloc_zeroed::<f64>(10).unwrap();
    let inner = outer.create_scope();
    let _b = inner.alloc_zeroed::<f64>(5).unwrap();
    drop(a);
    assert_eq!(arena.statistics().bytes_allocated, 40);
    drop(_b);
    drop(inner);
    assert_eq!(arena.statistics().bytes_allocated, 0);
}

#[test]
fn reset_frees_everything_and_keeps_the_largest_chunk() {
    let mut arena = MemoryArena::new(1024);
    {
        let scope = arena.create_scope();
        let _a = scope.alloc_zeroed::<f64>(1000).unwrap();
        let _b = scope.alloc_zeroed::<f64>(5000).unwrap();
        std::mem::forget(scope.create_scope()); // a leaked scope is discarded by reset
    }
    // Chunks: the initial 1024 bytes, then 8000 and 40000 bytes (each request's size, as
    // it exceeds the capacity so far).
    assert_eq!(arena.statistics().chunks, 3);
    assert_eq!(arena.statistics().total_capacity, 1024 + 8000 + 40000);
    arena.reset();
    let s = arena.statistics();
    assert_eq!(s.chunks, 1);
    assert_eq!(s.total_capacity, 40000);
    assert_eq!(s.bytes_allocated, 0);
    assert_eq!(s.scope_depth, 0);
    assert!(arena.allocate(8, 8).is_ok());
}

#[test]
fn adaptive_reset_settles_into_one_chunk_for_the_peak() {
    let mut arena = MemoryArena::builder()
        .capacity(1024)
        .growth(GrowthPolicy::Adaptive)
        .build()
        .unwrap();
    let work = |arena: &MemoryArena| {
        let scope = arena.create_scope();
        let vs: Vec<_> = (0..20)
            .map(|_| scope.alloc_zeroed::<f64>(500).unwrap())
            .collect();
        vs.len()
    };
    work(&arena);
    arena.reset();
    let chunks_before = arena.statistics().chunks;
    work(&arena);
    assert_eq!(chunks_before, 1);
    assert_eq!(arena.statistics().chunks, 1, "second pass must not grow");
}

#[test]
fn statistics_report_fragmentation_and_timing_only_when_on() {
    let arena = MemoryArena::builder()
        .capacity(4096)
        .alignment(AlignmentPolicy::CacheLine)
        .build()
        .unwrap();
    let scope = arena.create_scope();
    let _a = scope.alloc_zeroed::<u8>(1).unwrap();
    let _b = scope.alloc_zeroed::<u8>(1).unwrap();
    let s = arena.statistics();
    // 2 live bytes in a used region of 72 bytes: 64 for the first with the padding that
    // aligns the second to a cache line, 8 for the second (sizes round up to 8 bytes).
    assert_eq!(s.bytes_allocated, 2);
    assert_eq!(s.bytes_available, 4096 - 72);
    assert!((s.fragmentation_ratio - 70.0 / 72.0).abs() < 1e-12);
    assert_eq!(s.avg_allocation_time, None);
    assert_eq!(scope.statistics().scope_lifetime, None);

    let timed = MemoryArena::builder()
        .capacity(4096)
        .timing(true)
        .build()
        .unwrap();
    let scope = timed.create_scope();
    let _c = scope.alloc_zeroed::<f64>(4).unwrap();
    assert!(timed.statistics().avg_allocation_time.is_some());
    assert!(scope.statistics().scope_lifetime.is_some());
}

#[test]
fn observers_see_every_event_in_order() {
    #[derive(Default)]
    struct Log(std::sync::Mutex<Vec<String>>);
    impl ArenaObserver for Log {
        fn on_allocation(&self, e: &rvf::arena::AllocationEvent) {
            self.0
                .lock()
                .unwrap()
                .push(format!("alloc {} @{}", e.bytes, e.scope_depth));
        }
        fn on_deallocation(&self, _p: std::ptr::NonNull<u8>, bytes: usize) {
            self.0.lock().unwrap().push(format!("free {bytes}"));
        }
        fn on_scope_enter(&self, depth: usize) {
            self.0.lock().unwrap().push(format!("enter {depth}"));
        }
        fn on_scope_exit(&self, depth: usize, s: &rvf::arena::ScopeStatistics) {
            self.0
                .lock()
                .unwrap()
                .push(format!("exit {depth} ({} allocs)", s.scope_allocations));
        }
    }
    let log = Arc::new(Log::default());
    let mut arena = MemoryArena::new(1024);
    arena.add_observer(log.clone());
    {
        let s = arena.create_scope();
        let v = s.alloc_zeroed::<f64>(2).unwrap();
        {
            let t = s.create_scope();
            let _w = t.alloc_zeroed::<f32>(1).unwrap();
        }
        drop(v);
    }
    let got = log.0.lock().unwrap().clone();
    assert_eq!(
        got,
        [
            "enter 1",
            "alloc 16 @1",
            "enter 2",
            "alloc 4 @2",
            "free 4",
            "exit 2 (1 allocs)",
            "free 16",
            // The outer scope's statistics include its child's allocation.
            "exit 1 (2 allocs)"
        ]
    );
}

#[test]
fn an_observer_that_allocates_from_the_arena_does_not_recurse() {
    struct Reentrant;
    impl ArenaObserver for Reentrant {
        fn on_allocation(&self, _e: &rvf::arena::AllocationEvent) {
            // Allocating from the thread arena while it notifies: must not recurse.
            ThreadLocalArena::with(|a| {
                let _ = a.allocate(8, 8);
            });
        }
    }
    ThreadLocalArena::with(|_| {});
    let mut arena = MemoryArena::new(1024);
    arena.add_observer(Arc::new(Reentrant));
    let scope = arena.create_scope();
    assert!(scope.alloc_zeroed::<f64>(4).is_ok());
}

#[test]
fn performance_and_leak_observers_report() {
    let perf = Arc::new(PerformanceObserver::new());
    let leaks = Arc::new(LeakObserver::new());
    let arena = MemoryArena::builder()
        .capacity(1 << 16)
        .observer(perf.clone())
        .observer(leaks.clone())
        .build()
        .unwrap();
    {
        let scope = arena.create_scope();
        for _ in 0..100 {
            let _t = scope.alloc_zeroed::<f64>(16).unwrap();
        }
        let raw = scope.allocate(24, 8).unwrap(); // never deallocated: a leak
        let _ = raw;
    }
    let p = perf.report();
    assert_eq!(p.allocations, 101);
    assert_eq!(p.deallocations, 100);
    assert_eq!(p.bytes_requested, 100 * 128 + 24);
    assert_eq!(p.largest_allocation, 128);
    assert_eq!((p.scopes_entered, p.scopes_exited), (1, 1));
    assert_eq!(p.latency_histogram.iter().sum::<u64>(), 101);
    let r = leaks.reports();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].scope_depth, Some(1));
    assert_eq!(r[0].allocations.len(), 1);
    assert_eq!(r[0].allocations[0].1, 24);
    let _ = arena.allocate(40, 8).unwrap();
    drop(arena);
    let r = leaks.reports();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].scope_depth, None);
    assert_eq!(r[1].allocations[0].1, 40);
}

#[test]
fn allocator_api_collections_live_in_a_scope() {
    let arena = MemoryArena::new(256);
    let scope = arena.create_scope();
    let mut v: AVec<f64, &Scope> = AVec::new_in(&scope);
    for i in 0..1000 {
        v.push(i as f64);
    }
    assert_eq!(v.iter().sum::<f64>(), 499_500.0);
    assert!(arena.owns(v.as_ptr().cast()));
    let inner = scope.create_scope();
    // Growing the outer collection while an inner scope lives is refused, not unsound.
    assert!(v.try_reserve(100_000).is_err());
    drop(inner);
    v.try_reserve(10).unwrap();
    drop(v);
    drop(scope);
    assert_eq!(arena.statistics().bytes_allocated, 0);

    let mut w: AVec<u64, &MemoryArena> = AVec::new_in(&arena);
    w.extend(0..100);
    assert_eq!(w.len(), 100);
    let s = arena.create_scope();
    assert!(
        w.try_reserve(10_000).is_err(),
        "arena-level growth inside a scope"
    );
    drop(s);
}

#[test]
fn thread_local_arenas_are_per_thread() {
    ThreadLocalArena::set_thread_arena_capacity(1 << 16);
    let handles: Vec<_> = (0..4)
        .map(|k| {
            std::thread::spawn(move || {
                let data = vec![k as f64; 1000];
                for _ in 0..50 {
                    let s = ThreadLocalArena::clone(&data, |t| {
                        t.scale_in_place(2.0);
                        t.sum()
                    })
                    .unwrap();
                    assert_eq!(s, 2000.0 * k as f64);
                }
                let st = ThreadLocalArena::statistics();
                (st.total_allocations, st.peak_usage, st.total_capacity)
            })
        })
        .collect();
    for h in handles {
        let (allocs, peak, cap) = h.join().unwrap();
        assert_eq!(allocs, 50);
        assert_eq!(peak, 8000);
        assert_eq!(cap, 1 << 16);
    }
}

#[test]
fn memory_arena_is_send_but_not_sync() {
    fn assert_send<T: Send>() {}
    assert_send::<MemoryArena>();
    // Not Sync: a type-level check that fails to compile if `MemoryArena: Sync`.
    trait AmbiguousIfSync<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfSync<()> for T {}
    impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}
    <MemoryArena as AmbiguousIfSync<_>>::some_item();
    <Scope<'static> as AmbiguousIfSync<_>>::some_item();
    <ArenaVec<'static, f64> as AmbiguousIfSync<_>>::some_item();
    let arena = MemoryArena::new(1024);
    let moved = std::thread::spawn(move || {
        let s = arena.create_scope();
        let v = s.alloc_zeroed::<f64>(8).unwrap();
        v.len()
    });
    assert_eq!(moved.join().unwrap(), 8);
}

#[test]
fn estimate_arena_size_follows_the_spec() {
    let x = vec![0.0_f64; 1000];
    assert_eq!(rvf::arena::estimate_arena_size(&x, 5, 100), 4_000_000);
    assert_eq!(
        rvf::arena::estimate_arena_size(&x, usize::MAX, 2),
        usize::MAX
    );
}

#[test]
fn arena_vec_supports_approx_comparisons() {
    let arena = MemoryArena::new(1024);
    let scope = arena.create_scope();
    let a = scope.alloc_slice_copy(&[1.0, 2.0]).unwrap();
    let b = scope.alloc_slice_copy(&[1.0 + 1e-12, 2.0]).unwrap();
    approx::assert_relative_eq!(a, b, max_relative = 1e-10);
    approx::assert_abs_diff_eq!(a, b, epsilon = 1e-10);
    let c = scope.alloc_slice_copy(&[1.0]).unwrap();
    assert!(approx::relative_ne!(a, c));
    assert_eq!(format!("{a:?}"), "[1.0, 2.0]");
}

#[test]
fn scope_statistics_count_children_and_hold_live_bytes() {
    let arena = MemoryArena::new(1 << 16);
    let outer = arena.create_scope();
    let a = outer.alloc_zeroed::<f64>(10).unwrap(); // 80 bytes
    let b = outer.alloc_zeroed::<f32>(3).unwrap(); // 12 bytes (16 used: sizes round to 8)
    {
        let inner = outer.create_scope();
        let _c = inner.alloc_zeroed::<f64>(5).unwrap();
        let s = outer.statistics();
        assert_eq!(s.scope_allocations, 3);
        assert_eq!(s.scope_bytes, 80 + 12 + 40);
        let s = inner.statistics();
        assert_eq!((s.scope_allocations, s.scope_bytes, s.depth), (1, 40, 2));
        // Releasing an outer vector inside the child leaves a hole: the outer scope holds
        // fewer live bytes, the child the same.
        drop(a);
        assert_eq!(outer.statistics().scope_bytes, 12 + 40);
        assert_eq!(inner.statistics().scope_bytes, 40);
    }
    let s = outer.statistics();
    assert_eq!((s.scope_allocations, s.scope_bytes), (3, 12));
    assert_eq!(arena.statistics().bytes_allocated, 12);
    assert_eq!(arena.statistics().peak_usage, 80 + 12 + 40);
    // Allocations after the child are counted and, with `f32` rounding, stay exact.
    let d = outer.alloc_zeroed::<f32>(1).unwrap();
    assert_eq!(outer.statistics().scope_bytes, 16);
    drop((b, d));
    drop(outer);
    let s = arena.statistics();
    assert_eq!((s.bytes_allocated, s.scope_depth), (0, 0));
    assert_eq!(s.bytes_available, s.total_capacity);
}

#[test]
fn allocations_fall_back_to_the_general_path_while_a_scope_is_dropped_out_of_order() {
    let arena = MemoryArena::new(1 << 12);
    let first = arena.create_scope();
    let second = arena.create_scope();
    let v = second.alloc_with(4, |i| i as f64).unwrap();
    drop(first); // out of order: nothing is released yet
    let w = second.alloc_with(4, |i| 10.0 + i as f64).unwrap();
    assert_eq!(arena.statistics().scope_depth, 2);
    assert_eq!(arena.statistics().bytes_allocated, 64);
    assert_eq!(&v[..], &[0.0, 1.0, 2.0, 3.0]);
    assert_eq!(&w[..], &[10.0, 11.0, 12.0, 13.0]);
    drop((v, w));
    drop(second); // releases both scopes
    let s = arena.statistics();
    assert_eq!((s.bytes_allocated, s.scope_depth), (0, 0));
    assert_eq!(s.bytes_available, s.total_capacity);
    // And the short paths are back: a scope enters, allocates and exits as usual.
    let again = arena.create_scope();
    assert_eq!(again.depth(), 1);
    assert_eq!(again.alloc_zeroed::<f64>(2).unwrap().len(), 2);
}

#[test]
fn a_wide_alignment_policy_holds_across_scopes_and_releases() {
    let arena = MemoryArena::builder()
        .capacity(1 << 14)
        .alignment(AlignmentPolicy::CacheLine)
        .build()
        .unwrap();
    let outer = arena.create_scope();
    // Leaves the cursor 8 bytes past a cache line: every later allocation must pad.
    let keep = outer.alloc_zeroed::<u8>(3).unwrap();
    assert_eq!(keep.as_ptr() as usize % 64, 0);
    for round in 0..3 {
        {
            let inner = outer.create_scope();
            let a = inner.alloc_zeroed::<f32>(5).unwrap();
            assert_eq!(a.as_ptr() as usize % 64, 0, "round {round}");
            drop(a); // released on top: the next allocation reuses its place, aligned
            let b = inner.alloc_zeroed::<f64>(1).unwrap();
            assert_eq!(b.as_ptr() as usize % 64, 0, "round {round}");
        } // the scope ends on its short path
        let d = outer.alloc_zeroed::<u16>(1).unwrap();
        assert_eq!(d.as_ptr() as usize % 64, 0, "round {round}");
        drop(d);
    }
    drop(keep);
    drop(outer);
    assert_eq!(arena.statistics().bytes_allocated, 0);
}

#[test]
fn allocator_vecs_shrink_in_place_on_top_and_by_moving_below() {
    use allocator_api2::vec::Vec as AVec;
    let arena = MemoryArena::new(1 << 16);
    let scope = arena.create_scope();
    let mut v: AVec<u64, &Scope> = AVec::with_capacity_in(1000, &scope);
    v.extend(0..10u64);
    let before = arena.statistics().bytes_allocated;
    v.shrink_to_fit(); // the latest allocation: in place
    assert_eq!(v.capacity(), 10);
    assert_eq!(arena.statistics().bytes_allocated, before - 990 * 8);
    // The next allocation starts right after the shrunk block: its tail was given back.
    let w = scope.alloc_zeroed::<u64>(1).unwrap();
    assert_eq!(w.as_ptr() as usize, v.as_ptr() as usize + 10 * 8);
    // Not on top any more: shrinking moves the contents to a new block.
    v.truncate(4);
    let boxed = v.into_boxed_slice();
    assert_eq!(&*boxed, &[0, 1, 2, 3]);
    drop(w);
    drop(boxed);
    assert_eq!(arena.statistics().bytes_allocated, 0);
    // A scope that is not the innermost cannot move a block: an error, not an abort.
    let mut outer_vec: AVec<u64, &Scope> = AVec::with_capacity_in(100, &scope);
    outer_vec.push(1);
    let _inner = scope.create_scope();
    let _ = outer_vec.try_reserve(1000).unwrap_err();
}

/// An observer that panics once, in the hook chosen.
struct PanicsOnce {
    on_enter: bool,
    armed: std::sync::atomic::AtomicBool,
}

impl rvf::arena::ArenaObserver for PanicsOnce {
    fn on_scope_enter(&self, _depth: usize) {
        if self.on_enter && self.armed.swap(false, std::sync::atomic::Ordering::Relaxed) {
            panic!("observer panics on scope entry");
        }
    }
    fn on_scope_exit(&self, _depth: usize, _stats: &rvf::arena::ScopeStatistics) {
        if !self.on_enter && self.armed.swap(false, std::sync::atomic::Ordering::Relaxed) {
            panic!("observer panics on scope exit");
        }
    }
}

#[test]
fn a_panicking_observer_leaves_the_arena_consistent() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    for on_enter in [true, false] {
        let observer = std::sync::Arc::new(PanicsOnce {
            on_enter,
            armed: std::sync::atomic::AtomicBool::new(true),
        });
        let arena = MemoryArena::builder()
            .capacity(4096)
            .observer(observer)
            .build()
            .unwrap();
        let caught = catch_unwind(AssertUnwindSafe(|| {
            let scope = arena.create_scope();
            let _v = scope.alloc_zeroed::<f64>(16).unwrap();
        }));
        assert!(caught.is_err(), "the observer panicked");
        // No phantom scope: the arena itself allocates again, and nothing is live.
        assert_eq!(arena.scope_depth(), 0, "on_enter = {on_enter}");
        assert_eq!(arena.statistics().bytes_allocated, 0);
        let p = arena.allocate(64, 8);
        assert!(p.is_ok());
        // SAFETY: the block was just allocated by this arena and is not used again.
        unsafe { arena.deallocate(p.unwrap(), 64) };
    }
}

#[test]
fn every_refused_request_is_counted() {
    let arena = MemoryArena::new(1024);
    let scope = arena.create_scope();
    assert!(matches!(
        scope.alloc_zeroed::<u64>(usize::MAX / 4),
        Err(ArenaError::SizeOverflow { .. })
    ));
    assert!(arena.allocate(8, 3).is_err()); // not a power of two
    let s = arena.statistics();
    assert_eq!(s.failed_allocations, 2);
}

#[test]
fn the_thread_arena_from_a_thread_local_destructor_is_an_error_not_an_abort() {
    use rvf::arena::ThreadLocalArena;
    struct Late(std::sync::mpsc::Sender<bool>);
    impl Drop for Late {
        fn drop(&mut self) {
            // Thread-local destructors run in an unspecified order: the arena's slot may
            // already be gone, and then try_with says so.
            let r = ThreadLocalArena::try_with(|a| a.statistics().chunks);
            let _ = self
                .0
                .send(matches!(r, Ok(_) | Err(ArenaError::ThreadArenaGone)));
        }
    }
    thread_local! {
        static LATE: std::cell::RefCell<Option<Late>> = const { std::cell::RefCell::new(None) };
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        ThreadLocalArena::with(|a| assert!(a.statistics().total_capacity > 0));
        LATE.with(|l| *l.borrow_mut() = Some(Late(tx)));
    })
    .join()
    .unwrap();
    assert!(rx.recv().unwrap());
}

#[test]
fn growth_in_place_is_reported_as_a_resize_and_reset_clears_the_leak_watch() {
    let perf = Arc::new(PerformanceObserver::new());
    let leaks = Arc::new(LeakObserver::new());
    let mut arena = MemoryArena::builder()
        .capacity(1 << 16)
        .timing(true)
        .observer(perf.clone())
        .observer(leaks.clone())
        .build()
        .unwrap();
    {
        let scope = arena.create_scope();
        let mut v: AVec<u64, &Scope> = AVec::new_in(&scope);
        for i in 0..1000 {
            v.push(i); // one allocation, then growth in place
        }
        assert_eq!(v.iter().sum::<u64>(), 499_500);
        let s = arena.statistics();
        let p = perf.report();
        assert_eq!(s.total_allocations, 1);
        // The observer agrees with the arena: one allocation, the rest resizes, and its
        // documented invariant holds (one latency sample per timed allocation).
        assert_eq!((p.allocations, p.deallocations), (1, 0));
        assert!(p.resizes >= 5, "{} resizes", p.resizes);
        assert_eq!(p.latency_histogram.iter().sum::<u64>(), p.allocations);
        assert_eq!(leaks.live_allocations(), 1);
        drop(v);
    }
    // A leak, then a reset: the reset freed it, so it is no longer live (and not reported
    // when the arena is dropped).
    let raw = arena.allocate(48, 8).unwrap();
    let _ = raw;
    assert_eq!(leaks.live_allocations(), 1);
    arena.reset();
    assert_eq!(leaks.live_allocations(), 0);
    let reports_before = leaks.reports().len();
    drop(arena);
    assert_eq!(leaks.reports().len(), reports_before);
}

#[test]
fn one_leak_observer_watching_two_arenas_reports_each_arenas_own_leaks() {
    let leaks = Arc::new(LeakObserver::new());
    let build = || {
        MemoryArena::builder()
            .capacity(4096)
            .observer(leaks.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());
    assert_ne!(a.id(), b.id());
    let sb = b.create_scope();
    let live_in_b = sb.alloc_zeroed::<f64>(8).unwrap(); // live, not leaked
    {
        let sa = a.create_scope();
        let _t = sa.alloc_zeroed::<f64>(4).unwrap();
    } // a's scope at depth 1 ends: b's live vector at depth 1 is not a leak
    assert!(leaks.reports().is_empty(), "{:?}", leaks.reports());
    assert_eq!(leaks.live_allocations(), 1);
    drop(live_in_b);
    drop(sb);
    assert_eq!(leaks.live_allocations(), 0);
    assert!(leaks.reports().is_empty());
}
