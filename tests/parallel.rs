//! The rayon operations: same results as the sequential ones (bitwise for reductions), thread
//! bounds, ensembles and per-thread arenas.
#![cfg(feature = "rayon")]

mod common;

use common::Spread;
use proptest::prelude::*;
use rvf::parallel::{
    ensemble, thread_arena_statistics, ParRealVector, ParRealVectorMut, PARALLEL_MAP_THRESHOLD,
    PARALLEL_THRESHOLD,
};
use rvf::prelude::*;
use rvf::Par;

fn big(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn parallel_reductions_equal_sequential_bitwise() {
    for n in [
        0,
        1,
        17,
        PARALLEL_THRESHOLD - 1,
        PARALLEL_THRESHOLD,
        1_000_003,
        4_194_304,
    ] {
        let x = big(n, 1);
        let y = big(n, 2);
        assert_eq!(
            x.par_inner_product(&y).to_bits(),
            x.inner_product(&y).to_bits(),
            "n = {n}"
        );
        assert_eq!(x.par_sum().to_bits(), x.sum().to_bits());
        assert_eq!(x.par_l2norm().to_bits(), x.l2norm().to_bits());
        assert_eq!(x.par_norm_l1().to_bits(), x.norm_l1().to_bits());
        assert_eq!(x.par_norm_inf().to_bits(), x.norm_inf().to_bits());
    }
}

#[test]
fn parallel_reductions_do_not_depend_on_the_thread_count() {
    let x = big(PARALLEL_THRESHOLD + 1, 3);
    let y = big(PARALLEL_THRESHOLD + 1, 4);
    let results: Vec<u64> = [1, 2, 3, 7]
        .iter()
        .map(|&threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| x.par_inner_product(&y).to_bits())
        })
        .collect();
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
    assert_eq!(results[0], x.inner_product(&y).to_bits());
}

/// A fused sweep (x ← x + α·p, r ← r − α·q, and rᵀr, xᵀr) under `Par::Rayon`, on 1, 2, 3
/// and 7 threads, gives the vectors and the bits of the separate sequential operations.
#[test]
fn fused_sweeps_equal_the_separate_operations_on_any_thread_count() {
    use rvf::ops::kernels::{reduce1_leaf, reduce2_leaf};
    let n = PARALLEL_THRESHOLD + 4097;
    let (p, q) = (big(n, 5), big(n, 6));
    let (mut x0, mut r0) = (big(n, 7), big(n, 8));
    let (x_start, r_start) = (x0.clone(), r0.clone());
    let alpha = 0.37;
    x0.axpy_in_place(alpha, &p);
    r0.axpy_in_place(-alpha, &q);
    let expected = [
        r0.l2norm_squared().to_bits(),
        x0.inner_product(&r0).to_bits(),
    ];
    for threads in [1, 2, 3, 7] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (mut x, mut r) = (x_start.clone(), r_start.clone());
        let sums = pool.install(|| {
            Par::Rayon.reduce_blocks(
                0..n,
                1,
                (&mut x[..], &mut r[..], &p[..], &q[..]),
                |_, (x, r, p, q): (&mut [f64], &mut [f64], &[f64], &[f64])| {
                    for ((xi, ri), (pi, qi)) in x.iter_mut().zip(r.iter_mut()).zip(p.iter().zip(q))
                    {
                        *xi += alpha * pi;
                        *ri += -alpha * qi;
                    }
                    let (x, r) = (Local::Contiguous(&*x), Local::Contiguous(&*r));
                    [
                        reduce1_leaf(r, &|v| v * v),
                        reduce2_leaf(x, r, &|a, b| a * b),
                    ]
                },
            )
        });
        assert_eq!(sums.map(f64::to_bits), expected, "{threads} threads");
        assert!(x == x0 && r == r0, "{threads} threads");
    }
}

