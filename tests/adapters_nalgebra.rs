//! nalgebra vectors through the RVF traits, checked against nalgebra's own methods.
#![cfg(feature = "nalgebra")]

use approx::assert_relative_eq;
use nalgebra::{DMatrix, DVector, SVector};
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
    fn contiguous_dvector_operations_match_nalgebra((a, b) in data(300), s in -5.0..5.0_f64) {
        let x = DVector::from_vec(a.clone());
        let y = DVector::from_vec(b.clone());
        assert_relative_eq!(x.inner_product(&y), x.dot(&y), max_relative = 1e-12, epsilon = 1e-9);
        assert_relative_eq!(x.l2norm(), x.norm(), max_relative = 1e-12);
        assert_relative_eq!(x.norm_l1(), x.lp_norm(1), max_relative = 1e-12);
        prop_assert_eq!(x.norm_inf(), x.amax());
        assert_relative_eq!(RealVector::sum(&x), x.sum(), max_relative = 1e-12, epsilon = 1e-9);
        prop_assert_eq!(RealVector::max(&x), Some(x.max()));
        prop_assert_eq!(RealVector::min(&x), Some(x.min()));

        let mut ours = y.clone();
        ours.axpy_in_place(s, &x);
        let mut theirs = y.clone();
        theirs.axpy(s, &x, 1.0);
        assert_relative_eq!(ours, theirs, max_relative = 1e-14, epsilon = 1e-12);

        let mut ours = y.clone();
        ours.axpby_in_place(s, &x, 0.5);
        let mut theirs = y.clone();
        theirs.axpy(s, &x, 0.5);
        assert_relative_eq!(ours, theirs, max_relative = 1e-14, epsilon = 1e-12);

        let mut ours = y.clone();
        ours.scale_in_place(s);
        assert_relative_eq!(ours, &y * s);
        let mut ours = y.clone();
        ours.multiply_in_place(&x);
        assert_relative_eq!(ours, y.component_mul(&x));
        let mut ours = y.clone();
        ours.add_in_place(&x);
        assert_relative_eq!(ours, &y + &x);
        let mut ours = y.clone();
        ours.unary_in_place(|v| v.abs());
        assert_relative_eq!(ours, y.abs());
    }

    #[test]
    fn strided_views_match_nalgebra((a, b) in data(60)) {
        // Rows of a column-major matrix: row stride = number of rows.
        let n = a.len();
        let m = DMatrix::from_fn(3, n, |i, j| if i == 1 { a[j] } else { -1.0 });
        let row = m.row(1).transpose(); // an owned copy, contiguous
        let strided = m.row(1); // a 1×n view with stride 3: use its transpose view
        let sview = strided.transpose();
        let y = DVector::from_vec(b.clone());
        assert_relative_eq!(row.inner_product(&y), row.dot(&y), max_relative = 1e-12, epsilon = 1e-9);
        assert_relative_eq!(sview.inner_product(&y), row.dot(&y), max_relative = 1e-12, epsilon = 1e-9);

        // A genuinely strided view: every other element of a vector.
        let long = DVector::from_fn(2 * n, |i, _| if i % 2 == 0 { a[i / 2] } else { 1e6 });
        let every_other = long.rows_with_step(0, n, 1);
        assert_relative_eq!(every_other.inner_product(&y), DVector::from_vec(a.clone()).dot(&y), max_relative = 1e-12, epsilon = 1e-9);
        assert_relative_eq!(every_other.l2norm(), every_other.norm(), max_relative = 1e-12);

        let mut target = DVector::from_element(2 * n, 7.0);
        {
            let mut view = target.rows_with_step_mut(1, n, 1);
            view.copy_from(&y);
            view.axpy_in_place(2.0, &every_other);
        }
        for i in 0..n {
            prop_assert_eq!(target[2 * i], 7.0);
            assert_relative_eq!(target[2 * i + 1], b[i] + 2.0 * a[i]);
        }
    }
}

