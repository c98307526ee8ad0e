//! Standard stiff test problems (Hairer–Wanner's test set), with analytic Jacobians.

use rvf::Real;

use super::system::OdeSystem;

/// Robertson's chemical kinetics: three species, rate constants 0.04, 3·10⁷ and 10⁴, from
/// `y = (1, 0, 0)`. Very stiff; `y₁ + y₂ + y₃ = 1` for all time.
///
/// ```
/// use rvf_algorithms::ode::{OdeSystem, Robertson};
/// let mut dy = [0.0; 3];
/// Robertson.rhs(0.0, &Robertson::initial_state(), &mut dy);
/// assert_eq!(dy, [-0.04, 0.04, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Robertson;

impl Robertson {
    /// `(1, 0, 0)`.
    pub fn initial_state<S: Real>() -> [S; 3] {
        [S::one(), S::zero(), S::zero()]
    }
}

impl<S: Real> OdeSystem<S> for Robertson {
    fn dimension(&self) -> usize {
        3
    }
    fn rhs(&self, _t: S, y: &[S], dy: &mut [S]) {
        let f = S::from_f64_lossy;
        let (a, b, c) = (f(0.04), f(1e4), f(3e7));
        dy[0] = -a * y[0] + b * y[1] * y[2];
        dy[2] = c * y[1] * y[1];
        dy[1] = -dy[0] - dy[2];
    }
    fn jacobian(&self, _t: S, y: &[S], j: &mut [S]) -> bool {
        let f = S::from_f64_lossy;
        let (a, b, c) = (f(0.04), f(1e4), f(3e7));
        let two = f(2.0);
        j.copy_from_slice(&[
            -a,
            b * y[2],
            b * y[1],
            a,
            -b * y[2] - two * c * y[1],
            -b * y[1],
            S::zero(),
            two * c * y[1],
            S::zero(),
        ]);
        true
    }
    /// All nine entries: the dense Jacobian's order.
    fn jacobian_pattern(&self) -> Option<(Vec<usize>, Vec<usize>)> {
        Some((vec![0, 3, 6, 9], vec![0, 1, 2, 0, 1, 2, 0, 1, 2]))
    }
    fn jacobian_sparse(&self, t: S, y: &[S], values: &mut [S]) -> bool {
        self.jacobian(t, y, values)
    }
}

/// The Van der Pol oscillator in the stiff test set's scaling: `y₁' = y₂`,
/// `y₂' = μ²·((1 − y₁²)·y₂ − y₁)` (time in units of `μ`, `ε = 1/μ²`), from `(2, −2/3)`.
/// With `μ = 1000` (`ε = 10⁻⁶`) over `[0, 2]` it is the test set's VDPOL: slow drifts
/// between jumps on a time scale of `1/μ²`.
#[derive(Debug, Clone, Copy)]
pub struct VanDerPol<S> {
    /// The stiffness parameter.
    pub mu: S,
}

impl<S: Real> VanDerPol<S> {
    /// `(2, −2/3)`.
    pub fn initial_state() -> [S; 2] {
        let f = S::from_f64_lossy;
        [f(2.0), f(-2.0) / f(3.0)]
    }
}

impl<S: Real> OdeSystem<S> for VanDerPol<S> {
    fn dimension(&self) -> usize {
        2
    }
    fn rhs(&self, _t: S, y: &[S], dy: &mut [S]) {
        dy[0] = y[1];
        dy[1] = self.mu * self.mu * ((S::one() - y[0] * y[0]) * y[1] - y[0]);
    }
    fn jacobian(&self, _t: S, y: &[S], j: &mut [S]) -> bool {
        let two = S::from_f64_lossy(2.0);
        let m2 = self.mu * self.mu;
        j.copy_from_slice(&[
            S::zero(),
            S::one(),
            m2 * (-two * y[0] * y[1] - S::one()),
            m2 * (S::one() - y[0] * y[0]),
        ]);
        true
    }
}

/// HIRES: the "high irradiance responses" of photomorphogenesis (Schäfer 1975), eight
/// species, integrated over `[0, 321.8122]` in the test set.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hires;