#[test]
fn parallel_elementwise_operations_equal_sequential() {
    let n = PARALLEL_THRESHOLD + 1000;
    let x = big(n, 5);
    let y0 = big(n, 6);
    /// An operation run sequentially (`false`) or in parallel (`true`).
    type Case<'a> = (&'static str, Box<dyn Fn(&mut Vec<f64>, bool) + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            "axpy",
            Box::new(|y, p| {
                if p {
                    y.par_axpy_in_place(0.3, &x)
                } else {
                    y.axpy_in_place(0.3, &x)
                }
            }),
        ),
        (
            "axpby",
            Box::new(|y, p| {
                if p {
                    y.par_axpby_in_place(0.3, &x, -2.0)
                } else {
                    y.axpby_in_place(0.3, &x, -2.0)
                }
            }),
        ),
        (
            "add",
            Box::new(|y, p| {
                if p {
                    y.par_add_in_place(&x)
                } else {
                    y.add_in_place(&x)
                }
            }),
        ),
        (
            "scale",
            Box::new(|y, p| {
                if p {
                    y.par_scale_in_place(1.5)
                } else {
                    y.scale_in_place(1.5)
                }
            }),
        ),
        (
            "copy",
            Box::new(|y, p| {
                if p {
                    y.par_copy_from(&x)
                } else {
                    y.copy_from(&x)
                }
            }),
        ),
        (
            "fill",
            Box::new(|y, p| if p { y.par_fill(7.0) } else { y.fill(7.0) }),
        ),
        (
            "unary",
            Box::new(|y, p| {
                if p {
                    y.par_unary_in_place(f64::sin)
                } else {
                    y.unary_in_place(f64::sin)
                }
            }),
        ),
        (
            "binary",
            Box::new(|y, p| {
                if p {
                    y.par_binary_in_place(&x, f64::max)
                } else {
                    y.binary_in_place(&x, f64::max)
                }
            }),
        ),
    ];
    for (name, op) in cases {
        let mut a = y0.clone();
        let mut b = y0.clone();
        op(&mut a, false);
        op(&mut b, true);
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn strided_vectors_take_the_parallel_path_too() {
    let n = PARALLEL_THRESHOLD + 3;
    let xs = big(n, 7);
    let s = Spread::new(&xs);
    assert_eq!(
        s.par_inner_product(&xs).to_bits(),
        xs.inner_product(&xs).to_bits()
    );
    let mut t = Spread::new(&vec![1.0; n]);
    t.par_axpy_in_place(2.0, &xs);
    let mut reference = vec![1.0; n];
    reference.axpy_in_place(2.0, &xs);
    assert_eq!(t.values(), reference);
    assert!(t.junk_intact());
    let m = PARALLEL_MAP_THRESHOLD + 7;
    let mut u = Spread::new(&xs[..m]);
    u.par_unary_in_place(|v| 2.0 * v + 1.0);
    let expected: Vec<f64> = xs[..m].iter().map(|v| 2.0 * v + 1.0).collect();
    assert_eq!(u.values(), expected);
    assert!(u.junk_intact());
}

#[test]
#[should_panic(expected = "par_axpy_in_place: dimension mismatch")]
fn parallel_operations_check_dimensions() {
    let mut y = vec![0.0; PARALLEL_THRESHOLD * 2];
    y.par_axpy_in_place(1.0, &vec![0.0; 3]);
}

#[test]
fn par_dispatch_matches_the_direct_calls() {
    let x = big(PARALLEL_THRESHOLD + 8, 8);
    let mut y = big(PARALLEL_THRESHOLD + 8, 9);
    let mut z = y.clone();
    Par::Rayon.axpby(&mut y, 2.0, &x, 0.5);
    Par::Seq.axpby(&mut z, 2.0, &x, 0.5);
    assert_eq!(y, z);
    assert_eq!(
        Par::Rayon.inner_product(&x, &y).to_bits(),
        Par::Seq.inner_product(&x, &y).to_bits()
    );
}

#[test]
fn thread_bounds_hold() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<rvf::ops::Local<'static, f64>>();
    send_sync::<rvf::ops::Strided<'static, f64>>();
    fn send<T: Send>() {}
    send::<rvf::ops::LocalMut<'static, f64>>();
    send::<rvf::ops::StridedMut<'static, f64>>();
    send::<MemoryArena>();
    send_sync::<rvf::arena::PerformanceObserver>();
    send_sync::<rvf::arena::LeakObserver>();
}

#[test]
fn ensembles_return_results_in_member_order_and_use_thread_arenas() {
    let results = ensemble(64, |i, arena| {
        let scope = arena.create_scope();
        let v = scope.alloc_with(1000, |k| (i * 1000 + k) as f64).unwrap();
        v.sum()
    });
    for (i, r) in results.iter().enumerate() {
        let expected: f64 = (0..1000).map(|k| (i * 1000 + k) as f64).sum();
        assert_eq!(*r, expected);
    }
    let stats = thread_arena_statistics();
    assert_eq!(stats.len(), rayon::current_num_threads());
    let total: u64 = stats.iter().map(|(_, s)| s.total_allocations).sum();
    assert!(
        total >= 64,
        "every member allocated in a thread arena: {total}"
    );
    assert!(stats.iter().all(|(_, s)| s.bytes_allocated == 0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn parallel_dot_equals_sequential_on_random_lengths(
        n in PARALLEL_THRESHOLD..PARALLEL_THRESHOLD + 300_000,
        seed in 0u64..1000,
    ) {
        let x = big(n, seed);
        let y = big(n, seed + 1);
        prop_assert_eq!(x.par_inner_product(&y).to_bits(), x.inner_product(&y).to_bits());
    }
}
