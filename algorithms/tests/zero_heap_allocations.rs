//! A counting global allocator proves that every solver's iterations allocate nothing once
//! set up: each monitor records the thread's allocation count after every iteration or step,
//! and the count must not move from the first report to the last.
// Reference computations are written as plain index loops on purpose: they are the independent check.
#![allow(clippy::needless_range_loop)]

use std::ops::ControlFlow;

#[path = "../../tests/common/counting.rs"]
mod counting;
use counting::heap_allocations;

/// A monitor that records the allocation count at every call, and the check on the record.
struct Record(Vec<usize>);

impl Record {
    fn new() -> Self {
        Record(Vec::with_capacity(100_000))
    }
    fn note(&mut self) -> ControlFlow<()> {
        self.0.push(heap_allocations());
        ControlFlow::Continue(())
    }
    #[track_caller]
    fn assert_flat(&self, what: &str, at_least: usize) {
        assert!(
            self.0.len() >= at_least,
            "{what}: only {} reports",
            self.0.len()
        );
        let (first, last) = (self.0[0], *self.0.last().unwrap());
        assert_eq!(
            last - first,
            0,
            "{what}: {} heap allocations over {} iterations",
            last - first,
            self.0.len()
        );
    }
}

mod linear {
    use super::Record;
    use rvf::prelude::*;
    use rvf_algorithms::linear::{
        cg_in, fgmres_in, gmres_in, lsqr_in, pbicgstab_in, pcg_in, pgmres_in, pipelined_cg_in,
        pipelined_pcg_in, pminres_in, CgParams, Chebyshev, ConvectionDiffusion2d, GmresParams,
        Jacobi, KrylovParams, LsqrParams, Poisson2d,
    };

    #[test]
    fn cg_iterations_make_no_heap_allocation() {
        let n = 48;
        let a = Poisson2d::<f64>::new(n, n);
        let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 7) as f64).collect();
        let m = Jacobi::from_operator(&a).unwrap();
        let arena = MemoryArena::new(0);
        let params = CgParams {
            rel_tol: 1e-10,
            record_history: true,
            ..Default::default()
        };
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        let r = cg_in(&a, &b, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("cg", 20);
        assert_eq!(r.history.len(), r.iterations + 1);
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pcg_in(&a, &m, &b, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("pcg", 20);
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pipelined_cg_in(&a, &b, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("pipelined_cg", 20);
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pipelined_pcg_in(&a, &m, &b, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("pipelined_pcg", 20);
    }

    #[test]
    fn gmres_bicgstab_and_minres_iterations_make_no_heap_allocation() {
        let n = 40;
        let cd = ConvectionDiffusion2d::<f64>::new(n, n, (40.0, 15.0));
        let spd = Poisson2d::<f64>::new(n, n);
        let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 7) as f64).collect();
        let m = Jacobi::from_operator(&cd).unwrap();
        let arena = MemoryArena::new(0);
        let gm = GmresParams {
            rel_tol: 1e-10,
            restart: 20,
            ..Default::default()
        };
        for (name, run) in [("gmres", 0), ("pgmres", 1), ("fgmres", 2)] {
            let mut x = vec![0.0; n * n];
            let mut record = Record::new();
            match run {
                0 => gmres_in(&cd, &b, &mut x, &gm, &arena, |_| record.note()),
                1 => pgmres_in(&cd, &m, &b, &mut x, &gm, &arena, |_| record.note()),
                _ => fgmres_in(&cd, &m, &b, &mut x, &gm, &arena, |_| record.note()),
            }
            .unwrap();
            // Several restart cycles, each forming the solution and the true residual.
            record.assert_flat(name, 3 * 20);
        }
        let kp = KrylovParams {
            rel_tol: 1e-10,
            ..Default::default()
        };
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pbicgstab_in(&cd, &m, &b, &mut x, &kp, &arena, |_| record.note()).unwrap();
        record.assert_flat("pbicgstab", 20);
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        let jm = Jacobi::from_operator(&spd).unwrap();
        pminres_in(&spd, &jm, &b, &mut x, &kp, &arena, |_| record.note()).unwrap();
        record.assert_flat("pminres", 20);
        // LSQR on a square non-symmetric system: A·v and Aᵀ·u every iteration.
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        let lp = LsqrParams {
            rel_tol: 1e-6,
            ..Default::default()
        };
        lsqr_in(&cd, &b, &mut x, &lp, &arena, |_| record.note()).unwrap();
        record.assert_flat("lsqr", 20);
        // The Chebyshev preconditioner's scratch is its own arena, sized by the first
        // application.
        let bounds = Chebyshev::estimate_bounds(&spd, &b, 10).unwrap();
        let cheb = Chebyshev::new(&spd, bounds, 4).unwrap();
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pcg_in(&spd, &cheb, &b, &mut x, &kp, &arena, |_| record.note()).unwrap();
        record.assert_flat("CG + Chebyshev", 10);
    }
}

