//! Standard test problems with known minimisers.

use rvf::Real;

use super::objective::{HessianPreconditioner, HessianVector, Objective};
use crate::linear::{LinearOperator, Poisson1d};

fn lit<S: Real>(x: f64) -> S {
    S::from_f64_lossy(x)
}

/// The chained Rosenbrock function `Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²` in `n ≥ 2` dimensions.
/// Minimum 0 at `(1, …, 1)`; the standard start is `(−1.2, 1, −1.2, 1, …)`.
#[derive(Debug, Clone, Copy)]
pub struct Rosenbrock {
    /// Dimension.
    pub n: usize,
}

impl Rosenbrock {
    /// The standard starting point.
    pub fn start<S: Real>(&self) -> Vec<S> {
        (0..self.n)
            .map(|i| if i % 2 == 0 { lit(-1.2) } else { S::one() })
            .collect()
    }
}

impl<S: Real> Objective<S> for Rosenbrock {
    fn dimension(&self) -> usize {
        self.n
    }
    fn value(&self, x: &[S]) -> S {
        let mut f = S::zero();
        for i in 0..x.len().saturating_sub(1) {
            let a = x[i + 1] - x[i] * x[i];
            let b = S::one() - x[i];
            f += lit::<S>(100.0) * a * a + b * b;
        }
        f
    }
    fn gradient(&self, x: &[S], g: &mut [S]) {
        g.fill(S::zero());
        for i in 0..x.len().saturating_sub(1) {
            let a = x[i + 1] - x[i] * x[i];
            g[i] += lit::<S>(-400.0) * x[i] * a - lit::<S>(2.0) * (S::one() - x[i]);
            g[i + 1] += lit::<S>(200.0) * a;
        }
    }
}

impl<S: Real> HessianVector<S> for Rosenbrock {
    fn hessian_vector(&self, x: &[S], v: &[S], o: &mut [S]) {
        o.fill(S::zero());
        for i in 0..x.len().saturating_sub(1) {
            // The Hessian of one term couples xᵢ and xᵢ₊₁.
            let hii = lit::<S>(1200.0) * x[i] * x[i] - lit::<S>(400.0) * x[i + 1] + lit::<S>(2.0);
            let hij = lit::<S>(-400.0) * x[i];
            o[i] += hii * v[i] + hij * v[i + 1];
            o[i + 1] += hij * v[i] + lit::<S>(200.0) * v[i + 1];
        }
    }
}

/// Hock–Schittkowski problem 1: Rosenbrock in two dimensions with the bound `x₂ ≥ −1.5`.
/// Start `(−2, 1)`, minimum 0 at `(1, 1)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hs1;

impl Hs1 {
    /// The standard starting point.
    pub fn start<S: Real>(&self) -> Vec<S> {
        vec![lit(-2.0), S::one()]
    }
    /// Lower bounds `(−∞, −1.5)`.
    pub fn lower<S: Real>(&self) -> Vec<S> {
        vec![S::neg_infinity(), lit(-1.5)]
    }
    /// Upper bounds `(+∞, +∞)`.
    pub fn upper<S: Real>(&self) -> Vec<S> {
        vec![S::infinity(), S::infinity()]
    }
}

impl<S: Real> Objective<S> for Hs1 {
    fn dimension(&self) -> usize {
        2
    }
    fn value(&self, x: &[S]) -> S {
        Rosenbrock { n: 2 }.value(x)
    }
    fn gradient(&self, x: &[S], g: &mut [S]) {
        Rosenbrock { n: 2 }.gradient(x, g)
    }
}

/// The Zakharov function `xᵀx + s² + s⁴` with `s = Σᵢ ½·i·xᵢ` (i = 1…n). Minimum 0 at the
/// origin; start `(3, …, 3)`. Its Hessian `2I + (2 + 12s²)·c·cᵀ` (cᵢ = i/2) is the identity
/// plus a rank-one term, so its exact inverse comes from Sherman–Morrison: the preconditioner
/// makes truncated-CG trust-region steps Newton steps.
#[derive(Debug, Clone, Copy)]
pub struct Zakharov {
    /// Dimension.
    pub n: usize,
}

impl Zakharov {
    /// The starting point `(3, …, 3)`.
    pub fn start<S: Real>(&self) -> Vec<S> {
        vec![lit(3.0); self.n]
    }

    fn c<S: Real>(i: usize) -> S {
        lit::<S>(0.5) * S::from_usize_lossy(i + 1)
    }

