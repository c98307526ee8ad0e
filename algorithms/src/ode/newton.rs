//! The Newton matrix of the implicit integrators with a dense Jacobian (feature `faer`):
//! `J = ∂f/∂y` (the system's own, or differenced), `I − c·J` and its LU factors.

use rvf::Real;

use super::system::OdeSystem;
use crate::linear::dense_lu::{DenseLu, LuScalar};

/// The dense Jacobian of a system and the LU factors of `I − c·J`, all allocated at set-up.
pub(crate) struct DenseNewton<S> {
    n: usize,
    /// `∂f/∂y`, row-major.
    jac: Vec<S>,
    lu: DenseLu<S>,
    /// Whether factors are at hand. They may be for an earlier `c` (a simplified Newton
    /// iteration with a slightly stale matrix still converges): the integrator decides when
    /// they must be redone.
    factored: bool,
    /// `f(t, y)` and `f(t, y + δⱼ·eⱼ)` for a differenced Jacobian.
    f_base: Vec<S>,
    f_step: Vec<S>,
}

/// What forming the Jacobian cost.
pub(crate) struct JacobianCost {
    /// Right-hand-side evaluations (the columns of a differenced Jacobian).
    pub evaluations: usize,
}

impl<S: LuScalar> DenseNewton<S> {
    pub fn new(n: usize) -> Self {
        Self {
            n,
            jac: vec![S::zero(); n * n],
            lu: DenseLu::new(n),
            factored: false,
            f_base: vec![S::zero(); n],
            f_step: vec![S::zero(); n],
        }
    }

    /// `J ← ∂f/∂y` at `(t, y)`: the system's analytic Jacobian, or forward differences
    /// column by column with Hairer's increment `δⱼ = √(ε·max(10⁻⁵, |yⱼ|))` (`n + 1`
    /// evaluations of `f`). `y` is perturbed one entry at a time and restored exactly.
    /// Invalidates the factors.
    pub fn update_jacobian<F: OdeSystem<S> + ?Sized>(
        &mut self,
        system: &F,
        t: S,
        y: &mut [S],
    ) -> JacobianCost {
        self.factored = false;
        if system.jacobian(t, y, &mut self.jac) {
            return JacobianCost { evaluations: 0 };
        }
        let n = self.n;
        let floor = S::from_f64_lossy(1e-5);
        system.rhs(t, y, &mut self.f_base);
        for j in 0..n {
            let saved = y[j];
            y[j] = saved + (S::epsilon() * saved.abs().max(floor)).sqrt();
            // The increment actually represented, so the quotient differences exactly.
            let delta = y[j] - saved;
            system.rhs(t, y, &mut self.f_step);
            y[j] = saved;
            for (i, (fp, f0)) in self.f_step.iter().zip(&self.f_base).enumerate() {
                self.jac[i * n + j] = (*fp - *f0) / delta;
            }
        }
        JacobianCost { evaluations: n + 1 }
    }

    /// Whether factors of `I − c·J` (for some `c`) are at hand.
    pub fn is_factored(&self) -> bool {
        self.factored
    }

    /// Forgets the factors (the step size changed enough to matter).
    pub fn invalidate(&mut self) {
        self.factored = false;
    }

    /// Factors `I − c·J`. `Err(Some(row))` if it is singular to working precision,
    /// `Err(None)` if the Jacobian is not finite (the right-hand side is not, near `y`).
    pub fn factor(&mut self, c: S) -> Result<(), Option<usize>> {
        let n = self.n;
        if self.jac.iter().any(|v| !v.is_finite()) {
            self.factored = false;
            return Err(None);
        }
        let m = self.lu.matrix_mut();
        for j in 0..n {
            for i in 0..n {
                let identity = if i == j { S::one() } else { S::zero() };
                m[j * n + i] = identity - c * self.jac[i * n + j];
            }
        }
        self.factored = false;
        self.lu.factor().map_err(Some)?;
        self.factored = true;
        Ok(())
    }

    /// `rhs ← (I − c·J)⁻¹·rhs` with the current factors.
    pub fn solve_in_place(&mut self, rhs: &mut [S]) {
        debug_assert!(self.factored);
        self.lu.solve_in_place(rhs);
    }
}

/// The Jacobian `∂f/∂y` of a system at a point, written out row-major — what an integrator
/// sees through [`OdeSystem::jacobian`] or differences; for tests of a user's Jacobian.
///
/// ```
/// use rvf_algorithms::ode::{finite_difference_jacobian, FnSystem};
/// let f = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[0] * y[1];
///     dy[1] = -y[0];
/// });
/// let j = finite_difference_jacobian(&f, 0.0, &[2.0, 3.0]);
/// let exact = [3.0, 2.0, -1.0, 0.0];
/// assert!(j.iter().zip(exact).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
pub fn finite_difference_jacobian<S: LuScalar, F: OdeSystem<S> + ?Sized>(
    system: &F,
    t: S,
    y: &[S],
) -> Vec<S> {
    let mut newton = DenseNewton::new(y.len());
    let mut point = y.to_vec();
    /// The system without its analytic Jacobian, so the differences are taken.
    struct Differenced<'a, F: ?Sized>(&'a F);
    impl<S: Real, F: OdeSystem<S> + ?Sized> OdeSystem<S> for Differenced<'_, F> {
        fn dimension(&self) -> usize {
            self.0.dimension()
        }
        fn rhs(&self, t: S, y: &[S], dydt: &mut [S]) {
            self.0.rhs(t, y, dydt)
        }
    }
    newton.update_jacobian(&Differenced(system), t, &mut point);
    newton.jac
}
