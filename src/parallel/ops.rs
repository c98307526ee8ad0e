//! The `par_` operations as extension traits of every vector.

use super::kernels::{
    par_exact_reduce1, par_exact_reduce2, par_fold1, par_map_mut, par_reduce1, par_reduce2,
    par_zip_many_mut, par_zip_mut,
};
use super::{PARALLEL_MAP_THRESHOLD, PARALLEL_THRESHOLD};
use crate::ops::{
    assert_dims, check_dims, kernels, DimensionMismatch, Local, RealVector, RealVectorMut,
    Summation, ZipInputs,
};
use num_traits::Zero;

/// `Σ f(aᵢ, bᵢ)` on rayon's threads, summed as `v.summation()` says and reduced over
/// processes: the bits of the sequential operation either way.
fn par_sum_pairs<V: RealVector + ?Sized>(
    v: &V,
    a: Local<'_, V::Scalar>,
    b: Local<'_, V::Scalar>,
    f: impl Fn(V::Scalar, V::Scalar) -> V::Scalar + Sync,
) -> V::Scalar {
    match v.summation() {
        Summation::Blocked => v.reduce_sum(par_reduce2(a, b, f)),
        Summation::Exact => {
            let [s] = v.reduce_exact([par_exact_reduce2(a, b, f)]);
            s
        }
    }
}

/// `Σ f(aᵢ)` on rayon's threads (see [`par_sum_pairs`]).
fn par_sum_each<V: RealVector + ?Sized>(
    v: &V,
    a: Local<'_, V::Scalar>,
    f: impl Fn(V::Scalar) -> V::Scalar + Sync,
) -> V::Scalar {
    match v.summation() {
        Summation::Blocked => v.reduce_sum(par_reduce1(a, f)),
        Summation::Exact => {
            let [s] = v.reduce_exact([par_exact_reduce1(a, f)]);
            s
        }
    }
}

/// Parallel reductions for every [`RealVector`]. Each gives bitwise the same result as its
/// sequential twin.
///
/// ```
/// use rvf::prelude::*;
/// use rvf::parallel::ParRealVector;
/// let x: Vec<f64> = (0..1_000_000).map(|i| (i % 7) as f64).collect();
/// assert_eq!(x.par_inner_product(&x).to_bits(), x.inner_product(&x).to_bits());
/// ```
pub trait ParRealVector: RealVector {
    /// [`inner_product`](RealVector::inner_product) on rayon's threads.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[track_caller]
    fn par_inner_product<X>(&self, x: &X) -> Self::Scalar
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        match self.try_par_inner_product(x) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`par_inner_product`](Self::par_inner_product), or an error if the dimensions differ.
    fn try_par_inner_product<X>(&self, x: &X) -> Result<Self::Scalar, DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("par_inner_product", self.dimension(), x.dimension())?;
        let (a, b) = (self.local(), x.local());
        check_dims("par_inner_product", a.len(), b.len())?;
        if a.len() < PARALLEL_THRESHOLD {
            return Ok(self.inner_product(x));
        }
        Ok(par_sum_pairs(self, a, b, |p, q| p * q))
    }

    /// [`sum`](RealVector::sum) on rayon's threads.
    fn par_sum(&self) -> Self::Scalar {
        let a = self.local();
        if a.len() < PARALLEL_THRESHOLD {
            return self.sum();
        }
        par_sum_each(self, a, |v| v)
    }

    /// [`l2norm_squared`](RealVector::l2norm_squared) on rayon's threads.
    fn par_l2norm_squared(&self) -> Self::Scalar {
        let a = self.local();
        if a.len() < PARALLEL_THRESHOLD {
            return self.l2norm_squared();
        }
        par_sum_each(self, a, |v| v * v)
    }

    /// [`l2norm`](RealVector::l2norm) on rayon's threads.
    fn par_l2norm(&self) -> Self::Scalar {
        num_traits::Float::sqrt(self.par_l2norm_squared())
    }

    /// [`norm_l1`](RealVector::norm_l1) on rayon's threads.
    fn par_norm_l1(&self) -> Self::Scalar {
        let a = self.local();
        if a.len() < PARALLEL_THRESHOLD {
            return self.norm_l1();
        }
        par_sum_each(self, a, num_traits::Float::abs)
    }

    /// [`norm_inf`](RealVector::norm_inf) on rayon's threads.
    fn par_norm_inf(&self) -> Self::Scalar {
        let a = self.local();
        if a.len() < PARALLEL_THRESHOLD {
            return self.norm_inf();
        }
        let m = par_fold1(
            a,
            Self::Scalar::zero(),
            &|m: Self::Scalar, v: Self::Scalar| {
                num_traits::Float::max(m, num_traits::Float::abs(v))
            },
        );
        self.reduce_max(m)
    }

    /// [`all_finite`](RealVector::all_finite) on rayon's threads.
    fn par_all_finite(&self) -> bool {
        let a = self.local();
        if a.len() < PARALLEL_THRESHOLD {
            return self.all_finite();
        }
        // As the sequential test: a sum of xᵢ·0 is NaN exactly when some xᵢ is not finite.
        let zero = Self::Scalar::zero();
        self.reduce_sum(par_reduce1(a, |v| v * zero)) == zero
    }
}

impl<V: RealVector + ?Sized> ParRealVector for V {}