impl Hires {
    /// The test set's end time.
    pub const END: f64 = 321.8122;

    /// `(1, 0, 0, 0, 0, 0, 0, 0.0057)`.
    pub fn initial_state<S: Real>() -> [S; 8] {
        let mut y = [S::zero(); 8];
        y[0] = S::one();
        y[7] = S::from_f64_lossy(0.0057);
        y
    }
}

impl<S: Real> OdeSystem<S> for Hires {
    fn dimension(&self) -> usize {
        8
    }
    fn rhs(&self, _t: S, y: &[S], dy: &mut [S]) {
        let f = S::from_f64_lossy;
        let r = f(280.0) * y[5] * y[7];
        dy[0] = f(-1.71) * y[0] + f(0.43) * y[1] + f(8.32) * y[2] + f(0.0007);
        dy[1] = f(1.71) * y[0] - f(8.75) * y[1];
        dy[2] = f(-10.03) * y[2] + f(0.43) * y[3] + f(0.035) * y[4];
        dy[3] = f(8.32) * y[1] + f(1.71) * y[2] - f(1.12) * y[3];
        dy[4] = f(-1.745) * y[4] + f(0.43) * y[5] + f(0.43) * y[6];
        dy[5] = -r + f(0.69) * y[3] + f(1.71) * y[4] - f(0.43) * y[5] + f(0.69) * y[6];
        dy[6] = r - f(1.81) * y[6];
        dy[7] = -r + f(1.81) * y[6];
    }
    fn jacobian(&self, _t: S, y: &[S], j: &mut [S]) -> bool {
        let f = S::from_f64_lossy;
        j.fill(S::zero());
        let mut set = |i: usize, k: usize, v: f64| j[i * 8 + k] = f(v);
        set(0, 0, -1.71);
        set(0, 1, 0.43);
        set(0, 2, 8.32);
        set(1, 0, 1.71);
        set(1, 1, -8.75);
        set(2, 2, -10.03);
        set(2, 3, 0.43);
        set(2, 4, 0.035);
        set(3, 1, 8.32);
        set(3, 2, 1.71);
        set(3, 3, -1.12);
        set(4, 4, -1.745);
        set(4, 5, 0.43);
        set(4, 6, 0.43);
        set(5, 3, 0.69);
        set(5, 4, 1.71);
        set(5, 6, 0.69);
        set(6, 6, -1.81);
        set(7, 6, 1.81);
        let (d6, d8) = (f(280.0) * y[7], f(280.0) * y[5]);
        j[5 * 8 + 5] = -d6 - f(0.43);
        j[5 * 8 + 7] = -d8;
        j[6 * 8 + 5] = d6;
        j[6 * 8 + 7] = d8;
        j[7 * 8 + 5] = -d6;
        j[7 * 8 + 7] = -d8;
        true
    }
}

/// The 1-D Brusselator reaction–diffusion system (Hairer–Wanner's `BRUSS`): on `n`
/// interior points `xᵢ = i/(n + 1)` of [0, 1],
/// `u' = 1 + u²v − 4u + α·Δu`, `v' = 3u − u²v + α·Δv`, `α = 1/50`, with `Δ` the
/// second difference `(n + 1)²·(wᵢ₋₁ − 2wᵢ + wᵢ₊₁)` and boundary values `u = 1`, `v = 3`;
/// from `u = 1 + sin(2πx)`, `v = 3`, usually over `t ∈ [0, 10]`. The state interleaves
/// `(u₁, v₁, u₂, v₂, …)`, so the Jacobian is banded (two diagonals either side). Stiff for
/// a few hundred points (diffusion eigenvalues down to `−4α·(n + 1)²`).
///
/// ```
/// use rvf_algorithms::ode::{Brusselator, OdeSystem};
/// let b = Brusselator { n: 100 };
/// let y0 = b.initial_state::<f64>();
/// assert_eq!(y0.len(), 200);
/// let mut dy = vec![0.0; 200];
/// b.rhs(0.0, &y0, &mut dy);
/// assert!(dy.iter().all(|v| v.is_finite()));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Brusselator {
    /// Interior grid points.
    pub n: usize,
}

