//! The iteration counts of rvf's Krylov solvers on three fixed problems, printed one line per
//! solve, for a side-by-side comparison with SciPy (`scripts/compare_scipy.py` builds the
//! same matrices and runs `scipy.sparse.linalg.gmres(restart=30)`, `bicgstab` and `minres`).
//!
//! ```text
//! cargo run --release --features full --example krylov_comparison
//! ```
//! Problems (b = 1 + ((7k) mod 11)/10, x₀ = 0, relative tolerance 1e-8 on the true residual):
//! convection–diffusion on 64×64 with β = (40, 15) (non-symmetric); the 2-D Poisson matrix on
//! 64×64 (SPD); the same minus σ = 5.5·λmin (symmetric indefinite).

use rvf::prelude::*;
use rvf_algorithms::linear::{
    bicgstab, convection_diffusion_2d_csr, gmres, minres, poisson_2d_csr, BicgstabParams,
    FnOperator, GmresParams, LinearOperator, MinresParams, SolveReport,
};
use rvf_algorithms::SolverError;

fn rhs(n: usize) -> Vec<f64> {
    (0..n).map(|k| 1.0 + ((k * 7) % 11) as f64 * 0.1).collect()
}

fn line(
    problem: &str,
    solver: &str,
    a: &dyn LinearOperator<f64>,
    b: &[f64],
    x: &[f64],
    r: Result<SolveReport<f64>, SolverError>,
) {
    let mut ax = vec![0.0; b.len()];
    a.apply(x, &mut ax);
    ax.axpby_in_place(1.0, b, -1.0);
    match r {
        Ok(r) => println!(
            "rvf {problem} {solver} iterations {} true_relative_residual {:.3e}",
            r.iterations,
            ax.l2norm() / b.l2norm()
        ),
        Err(e) => println!("rvf {problem} {solver} failed: {e}"),
    }
}

fn main() {
    let n = 64;
    let b = rhs(n * n);
    let cd = convection_diffusion_2d_csr::<f64>(n, n, (40.0, 15.0));
    let mut x = vec![0.0; n * n];
    let r = gmres(&cd, &b, &mut x, &GmresParams::default());
    line("convection_diffusion", "gmres30", &cd, &b, &x, r);
    let mut x = vec![0.0; n * n];
    let r = bicgstab(&cd, &b, &mut x, &BicgstabParams::default());
    line("convection_diffusion", "bicgstab", &cd, &b, &x, r);

    let poisson = poisson_2d_csr::<f64>(n, n);
    let mut x = vec![0.0; n * n];
    let r = minres(&poisson, &b, &mut x, &MinresParams::default());
    line("poisson", "minres", &poisson, &b, &x, r);

    let lmin = rvf_algorithms::linear::Poisson2d::<f64>::new(n, n)
        .eigenvalue_bounds()
        .0;
    let sigma = 5.5 * lmin;
    let p2 = poisson.clone();
    let shifted = FnOperator::square(n * n, move |x: &[f64], y: &mut [f64]| {
        p2.apply(x, y);
        y.iter_mut().zip(x).for_each(|(yi, xi)| *yi -= sigma * xi);
    });
    let mut x = vec![0.0; n * n];
    let r = minres(&shifted, &b, &mut x, &MinresParams::default());
    line("shifted_poisson", "minres", &shifted, &b, &x, r);
}
