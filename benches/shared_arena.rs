//! The shared arena under contention, in one run: `SharedArena` next to a `Mutex` around a
//! bumpalo `Bump` (the simplest synchronized bump arena) and a `MemoryArena` per thread (the
//! lower bound: nothing shared).
//!
//! Each of `threads` threads repeats "allocate `n` f64, write them, read one, release". The
//! threads are started once per sample and line up at a barrier; the time is from the barrier
//! to the last thread's end, divided by the repetitions (so it is the time per allocation
//! cycle on each thread, with all threads running at once). bumpalo cannot release one
//! allocation: its arena is reset under the lock every 1024 allocations.

use std::hint::black_box;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rvf::arena::SharedArena;
use rvf::prelude::*;

/// Runs `work(thread, iters)` on `threads` threads at once and returns the wall time from
/// the moment all are ready.
fn run_threads(threads: usize, iters: u64, work: impl Fn(usize, u64) + Sync) -> Duration {
    let ready = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (ready, work) = (&ready, &work);
                s.spawn(move || {
                    ready.wait();
                    work(t, iters);
                })
            })
            .collect();
        ready.wait();
        let start = Instant::now();
        for h in handles {
            h.join().unwrap();
        }
        start.elapsed()
    })
}

fn contention(c: &mut Criterion) {
    let mut g = c.benchmark_group("shared_arena");
    g.sample_size(30);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for threads in [1, 2] {
        for n in [8usize, 1000] {
            let id = |name: &str| BenchmarkId::new(name, format!("{threads}x{n}"));

            let shared = SharedArena::new(1 << 20);
            g.bench_function(id("rvf_shared_arena"), |b| {
                b.iter_custom(|iters| {
                    run_threads(threads, iters, |_, iters| {
                        for i in 0..iters {
                            let v = shared.alloc_with(n, |j| (i as usize + j) as f64).unwrap();
                            black_box(v[n / 2]);
                        }
                    })
                })
            });

            let bump = Mutex::new(bumpalo::Bump::with_capacity(1 << 20));
            g.bench_function(id("mutex_bumpalo"), |b| {
                b.iter_custom(|iters| {
                    run_threads(threads, iters, |_, iters| {
                        for i in 0..iters {
                            let mut arena = bump.lock().unwrap();
                            if i % 1024 == 0 {
                                arena.reset();
                            }
                            let mut j = 0;
                            let v = arena.alloc_slice_fill_with(n, |_| {
                                j += 1;
                                (i as usize + j) as f64
                            });
                            black_box(v[n / 2]);
                        }
                    })
                })
            });

            let per_thread: Vec<_> = (0..threads).map(|_| MemoryArena::new(1 << 20)).collect();
            let per_thread: Vec<_> = per_thread.into_iter().map(Mutex::new).collect();
            g.bench_function(id("rvf_arena_per_thread"), |b| {
                b.iter_custom(|iters| {
                    run_threads(threads, iters, |t, iters| {
                        // Uncontended: each thread locks its own arena once.
                        let arena = per_thread[t].lock().unwrap();
                        let scope = arena.create_scope();
                        for i in 0..iters {
                            let v = scope.alloc_with(n, |j| (i as usize + j) as f64).unwrap();
                            black_box(v[n / 2]);
                        }
                    })
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, contention);
criterion_main!(benches);
