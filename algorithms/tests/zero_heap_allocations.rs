//! A counting global allocator proves CG and the integrators allocate nothing per iteration
// Reference computations are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]
//! once set up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;

use rvf_algorithms::linear::{CgParams, CgProgress, ConjugateGradient, Jacobi, Poisson2d};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn cg_iterations_make_no_heap_allocation() {
    let n = 48;
    let a = Poisson2d::<f64>::new(n, n);
    let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 7) as f64).collect();
    let m = Jacobi::from_operator(&a).unwrap();
    let mut solver = ConjugateGradient::new();
    for preconditioned in [false, true] {
        let mut x = vec![0.0; n * n];
        let mut per_iteration = Vec::with_capacity(1000);
        let mut cb = |_: &CgProgress<f64>| {
            per_iteration.push(allocations());
            ControlFlow::Continue(())
        };
        let mut params = CgParams {
            rel_tol: 1e-10,
            record_history: true,
            callback: Some(&mut cb),
            ..Default::default()
        };
        let res = if preconditioned {
            solver.solve_preconditioned(&a, &m, &b, &mut x, &mut params)
        } else {
            solver.solve(&a, &b, &mut x, &mut params)
        }
        .unwrap();
        assert!(res.iterations > 20);
        let first = per_iteration[0];
        let last = *per_iteration.last().unwrap();
        assert_eq!(
            last - first,
            0,
            "{} heap allocations over {} iterations",
            last - first,
            per_iteration.len()
        );
    }
}

mod integrators {
    use super::allocations;
    use rvf::prelude::*;
    use rvf_algorithms::linear::Poisson1d;
    use rvf_algorithms::ode::{
        dopri5, linear_implicit, rk4, velocity_verlet, Dopri5Params, FnSecondOrder, FnSystem,
        ImplicitParams, ImplicitScheme,
    };

    fn system() -> FnSystem<impl Fn(f64, &[f64], &mut [f64])> {
        FnSystem::new(64, |_t: f64, y: &[f64], dy: &mut [f64]| {
            for i in 0..y.len() {
                dy[i] = -y[i] + y[(i + 1) % y.len()] * 0.5;
            }
        })
    }

    #[test]
    fn fixed_step_integrators_allocate_nothing_per_step() {
        let arena = MemoryArena::new(1 << 16);
        let mut y = vec![1.0; 64];
        rk4(&system(), 0.0, 1e-3, 5, &mut y, &arena).unwrap(); // warm-up
        let before = allocations();
        rk4(&system(), 0.0, 1e-3, 1000, &mut y, &arena).unwrap();
        assert_eq!(allocations() - before, 0, "rk4");

        let spring = FnSecondOrder::new(64, |_t: f64, x: &[f64], a: &mut [f64]| {
            for (ai, xi) in a.iter_mut().zip(x) {
                *ai = -xi;
            }
        });
        let (mut x, mut v) = (vec![1.0; 64], vec![0.0; 64]);
        velocity_verlet(&spring, 0.0, 1e-3, 5, &mut x, &mut v, &arena).unwrap();
        let before = allocations();
        velocity_verlet(&spring, 0.0, 1e-3, 1000, &mut x, &mut v, &arena).unwrap();
        assert_eq!(allocations() - before, 0, "velocity_verlet");

        let a = Poisson1d::<f64>::new(64);
        let none: Option<&fn(f64, &mut [f64])> = None;
        let mut u = vec![1.0; 64];
        linear_implicit(
            &a,
            none,
            0.0,
            1e-3,
            3,
            &mut u,
            &ImplicitParams {
                scheme: ImplicitScheme::CrankNicolson,
                cg_tol: 1e-10,
                ..Default::default()
            },
            &arena,
        )
        .unwrap();
        let before = allocations();
        linear_implicit(
            &a,
            none,
            0.0,
            1e-3,
            50,
            &mut u,
            &ImplicitParams {
                scheme: ImplicitScheme::CrankNicolson,
                cg_tol: 1e-10,
                ..Default::default()
            },
            &arena,
        )
        .unwrap();
        assert_eq!(allocations() - before, 0, "linear_implicit");
    }

    #[test]
    fn dopri5_allocates_nothing_per_step() {
        let arena = MemoryArena::new(1 << 16);
        let mut y = vec![1.0; 64];
        let times: Vec<f64> = (1..=200).map(|k| k as f64 * 0.05).collect();
        let mut counts = Vec::with_capacity(times.len());
        let params = Dopri5Params {
            rtol: 1e-9,
            ..Default::default()
        };
        let stats = dopri5(
            &system(),
            0.0,
            &mut y,
            &times,
            &params,
            &arena,
            |_, _: &Vec<f64>| counts.push(allocations()),
        )
        .unwrap();
        assert!(stats.steps >= 200);
        assert_eq!(counts.last().unwrap() - counts[0], 0);
    }
}

mod optimizers {
    use super::allocations;
    use rvf::prelude::*;
    use rvf_algorithms::optimize::{
        lbfgs, projected_gradient, trust_region, trust_region_preconditioned, LbfgsParams,
        ProjectedGradientParams, Rosenbrock, TrustRegionParams, Zakharov,
    };

    /// Allocations of a run limited to `iterations`; equal counts for a short and a long run
    /// mean the iterations themselves allocate nothing.
    fn count(run: impl Fn(usize)) -> (usize, usize) {
        run(3); // warm-up
        let a = allocations();
        run(3);
        let short = allocations() - a;
        let b = allocations();
        run(40);
        (short, allocations() - b)
    }

    #[test]
    fn optimiser_iterations_make_no_heap_allocation() {
        let arena = MemoryArena::new(1 << 20);
        let f = Rosenbrock { n: 50 };
        let (short, long) = count(|k| {
            let mut x = f.start::<f64>();
            let params = TrustRegionParams {
                max_iter: k,
                ..Default::default()
            };
            trust_region(&f, &mut x, &params, &arena).unwrap();
        });
        assert_eq!(short, long, "trust region");
        let z = Zakharov { n: 50 };
        let (short, long) = count(|k| {
            let mut x = z.start::<f64>();
            let params = TrustRegionParams {
                max_iter: k,
                ..Default::default()
            };
            trust_region_preconditioned(&z, &mut x, &params, &arena).unwrap();
        });
        assert_eq!(short, long, "preconditioned trust region");
        let (short, long) = count(|k| {
            let mut x = f.start::<f64>();
            let params = LbfgsParams {
                max_iter: k,
                ..Default::default()
            };
            lbfgs(&f, &mut x, &params, &arena).unwrap();
        });
        assert_eq!(short, long, "L-BFGS");
        let (short, long) = count(|k| {
            let mut x = f.start::<f64>();
            let params = ProjectedGradientParams {
                max_iter: k,
                ..Default::default()
            };
            let (lo, hi) = (vec![-2.0; 50], vec![2.0; 50]);
            projected_gradient(&f, &mut x, &lo, &hi, &params, &arena).unwrap();
        });
        assert_eq!(short, long, "projected gradient");
    }
}
