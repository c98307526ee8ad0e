//! The fused vector sweeps of the CG-type solvers: several updates and a reduction in one
//! pass over memory, with the bits of the separate operations.
//!
//! A sweep is fused when every vector it touches is contiguous on this process (`Vec`, arena
//! vectors, contiguous nalgebra and ndarray vectors, distributed vectors of those); otherwise
//! (a strided view) it runs as the separate operations. Both give the same bits, because the
//! fused sweep adds in the fixed blocks and tree of the vector reductions
//! ([`Par::reduce_blocks`]).

use rvf::ops::kernels::reduce1_leaf;
use rvf::ops::{Local, LocalMut, Summation};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::reduce::{partial_dot, Partial};

/// `x ← x + α·p`, `r ← r − α·q`, and returns this process's part of `‖r‖²` (to be reduced,
/// possibly with other values, by [`reduce_together`](super::reduce::reduce_together)): one
/// sweep reading four vectors and writing two, instead of three passes reading six and writing
/// two.
///
/// # Panics
/// If the local lengths differ (the solvers check dimensions first).
pub(crate) fn update_and_norm<S, X, P, R, Q>(
    par: Par,
    x: &mut X,
    alpha: S,
    p: &P,
    r: &mut R,
    q: &Q,
) -> Partial<S>
where
    S: Real,
    X: RealVectorMut<Scalar = S> + ?Sized,
    P: RealVector<Scalar = S> + ?Sized,
    R: RealVectorMut<Scalar = S> + ?Sized,
    Q: RealVector<Scalar = S> + ?Sized,
{
    // Exact sums need every term; the fused sweep gives a blocked partial.
    let exact = r.summation() == Summation::Exact;
    let fused = match (x.local_mut(), r.local_mut(), p.local(), q.local()) {
        _ if exact => None,
        (
            LocalMut::Contiguous(xs),
            LocalMut::Contiguous(rs),
            Local::Contiguous(ps),
            Local::Contiguous(qs),
        ) => {
            let n = rs.len();
            assert!(
                xs.len() == n && ps.len() == n && qs.len() == n,
                "CG update: local lengths differ"
            );
            let [rr] = par.reduce_blocks(0..n, 1, (xs, rs, ps, qs), |_, (x, r, p, q)| {
                for ((xi, ri), (&pi, &qi)) in x.iter_mut().zip(r.iter_mut()).zip(p.iter().zip(q)) {
                    *xi += alpha * pi;
                    *ri += -alpha * qi;
                }
                [reduce1_leaf(Local::Contiguous(r), &|v| v * v)]
            });
            Some(rr)
        }
        _ => None,
    };
    match fused {
        Some(rr) => Partial::Blocked(rr),
        None => {
            par.axpy(x, alpha, p);
            par.axpy(r, -alpha, q);
            partial_dot(par, &*r, r.local(), r.local())
        }
    }
}

/// Pipelined CG's vector recurrences in one sweep: `p ← u + β·p`, `s ← w + β·s`,
/// `x ← x + α·p`, `r ← r − α·s`, with `u = r` (its value before the sweep) when `u` is
/// `None`; returns this process's part of `‖r‖²` (not reduced: the caller reduces it with the
/// iteration's other values). Fused unless a vector is strided or sums exactly.
///
/// # Panics
/// If the local lengths differ (the solvers check dimensions first).
#[allow(clippy::too_many_arguments)]
pub(crate) fn pipelined_update_local<S, U, P, W, Q, X, R>(
    par: Par,
    u: Option<&U>,
    beta: S,
    p: &mut P,
    w: &W,
    s: &mut Q,
    x: &mut X,
    alpha: S,
    r: &mut R,
) -> Partial<S>
where
    S: Real,
    U: RealVector<Scalar = S> + ?Sized,
    P: RealVectorMut<Scalar = S> + ?Sized,
    W: RealVector<Scalar = S> + ?Sized,
    Q: RealVectorMut<Scalar = S> + ?Sized,
    X: RealVectorMut<Scalar = S> + ?Sized,
    R: RealVectorMut<Scalar = S> + ?Sized,
{
    let exact = r.summation() == Summation::Exact;
    let u_local = u.map(|u| u.local());
    // Exact sums need every term; the fused sweep gives a blocked partial.
    let views = (!exact).then(|| {
        (
            p.local_mut(),
            w.local(),
            s.local_mut(),
            x.local_mut(),
            r.local_mut(),
        )
    });
    if let Some((
        LocalMut::Contiguous(ps),
        Local::Contiguous(ws),
        LocalMut::Contiguous(ss),
        LocalMut::Contiguous(xs),
        LocalMut::Contiguous(rs),
    )) = views
    {
        let n = rs.len();
        assert!(
            [ps.len(), ws.len(), ss.len(), xs.len()]
                .iter()
                .all(|&l| l == n)
                && u_local.is_none_or(|u| u.len() == n),
            "pipelined CG update: local lengths differ"
        );
        let norm = |r: &[S]| reduce1_leaf(Local::Contiguous(r), &|v| v * v);
        // Indexed loops over slices cut to one length, so the bounds checks go, and α, β
        // copied into the leaf: read through the closure's captures, they were reloaded
        // after every store and the loop ran scalar (1.6× slower in cache).
        match u_local {
            None => {
                let [rr] =
                    par.reduce_blocks(0..n, 1, (ps, ws, ss, xs, rs), |_, (p, w, s, x, r)| {
                        let (alpha, beta) = (alpha, beta);
                        let m = r.len();
                        let (p, w, s, x) = (&mut p[..m], &w[..m], &mut s[..m], &mut x[..m]);
                        for i in 0..m {
                            let ri = r[i];
                            step(
                                alpha, beta, ri, &mut p[i], w[i], &mut s[i], &mut x[i], &mut r[i],
                            );
                        }
                        [norm(r)]
                    });
                return Partial::Blocked(rr);
            }
            Some(Local::Contiguous(us)) => {
                let data = (us, ps, ws, ss, xs, rs);
                let [rr] = par.reduce_blocks(0..n, 1, data, |_, (u, p, w, s, x, r)| {
                    let (alpha, beta) = (alpha, beta);
                    let m = r.len();
                    let (u, p, w, s, x) = (&u[..m], &mut p[..m], &w[..m], &mut s[..m], &mut x[..m]);
                    for i in 0..m {
                        step(
                            alpha, beta, u[i], &mut p[i], w[i], &mut s[i], &mut x[i], &mut r[i],
                        );
                    }
                    [norm(r)]
                });
                return Partial::Blocked(rr);
            }
            Some(Local::Strided(_)) => {}
        }
    }
    // The separate operations, in the same arithmetic (`1·u` is `u` exactly).
    match u {
        Some(u) => par.axpby(p, S::one(), u, beta),
        None => par.axpby(p, S::one(), &*r, beta),
    }
    par.axpby(s, S::one(), w, beta);
    par.axpy(x, alpha, &*p);
    par.axpy(r, -alpha, &*s);
    partial_dot(par, &*r, r.local(), r.local())
}