    fn s<S: Real>(x: &[S]) -> S {
        x.iter()
            .enumerate()
            .fold(S::zero(), |acc, (i, &v)| acc + Self::c::<S>(i) * v)
    }
}

impl<S: Real> Objective<S> for Zakharov {
    fn dimension(&self) -> usize {
        self.n
    }
    fn value(&self, x: &[S]) -> S {
        use rvf::RealVector;
        let s = Self::s::<S>(x);
        let s2 = s * s;
        x.l2norm_squared() + s2 + s2 * s2
    }
    fn gradient(&self, x: &[S], g: &mut [S]) {
        let s = Self::s::<S>(x);
        let k = lit::<S>(2.0) * s + lit::<S>(4.0) * s * s * s;
        for (i, gi) in g.iter_mut().enumerate() {
            *gi = lit::<S>(2.0) * x[i] + k * Self::c::<S>(i);
        }
    }
}

impl<S: Real> HessianVector<S> for Zakharov {
    fn hessian_vector(&self, x: &[S], v: &[S], out: &mut [S]) {
        let s = Self::s::<S>(x);
        let k = lit::<S>(2.0) + lit::<S>(12.0) * s * s;
        let cv = Self::s::<S>(v);
        for (i, oi) in out.iter_mut().enumerate() {
            *oi = lit::<S>(2.0) * v[i] + k * cv * Self::c::<S>(i);
        }
    }
}

impl<S: Real> HessianPreconditioner<S> for Zakharov {
    /// The exact inverse Hessian by the Sherman–Morrison formula: `∇²f = 2(I + k·c·cᵀ)` with
    /// `k = 1 + 6s²`, so `(∇²f)⁻¹v = ½(v − c·k(cᵀv)/(1 + k·cᵀc))`. The denominator is at
    /// least 1: never singular.
    fn precondition(&self, x: &[S], v: &[S], out: &mut [S]) {
        let s = Self::s::<S>(x);
        let k = S::one() + lit::<S>(6.0) * s * s;
        let cc = (0..self.n).fold(S::zero(), |acc, i| acc + Self::c::<S>(i) * Self::c::<S>(i));
        let factor = k * Self::s::<S>(v) / (S::one() + k * cc);
        for (i, oi) in out.iter_mut().enumerate() {
            *oi = lit::<S>(0.5) * (v[i] - factor * Self::c::<S>(i));
        }
    }
}

/// `½·xᵀA·x − bᵀx` with `A` the 1-D Poisson matrix on `n` points (symmetric positive
/// definite) and `b = (1, …, 1)`. The minimiser solves `A·x = b`: `xᵢ = tᵢ(1 − tᵢ)/2` at the
/// grid points `tᵢ = i/(n+1)` (the 3-point scheme is exact for this quadratic).
#[derive(Debug, Clone, Copy)]
pub struct ConvexQuadratic {
    a: Poisson1d<f64>,
    n: usize,
}

impl ConvexQuadratic {
    /// The problem in `n` dimensions.
    pub fn new(n: usize) -> Self {
        Self {
            a: Poisson1d::new(n),
            n,
        }
    }

    /// The exact minimiser.
    pub fn solution(&self) -> Vec<f64> {
        let h = 1.0 / (self.n + 1) as f64;
        (1..=self.n)
            .map(|i| {
                let t = i as f64 * h;
                t * (1.0 - t) / 2.0
            })
            .collect()
    }
}

impl Objective<f64> for ConvexQuadratic {
    fn dimension(&self) -> usize {
        self.n
    }
    fn value(&self, x: &[f64]) -> f64 {
        // ½xᵀAx − Σx with the 3-point stencil written out, so evaluating allocates nothing.
        let inv_h2 = ((self.n + 1) * (self.n + 1)) as f64;
        let mut quad = 0.0;
        for i in 0..x.len() {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let right = if i + 1 < x.len() { x[i + 1] } else { 0.0 };
            quad += x[i] * inv_h2 * (2.0 * x[i] - left - right);
        }
        0.5 * quad - x.iter().sum::<f64>()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.a.apply(x, g);
        g.iter_mut().for_each(|v| *v -= 1.0);
    }
}

impl HessianVector<f64> for ConvexQuadratic {
    fn hessian_vector(&self, _x: &[f64], v: &[f64], out: &mut [f64]) {
        self.a.apply(v, out);
    }
}