/// Parallel in-place operations for every [`RealVectorMut`].
///
/// ```
/// use rvf::prelude::*;
/// use rvf::parallel::ParRealVectorMut;
/// let x = vec![1.0; 100_000];
/// let mut y = vec![2.0; 100_000];
/// y.par_axpy_in_place(3.0, &x);
/// assert!(y.iter().all(|&v| v == 5.0));
/// ```
pub trait ParRealVectorMut: RealVectorMut {
    /// [`fill`](RealVectorMut::fill) on rayon's threads.
    fn par_fill(&mut self, value: Self::Scalar) {
        let y = self.local_mut();
        if y.len() < PARALLEL_THRESHOLD {
            return self.fill(value);
        }
        par_map_mut(y, &|v: &mut Self::Scalar| *v = value);
    }

    /// [`scale_in_place`](RealVectorMut::scale_in_place) on rayon's threads.
    fn par_scale_in_place(&mut self, a: Self::Scalar) {
        let y = self.local_mut();
        if y.len() < PARALLEL_THRESHOLD {
            return self.scale_in_place(a);
        }
        par_map_mut(y, &|v: &mut Self::Scalar| *v *= a);
    }

    /// [`add_in_place`](RealVectorMut::add_in_place) on rayon's threads.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[track_caller]
    fn par_add_in_place<X>(&mut self, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        assert_dims("par_add_in_place", self.dimension(), x.dimension());
        let (y, xl) = (self.local_mut(), x.local());
        assert_dims("par_add_in_place", y.len(), xl.len());
        if y.len() < PARALLEL_THRESHOLD {
            return self.add_in_place(x);
        }
        par_zip_mut(y, xl, &|a: &mut Self::Scalar, b| *a += b);
    }

    /// [`axpy_in_place`](RealVectorMut::axpy_in_place) on rayon's threads.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[track_caller]
    fn par_axpy_in_place<X>(&mut self, a: Self::Scalar, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        assert_dims("par_axpy_in_place", self.dimension(), x.dimension());
        let (y, xl) = (self.local_mut(), x.local());
        assert_dims("par_axpy_in_place", y.len(), xl.len());
        if y.len() < PARALLEL_THRESHOLD {
            return self.axpy_in_place(a, x);
        }
        par_zip_mut(y, xl, &|p: &mut Self::Scalar, q| *p += a * q);
    }

    /// [`axpby_in_place`](RealVectorMut::axpby_in_place) on rayon's threads.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[track_caller]
    fn par_axpby_in_place<X>(&mut self, a: Self::Scalar, x: &X, b: Self::Scalar)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        assert_dims("par_axpby_in_place", self.dimension(), x.dimension());
        let (y, xl) = (self.local_mut(), x.local());
        assert_dims("par_axpby_in_place", y.len(), xl.len());
        if y.len() < PARALLEL_THRESHOLD {
            return self.axpby_in_place(a, x, b);
        }
        par_zip_mut(y, xl, &|p: &mut Self::Scalar, q| *p = a * q + b * *p);
    }

    /// [`copy_from`](RealVectorMut::copy_from) on rayon's threads.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[track_caller]
    fn par_copy_from<X>(&mut self, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        assert_dims("par_copy_from", self.dimension(), x.dimension());
        let (y, xl) = (self.local_mut(), x.local());
        assert_dims("par_copy_from", y.len(), xl.len());
        if y.len() < PARALLEL_THRESHOLD {
            return self.copy_from(x);
        }
        par_zip_mut(y, xl, &|p: &mut Self::Scalar, q| *p = q);
    }

    /// [`unary_in_place`](RealVectorMut::unary_in_place) on rayon's threads.
    fn par_unary_in_place<F>(&mut self, f: F)
    where
        F: Fn(Self::Scalar) -> Self::Scalar + Sync,
    {
        let y = self.local_mut();
        if y.len() < PARALLEL_MAP_THRESHOLD {
            return self.unary_in_place(f);
        }
        par_map_mut(y, &|v: &mut Self::Scalar| *v = f(*v));
    }

    /// [`binary_in_place`](RealVectorMut::binary_in_place) on rayon's threads.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[track_caller]
    fn par_binary_in_place<X, F>(&mut self, x: &X, f: F)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
        F: Fn(Self::Scalar, Self::Scalar) -> Self::Scalar + Sync,
    {
        assert_dims("par_binary_in_place", self.dimension(), x.dimension());
        let (y, xl) = (self.local_mut(), x.local());
        assert_dims("par_binary_in_place", y.len(), xl.len());
        if y.len() < PARALLEL_MAP_THRESHOLD {
            return self.binary_in_place(x, f);
        }
        par_zip_mut(y, xl, &|p: &mut Self::Scalar, q| *p = f(*p, q));
    }

    /// [`zip_in_place`](RealVectorMut::zip_in_place) on rayon's threads: `f` must be `Fn`
    /// (it runs on several threads at once). Element-wise, so the result is the sequential
    /// one, bit for bit.
    ///
    /// # Panics
    /// If any input's dimension differs from `self`'s.
    #[track_caller]
    fn par_zip_in_place<const N: usize, Z, F>(&mut self, inputs: Z, f: F)
    where
        Z: ZipInputs<Self::Scalar, N>,
        F: Fn(&mut Self::Scalar, [Self::Scalar; N]) + Sync,
    {
        let n = self.dimension();
        for d in inputs.dimensions() {
            assert_dims("par_zip_in_place", n, d);
        }
        let y = self.local_mut();
        let xs = inputs.locals();
        for x in &xs {
            assert_dims("par_zip_in_place", y.len(), x.len());
        }
        if y.len() < PARALLEL_MAP_THRESHOLD {
            return kernels::zip_many_mut(y, xs, &f);
        }
        par_zip_many_mut(y, xs, &f);
    }
}

impl<V: RealVectorMut + ?Sized> ParRealVectorMut for V {}
