//! Line searches: one trait, [`LineSearch`], with the strong-Wolfe search L-BFGS uses and the
//! backtracking Armijo search projected gradient uses.
//!
//! A search sees the objective only through `eval(α)`, which places the trial point (the
//! caller keeps it, with its gradient, for the accepted step) and returns a [`Sample`].

use rvf::Real;

/// One evaluated point of a line search: step `α`, value `φ(α)`, slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sample<S> {
    /// The step.
    pub alpha: S,
    /// `φ(α)`, the objective at the trial point.
    pub phi: S,
    /// For [`StrongWolfe`]: `φ'(α)`. For [`Backtracking`]: the slope of the first-order
    /// model over `[0, α]` (`φ'(0)` on a straight line, `gᵀ(x(α) − x)/α` on a projected
    /// path).
    pub dphi: S,
}

/// A line search: from `start` (α = 0) and a first trial step `alpha0`, find an acceptable
/// step by calling `eval`. Returns the accepted sample (the last one `eval` produced, so the
/// caller's trial point is the accepted one) and the evaluations used, or `None` when the
/// search gave up.
pub(crate) trait LineSearch<S: Real> {
    fn search(
        &self,
        start: Sample<S>,
        alpha0: S,
        eval: &mut dyn FnMut(S) -> Sample<S>,
    ) -> (Option<Sample<S>>, usize);
}

/// The strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6, with cubic
/// interpolation): sufficient decrease `φ(α) ≤ φ(0) + c1·α·φ'(0)` and curvature
/// `|φ'(α)| ≤ c2·|φ'(0)|`.
pub(crate) struct StrongWolfe<S> {
    pub c1: S,
    pub c2: S,
    pub max_evaluations: usize,
}

/// The minimiser of the cubic through two samples, safeguarded into the middle 80% of the
/// interval (bisection when the cubic has no usable minimiser).
fn cubic_step<S: Real>(a: Sample<S>, b: Sample<S>) -> S {
    let f = S::from_f64_lossy;
    let (lo, hi) = if a.alpha < b.alpha {
        (a.alpha, b.alpha)
    } else {
        (b.alpha, a.alpha)
    };
    let width = hi - lo;
    let d1 = a.dphi + b.dphi - f(3.0) * (a.phi - b.phi) / (a.alpha - b.alpha);
    let disc = d1 * d1 - a.dphi * b.dphi;
    let mid = lo + f(0.5) * width;
    if disc.is_nan() || disc < S::zero() {
        return mid;
    }
    let d2 = (b.alpha - a.alpha).signum() * disc.sqrt();
    let t = b.alpha - (b.alpha - a.alpha) * (b.dphi + d2 - d1) / (b.dphi - a.dphi + f(2.0) * d2);
    if t.is_finite() {
        t.max(lo + f(0.1) * width).min(hi - f(0.1) * width)
    } else {
        mid
    }
}

impl<S: Real> LineSearch<S> for StrongWolfe<S> {
    fn search(
        &self,
        start: Sample<S>,
        alpha0: S,
        eval: &mut dyn FnMut(S) -> Sample<S>,
    ) -> (Option<Sample<S>>, usize) {
        let curvature = |s: &Sample<S>| s.dphi.abs() <= -self.c2 * start.dphi;
        // Sufficient decrease, or, near the minimum where f changes by rounding only, the
        // "approximate Wolfe" test of Hager and Zhang: f within 10⁻¹² relative of f(0)
        // (above the rounding of a sum of thousands of terms) and a derivative showing the
        // step made the expected progress.
        let noise = S::from_f64_lossy(1e-12) * start.phi.abs();
        let two_c1_minus_1 = self.c1 + self.c1 - S::one();
        let armijo = |s: &Sample<S>| {
            s.phi <= start.phi + self.c1 * s.alpha * start.dphi
                || (s.phi <= start.phi + noise && s.dphi <= two_c1_minus_1 * start.dphi)
        };
        let mut evals = 0;
        let mut prev = start;
        let mut alpha = alpha0;
        // Bracketing phase.
        let (mut lo, mut hi) = loop {
            if evals == self.max_evaluations {
                return (None, evals);
            }
            let cur = eval(alpha);
            evals += 1;
            if !armijo(&cur) || (evals > 1 && cur.phi >= prev.phi) {
                break (prev, cur);
            }
            if curvature(&cur) {
                return (Some(cur), evals);
            }
            if cur.dphi >= S::zero() {
                break (cur, prev);
            }
            prev = cur;
            alpha = alpha + alpha;
        };
        // Zoom phase: `lo` satisfies Armijo with the lowest value so far.
        while evals < self.max_evaluations {
            let t = if lo.phi.is_finite() && hi.phi.is_finite() {
                cubic_step(lo, hi)
            } else {
                S::from_f64_lossy(0.5) * (lo.alpha + hi.alpha)
            };
            let cur = eval(t);
            evals += 1;
            if !armijo(&cur) || cur.phi >= lo.phi {
                hi = cur;
            } else {
                if curvature(&cur) {
                    return (Some(cur), evals);
                }
                if cur.dphi * (hi.alpha - lo.alpha) >= S::zero() {
                    hi = lo;
                }
                lo = cur;
            }
            if (hi.alpha - lo.alpha).abs() <= S::epsilon() * lo.alpha.abs().max(S::one()) {
                break;
            }
        }
        (None, evals)
    }
}

