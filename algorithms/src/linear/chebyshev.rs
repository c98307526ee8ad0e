//! The Chebyshev polynomial preconditioner: matrix-free, no inner products, no triangular
//! solves.

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::{Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::operator::LinearOperator;
use super::preconditioner::Preconditioner;
use crate::error::{positive, same_dim, to_f64, SolverError};

/// `z ← p(A)·r` with `p` the degree-`k` polynomial of `k` Chebyshev iterations on `A·z = r`
/// from `z = 0` (Saad, *Iterative Methods for Sparse Linear Systems*, Algorithm 12.1), for a
/// symmetric positive definite `A` whose spectrum lies in `[λmin, λmax]`.
///
/// Applying it costs `k − 1` operator applications and `3k` vector updates — no inner
/// product and no triangular solve — so it runs in parallel and across processes as well as the operator
/// does. It is symmetric positive definite (a valid CG preconditioner) as long as `λmax` is
/// an upper bound of the spectrum; a `λmin` above the smallest eigenvalue only weakens it.
/// [`Chebyshev::estimate_bounds`] finds the bounds by a few Lanczos steps.
///
/// Its scratch vectors live in an arena of its own, so applications allocate nothing once
/// the first has sized it.
///
/// ```
/// use rvf_algorithms::linear::{cg, pcg, CgParams, Chebyshev, Poisson2d};
/// let a = Poisson2d::<f64>::new(48, 48);
/// let b = vec![1.0; 48 * 48];
/// let bounds = Chebyshev::estimate_bounds(&a, &b, 20).unwrap();
/// let (lo, hi) = a.eigenvalue_bounds(); // known for this operator: the estimate brackets them
/// assert!(bounds.0 >= lo && bounds.1 >= hi && bounds.1 <= 1.2 * hi);
/// let m = Chebyshev::new(&a, bounds, 8).unwrap();
/// let (mut x0, mut x1) = (vec![0.0; 2304], vec![0.0; 2304]);
/// let plain = cg(&a, &b, &mut x0, &CgParams::default()).unwrap();
/// let pre = pcg(&a, &m, &b, &mut x1, &CgParams::default()).unwrap();
/// assert!(2 * pre.iterations <= plain.iterations); // with seven products per application
/// ```
pub struct Chebyshev<'a, A: ?Sized, S> {
    a: &'a A,
    degree: usize,
    bounds: (S, S),
    scratch: MemoryArena,
}

impl<A: ?Sized, S: core::fmt::Debug> core::fmt::Debug for Chebyshev<'_, A, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chebyshev")
            .field("degree", &self.degree)
            .field("bounds", &self.bounds)
            .finish()
    }
}

impl<'a, A: LinearOperator<S> + ?Sized, S: Real> Chebyshev<'a, A, S> {
    /// The degree-`degree` Chebyshev preconditioner for `a` on `[λmin, λmax] = bounds`.
    ///
    /// # Errors
    /// [`SolverError::InvalidParameter`] unless `0 < λmin < λmax` (finite) and
    /// `degree ≥ 1`; [`SolverError::DimensionMismatch`] if `a` is not square.
    pub fn new(a: &'a A, bounds: (S, S), degree: usize) -> Result<Self, SolverError> {
        same_dim("Chebyshev (operator must be square)", a.nrows(), a.ncols())?;
        positive("λmin", to_f64(bounds.0))?;
        positive("λmax − λmin", to_f64(bounds.1 - bounds.0))?;
        if degree == 0 {
            return Err(SolverError::InvalidParameter {
                name: "degree",
                value: 0.0,
                requirement: "the polynomial needs degree at least 1",
            });
        }
        Ok(Self {
            a,
            degree,
            bounds,
            scratch: MemoryArena::new(0),
        })
    }

    /// The interval the polynomial is built for.
    pub fn bounds(&self) -> (S, S) {
        self.bounds
    }

