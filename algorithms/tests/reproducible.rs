//! Solves on vectors with exact sums (`Reproducible`): the same iterates, bit for bit, on one
//! or two threads; and, as a check that exact sums do not change the mathematics, the same
//! solutions as the blocked sums to the solve's tolerance. (The MPI test compares them across
//! 1–4 processes.)
#![cfg(all(feature = "sparse", feature = "rayon"))]

#[path = "support/krylov_runs.rs"]
mod krylov_runs;

use krylov_runs::krylov_runs;
use rvf::adapters::Reproducible;
use rvf::Par;
use rvf_algorithms::linear::convection_diffusion_2d_csr;

fn right_hand_side(n: usize) -> Vec<f64> {
    (0..n).map(|i| 1.0 + (i as f64 * 0.37).sin()).collect()
}

#[test]
fn exact_sums_give_the_same_iterates_on_one_or_two_threads() {
    // Vectors above PARALLEL_THRESHOLD (2¹⁹), so the rayon paths split the reductions; a few
    // iterations of each method suffice to compare (the debug build is slow).
    let (nx, ny) = (730, 720);
    let n = nx * ny;
    let spd = convection_diffusion_2d_csr::<f64>(nx, ny, (0.0, 0.0));
    let nonsymmetric = convection_diffusion_2d_csr::<f64>(nx, ny, (40.0, -25.0));
    let b = Reproducible(right_hand_side(n));
    let run = |par| {
        krylov_runs(
            &spd,
            &nonsymmetric,
            &b,
            || Reproducible(vec![0.0; n]),
            |v| v.0.clone(),
            par,
            3,
        )
    };
    let sequential = run(Par::Seq);
    assert_eq!(sequential.len(), 5);
    assert!(
        sequential.iter().all(|r| r.iterations == 3),
        "{sequential:?}"
    );
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let parallel = pool.install(|| run(Par::Rayon));
        for (s, p) in sequential.iter().zip(&parallel) {
            assert!(s == p, "{} differs on {threads} thread(s)", s.method);
        }
    }
}

#[test]
fn exact_sums_converge_to_the_blocked_solution() {
    let (nx, ny) = (40, 30);
    let n = nx * ny;
    let spd = convection_diffusion_2d_csr::<f64>(nx, ny, (0.0, 0.0));
    let nonsymmetric = convection_diffusion_2d_csr::<f64>(nx, ny, (40.0, -25.0));
    let exact = krylov_runs(
        &spd,
        &nonsymmetric,
        &Reproducible(right_hand_side(n)),
        || Reproducible(vec![0.0; n]),
        |v| v.0.clone(),
        Par::Seq,
        usize::MAX,
    );
    let blocked = krylov_runs(
        &spd,
        &nonsymmetric,
        &right_hand_side(n),
        || vec![0.0; n],
        |v| v.clone(),
        Par::Seq,
        usize::MAX,
    );
    for (e, b) in exact.iter().zip(&blocked) {
        let (xe, xb): (Vec<f64>, Vec<f64>) = (
            e.solution.iter().map(|&u| f64::from_bits(u)).collect(),
            b.solution.iter().map(|&u| f64::from_bits(u)).collect(),
        );
        let scale = xb.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = xe
            .iter()
            .zip(&xb)
            .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
        assert!(diff <= 1e-7 * scale, "{}: {diff:e} of {scale:e}", e.method);
        // Rounding differs, so the iteration counts may differ by a little, not by much.
        assert!(
            e.iterations.abs_diff(b.iterations) <= 3 + b.iterations / 20,
            "{}: {} vs {}",
            e.method,
            e.iterations,
            b.iterations
        );
        // And the iterates are not the blocked ones bit for bit (the sums really are exact).
        assert_ne!(e.history, b.history, "{}", e.method);
    }
}