impl Brusselator {
    const ALPHA: f64 = 1.0 / 50.0;

    /// `uᵢ = 1 + sin(2πxᵢ)`, `vᵢ = 3`, interleaved.
    pub fn initial_state<S: Real>(&self) -> Vec<S> {
        let h = 1.0 / (self.n + 1) as f64;
        (0..self.n)
            .flat_map(|i| {
                let x = (i + 1) as f64 * h;
                [
                    S::from_f64_lossy(1.0 + (2.0 * core::f64::consts::PI * x).sin()),
                    S::from_f64_lossy(3.0),
                ]
            })
            .collect()
    }

    /// The boundary values `(u, v) = (1, 3)`.
    pub fn boundary<S: Real>() -> [S; 2] {
        [S::one(), S::from_f64_lossy(3.0)]
    }

    /// The right-hand side on a block of consecutive points `y` (interleaved `u, v`), given
    /// the values at the points either side of it (a neighbour's, or
    /// [`boundary`](Self::boundary) at the ends): for distributing the problem, each process
    /// evaluates its own block after exchanging one point with each neighbour.
    ///
    /// # Panics
    /// If `y` and `dy` differ in length or the length is odd.
    pub fn rhs_of_block<S: Real>(&self, left: [S; 2], y: &[S], right: [S; 2], dy: &mut [S]) {
        assert!(
            y.len() == dy.len() && y.len().is_multiple_of(2),
            "rhs_of_block: lengths"
        );
        let f = S::from_f64_lossy;
        let d = self.diffusion::<S>();
        let points = y.len() / 2;
        for i in 0..points {
            let (u, v) = (y[2 * i], y[2 * i + 1]);
            let [ul, vl] = if i > 0 {
                [y[2 * i - 2], y[2 * i - 1]]
            } else {
                left
            };
            let [ur, vr] = if i + 1 < points {
                [y[2 * i + 2], y[2 * i + 3]]
            } else {
                right
            };
            let uuv = u * u * v;
            dy[2 * i] = S::one() + uuv - f(4.0) * u + d * (ul - f(2.0) * u + ur);
            dy[2 * i + 1] = f(3.0) * u - uuv + d * (vl - f(2.0) * v + vr);
        }
    }

    /// `α·(n + 1)²`, the diffusion's coefficient of the second difference.
    fn diffusion<S: Real>(&self) -> S {
        let m = (self.n + 1) as f64;
        S::from_f64_lossy(Self::ALPHA * m * m)
    }
}

impl<S: Real> OdeSystem<S> for Brusselator {
    fn dimension(&self) -> usize {
        2 * self.n
    }
    fn rhs(&self, _t: S, y: &[S], dy: &mut [S]) {
        let boundary = Self::boundary();
        self.rhs_of_block(boundary, y, boundary, dy);
    }
    fn jacobian(&self, _t: S, y: &[S], j: &mut [S]) -> bool {
        let f = S::from_f64_lossy;
        let d = self.diffusion::<S>();
        let m = 2 * self.n;
        j.fill(S::zero());
        for i in 0..self.n {
            let (u, v) = (y[2 * i], y[2 * i + 1]);
            let (ru, rv) = (2 * i, 2 * i + 1);
            j[ru * m + ru] = f(2.0) * u * v - f(4.0) - f(2.0) * d;
            j[ru * m + rv] = u * u;
            j[rv * m + ru] = f(3.0) - f(2.0) * u * v;
            j[rv * m + rv] = -u * u - f(2.0) * d;
            if i > 0 {
                j[ru * m + ru - 2] = d;
                j[rv * m + rv - 2] = d;
            }
            if i + 1 < self.n {
                j[ru * m + ru + 2] = d;
                j[rv * m + rv + 2] = d;
            }
        }
        true
    }
    /// Row `2i` (`u`) holds columns `2i − 2, 2i, 2i + 1, 2i + 2`, row `2i + 1` (`v`)
    /// columns `2i − 1, 2i, 2i + 1, 2i + 3` (fewer at the ends): 8 per point.
    fn jacobian_pattern(&self) -> Option<(Vec<usize>, Vec<usize>)> {
        let n = self.n;
        let mut offsets = vec![0];
        let mut cols = Vec::with_capacity(8 * n);
        for i in 0..n {
            let (ru, rv) = (2 * i, 2 * i + 1);
            for row in [ru, rv] {
                if i > 0 {
                    cols.push(row - 2);
                }
                cols.extend([ru, rv]);
                if i + 1 < n {
                    cols.push(row + 2);
                }
                offsets.push(cols.len());
            }
        }
        Some((offsets, cols))
    }
    fn jacobian_sparse(&self, _t: S, y: &[S], values: &mut [S]) -> bool {
        let f = S::from_f64_lossy;
        let d = self.diffusion::<S>();
        let mut k = 0;
        let mut put = |v: S| {
            values[k] = v;
            k += 1;
        };
        for i in 0..self.n {
            let (u, v) = (y[2 * i], y[2 * i + 1]);
            let (left, right) = (i > 0, i + 1 < self.n);
            // Row u: (u left), ∂/∂u, ∂/∂v, (u right).
            if left {
                put(d);
            }
            put(f(2.0) * u * v - f(4.0) - f(2.0) * d);
            put(u * u);
            if right {
                put(d);
            }
            // Row v: (v left), ∂/∂u, ∂/∂v, (v right).
            if left {
                put(d);
            }
            put(f(3.0) - f(2.0) * u * v);
            put(-u * u - f(2.0) * d);
            if right {
                put(d);
            }
        }
        true
    }
}