    /// The polynomial degree: operator applications per preconditioner application.
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// Bounds `[λmin, λmax]` for a symmetric positive definite `a` from `steps` Lanczos steps
    /// started from a fixed vector, with work vectors cloned from `template` (so a distributed
    /// template gives the same bounds on every process). The Ritz values lie inside the
    /// spectrum, and the largest converges fast; it is raised by 10% (as PETSc's Chebyshev
    /// does) so that it bounds the spectrum, as the polynomial's definiteness needs.
    ///
    /// # Errors
    /// [`SolverError::DimensionMismatch`] if `template` does not fit `a`;
    /// [`SolverError::Breakdown`] if the operator is not positive definite on the Krylov
    /// space; [`SolverError::InvalidParameter`] for `steps = 0`; [`SolverError::Arena`].
    pub fn estimate_bounds<V>(a: &A, template: &V, steps: usize) -> Result<(S, S), SolverError>
    where
        V: RealVector<Scalar = S> + ArenaClone + ?Sized,
    {
        same_dim(
            "Chebyshev::estimate_bounds",
            a.ncols(),
            template.dimension(),
        )?;
        if steps == 0 {
            return Err(SolverError::InvalidParameter {
                name: "steps",
                value: 0.0,
                requirement: "at least one Lanczos step",
            });
        }
        let arena = MemoryArena::new(0);
        let scope = arena.create_scope();
        let mut v = scope.clone_of(template)?;
        let mut v_prev = scope.clone_of(template)?;
        let mut w = scope.clone_of(template)?;
        // A start vector with every eigen-component: 1 + (i mod 7)/7 by global index i, so
        // that it, and the estimate, do not change with the number of processes.
        let first = v.global_offset();
        for (i, vi) in v.local_mut().iter_mut().enumerate() {
            *vi = S::one() + S::from_usize_lossy((first + i) % 7) / S::from_f64_lossy(7.0);
        }
        let norm = v.l2norm();
        v.scale_in_place(S::one() / norm);
        v_prev.fill(S::zero());
        let (mut alphas, mut betas) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
        let mut beta = S::zero();
        for k in 0..steps.min(a.nrows()) {
            a.apply_local(Par::Seq, v.local(), w.local_mut());
            w.axpy_in_place(-beta, &v_prev);
            let alpha = w.inner_product(&v);
            if !(alpha > S::zero() && alpha.is_finite()) {
                return Err(SolverError::Breakdown {
                    iteration: k + 1,
                    quantity: "vᵀA·v (Lanczos; is A positive definite?)",
                    value: to_f64(alpha),
                });
            }
            w.axpy_in_place(-alpha, &v);
            alphas.push(alpha);
            beta = w.l2norm();
            betas.push(beta);
            if beta <= S::epsilon() * alpha {
                break; // an invariant subspace: the Ritz values are eigenvalues
            }
            v_prev.copy_from(&v);
            v.copy_from(&w);
            v.scale_in_place(S::one() / beta);
        }
        let (lo, hi) = tridiagonal_extremes(&alphas, &betas[..alphas.len() - 1]);
        Ok((lo, hi * S::from_f64_lossy(1.1)))
    }
}

/// The smallest and largest eigenvalues of the symmetric tridiagonal matrix with diagonal
/// `d` and off-diagonal `e`, by bisection on Sturm sequence counts.
fn tridiagonal_extremes<S: Real>(d: &[S], e: &[S]) -> (S, S) {
    let n = d.len();
    // Gershgorin bounds the spectrum.
    let (mut lo, mut hi) = (S::infinity(), S::neg_infinity());
    for i in 0..n {
        let r = if i > 0 { e[i - 1].abs() } else { S::zero() }
            + if i + 1 < n { e[i].abs() } else { S::zero() };
        lo = lo.min(d[i] - r);
        hi = hi.max(d[i] + r);
    }
    // How many eigenvalues are below x.
    let below = |x: S| {
        let mut count = 0;
        let mut q = S::one();
        for i in 0..n {
            let off = if i > 0 {
                e[i - 1] * e[i - 1]
            } else {
                S::zero()
            };
            q = d[i] - x - if i > 0 { off / q } else { S::zero() };
            if q == S::zero() {
                q = S::epsilon() * (d[i].abs() + S::one());
            }
            if q < S::zero() {
                count += 1;
            }
        }
        count
    };
    let bisect = |target: usize| {
        // The eigenvalue with `target` eigenvalues below it.
        let (mut a, mut b) = (lo, hi);
        for _ in 0..200 {
            let mid = S::from_f64_lossy(0.5) * (a + b);
            if mid <= a || mid >= b {
                break;
            }
            if below(mid) > target {
                b = mid;
            } else {
                a = mid;
            }
        }
        S::from_f64_lossy(0.5) * (a + b)
    };
    (bisect(0), bisect(n - 1))
}

impl<A: LinearOperator<S> + ?Sized, S: Real> Preconditioner<S> for Chebyshev<'_, A, S> {
    fn apply(&self, r: &[S], z: &mut [S]) {
        self.apply_local(Par::Seq, Local::Contiguous(r), LocalMut::Contiguous(z));
    }

    /// `k` Chebyshev steps on `A·z = r` from `z = 0`; the operator runs with `par`.
    ///
    /// # Panics
    /// If the system cannot provide memory for the three scratch vectors on the first
    /// application (later ones reuse it).
    fn apply_local(&self, par: Par, r: Local<'_, S>, mut z: LocalMut<'_, S>) {
        let (lmin, lmax) = self.bounds;
        let two = S::from_f64_lossy(2.0);
        let theta = (lmax + lmin) / two;
        let delta = (lmax - lmin) / two;
        let sigma = theta / delta;
        let scope = self.scratch.create_scope();
        // The residual r − A·z and the update d, local blocks like r; and A·d.
        let (Ok(mut res), Ok(mut d), Ok(mut ad)) = (
            scope.alloc_zeroed::<S>(r.len()),
            scope.alloc_zeroed::<S>(r.len()),
            scope.alloc_zeroed::<S>(r.len()),
        ) else {
            // The scratch arena grows on demand: only a failed system allocation lands here.
            panic!("Chebyshev: no memory for the scratch vectors");
        };
        par.copy(&mut res, &r);
        par.copy(&mut d, &r);
        par.scale(&mut d, S::one() / theta);
        z.fill(S::zero());
        let mut rho = S::one() / sigma;
        for k in 0..self.degree {
            par.axpy(&mut z, S::one(), &d);
            if k + 1 == self.degree {
                break;
            }
            self.a.apply_local(par, d.local(), ad.local_mut());
            par.axpy(&mut res, -S::one(), &ad);
            let rho_next = S::one() / (two * sigma - rho);
            par.axpby(&mut d, two * rho_next / delta, &res, rho_next * rho);
            rho = rho_next;
        }
    }
}
