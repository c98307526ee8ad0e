//! Allocation speed: rvf's arena next to `Vec`, bumpalo and bump-scope, in one run.
//!
//! The spec's two tables: single allocations of 100 / 10K / 1M `f64`, and batches
//! (1000×10, 1000×100, 10000×100) released together. "alloc" is allocation only
//! (uninitialised memory, released at once); "clone" is allocation plus copying a source
//! vector (a true clone), timed against a plain `copy_from_slice` into existing memory.
//! `Vec` allocates and frees inside the timed loop. `vec_zeroed` is what the spec's
//! "Standard" column measured (a zero-filled vector), beside `vec_alloc` (same work as the
//! arena's allocation).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rvf::arena::AlignmentPolicy;
use rvf::prelude::*;

fn config<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    // Nanosecond-scale timings on a shared VM: more samples over a longer window.
    g.sample_size(50);
    g.warm_up_time(Duration::from_millis(300));
    g.measurement_time(Duration::from_secs(2));
    g
}

fn single_allocation(c: &mut Criterion) {
    for n in [100usize, 10_000, 1_000_000] {
        let src: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut g = config(c, &format!("single/n={n}"));

        g.bench_function("vec_alloc", |b| {
            b.iter(|| black_box(Vec::<f64>::with_capacity(black_box(n))))
        });
        let arena = MemoryArena::new(n * 8 + 4096);
        let scope = arena.create_scope();
        g.bench_function("rvf_alloc", |b| {
            // Dropping an ArenaVec on top of the scope reclaims it: steady state, no growth.
            // As for bumpalo, only the pointer goes through `black_box`.
            b.iter(|| {
                let v = scope.alloc_uninit::<f64>(black_box(n)).unwrap();
                black_box(v.as_ptr());
            })
        });
        let mut bump = bumpalo::Bump::with_capacity(n * 8 + 4096);
        g.bench_function("bumpalo_alloc", |b| {
            b.iter(|| {
                black_box(
                    bump.alloc_layout(std::alloc::Layout::array::<f64>(black_box(n)).unwrap()),
                );
                bump.reset();
            })
        });
        let mut bs: bump_scope::Bump = bump_scope::Bump::with_size(n * 8 + 4096);
        g.bench_function("bump_scope_alloc", |b| {
            b.iter(|| {
                bs.scoped(|s| {
                    black_box(s.alloc_uninit_slice::<f64>(black_box(n)).as_ptr());
                })
            })
        });

        let mut dst = vec![0.0; n];
        g.bench_function("memcpy_into_existing", |b| {
            b.iter(|| dst.copy_from_slice(black_box(&src)))
        });
        g.bench_function("vec_clone", |b| {
            b.iter(|| black_box(black_box(&src).clone()))
        });
        g.bench_function("rvf_clone", |b| {
            b.iter(|| {
                let v = scope.clone_of(black_box(&src)).unwrap();
                black_box(v.as_ptr());
            })
        });
        g.bench_function("bumpalo_clone", |b| {
            b.iter(|| {
                black_box(bump.alloc_slice_copy(black_box(&src[..])).as_ptr());
                bump.reset();
            })
        });
        g.bench_function("bump_scope_clone", |b| {
            b.iter(|| {
                bs.scoped(|s| {
                    black_box(s.alloc_slice_copy(black_box(&src[..])).as_ptr());
                })
            })
        });
        g.finish();
    }
}