#[cfg(feature = "sparse")]
mod csr_preconditioners {
    use super::Record;
    use rvf::prelude::*;
    use rvf_algorithms::linear::{
        convection_diffusion_2d_csr, pcg_in, pgmres_in, poisson_2d_csr, CgParams, GmresParams, Ic0,
        Ilu0, Ssor,
    };

    #[test]
    fn ilu0_ic0_and_ssor_applications_make_no_heap_allocation() {
        let n = 40;
        let arena = MemoryArena::new(0);
        let b: Vec<f64> = (0..n * n).map(|k| 1.0 + (k % 7) as f64).collect();
        let cd = convection_diffusion_2d_csr::<f64>(n, n, (40.0, 15.0));
        let ilu = Ilu0::new(&cd).unwrap();
        let params = GmresParams {
            rel_tol: 1e-12,
            restart: 10,
            ..Default::default()
        };
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pgmres_in(&cd, &ilu, &b, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("GMRES + ILU(0)", 15);
        let spd = poisson_2d_csr::<f64>(n, n);
        let params = CgParams {
            rel_tol: 1e-12,
            ..Default::default()
        };
        let ic = Ic0::new(&spd).unwrap();
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pcg_in(&spd, &ic, &b, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("CG + IC(0)", 15);
        let ssor = Ssor::new(&spd, 1.5).unwrap();
        let mut x = vec![0.0; n * n];
        let mut record = Record::new();
        pcg_in(&spd, &ssor, &b, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("CG + SSOR", 15);
    }
}

mod integrators {
    use super::Record;
    use rvf::prelude::*;
    use rvf_algorithms::linear::Poisson1d;
    use rvf_algorithms::ode::{
        dopri5_in, explicit_euler_in, linear_implicit_in, rk4_in, velocity_verlet_in, Dopri5Params,
        FixedStepParams, FnSecondOrder, FnSystem, ImplicitParams, ImplicitScheme,
    };
    use std::ops::ControlFlow;

    fn system() -> FnSystem<impl Fn(f64, &[f64], &mut [f64])> {
        FnSystem::new(64, |_t: f64, y: &[f64], dy: &mut [f64]| {
            for i in 0..y.len() {
                dy[i] = -y[i] + y[(i + 1) % y.len()] * 0.5;
            }
        })
    }

    #[test]
    fn fixed_step_integrators_allocate_nothing_per_step() {
        let arena = MemoryArena::new(0);
        let params = FixedStepParams {
            dt: 1e-3,
            ..Default::default()
        };
        let mut y = vec![1.0; 64];
        let mut record = Record::new();
        rk4_in(&system(), (0.0, 1.0), &mut y, &params, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("rk4", 1000);
        let mut record = Record::new();
        explicit_euler_in(&system(), (0.0, 1.0), &mut y, &params, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("explicit_euler", 1000);

        let spring = FnSecondOrder::new(64, |_t: f64, x: &[f64], a: &mut [f64]| {
            for (ai, xi) in a.iter_mut().zip(x) {
                *ai = -xi;
            }
        });
        let (mut x, mut v) = (vec![1.0; 64], vec![0.0; 64]);
        let mut record = Record::new();
        velocity_verlet_in(&spring, (0.0, 1.0), &mut x, &mut v, &params, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("velocity_verlet", 1000);

        let a = Poisson1d::<f64>::new(64);
        let mut u = vec![1.0; 64];
        let implicit = ImplicitParams {
            scheme: ImplicitScheme::CrankNicolson,
            dt: 1e-3,
            linear_rel_tol: 1e-10,
            ..Default::default()
        };
        let g = |t: f64, g: &mut [f64]| g.iter_mut().for_each(|gi| *gi = t.sin());
        let mut record = Record::new();
        linear_implicit_in(&a, Some(&g), (0.0, 0.05), &mut u, &implicit, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("linear_implicit", 50);
    }

    #[test]
    fn dopri5_allocates_nothing_per_step() {
        let arena = MemoryArena::new(0);
        let mut y = vec![1.0; 64];
        let params = Dopri5Params {
            rel_tol: 1e-9,
            ..Default::default()
        };
        let mut record = Record::new();
        dopri5_in(&system(), (0.0, 10.0), &mut y, &params, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("dopri5", 50);
        // With dense output, sampled at 1000 times.
        let dense = Dopri5Params {
            dense_output: true,
            ..params
        };
        let times: Vec<f64> = (0..1000).map(|k| k as f64 * 0.01).collect();
        let mut buffer = vec![0.0; 64];
        let mut y = vec![1.0; 64];
        let mut record = Record::new();
        let mut sampler =
            rvf_algorithms::ode::sample_at(&times, &mut buffer, |_, _| ControlFlow::Continue(()));
        dopri5_in(&system(), (0.0, 10.0), &mut y, &dense, &arena, |p| {
            sampler(p)?;
            record.note()
        })
        .unwrap();
        record.assert_flat("dopri5 with dense output", 50);
    }

    #[test]
    fn dop853_allocates_nothing_per_step() {
        use rvf_algorithms::ode::{dop853_in, Dop853Params};
        let arena = MemoryArena::new(0);
        for dense_output in [false, true] {
            let params = Dop853Params {
                rel_tol: 1e-12,
                abs_tol: 1e-14,
                dense_output,
                ..Default::default()
            };
            let times: Vec<f64> = (0..1000).map(|k| k as f64 * 0.1).collect();
            let mut buffer = vec![0.0; 64];
            let mut y = vec![1.0; 64];
            let mut record = Record::new();
            let mut sampler = rvf_algorithms::ode::sample_at(&times, &mut buffer, |_, _| {
                ControlFlow::Continue(())
            });
            dop853_in(&system(), (0.0, 100.0), &mut y, &params, &arena, |p| {
                if dense_output {
                    sampler(p)?;
                }
                record.note()
            })
            .unwrap();
            record.assert_flat("dop853", 50);
        }
    }

    /// BDF steps, Newton iterations, Jacobian updates (analytic and differenced) and LU
    /// factorisations allocate nothing once set up.
    #[cfg(feature = "faer")]
    #[test]
    fn bdf_allocates_nothing_per_step() {
        use rvf_algorithms::ode::{bdf_in, BdfParams, Robertson, VanDerPol};
        let arena = MemoryArena::new(0);
        let params = BdfParams::default();
        let mut record = Record::new();
        let mut y = Robertson::initial_state::<f64>().to_vec();
        let r = bdf_in(&Robertson, (0.0, 1e5), &mut y, &params, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("bdf (analytic Jacobian)", 100);
        assert!(r.lu_decompositions > 10 && r.jacobian_evaluations > 2);
        // The same problem through a closure: the Jacobian is differenced.
        let vdp = VanDerPol { mu: 1000.0 };
        let differenced = FnSystem::new(2, |t: f64, y: &[f64], dy: &mut [f64]| {
            rvf_algorithms::ode::OdeSystem::rhs(&vdp, t, y, dy)
        });
        let mut y = VanDerPol::<f64>::initial_state().to_vec();
        let mut record = Record::new();
        let r = bdf_in(&differenced, (0.0, 2.0), &mut y, &params, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("bdf (differenced Jacobian)", 100);
        assert!(r.jacobian_evaluations > 2, "{}", r.jacobian_evaluations);
        // Matrix-free Newton–Krylov: GMRES in its own arena, set up once.
        let matrix_free = BdfParams {
            linear_solver: rvf_algorithms::ode::NewtonLinearSolver::gmres(),
            ..params
        };
        let b = rvf_algorithms::ode::Brusselator { n: 20 };
        let mut y = b.initial_state::<f64>();
        let mut record = Record::new();
        let r = bdf_in(&b, (0.0, 10.0), &mut y, &matrix_free, &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("bdf (matrix-free)", 100);
        assert!(r.linear_iterations > 100, "{}", r.linear_iterations);
        // The sparse Jacobian with ILU(0)-preconditioned GMRES.
        let sparse = BdfParams {
            linear_solver: rvf_algorithms::ode::NewtonLinearSolver::sparse_ilu0(),
            ..params
        };
        let mut y = b.initial_state::<f64>();
        let mut record = Record::new();
        let r = bdf_in(&b, (0.0, 10.0), &mut y, &sparse, &arena, |_| record.note()).unwrap();
        record.assert_flat("bdf (sparse ILU(0))", 100);
        assert!(r.linear_iterations > 100, "{}", r.linear_iterations);
    }

    /// Rodas4 steps (a Jacobian, ∂f/∂t and an LU per step), with dense output, allocate
    /// nothing once set up.
    #[cfg(feature = "faer")]
    #[test]
    fn rodas4_allocates_nothing_per_step() {
        use rvf_algorithms::ode::{rodas4_in, Hires, Rodas4Params};
        let arena = MemoryArena::new(0);
        let params = Rodas4Params {
            dense_output: true,
            ..Default::default()
        };
        let mut out = vec![0.0; 8];
        let mut record = Record::new();
        let mut y = Hires::initial_state::<f64>().to_vec();
        let r = rodas4_in(&Hires, (0.0, Hires::END), &mut y, &params, &arena, |p| {
            p.interpolate(p.t - 0.5 * p.h, &mut out).unwrap();
            record.note()
        })
        .unwrap();
        record.assert_flat("rodas4", 100);
        assert!(r.lu_decompositions > 100);
    }
}

mod optimizers {
    use super::Record;
    use rvf::prelude::*;
    use rvf_algorithms::optimize::{
        lbfgs_in, projected_gradient_in, trust_region_in, trust_region_preconditioned_in,
        LbfgsParams, ProjectedGradientParams, Rosenbrock, TrustRegionParams, Zakharov,
    };

    #[test]
    fn optimiser_iterations_make_no_heap_allocation() {
        let arena = MemoryArena::new(0);
        let f = Rosenbrock { n: 50 };
        let mut x = f.start::<f64>();
        let mut record = Record::new();
        trust_region_in(&f, &mut x, &TrustRegionParams::default(), &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("trust region", 20);

        let z = Zakharov { n: 50 };
        let mut x = z.start::<f64>();
        let mut record = Record::new();
        let params = TrustRegionParams::default();
        trust_region_preconditioned_in(&z, &mut x, &params, &arena, |_| record.note()).unwrap();
        record.assert_flat("preconditioned trust region", 5);

        let mut x = f.start::<f64>();
        let mut record = Record::new();
        lbfgs_in(&f, &mut x, &LbfgsParams::default(), &arena, |_| {
            record.note()
        })
        .unwrap();
        record.assert_flat("L-BFGS", 20);

        let mut x = f.start::<f64>();
        let (lo, hi) = (vec![-2.0; 50], vec![2.0; 50]);
        let mut record = Record::new();
        let params = ProjectedGradientParams {
            max_iter: 200,
            ..Default::default()
        };
        let _ = projected_gradient_in(&f, &mut x, &lo, &hi, &params, &arena, |_| record.note());
        record.assert_flat("projected gradient", 100);
    }
}