/// One element of pipelined CG's sweep; `p` is read before `x` and `r` are written, `u`
/// (possibly `r`'s old value) before `r` is.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn step<S: Real>(alpha: S, beta: S, u: S, p: &mut S, w: S, s: &mut S, x: &mut S, r: &mut S) {
    *p = u + beta * *p;
    *s = w + beta * *s;
    *x += alpha * *p;
    *r += -alpha * *s;
}

#[cfg(test)]
mod tests {
    use super::super::reduce::reduce_together;
    use super::*;

    /// Fused (all contiguous) and unfused (a strided `x`) sweeps agree bitwise with the
    /// separate operations.
    #[test]
    fn the_fused_update_matches_the_separate_operations_on_any_layout() {
        let n = 3 * 4096 + 11;
        let v = |s: f64| -> Vec<f64> { (0..n).map(|i| ((i as f64) * s).sin()).collect() };
        let (p, q) = (v(0.3), v(0.7));
        let (mut x1, mut r1) = (v(1.1), v(1.3));
        let (mut x2, mut r2) = (x1.clone(), r1.clone());
        x1.axpy_in_place(0.25, &p);
        r1.axpy_in_place(-0.25, &q);
        let expected = r1.l2norm_squared();
        let part = update_and_norm(Par::Seq, &mut x2, 0.25, &p, &mut r2, &q);
        let [rr] = reduce_together(&r2, [part]);
        assert_eq!((rr.to_bits(), &x2, &r2), (expected.to_bits(), &x1, &r1));

        // x strided: every other element of a longer buffer.
        let mut backing: Vec<f64> = v(1.1).into_iter().flat_map(|e| [e, -7.0]).collect();
        let mut r3 = v(1.3);
        // SAFETY: n elements at stride 2 lie inside `backing`, borrowed mutably here only.
        let strided = unsafe { rvf::ops::StridedMut::from_raw_parts(backing.as_mut_ptr(), n, 2) };
        let mut xs = StridedVec(strided);
        let part = update_and_norm(Par::Seq, &mut xs, 0.25, &p, &mut r3, &q);
        let [rr] = reduce_together(&r3, [part]);
        assert_eq!(rr.to_bits(), expected.to_bits());
        assert_eq!(r3, r1);
        let x3: Vec<f64> = backing.iter().step_by(2).copied().collect();
        assert_eq!(x3, x1);
        assert!(backing.iter().skip(1).step_by(2).all(|&e| e == -7.0));
    }

    /// A strided vector for the test above.
    struct StridedVec<'a>(rvf::ops::StridedMut<'a, f64>);

    impl RealVector for StridedVec<'_> {
        type Scalar = f64;
        fn local(&self) -> Local<'_, f64> {
            Local::Strided(self.0.as_strided())
        }
    }

    impl RealVectorMut for StridedVec<'_> {
        fn local_mut(&mut self) -> LocalMut<'_, f64> {
            LocalMut::Strided(self.0.reborrow())
        }
    }
}