/// Backtracking with the Armijo condition `φ(α) ≤ φ(0) + c1·α·m(α)` (`m` the model slope the
/// sample reports), halving `α` until it holds.
pub(crate) struct Backtracking<S> {
    pub c1: S,
    pub max_evaluations: usize,
}

impl<S: Real> LineSearch<S> for Backtracking<S> {
    fn search(
        &self,
        start: Sample<S>,
        alpha0: S,
        eval: &mut dyn FnMut(S) -> Sample<S>,
    ) -> (Option<Sample<S>>, usize) {
        let half = S::from_f64_lossy(0.5);
        let mut alpha = alpha0;
        for evals in 1..=self.max_evaluations {
            let s = eval(alpha);
            if s.phi <= start.phi + self.c1 * s.alpha * s.dphi {
                return (Some(s), evals);
            }
            alpha *= half;
        }
        (None, self.max_evaluations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// φ(α) = (α − 2)², sampled exactly.
    fn parabola(alpha: f64) -> Sample<f64> {
        Sample {
            alpha,
            phi: (alpha - 2.0) * (alpha - 2.0),
            dphi: 2.0 * (alpha - 2.0),
        }
    }

    #[test]
    fn strong_wolfe_accepts_a_step_meeting_both_conditions() {
        let start = parabola(0.0);
        let search = StrongWolfe {
            c1: 1e-4,
            c2: 0.1,
            max_evaluations: 20,
        };
        let (s, evals) = search.search(start, 0.25, &mut parabola);
        let s = s.expect("the parabola has a Wolfe step");
        assert!(s.phi <= start.phi + 1e-4 * s.alpha * start.dphi);
        assert!(s.dphi.abs() <= 0.1 * start.dphi.abs());
        assert!(evals <= 20);
    }

    #[test]
    fn backtracking_halves_until_sufficient_decrease() {
        // Model slope φ'(0) = −4 on a straight line; α0 = 8 overshoots to φ = 36.
        let start = parabola(0.0);
        let search = Backtracking {
            c1: 1e-4,
            max_evaluations: 10,
        };
        let mut tried = Vec::new();
        let (s, evals) = search.search(start, 8.0, &mut |a| {
            tried.push(a);
            Sample {
                dphi: -4.0,
                ..parabola(a)
            }
        });
        assert_eq!(tried, [8.0, 4.0, 2.0]);
        assert_eq!((s.unwrap().alpha, evals), (2.0, 3));
    }

    #[test]
    fn searches_give_up_after_their_evaluation_budget() {
        let rising = |a: f64| Sample {
            alpha: a,
            phi: 1.0 + a,
            dphi: 1.0,
        };
        let start = Sample {
            alpha: 0.0,
            phi: 1.0,
            dphi: -1.0,
        };
        let b = Backtracking {
            c1: 1e-4,
            max_evaluations: 5,
        };
        assert_eq!(b.search(start, 1.0, &mut |a| rising(a)).1, 5);
        let w = StrongWolfe {
            c1: 1e-4,
            c2: 0.9,
            max_evaluations: 5,
        };
        assert!(w.search(start, 1.0, &mut |a| rising(a)).0.is_none());
    }
}