fn batches(c: &mut Criterion) {
    for (n, batch) in [(1000usize, 10usize), (1000, 100), (10_000, 100)] {
        let src: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut g = config(c, &format!("batch/{n}x{batch}"));
        let mut holder: Vec<Vec<f64>> = Vec::with_capacity(batch);

        g.bench_function("vec_alloc", |b| {
            b.iter(|| {
                for _ in 0..batch {
                    holder.push(Vec::with_capacity(black_box(n)));
                }
                black_box(&holder);
                holder.clear();
            })
        });
        // What the spec's "Standard" column timed: `std::vector<double>(n)` zero-fills, while
        // its "Arena" column reused pooled vectors without filling them (`rvf_alloc` here).
        g.bench_function("vec_zeroed", |b| {
            b.iter(|| {
                for _ in 0..batch {
                    holder.push(vec![0.0; black_box(n)]);
                }
                black_box(&holder);
                holder.clear();
            })
        });
        g.bench_function("vec_clone", |b| {
            b.iter(|| {
                for _ in 0..batch {
                    holder.push(black_box(&src).clone());
                }
                black_box(&holder);
                holder.clear();
            })
        });
        let arena = MemoryArena::new(n * batch * 8 + 4096);
        g.bench_function("rvf_alloc", |b| {
            b.iter(|| {
                let scope = arena.create_scope();
                for _ in 0..batch {
                    let v = scope.alloc_uninit::<f64>(black_box(n)).unwrap();
                    black_box(v.as_ptr());
                    // Kept until the scope ends, as in a batch: the scope releases it.
                    std::mem::forget(v);
                }
            })
        });
        g.bench_function("rvf_clone", |b| {
            b.iter(|| {
                let scope = arena.create_scope();
                for _ in 0..batch {
                    let v = scope.clone_of(black_box(&src)).unwrap();
                    black_box(v.as_ptr());
                    std::mem::forget(v);
                }
            })
        });
        let mut bump = bumpalo::Bump::with_capacity(n * batch * 8 + 4096);
        g.bench_function("bumpalo_alloc", |b| {
            b.iter(|| {
                for _ in 0..batch {
                    black_box(bump.alloc_layout(std::alloc::Layout::array::<f64>(n).unwrap()));
                }
                bump.reset();
            })
        });
        g.bench_function("bumpalo_clone", |b| {
            b.iter(|| {
                for _ in 0..batch {
                    black_box(bump.alloc_slice_copy(black_box(&src[..])).as_ptr());
                }
                bump.reset();
            })
        });
        let mut bs: bump_scope::Bump = bump_scope::Bump::with_size(n * batch * 8 + 4096);
        g.bench_function("bump_scope_alloc", |b| {
            b.iter(|| {
                bs.scoped(|s| {
                    for _ in 0..batch {
                        black_box(s.alloc_uninit_slice::<f64>(black_box(n)).as_ptr());
                    }
                })
            })
        });
        g.bench_function("bump_scope_clone", |b| {
            b.iter(|| {
                bs.scoped(|s| {
                    for _ in 0..batch {
                        black_box(s.alloc_slice_copy(black_box(&src[..])).as_ptr());
                    }
                })
            })
        });
        g.finish();
    }
}

fn scope_enter_exit(c: &mut Criterion) {
    let mut g = config(c, "scope");
    let arena = MemoryArena::new(4096);
    g.bench_function(BenchmarkId::new("rvf_enter_exit", 0), |b| {
        b.iter(|| black_box(arena.create_scope()))
    });
    let mut bs: bump_scope::Bump = bump_scope::Bump::with_size(4096);
    g.bench_function(BenchmarkId::new("bump_scope_enter_exit", 0), |b| {
        b.iter(|| bs.scoped(|s| black_box(s.stats().allocated())))
    });
    // A scope that does some work: enter, allocate 100 f64, exit (the empty scope above lets
    // the exit skip restoring unchanged state; this one cannot).
    g.bench_function(BenchmarkId::new("rvf_enter_alloc_exit", 100), |b| {
        b.iter(|| {
            let scope = arena.create_scope();
            let v = scope.alloc_uninit::<f64>(black_box(100)).unwrap();
            black_box(v.as_ptr());
            std::mem::forget(v); // released by the scope
        })
    });
    g.bench_function(BenchmarkId::new("bump_scope_enter_alloc_exit", 100), |b| {
        b.iter(|| {
            bs.scoped(|s| {
                black_box(s.alloc_uninit_slice::<f64>(black_box(100)).as_ptr());
            })
        })
    });
    g.finish();
}

/// Arenas off the plainest path: a cache-line minimum alignment (padded short path) and
/// timing (general path, two clock reads per allocation), beside the default arena.
fn policies(c: &mut Criterion) {
    let mut g = config(c, "policy");
    let plain = MemoryArena::new(1 << 16);
    let cache_line = MemoryArena::builder()
        .capacity(1 << 16)
        .alignment(AlignmentPolicy::CacheLine)
        .build()
        .unwrap();
    let timed = MemoryArena::builder()
        .capacity(1 << 16)
        .timing(true)
        .build()
        .unwrap();
    for (name, arena) in [
        ("natural", &plain),
        ("cache_line", &cache_line),
        ("timed", &timed),
    ] {
        let scope = arena.create_scope();
        g.bench_function(BenchmarkId::new("alloc_release_100", name), |b| {
            b.iter(|| {
                let v = scope.alloc_uninit::<f64>(black_box(100)).unwrap();
                black_box(v.as_ptr());
            })
        });
        drop(scope);
        g.bench_function(BenchmarkId::new("scope_enter_exit", name), |b| {
            b.iter(|| black_box(arena.create_scope()))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    single_allocation,
    batches,
    scope_enter_exit,
    policies
);
criterion_main!(benches);
