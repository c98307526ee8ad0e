#!/usr/bin/env python3
"""rvf's BDF (dense and matrix-free) and Rodas4 beside SciPy's solve_ivp BDF and Radau on the
classic stiff problems and the 1-D Brusselator.

Builds the same systems as rvf_algorithms::ode::{Robertson, VanDerPol, Hires}, computes a
tight reference with Radau (rtol 1e-12), runs SciPy's BDF and Radau at the tolerances of
`examples/stiff_comparison.rs`, runs that example, and prints the statistics and the errors
against the reference side by side.

    python3 scripts/compare_scipy_stiff.py        (needs numpy and scipy: pip install scipy)
"""
import subprocess
import sys

import numpy as np
from scipy.integrate import solve_ivp


def robertson(t, y):
    a, b, c = 0.04, 1e4, 3e7
    d0 = -a * y[0] + b * y[1] * y[2]
    d2 = c * y[1] * y[1]
    return [d0, -d0 - d2, d2]


def robertson_jac(t, y):
    a, b, c = 0.04, 1e4, 3e7
    return [[-a, b * y[2], b * y[1]],
            [a, -b * y[2] - 2 * c * y[1], -b * y[1]],
            [0.0, 2 * c * y[1], 0.0]]


MU2 = 1000.0 ** 2


def vdp(t, y):
    return [y[1], MU2 * ((1 - y[0] ** 2) * y[1] - y[0])]


def vdp_jac(t, y):
    return [[0.0, 1.0], [MU2 * (-2 * y[0] * y[1] - 1), MU2 * (1 - y[0] ** 2)]]


def hires(t, y):
    r = 280.0 * y[5] * y[7]
    return [-1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007,
            1.71 * y[0] - 8.75 * y[1],
            -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4],
            8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3],
            -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6],
            -r + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6],
            r - 1.81 * y[6],
            -r + 1.81 * y[6]]


def hires_jac(t, y):
    j = np.zeros((8, 8))
    j[0, :3] = [-1.71, 0.43, 8.32]
    j[1, :2] = [1.71, -8.75]
    j[2, 2:5] = [-10.03, 0.43, 0.035]
    j[3, 1:4] = [8.32, 1.71, -1.12]
    j[4, 4:7] = [-1.745, 0.43, 0.43]
    j[5, 3:7] = [0.69, 1.71, -0.43, 0.69]
    j[6, 6] = -1.81
    j[7, 6] = 1.81
    d6, d8 = 280.0 * y[7], 280.0 * y[5]
    j[5, 5] += -d6
    j[5, 7] = -d8
    j[6, 5], j[6, 7] = d6, d8
    j[7, 5], j[7, 7] = -d6, -d8
    return j


N_BRUSS = 500
ALPHA_BRUSS = (N_BRUSS + 1) ** 2 / 50.0


def brusselator(t, y):
    u, v = y[0::2], y[1::2]
    ue = np.concatenate(([1.0], u, [1.0]))
    ve = np.concatenate(([3.0], v, [3.0]))
    du = 1 + u * u * v - 4 * u + ALPHA_BRUSS * (ue[:-2] - 2 * u + ue[2:])
    dv = 3 * u - u * u * v + ALPHA_BRUSS * (ve[:-2] - 2 * v + ve[2:])
    out = np.empty_like(y)
    out[0::2], out[1::2] = du, dv
    return out


def brusselator_jac(t, y):
    from scipy.sparse import lil_matrix
    m = 2 * N_BRUSS
    j = lil_matrix((m, m))
    for i in range(N_BRUSS):
        u, v = y[2 * i], y[2 * i + 1]
        ru, rv = 2 * i, 2 * i + 1
        j[ru, ru] = 2 * u * v - 4 - 2 * ALPHA_BRUSS
        j[ru, rv] = u * u
        j[rv, ru] = 3 - 2 * u * v
        j[rv, rv] = -u * u - 2 * ALPHA_BRUSS
        if i > 0:
            j[ru, ru - 2] = j[rv, rv - 2] = ALPHA_BRUSS
        if i + 1 < N_BRUSS:
            j[ru, ru + 2] = j[rv, rv + 2] = ALPHA_BRUSS
    return j.tocsc()


X_BRUSS = np.arange(1, N_BRUSS + 1) / (N_BRUSS + 1)
Y0_BRUSS = np.empty(2 * N_BRUSS)
Y0_BRUSS[0::2], Y0_BRUSS[1::2] = 1 + np.sin(2 * np.pi * X_BRUSS), 3.0

# name, system, Jacobian, y0, end time, rtol, atol (the same as examples/stiff_comparison.rs)
PROBLEMS = [
    ("robertson_1e5", robertson, robertson_jac, [1.0, 0.0, 0.0], 1e5, 1e-6, 1e-10),
    ("robertson_1e11", robertson, robertson_jac, [1.0, 0.0, 0.0], 1e11, 1e-6, 1e-10),
    ("vanderpol_1000", vdp, vdp_jac, [2.0, -2.0 / 3.0], 2.0, 1e-6, 1e-6),
    ("hires", hires, hires_jac, [1, 0, 0, 0, 0, 0, 0, 0.0057], 321.8122, 1e-6, 1e-10),
    ("brusselator_500", brusselator, brusselator_jac, Y0_BRUSS, 10.0, 1e-6, 1e-10),
]


def rvf_results():
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--features", "full",
         "--example", "stiff_comparison"],
        check=True, capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 8 and parts[0] in {p[0] for p in PROBLEMS}:
            steps, nfev, njev, nlu, _nli = map(int, parts[2:7])
            state = np.array(list(map(float, parts[7:])))
            results.setdefault(parts[0], []).append((f"rvf {parts[1]}", steps, nfev, njev, nlu, state))
    return results


def main():
    rvf = rvf_results()
    print(f"{'problem':16} {'solver':10} {'steps':>7} {'nfev':>7} {'njev':>6} {'nlu':>6} "
          f"{'nfev+njev':>9} {'max rel. error':>15}")
    for name, fun, jac, y0, t1, rtol, atol in PROBLEMS:
        ref = solve_ivp(fun, (0, t1), y0, method="Radau", jac=jac, rtol=1e-12, atol=1e-20)
        y_ref = ref.y[:, -1]

        def err(y):
            return np.max(np.abs(y - y_ref) / (atol / rtol + np.abs(y_ref)))

        rows = []
        for method in ["BDF", "Radau"]:
            s = solve_ivp(fun, (0, t1), y0, method=method, jac=jac, rtol=rtol, atol=atol)
            rows.append((f"scipy {method}", s.t.size - 1, s.nfev, s.njev, s.nlu, s.y[:, -1]))
        rows.extend(rvf.get(name, []))
        for solver, steps, nfev, njev, nlu, y in rows:
            print(f"{name:16} {solver:10} {steps:7d} {nfev:7d} {njev:6d} {nlu:6d} "
                  f"{nfev + njev:9d} {err(y):15.2e}")
        shown = y_ref if y_ref.size <= 8 else y_ref[:: y_ref.size // 8]
        print(f"{name:16} reference  {' '.join(f'{v:.16e}' for v in shown)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
