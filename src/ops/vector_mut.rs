//! The mutable vector trait, [`RealVectorMut`], and its provided in-place operations.

use super::error::{assert_dims, check_dims, DimensionMismatch};
use super::kernels;
use super::local::LocalMut;
use super::vector::RealVector;
use super::zip::ZipInputs;
use crate::matrix::DenseMatrix;
use crate::Real;
use num_traits::{Float, One, Zero};

/// A vector whose elements can be written: the in-place half of the RVF operation set.
///
/// Implementors give [`local_mut`](Self::local_mut); every operation is provided. Operations
/// with a second operand are generic over its type, so `y.axpy_in_place(a, &t)` works for any
/// pair of vector types with the same scalar, e.g. a `Vec<f64>` and an arena temporary.
///
/// The panicking operations panic on a dimension mismatch with a message naming the operation
/// and both dimensions; each has a `try_` twin that returns [`DimensionMismatch`] instead.
///
/// ```
/// use rvf::prelude::*;
///
/// let mut y = vec![1.0, 1.0, 1.0];
/// let x = [1.0, 2.0, 3.0];
/// y.axpy_in_place(2.0, &x); // y += 2·x
/// assert_eq!(y, [3.0, 5.0, 7.0]);
/// y.scale_in_place(0.5);
/// assert_eq!(y, [1.5, 2.5, 3.5]);
/// y.binary_in_place(&x, |yi, xi| yi * xi);
/// assert_eq!(y, [1.5, 5.0, 10.5]);
/// ```
pub trait RealVectorMut: RealVector {
    /// The elements this process holds, mutably.
    fn local_mut(&mut self) -> LocalMut<'_, Self::Scalar>;

    /// Sets every element to `value`.
    #[inline]
    fn fill(&mut self, value: Self::Scalar) {
        kernels::map_mut(self.local_mut(), |y| *y = value);
    }

    /// `self ← a·self`.
    #[inline]
    fn scale_in_place(&mut self, a: Self::Scalar) {
        kernels::map_mut(self.local_mut(), |y| *y *= a);
    }

    /// `self ← self + x`.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[inline]
    #[track_caller]
    fn add_in_place<X>(&mut self, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        assert_dims("add_in_place", self.dimension(), x.dimension());
        let (y, x) = (self.local_mut(), x.local());
        assert_dims("add_in_place", y.len(), x.len());
        kernels::zip_mut(y, x, |y, x| *y += x);
    }

    /// `self ← self + x`, or an error if the dimensions differ.
    #[inline]
    fn try_add_in_place<X>(&mut self, x: &X) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("add_in_place", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("add_in_place", y.len(), x.len())?;
        kernels::zip_mut(y, x, |y, x| *y += x);
        Ok(())
    }

    /// `self ← self − x`.
    ///
    /// # Panics
    /// If the dimensions differ; see [`try_sub_in_place`](Self::try_sub_in_place).
    #[inline]
    #[track_caller]
    fn sub_in_place<X>(&mut self, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        if let Err(e) = self.try_sub_in_place(x) {
            panic!("{e}");
        }
    }

    /// `self ← self − x`, or an error if the dimensions differ.
    #[inline]
    fn try_sub_in_place<X>(&mut self, x: &X) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("sub_in_place", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("sub_in_place", y.len(), x.len())?;
        kernels::zip_mut(y, x, |y, x| *y -= x);
        Ok(())
    }

    /// `self ← self + a·x`.
    ///
    /// # Panics
    /// If the dimensions differ; see [`try_axpy_in_place`](Self::try_axpy_in_place).
    #[inline]
    #[track_caller]
    fn axpy_in_place<X>(&mut self, a: Self::Scalar, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        assert_dims("axpy_in_place", self.dimension(), x.dimension());
        let (y, x) = (self.local_mut(), x.local());
        assert_dims("axpy_in_place", y.len(), x.len());
        kernels::zip_mut(y, x, |y, x| *y += a * x);
    }

    /// `self ← self + a·x`, or an error if the dimensions differ.
    #[inline]
    fn try_axpy_in_place<X>(&mut self, a: Self::Scalar, x: &X) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("axpy_in_place", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("axpy_in_place", y.len(), x.len())?;
        kernels::zip_mut(y, x, |y, x| *y += a * x);
        Ok(())
    }

