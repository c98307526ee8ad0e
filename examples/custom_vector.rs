//! A user's own vector type, a newtype around a nalgebra `DVector`, gets every rvf operation,
//! arena clones and the bundled solvers by implementing one small trait, `VectorWrapper`.
//!
//! ```text
//! cargo run --release --features nalgebra --example custom_vector
//! ```

use nalgebra::DVector;
use rvf::adapters::VectorWrapper;
use rvf::prelude::*;
use rvf_algorithms::linear::{cg, CgParams, Poisson1d};

/// Temperatures along a rod, with the unit attached to the type.
#[derive(Clone, Debug)]
struct Temperatures {
    kelvin: DVector<f64>,
}

impl VectorWrapper for Temperatures {
    type Inner = DVector<f64>;
    fn inner(&self) -> &DVector<f64> {
        &self.kelvin
    }
    fn inner_mut(&mut self) -> &mut DVector<f64> {
        &mut self.kelvin
    }
}

impl Temperatures {
    fn mean(&self) -> f64 {
        self.sum() / self.dimension() as f64
    }
}

fn main() {
    let n = 200;
    // Steady heat conduction −T'' = q with fixed ends: one CG solve on the wrapper type.
    let q = Temperatures {
        kelvin: DVector::from_element(n, 1.0),
    };
    let mut t = Temperatures {
        kelvin: DVector::zeros(n),
    };
    let a = Poisson1d::<f64>::new(n);
    let result = cg(
        &a,
        &q,
        &mut t,
        &CgParams {
            rel_tol: 1e-12,
            ..Default::default()
        },
    )
    .expect("CG on the wrapper type");

    // The 3-point scheme is exact for the quadratic solution x(1 − x)/2.
    let h = 1.0 / (n + 1) as f64;
    let exact = Temperatures {
        kelvin: DVector::from_fn(n, |i, _| {
            let x = (i + 1) as f64 * h;
            x * (1.0 - x) / 2.0
        }),
    };
    let mut diff = t.clone();
    diff.axpy_in_place(-1.0, &exact);

    // Arena clones of the wrapper are nalgebra views over arena memory.
    let arena = MemoryArena::new(1 << 16);
    let scope = arena.create_scope();
    let mut scratch = scope.clone_of(&t).expect("arena clone");
    scratch.scale_in_place(2.0);
    let nalgebra_norm = scratch.norm(); // nalgebra's own method on the arena view

    println!("custom_vector: {n} unknowns");
    println!(
        "  CG: {} iterations, relative residual {:.2e}",
        result.iterations, result.relative_residual
    );
    println!("  max |T − exact| = {:.2e}", diff.norm_inf());
    println!(
        "  mean grid temperature {:.6} (continuous mean 1/12 = {:.6})",
        t.mean(),
        1.0 / 12.0
    );
    println!("  ‖2T‖ via nalgebra on the arena clone: {nalgebra_norm:.6}");
    assert!(diff.norm_inf() < 1e-10);
}
