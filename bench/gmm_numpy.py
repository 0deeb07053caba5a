"""The NumPy reference of bench/gmm.bench.ts: one Algorithm-1 iteration of the paper's Gaussian-mixture experiment
(004 §4.1, App. B.1: d = 50, N = n = 10^4, h = 0.1, float64), written as a clean vectorized implementation:
weighted model gradient + data gradient (11), SGD step (10), ULA step and weight update (5)-(6) in the fused form,
ESS (13), systematic resampling when CV^2 > 0.05. Prints one JSON line with the median ms per iteration.

Usage: python3 bench/gmm_numpy.py [iterations] [warmup]
"""
import json
import sys
import time

import numpy as np

d, N, n, h = 50, 10_000, 10_000, 0.1
gamma_z = 0.125
gamma_ab = 0.2 * gamma_z
rng = np.random.default_rng(1)

a_star = np.zeros(d); a_star[0] = -10.0
b_star = np.zeros(d); b_star[0] = 6.0
z_star = -np.log(3.0)
q_star = np.exp(-z_star) / (1 + np.exp(-z_star))
in_b = rng.random(n) < q_star
data = rng.standard_normal((n, d)) + np.where(in_b[:, None], b_star, a_star)

a = np.zeros(d); a[0] = -0.1; a[1:] = 0.01 * rng.standard_normal(d - 1)
b = np.zeros(d); b[0] = 0.1; b[1:] = 0.01 * rng.standard_normal(d - 1)
z = 0.0


def evaluate(x, a, b, z):
    """U, grad U, w_a, w_b, x - a, x - b of 004 (15) for a batch."""
    da = x - a
    db = x - b
    ea = 0.5 * np.einsum("ij,ij->i", da, da)
    eb = 0.5 * np.einsum("ij,ij->i", db, db) + z
    diff = ea - eb
    u = np.minimum(ea, eb) - np.log1p(np.exp(-np.abs(diff)))
    wb = 0.5 * (1 + np.tanh(0.5 * diff))  # sigmoid(ea - eb), overflow-free
    wa = 1 - wb
    g = wa[:, None] * da + wb[:, None] * db
    return u, g, wa, wb, da, db


# walkers from rho_theta0 (a and b nearly equal: one Gaussian with unit covariance is a good start for the bench)
x = rng.standard_normal((N, d)) + np.where((rng.random(N) < 0.5)[:, None], b, a)
u, g, wa, wb, da, db = evaluate(x, a, b, z)
A = np.zeros(N)


def iteration():
    global x, u, g, wa, wb, da, db, A, a, b, z
    p = np.exp(A - A.max())
    p /= p.sum()
    # (11): weighted model average minus data average of dU/dtheta
    ga = -(p * wa) @ da
    gb = -(p * wb) @ db
    gz = p @ wb
    _, _, wa_d, wb_d, da_d, db_d = evaluate(data, a, b, z)
    ga_d = -(wa_d @ da_d) / n
    gb_d = -(wb_d @ db_d) / n
    gz_d = wb_d.mean()
    # (10): SGD on the cross-entropy
    a = a + gamma_ab * (ga - ga_d)
    b = b + gamma_ab * (gb - gb_d)
    z = z + gamma_z * (gz - gz_d)
    # (5)-(6): ULA under theta_k and the fused Jarzynski increment
    xi = rng.standard_normal((N, d))
    x_new = x - h * g + np.sqrt(2 * h) * xi
    u1, g1, wa1, wb1, da1, db1 = evaluate(x_new, a, b, z)
    s = g + g1
    A = A + u - u1 - 0.25 * h * np.einsum("ij,ij->i", s, s) + np.sqrt(0.5 * h) * np.einsum("ij,ij->i", xi, s)
    x, u, g, wa, wb, da, db = x_new, u1, g1, wa1, wb1, da1, db1
    # (13) and systematic resampling on CV^2 > 0.05
    w = np.exp(A - A.max())
    ess = w.mean() ** 2 / (w * w).mean()
    if 1 / ess - 1 > 0.05:
        c = np.cumsum(w / w.sum())
        idx = np.minimum(np.searchsorted(c, (rng.random() + np.arange(N)) / N), N - 1)
        x, u, g, wa, wb, da, db = x[idx], u[idx], g[idx], wa[idx], wb[idx], da[idx], db[idx]
        A = np.zeros(N)


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    for _ in range(warmup):
        iteration()
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        iteration()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({"numpy": np.__version__, "msPerIteration": times[len(times) // 2], "iterations": iterations, "p": float(1 / (1 + np.exp(-z)))}))


if __name__ == "__main__":
    main()