#[cfg(all(test, feature = "faer"))]
mod tests {
    use super::*;
    use crate::ode::finite_difference_jacobian;

    /// Each analytic Jacobian agrees with differences of its right-hand side.
    #[test]
    fn analytic_jacobians_match_differences() {
        fn check<F: OdeSystem<f64>>(system: &F, y: &[f64]) {
            let n = y.len();
            let mut analytic = vec![0.0; n * n];
            assert!(system.jacobian(0.0, y, &mut analytic));
            let differenced = finite_difference_jacobian(system, 0.0, y);
            for (k, (a, d)) in analytic.iter().zip(&differenced).enumerate() {
                assert!(
                    (a - d).abs() <= 1e-5 * (1.0 + a.abs()),
                    "entry {k}: {a} vs {d}"
                );
            }
        }
        check(&Robertson, &[0.7, 2e-5, 0.3]);
        check(&VanDerPol { mu: 1000.0 }, &[1.5, -0.3]);
        check(&Hires, &[0.5, 0.1, 0.02, 0.3, 0.05, 0.4, 0.2, 0.004]);
        let b = Brusselator { n: 7 };
        let yb: Vec<f64> = b
            .initial_state::<f64>()
            .iter()
            .enumerate()
            .map(|(k, v)| v * (1.0 + 0.1 * k as f64))
            .collect();
        // The sparse Jacobians hold the dense ones' entries on their patterns, and nothing
        // is left out.
        fn sparse_matches_dense<F: OdeSystem<f64>>(system: &F, y: &[f64]) {
            let n = y.len();
            let mut dense = vec![0.0; n * n];
            assert!(system.jacobian(0.0, y, &mut dense));
            let (offsets, cols) = system.jacobian_pattern().unwrap();
            let mut values = vec![0.0; cols.len()];
            assert!(system.jacobian_sparse(0.0, y, &mut values));
            let mut covered = vec![0.0; n * n];
            for i in 0..n {
                for k in offsets[i]..offsets[i + 1] {
                    assert_eq!(values[k], dense[i * n + cols[k]], "({i}, {})", cols[k]);
                    covered[i * n + cols[k]] = values[k];
                }
            }
            assert_eq!(covered, dense);
        }
        sparse_matches_dense(&b, &yb);
        sparse_matches_dense(&Robertson, &[0.7, 2e-5, 0.3]);
        let y: Vec<f64> = b
            .initial_state::<f64>()
            .iter()
            .enumerate()
            .map(|(k, v)| v * (1.0 + 0.1 * k as f64))
            .collect();
        check(&b, &y);
    }
}
