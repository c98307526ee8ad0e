//! ndarray arrays through the RVF traits, checked against ndarray's own methods.
#![cfg(feature = "ndarray")]

use approx::assert_relative_eq;
use ndarray::{s, Array1, Array2};
use proptest::prelude::*;
use rvf::prelude::*;

fn data(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (1..max).prop_flat_map(|n| {
        (
            prop::collection::vec(-100.0..100.0_f64, n),
            prop::collection::vec(-100.0..100.0_f64, n),
        )
    })
}

proptest! {
    #[test]
    fn contiguous_array_operations_match_ndarray((a, b) in data(300), s in -5.0..5.0_f64) {
        let x = Array1::from(a.clone());
        let y = Array1::from(b.clone());
        assert_relative_eq!(x.inner_product(&y), x.dot(&y), max_relative = 1e-12, epsilon = 1e-9);
        assert_relative_eq!(x.l2norm(), x.dot(&x).sqrt(), max_relative = 1e-12);
        assert_relative_eq!(x.norm_l1(), x.mapv(f64::abs).sum(), max_relative = 1e-12);
        assert_relative_eq!(RealVector::sum(&x), x.sum(), max_relative = 1e-12, epsilon = 1e-9);
        prop_assert_eq!(x.norm_inf(), x.iter().fold(0.0_f64, |m, v| m.max(v.abs())));

        let mut ours = y.clone();
        ours.axpy_in_place(s, &x);
        let mut theirs = y.clone();
        theirs.scaled_add(s, &x);
        assert_relative_eq!(ours, theirs, max_relative = 1e-14, epsilon = 1e-12);

        let mut ours = y.clone();
        ours.multiply_in_place(&x);
        assert_relative_eq!(ours, &y * &x);
        let mut ours = y.clone();
        ours.divide_in_place(&x);
        assert_relative_eq!(ours, &y / &x);
        let mut ours = y.clone();
        ours.binary_in_place(&x, |p, q| p.max(q));
        let theirs = ndarray::Zip::from(&y).and(&x).map_collect(|p, q| p.max(*q));
        assert_relative_eq!(ours, theirs);
    }

    #[test]
    fn strided_and_reversed_views_match_ndarray((a, b) in data(100)) {
        let n = a.len();
        let mut grid = Array2::<f64>::from_elem((n, 3), -9.0);
        grid.column_mut(1).assign(&Array1::from(a.clone()));
        let col = grid.column(1); // stride 3
        let y = Array1::from(b.clone());
        assert_relative_eq!(col.inner_product(&y), col.dot(&y), max_relative = 1e-12, epsilon = 1e-9);
        let rev = y.slice(s![..;-1]);
        let col_rev = col.slice(s![..;-1]);
        assert_relative_eq!(col_rev.inner_product(&rev), col.dot(&y), max_relative = 1e-12, epsilon = 1e-9);
        assert_relative_eq!(rev.l2norm(), y.dot(&y).sqrt(), max_relative = 1e-12);

        let mut target = Array1::from_elem(2 * n, 5.0);
        {
            let mut odd = target.slice_mut(s![1..;2]);
            odd.copy_from(&col);
            odd.axpy_in_place(-1.0, &y);
        }
        for i in 0..n {
            prop_assert_eq!(target[2 * i], 5.0);
            assert_relative_eq!(target[2 * i + 1], a[i] - b[i]);
        }
        prop_assert!(grid.column(0).iter().all(|&v| v == -9.0));
    }
}

#[test]
fn arena_clones_are_array_views_in_the_arena() {
    let arena = MemoryArena::new(1 << 12);
    let scope = arena.create_scope();
    let a = Array2::from_shape_fn((4, 4), |(i, j)| (i * 4 + j) as f64);
    let col = a.column(2); // strided source
    let mut t = scope.clone_of(&col).unwrap();
    assert!(arena.owns(t.as_ptr().cast()));
    assert_eq!(t, col);
    assert_eq!(t.as_slice().unwrap(), &[2.0, 6.0, 10.0, 14.0]);
    let mut y = Array1::from_elem(4, 1.0);
    y.axpy_in_place(1.0, &t);
    t.axpy_in_place(-1.0, &y);
    assert_eq!(t, Array1::from_elem(4, -1.0));
}

#[test]
fn empty_views_are_valid() {
    let v: Array1<f64> = Array1::zeros(0);
    assert_eq!(v.l2norm(), 0.0);
    assert_eq!(v.slice(s![..;-1]).max(), None);
}
