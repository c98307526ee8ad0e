//! The Krylov solves whose every iterate the reproducibility tests compare: shared by the
//! serial test (`reproducible.rs`) and the MPI test (`mpi.rs`), so both run the same solves.

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::{Par, RealVectorMut};
use rvf_algorithms::linear::{
    bicgstab_in, cg_in, gmres_in, minres_in, pipelined_cg_in, GmresParams, KrylovParams,
    LinearOperator, SolveProgress, SolveReport,
};

/// What a solve did, as bits: the residual after every iteration and the final iterate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub method: &'static str,
    pub iterations: usize,
    pub history: Vec<u64>,
    pub solution: Vec<u64>,
}

/// CG, pipelined CG and MINRES on the symmetric `spd`, GMRES(20) and BiCGSTAB on the
/// non-symmetric `nonsymmetric`, from `x0()` with right-hand side `b`, to a relative residual
/// of 1e-10 or for `stop_after` iterations. `gather` gives all of a vector's elements.
pub fn krylov_runs<A1, A2, V>(
    spd: &A1,
    nonsymmetric: &A2,
    b: &V,
    x0: impl Fn() -> V,
    gather: impl Fn(&V) -> Vec<f64>,
    par: Par,
    stop_after: usize,
) -> Vec<Run>
where
    A1: LinearOperator<f64> + ?Sized,
    A2: LinearOperator<f64> + ?Sized,
    V: RealVectorMut<Scalar = f64> + ArenaClone,
{
    let krylov = KrylovParams {
        rel_tol: 1e-10,
        record_history: true,
        par,
        ..Default::default()
    };
    let gmres_params = GmresParams {
        rel_tol: 1e-10,
        restart: 20,
        record_history: true,
        par,
        ..Default::default()
    };
    let arena = MemoryArena::new(1 << 20);
    let stop = |p: &SolveProgress<f64>| {
        if p.iteration >= stop_after {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let bits = |v: &[f64]| v.iter().map(|e| e.to_bits()).collect::<Vec<u64>>();
    let mut runs = Vec::new();
    let mut record = |method, x: V, report: Result<SolveReport<f64>, _>| {
        let report: SolveReport<f64> = report.unwrap_or_else(|e| panic!("{method}: {e}"));
        runs.push(Run {
            method,
            iterations: report.iterations,
            history: bits(&report.history),
            solution: bits(&gather(&x)),
        })
    };
    let mut x = x0();
    let r = cg_in(spd, b, &mut x, &krylov, &arena, stop);
    record("cg", x, r);
    let mut x = x0();
    let r = pipelined_cg_in(spd, b, &mut x, &krylov, &arena, stop);
    record("pipelined_cg", x, r);
    let mut x = x0();
    let r = minres_in(spd, b, &mut x, &krylov, &arena, stop);
    record("minres", x, r);
    let mut x = x0();
    let r = gmres_in(nonsymmetric, b, &mut x, &gmres_params, &arena, stop);
    record("gmres", x, r);
    let mut x = x0();
    let r = bicgstab_in(nonsymmetric, b, &mut x, &krylov, &arena, stop);
    record("bicgstab", x, r);
    runs
}
