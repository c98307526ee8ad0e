#!/usr/bin/env python3
"""Iteration counts of SciPy's Krylov solvers on the problems of
examples/krylov_comparison.rs, beside rvf's (the example's output).

    pip install scipy numpy
    python3 scripts/compare_scipy.py            # builds and runs the rvf example too

Same matrices (built here from the stencils, not read from rvf), same right-hand side,
x0 = 0, relative tolerance 1e-8. SciPy stops on its recursive residual; the true relative
residual of the returned x is printed next to it, so a solver that stopped on a drifted
residual shows as one whose true residual misses the tolerance.
"""
import subprocess
import sys

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla

N = 64
TOL = 1e-8


def rhs(n):
    k = np.arange(n)
    return 1.0 + ((k * 7) % 11) * 0.1


def laplacian_1d(n):
    return sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n)) * (n + 1) ** 2


def poisson_2d(n):
    t, i = laplacian_1d(n), sp.identity(n)
    return (sp.kron(i, t) + sp.kron(t, i)).tocsr()


def convection_diffusion_2d(n, beta):
    # −Δu + β·∇u, central differences, unknowns row by row (k = j·n + i): x along a row.
    d1 = sp.diags([-1.0, 0.0, 1.0], [-1, 0, 1], shape=(n, n)) * (n + 1) / 2.0
    i = sp.identity(n)
    return (poisson_2d(n) + beta[0] * sp.kron(i, d1) + beta[1] * sp.kron(d1, i)).tocsr()


def run(name, solver, a, b, rtol=TOL, **kw):
    count = [0]

    def callback(_):
        count[0] += 1

    kw = dict(kw)
    if solver is spla.gmres:
        kw["callback_type"] = "pr_norm"  # one call per inner iteration
    if solver is not spla.minres:  # SciPy's minres has no atol
        kw["atol"] = 0.0
    x, info = solver(a, b, rtol=rtol, callback=callback, maxiter=100000, **kw)
    true = np.linalg.norm(b - a @ x) / np.linalg.norm(b)
    flag = "" if true <= TOL * 1.0001 else "  (true residual above the tolerance)"
    print(
        f"scipy {name} rtol {rtol:.0e} iterations {count[0]} "
        f"true_relative_residual {true:.3e} info {info}{flag}"
    )
    return true


def run_to_true_tolerance(name, solver, a, b, **kw):
    """SciPy's minres tests ‖r‖ ≤ rtol·(‖A‖·‖x‖ + ‖b‖), looser than ‖r‖ ≤ rtol·‖b‖: lower
    rtol by decades until the true residual meets the tolerance, for equal accuracy."""
    rtol = TOL
    while run(name, solver, a, b, rtol=rtol, **kw) > TOL * 1.0001 and rtol > 1e-16:
        rtol /= 10


def main():
    print(f"SciPy {scipy.__version__}")
    b = rhs(N * N)
    cd = convection_diffusion_2d(N, (40.0, 15.0))
    run("convection_diffusion gmres30", spla.gmres, cd, b, restart=30)
    run("convection_diffusion bicgstab", spla.bicgstab, cd, b)
    p = poisson_2d(N)
    run_to_true_tolerance("poisson minres", spla.minres, p, b)
    lmin = 8 * (N + 1) ** 2 * np.sin(np.pi / (2 * (N + 1))) ** 2
    shifted = (p - 5.5 * lmin * sp.identity(N * N)).tocsr()
    run_to_true_tolerance("shifted_poisson minres", spla.minres, shifted, b)
    if "--no-rvf" not in sys.argv:
        out = subprocess.run(
            ["cargo", "run", "--quiet", "--release", "--features", "full", "--example", "krylov_comparison"],
            capture_output=True, text=True, check=True,
        )
        print(out.stdout, end="")


if __name__ == "__main__":
    main()