    /// `self ← a·x + b·self`.
    ///
    /// # Panics
    /// If the dimensions differ.
    #[inline]
    #[track_caller]
    fn axpby_in_place<X>(&mut self, a: Self::Scalar, x: &X, b: Self::Scalar)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        assert_dims("axpby_in_place", self.dimension(), x.dimension());
        let (y, x) = (self.local_mut(), x.local());
        assert_dims("axpby_in_place", y.len(), x.len());
        kernels::zip_mut(y, x, |y, x| *y = a * x + b * *y);
    }

    /// `self ← a·x + b·self`, or an error if the dimensions differ.
    #[inline]
    fn try_axpby_in_place<X>(
        &mut self,
        a: Self::Scalar,
        x: &X,
        b: Self::Scalar,
    ) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("axpby_in_place", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("axpby_in_place", y.len(), x.len())?;
        kernels::zip_mut(y, x, |y, x| *y = a * x + b * *y);
        Ok(())
    }

    /// `self ← x` (RVF's `assign`). Never truncates: the dimensions must be equal.
    ///
    /// # Panics
    /// If the dimensions differ; see [`try_copy_from`](Self::try_copy_from).
    #[inline]
    #[track_caller]
    fn copy_from<X>(&mut self, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        if let Err(e) = self.try_copy_from(x) {
            panic!("{e}");
        }
    }

    /// `self ← x`, or an error if the dimensions differ.
    #[inline]
    fn try_copy_from<X>(&mut self, x: &X) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("copy_from", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("copy_from", y.len(), x.len())?;
        match (y, x) {
            (LocalMut::Contiguous(a), super::Local::Contiguous(b)) => a.copy_from_slice(b),
            (y, x) => kernels::zip_mut(y, x, |y, x| *y = x),
        }
        Ok(())
    }

    /// `selfᵢ ← selfᵢ·xᵢ` (element-wise product).
    ///
    /// # Panics
    /// If the dimensions differ; see [`try_multiply_in_place`](Self::try_multiply_in_place).
    #[inline]
    #[track_caller]
    fn multiply_in_place<X>(&mut self, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        if let Err(e) = self.try_multiply_in_place(x) {
            panic!("{e}");
        }
    }

    /// `selfᵢ ← selfᵢ·xᵢ`, or an error if the dimensions differ.
    #[inline]
    fn try_multiply_in_place<X>(&mut self, x: &X) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("multiply_in_place", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("multiply_in_place", y.len(), x.len())?;
        kernels::zip_mut(y, x, |y, x| *y *= x);
        Ok(())
    }

    /// `selfᵢ ← selfᵢ / xᵢ` (element-wise quotient, IEEE semantics: a zero divisor gives ±∞
    /// or NaN).
    ///
    /// # Panics
    /// If the dimensions differ; see [`try_divide_in_place`](Self::try_divide_in_place).
    #[inline]
    #[track_caller]
    fn divide_in_place<X>(&mut self, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        if let Err(e) = self.try_divide_in_place(x) {
            panic!("{e}");
        }
    }

    /// `selfᵢ ← selfᵢ / xᵢ`, or an error if the dimensions differ.
    #[inline]
    fn try_divide_in_place<X>(&mut self, x: &X) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        check_dims("divide_in_place", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("divide_in_place", y.len(), x.len())?;
        kernels::zip_mut(y, x, |y, x| *y /= x);
        Ok(())
    }

    /// `selfᵢ ← f(selfᵢ)`.
    #[inline]
    fn unary_in_place<F>(&mut self, f: F)
    where
        F: Fn(Self::Scalar) -> Self::Scalar,
    {
        kernels::map_mut(self.local_mut(), |y| *y = f(*y));
    }

    /// `selfᵢ ← f(selfᵢ, xᵢ)`.
    ///
    /// # Panics
    /// If the dimensions differ; see [`try_binary_in_place`](Self::try_binary_in_place).
    #[inline]
    #[track_caller]
    fn binary_in_place<X, F>(&mut self, x: &X, f: F)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
        F: Fn(Self::Scalar, Self::Scalar) -> Self::Scalar,
    {
        if let Err(e) = self.try_binary_in_place(x, f) {
            panic!("{e}");
        }
    }

    /// `selfᵢ ← f(selfᵢ, xᵢ)`, or an error if the dimensions differ.
    #[inline]
    fn try_binary_in_place<X, F>(&mut self, x: &X, f: F) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
        F: Fn(Self::Scalar, Self::Scalar) -> Self::Scalar,
    {
        check_dims("binary_in_place", self.dimension(), x.dimension())?;
        let (y, x) = (self.local_mut(), x.local());
        check_dims("binary_in_place", y.len(), x.len())?;
        kernels::zip_mut(y, x, |y, x| *y = f(*y, x));
        Ok(())
    }

    /// `selfᵢ ← f(selfᵢ, [x₀ᵢ, x₁ᵢ, …])` over any number of inputs of any vector types,
    /// given as a tuple of references (up to eight) or an array of references of one type.
    ///
    /// ```
    /// use rvf::prelude::*;
    /// let mut y = vec![1.0, 1.0];
    /// let a = vec![1.0, 2.0];
    /// let b = [10.0, 20.0];
    /// let c = vec![0.5, 0.5];
    /// y.zip_in_place((&a, &b, &c), |yi, [ai, bi, ci]| *yi += ai * bi * ci);
    /// assert_eq!(y, [6.0, 21.0]);
    /// ```
    ///
    /// # Panics
    /// If any input's dimension differs from `self`'s; see
    /// [`try_zip_in_place`](Self::try_zip_in_place).
    #[inline]
    #[track_caller]
    fn zip_in_place<const N: usize, Z, F>(&mut self, inputs: Z, f: F)
    where
        Z: ZipInputs<Self::Scalar, N>,
        F: FnMut(&mut Self::Scalar, [Self::Scalar; N]),
    {
        if let Err(e) = self.try_zip_in_place(inputs, f) {
            panic!("{e}");
        }
    }

    /// The variadic map, or an error if some input's dimension differs from `self`'s.
    #[inline]
    fn try_zip_in_place<const N: usize, Z, F>(
        &mut self,
        inputs: Z,
        f: F,
    ) -> Result<(), DimensionMismatch>
    where
        Z: ZipInputs<Self::Scalar, N>,
        F: FnMut(&mut Self::Scalar, [Self::Scalar; N]),
    {
        let n = self.dimension();
        for d in inputs.dimensions() {
            check_dims("zip_in_place", n, d)?;
        }
        let y = self.local_mut();
        let xs = inputs.locals();
        for x in &xs {
            check_dims("zip_in_place", y.len(), x.len())?;
        }
        kernels::zip_many_mut(y, xs, f);
        Ok(())
    }

    /// `selfᵢ ← max(selfᵢ, 0)`. NaN stays NaN.
    #[inline]
    fn relu_in_place(&mut self) {
        let zero = Self::Scalar::zero();
        kernels::map_mut(self.local_mut(), |y| {
            if *y < zero {
                *y = zero
            }
        });
    }

    /// `self ← softmax(self)`, computed stably as `exp(selfᵢ − max) / Σ exp(selfⱼ − max)`,
    /// so large inputs do not overflow. An empty vector stays empty.
    ///
    /// ```
    /// use rvf::prelude::*;
    /// let mut y = vec![1000.0, 1000.0];
    /// y.softmax_in_place();
    /// assert_eq!(y, [0.5, 0.5]);
    /// ```
    #[inline]
    fn softmax_in_place(&mut self) {
        let Some(m) = self.max() else { return };
        kernels::map_mut(self.local_mut(), |y| *y = (*y - m).exp());
        let total = self.sum();
        let inv = Self::Scalar::one() / total;
        self.scale_in_place(inv);
    }

    /// `self ← (self − mean) / sqrt(var + eps)` with the population variance, so the result
    /// has mean 0 and variance `var / (var + eps)`. An empty vector stays empty.
    ///
    /// # Panics
    /// If `eps` is negative or not finite.
    #[inline]
    #[track_caller]
    fn layer_norm_in_place(&mut self, eps: Self::Scalar) {
        assert!(
            eps >= Self::Scalar::zero() && eps.is_finite(),
            "layer_norm_in_place: eps must be finite and non-negative, got {eps}"
        );
        let n = self.dimension();
        if n == 0 {
            return;
        }
        let n = Self::Scalar::from_usize_lossy(n);
        let mean = self.sum() / n;
        let var = super::vector::sum_each(self, |v| (v - mean) * (v - mean)) / n;
        let inv = Self::Scalar::one() / (var + eps).sqrt();
        kernels::map_mut(self.local_mut(), |y| *y = (*y - mean) * inv);
    }

    /// `self ← A·x` for a dense row-major matrix `A`.
    ///
    /// This reads every element of `x` locally, so it is for vectors held by one process.
    ///
    /// # Panics
    /// If `A` is not `dimension(self) × dimension(x)`; see [`try_matvec`](Self::try_matvec).
    #[inline]
    #[track_caller]
    fn matvec<X>(&mut self, a: &DenseMatrix<Self::Scalar>, x: &X)
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        if let Err(e) = self.try_matvec(a, x) {
            panic!("{e}");
        }
    }

    /// `self ← A·x`, or an error if the shapes do not fit.
    fn try_matvec<X>(
        &mut self,
        a: &DenseMatrix<Self::Scalar>,
        x: &X,
    ) -> Result<(), DimensionMismatch>
    where
        X: RealVector<Scalar = Self::Scalar> + ?Sized,
    {
        let xl = x.local();
        let mut y = self.local_mut();
        check_dims("matvec (rows of A vs y)", a.rows(), y.len())?;
        check_dims("matvec (columns of A vs x)", a.cols(), xl.len())?;
        for (row, yi) in a.row_iter().zip(y.iter_mut()) {
            *yi = kernels::reduce2(super::Local::Contiguous(row), xl, |p, q| p * q);
        }
        Ok(())
    }
}
