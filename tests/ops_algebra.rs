//! Properties of the RVF operation set, checked against plain reference loops.
// Reference loops are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]

mod common;

use approx::assert_relative_eq;
use common::Spread;
use proptest::prelude::*;
use rvf::prelude::*;
use rvf::DimensionMismatch;

fn vec_pair(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (0..max).prop_flat_map(|n| {
        (
            prop::collection::vec(-1e3..1e3_f64, n),
            prop::collection::vec(-1e3..1e3_f64, n),
        )
    })
}

fn ref_dot(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i];
    }
    s
}

/// A tolerance for sums of `n` terms of magnitude up to `scale`.
fn tol(n: usize, scale: f64) -> f64 {
    1e-12 * (n as f64 + 1.0) * scale
}

proptest! {
    #[test]
    fn axpy_with_zero_is_identity((x, y) in vec_pair(200)) {
        let mut z = y.clone();
        z.axpy_in_place(0.0, &x);
        prop_assert_eq!(z, y);
    }

    #[test]
    fn scale_by_one_is_identity((x, _y) in vec_pair(200)) {
        let mut z = x.clone();
        z.scale_in_place(1.0);
        prop_assert_eq!(z, x);
    }

    #[test]
    fn inner_product_is_symmetric_and_matches_reference((x, y) in vec_pair(20_000)) {
        let xy = x.inner_product(&y);
        let yx = y.inner_product(&x);
        prop_assert_eq!(xy.to_bits(), yx.to_bits());
        let scale: f64 = x.iter().zip(&y).map(|(a, b)| (a * b).abs()).sum::<f64>() + 1.0;
        prop_assert!((xy - ref_dot(&x, &y)).abs() <= tol(x.len(), scale));
    }

    #[test]
    fn axpy_equals_scale_then_add_on_a_clone((x, y) in vec_pair(300), a in -10.0..10.0_f64) {
        let mut direct = y.clone();
        direct.axpy_in_place(a, &x);
        let mut scaled = x.clone_vector();
        scaled.scale_in_place(a);
        let mut via = y.clone();
        via.add_in_place(&scaled);
        for i in 0..y.len() {
            prop_assert!((direct[i] - via[i]).abs() <= 1e-12 * (1.0 + via[i].abs()));
            prop_assert!((direct[i] - (y[i] + a * x[i])).abs() <= 1e-12 * (1.0 + via[i].abs()));
        }
    }

    #[test]
    fn l2norm_squared_equals_self_inner_product((x, _y) in vec_pair(5000)) {
        let n = x.l2norm();
        let ip = x.inner_product(&x);
        prop_assert!((n * n - ip).abs() <= 1e-10 * (1.0 + ip));
        let reference = ref_dot(&x, &x).sqrt();
        prop_assert!((n - reference).abs() <= 1e-12 * (1.0 + reference));
    }

    #[test]
    fn norms_sum_min_max_match_reference((x, _y) in vec_pair(3000)) {
        let l1: f64 = x.iter().map(|v| v.abs()).sum();
        let inf = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let sum: f64 = x.iter().sum();
        prop_assert!((x.norm_l1() - l1).abs() <= tol(x.len(), 1e3));
        prop_assert_eq!(x.norm_inf(), inf);
        prop_assert!((x.sum() - sum).abs() <= tol(x.len(), 1e3));
        prop_assert_eq!(x.max(), x.iter().copied().reduce(f64::max));
        prop_assert_eq!(x.min(), x.iter().copied().reduce(f64::min));
    }

    #[test]
    fn softmax_sums_to_one_and_is_shift_invariant(
        x in prop::collection::vec(-50.0..50.0_f64, 1..300),
        shift in -500.0..500.0_f64,
    ) {
        let mut p = x.clone();
        p.softmax_in_place();
        prop_assert!((p.sum() - 1.0).abs() < 1e-12);
        prop_assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)));
        let mut q: Vec<f64> = x.iter().map(|v| v + shift).collect();
        q.softmax_in_place();
        for i in 0..p.len() {
            prop_assert!((p[i] - q[i]).abs() <= 1e-12);
        }
        // Against the textbook formula (safe at this input range).
        let z: f64 = x.iter().map(|v| v.exp()).sum();
        for i in 0..p.len() {
            prop_assert!((p[i] - x[i].exp() / z).abs() <= 1e-12);
        }
    }

    #[test]
    fn layer_norm_gives_mean_zero_and_unit_variance(
        x in prop::collection::vec(-100.0..100.0_f64, 2..300),
    ) {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        prop_assume!(var > 1e-6);
        let mut y = x.clone();
        y.layer_norm_in_place(1e-12);
        let m = y.iter().sum::<f64>() / n;
        let v = y.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / n;
        prop_assert!(m.abs() < 1e-9);
        prop_assert!((v - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_clone_is_independent_of_its_source((x, _y) in vec_pair(100)) {
        let original = x.clone();
        let mut c = x.clone_vector();
        c.fill(42.0);
        prop_assert_eq!(&x, &original);
        let arena = MemoryArena::new(1 << 16);
        let scope = arena.create_scope();
        let mut t = scope.clone_of(&x).unwrap();
        prop_assert_eq!(&t[..], &x[..]);
        t.fill(-1.0);
        prop_assert_eq!(&x, &original);
    }

    #[test]
    fn strided_storage_gives_the_same_results((x, y) in vec_pair(10_000), a in -3.0..3.0_f64) {
        let sx = Spread::new(&x);
        let mut sy = Spread::new(&y);
        prop_assert_eq!(sx.inner_product(&y).to_bits(), x.inner_product(&y).to_bits());
        prop_assert_eq!(sx.l2norm().to_bits(), x.l2norm().to_bits());
        sy.axpy_in_place(a, &sx);
        let mut vy = y.clone();
        vy.axpy_in_place(a, &x);
        prop_assert_eq!(sy.values(), vy);
        prop_assert!(sy.junk_intact());
    }
}

#[test]
fn elementwise_operations_match_reference_loops() {
    let x: Vec<f64> = (0..37).map(|i| (i as f64 * 0.37).sin() + 2.0).collect();
    let y0: Vec<f64> = (0..37).map(|i| (i as f64 * 0.11).cos()).collect();
    let (a, b) = (1.5, -0.25);

    let mut y = y0.clone();
    y.axpby_in_place(a, &x, b);
    for i in 0..37 {
        assert_relative_eq!(y[i], a * x[i] + b * y0[i], max_relative = 1e-15);
    }
    let mut y = y0.clone();
    y.multiply_in_place(&x);
    for i in 0..37 {
        assert_relative_eq!(y[i], y0[i] * x[i]);
    }
    let mut y = y0.clone();
    y.divide_in_place(&x);
    for i in 0..37 {
        assert_relative_eq!(y[i], y0[i] / x[i]);
    }
    let mut y = y0.clone();
    y.sub_in_place(&x);
    for i in 0..37 {
        assert_relative_eq!(y[i], y0[i] - x[i]);
    }
    let mut y = y0.clone();
    y.unary_in_place(|v| v.exp());
    for i in 0..37 {
        assert_relative_eq!(y[i], y0[i].exp());
    }
    let mut y = y0.clone();
    y.binary_in_place(&x, |p, q| p.powf(2.0) + q);
    for i in 0..37 {
        assert_relative_eq!(y[i], y0[i] * y0[i] + x[i]);
    }
    let mut y = y0.clone();
    y.relu_in_place();
    for i in 0..37 {
        assert_eq!(y[i], y0[i].max(0.0));
    }
    let mut y = vec![0.0; 37];
    y.copy_from(&x);
    assert_eq!(y, x);
    y.fill(2.5);
    assert!(y.iter().all(|&v| v == 2.5));
}

#[test]
fn zip_in_place_combines_inputs_of_different_types() {
    let a = vec![1.0, 2.0, 3.0];
    let b: Box<[f64]> = vec![10.0, 20.0, 30.0].into_boxed_slice();
    let c = [0.5, 0.25, 0.125];
    let d = Spread::new(&[1.0, -1.0, 2.0]);
    let arena = MemoryArena::new(1024);
    let scope = arena.create_scope();
    let e = scope.alloc_slice_copy(&[3.0, 3.0, 3.0]).unwrap();
    let mut y = vec![1.0, 1.0, 1.0];
    y.zip_in_place((&a, &b, &c, &d, &e), |yi, [ai, bi, ci, di, ei]| {
        *yi = *yi + ai * bi * ci + di * ei
    });
    assert_eq!(y, [1.0 + 5.0 + 3.0, 1.0 + 10.0 - 3.0, 1.0 + 11.25 + 6.0]);

    // Strided output, array-of-one-type input.
    let mut s = Spread::new(&[0.0, 0.0, 0.0]);
    s.zip_in_place([&a, &a], |si, [p, q]| *si = p * q);
    assert_eq!(s.values(), [1.0, 4.0, 9.0]);
    assert!(s.junk_intact());
}

#[test]
fn matvec_matches_a_reference_loop() {
    let (m, n) = (5, 7);
    let a = DenseMatrix::from_fn(m, n, |i, j| (i * n + j) as f64 * 0.5 - 3.0);
    let x: Vec<f64> = (0..n).map(|j| 1.0 / (j as f64 + 1.0)).collect();
    let mut y = vec![f64::NAN; m];
    y.matvec(&a, &x);
    for i in 0..m {
        let mut s = 0.0;
        for j in 0..n {
            s += a.get(i, j) * x[j];
        }
        assert_relative_eq!(y[i], s, max_relative = 1e-14);
    }
    let sx = Spread::new(&x);
    let mut y2 = vec![0.0; m];
    y2.matvec(&a, &sx);
    assert_eq!(y, y2);
    let err = y.try_matvec(&a, &vec![0.0; n + 1]).unwrap_err();
    assert_eq!(err.found, n + 1);
    assert!(DenseMatrix::<f64>::from_row_major(2, 2, vec![1.0; 3]).is_err());
}

#[test]
fn f32_vectors_work_too() {
    let x = vec![3.0_f32, 4.0];
    let mut y = [1.0_f32, 1.0];
    y.axpy_in_place(2.0, &x);
    assert_eq!(y, [7.0, 9.0]);
    assert_eq!(x.l2norm(), 5.0);
}

#[test]
fn empty_vectors_are_valid() {
    let mut e: Vec<f64> = Vec::new();
    assert_eq!(e.dimension(), 0);
    assert_eq!(e.l2norm(), 0.0);
    assert_eq!(e.norm_inf(), 0.0);
    assert_eq!(e.norm_l1(), 0.0);
    assert_eq!(e.sum(), 0.0);
    assert_eq!(e.max(), None);
    assert_eq!(e.min(), None);
    assert_eq!(e.inner_product(&[]), 0.0);
    e.softmax_in_place();
    e.layer_norm_in_place(1e-5);
    assert!(e.is_empty());
}

#[test]
fn try_variants_report_the_operation_and_both_dimensions() {
    let mut y = vec![0.0; 3];
    let x = vec![1.0; 4];
    let e = y.try_axpy_in_place(1.0, &x).unwrap_err();
    assert_eq!(
        e,
        DimensionMismatch {
            operation: "axpy_in_place",
            expected: 3,
            found: 4
        }
    );
    assert_eq!(
        e.to_string(),
        "axpy_in_place: dimension mismatch (expected 3, found 4)"
    );
    assert!(y.try_inner_product(&x).is_err());
    assert!(y.try_add_in_place(&x).is_err());
    assert!(y.try_axpby_in_place(1.0, &x, 1.0).is_err());
    assert!(y.try_copy_from(&x).is_err());
    assert!(y.try_binary_in_place(&x, |a, _| a).is_err());
    assert!(y.try_zip_in_place((&x,), |_, _| {}).is_err());
    for (name, e) in [
        ("sub_in_place", y.try_sub_in_place(&x).unwrap_err()),
        (
            "multiply_in_place",
            y.try_multiply_in_place(&x).unwrap_err(),
        ),
        ("divide_in_place", y.try_divide_in_place(&x).unwrap_err()),
    ] {
        assert_eq!((e.operation, e.expected, e.found), (name, 3, 4));
    }
    assert_eq!(y, [0.0; 3], "a refused operation must not touch its target");
    // And with fitting dimensions they compute what their panicking twins do.
    let (mut a, b) = (vec![6.0, 8.0, 9.0], vec![2.0, 4.0, 3.0]);
    a.try_sub_in_place(&b).unwrap();
    assert_eq!(a, [4.0, 4.0, 6.0]);
    a.try_multiply_in_place(&b).unwrap();
    assert_eq!(a, [8.0, 16.0, 18.0]);
    a.try_divide_in_place(&b).unwrap();
    assert_eq!(a, [4.0, 4.0, 6.0]);
}

#[test]
#[should_panic(expected = "sub_in_place: dimension mismatch (expected 2, found 3)")]
fn sub_in_place_panics_with_the_operation_and_both_dimensions() {
    let mut y = vec![0.0; 2];
    y.sub_in_place(&[1.0, 2.0, 3.0]);
}

#[test]
#[should_panic(expected = "copy_from: dimension mismatch (expected 2, found 3)")]
fn copy_from_panics_instead_of_truncating() {
    let mut y = vec![0.0; 2];
    y.copy_from(&[1.0, 2.0, 3.0]);
}

#[test]
#[should_panic(expected = "inner_product: dimension mismatch")]
fn inner_product_panics_on_mismatch() {
    let _ = vec![1.0; 2].inner_product(&[1.0; 5]);
}

#[test]
#[should_panic(expected = "layer_norm_in_place: eps must be finite and non-negative")]
fn layer_norm_rejects_negative_eps() {
    vec![1.0, 2.0].layer_norm_in_place(-1.0);
}

#[test]
fn softmax_does_not_overflow_on_large_inputs() {
    let mut y = vec![1000.0, 999.0, -1000.0];
    y.softmax_in_place();
    let e = (-1.0_f64).exp();
    assert_relative_eq!(y[0], 1.0 / (1.0 + e), max_relative = 1e-14);
    assert_relative_eq!(y[1], e / (1.0 + e), max_relative = 1e-14);
    assert_eq!(y[2], 0.0);
}

#[test]
fn reductions_are_deterministic_across_runs_and_layouts() {
    let n = 1_000_003;
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 2654435761_usize) % 1000) as f64 * 1e-3 - 0.5)
        .collect();
    let y: Vec<f64> = x.iter().rev().copied().collect();
    let first = x.inner_product(&y).to_bits();
    for _ in 0..3 {
        assert_eq!(x.inner_product(&y).to_bits(), first);
    }
    let boxed: Box<[f64]> = x.clone().into_boxed_slice();
    assert_eq!(boxed.inner_product(&y[..]).to_bits(), first);
}

#[test]
fn all_finite_detects_nan_and_infinity() {
    assert!(vec![1.0, -2.0, 0.0].all_finite());
    assert!(!vec![1.0, f64::NAN].all_finite());
    assert!(!vec![f64::INFINITY, 1.0].all_finite());
    assert!(Vec::<f64>::new().all_finite());
}

#[test]
fn stack_vector_is_a_vector_with_a_capacity() {
    let mut v = StackVector::<f64, 3>::zeros(2).unwrap();
    v.fill(1.0);
    v.push(2.0).unwrap();
    assert_eq!(v.inner_product(&[1.0, 1.0, 1.0]), 4.0);
    let e = v.push(3.0).unwrap_err();
    assert_eq!((e.requested, e.capacity), (4, 3));
    assert!(StackVector::<f64, 3>::from_slice(&[0.0; 4]).is_err());
}