#[test]
fn static_vectors_work() {
    let mut x = SVector::<f64, 3>::new(1.0, 2.0, 2.0);
    assert_eq!(x.l2norm(), 3.0);
    x.scale_in_place(2.0);
    assert_eq!(x, SVector::<f64, 3>::new(2.0, 4.0, 4.0));
    let arena = MemoryArena::new(256);
    let scope = arena.create_scope();
    let t = scope.clone_of(&x).unwrap();
    assert_eq!(t.norm(), 6.0);
}

#[test]
fn arena_clones_interoperate_with_the_original() {
    let arena = MemoryArena::new(1 << 12);
    let scope = arena.create_scope();
    let m = DMatrix::from_fn(4, 4, |i, j| (i * 4 + j) as f64);
    let row = m.row(2).transpose(); // contiguous owned
    let mut t = scope.clone_of(&m.row(2).transpose()).unwrap();
    assert!(arena.owns(t.as_ptr().cast()));
    assert_eq!(t, row);
    let mut y = DVector::from_element(4, 1.0);
    y.axpy_in_place(1.0, &t); // DVector += arena view
    t.axpy_in_place(-1.0, &y); // arena view += DVector
    assert_eq!(t, DVector::from_element(4, -1.0));
    // Strided source (every other element of a column) cloned into contiguous arena memory.
    let column = m.column(0);
    let c = scope.clone_of(&column.rows_with_step(0, 2, 1)).unwrap();
    assert_eq!(c.as_slice(), &[0.0, 8.0]);
}

#[test]
#[should_panic(expected = "axpy_in_place: dimension mismatch (expected 3, found 4)")]
fn mismatched_dimensions_panic_with_both_sizes() {
    let mut y = DVector::<f64>::zeros(3);
    y.axpy_in_place(1.0, &DVector::<f64>::zeros(4));
}

/// A user newtype around a nalgebra vector gets every operation from `VectorWrapper`.
#[derive(Clone, Debug)]
struct Field(DVector<f64>);

impl rvf::adapters::VectorWrapper for Field {
    type Inner = DVector<f64>;
    fn inner(&self) -> &DVector<f64> {
        &self.0
    }
    fn inner_mut(&mut self) -> &mut DVector<f64> {
        &mut self.0
    }
}

#[test]
fn a_newtype_around_dvector_gets_every_operation() {
    let mut f = Field(DVector::from_vec(vec![3.0, 4.0]));
    assert_eq!(f.dimension(), 2);
    assert_eq!(f.l2norm(), 5.0);
    f.axpy_in_place(2.0, &vec![1.0, 1.0]);
    assert_eq!(f.0.as_slice(), &[5.0, 6.0]);
    let g = Field(DVector::from_vec(vec![1.0, -1.0]));
    assert_eq!(f.inner_product(&g), -1.0);
    f.zip_in_place((&g,), |fi, [gi]| *fi *= gi);
    assert_eq!(f.0.as_slice(), &[5.0, -6.0]);
    let arena = MemoryArena::new(1024);
    let scope = arena.create_scope();
    let t = scope.clone_of(&f).unwrap();
    assert!(arena.owns(t.as_ptr().cast()));
    assert_eq!(t.as_slice(), f.0.as_slice());
}

#[test]
fn rows_of_a_column_major_matrix_are_strided_vectors_that_write_in_place() {
    let mut m = nalgebra::DMatrix::from_row_slice(
        3,
        4,
        &[
            1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0,
        ],
    );
    {
        let mut row = m.row_mut(1);
        assert!(matches!(row.local_mut(), rvf::LocalMut::Strided(_)));
        row.scale_in_place(2.0);
        row.axpy_in_place(1.0, &[1.0, 1.0, 1.0, 1.0]);
    }
    assert_eq!(
        m.row(1).iter().copied().collect::<Vec<_>>(),
        [11.0, 13.0, 15.0, 17.0]
    );
    // The other rows are untouched.
    assert_eq!(
        m.row(0).iter().copied().collect::<Vec<_>>(),
        [1.0, 2.0, 3.0, 4.0]
    );
    assert_eq!(m.row(2).sum(), 42.0);
    let arena = MemoryArena::new(1024);
    let scope = arena.create_scope();
    let copy = scope.clone_of(&m.row(2)).unwrap();
    assert_eq!(copy.as_slice(), [9.0, 10.0, 11.0, 12.0]);
}
