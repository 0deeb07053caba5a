"""The NumPy reference of bench/gmm.bench.ts: one Algorithm-1 iteration of the paper's Gaussian-mixture experiment
(004 §4.1, App. B.1: d = 50, N = n = 10^4, h = 0.1, float64), written as a clean vectorized implementation:
weighted model gradient + data gradient (11), SGD step (10) with the paper's rates (gamma_z = 0.125,
gamma_ab = 0.2 gamma_z), ULA step (5) and the Jarzynski weight update (6) in the fused form
A += U_k(x) - U_k+1(x') - (h/4)|s|^2 + sqrt(h/2) xi.s with s = grad U_k(x) + grad U_k+1(x'),
ESS (13), systematic resampling (A.4) when CV^2 = 1/ESS - 1 > 0.05 (§4.1's 1/c = 1.05).

Walkers keep U and grad U cached, as the TypeScript engines do, so each iteration evaluates the model once at the
walkers and once at the data. Prints one JSON line: the mean ms per iteration over the timed iterations (resampling
iterations included at their share), the fraction that resampled, the numpy version and p = 1/(1 + e^{-z}) (the
mass of mode a; 0.25 for the teacher) as a sanity check that it trains.

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
q_star = 1 / (1 + np.exp(z_star))  # weight of the b mode: e^{-z*} / (1 + e^{-z*})
in_b = rng.random(n) < q_star
data = rng.standard_normal((n, d)) + np.where(in_b[:, None], b_star, a_star)

a = np.zeros(d); a[0] = -0.1; a[1:] = 0.01 * rng.standard_normal(d - 1)
b = np.zeros(d); b[0] = 0.1; b[1:] = 0.01 * rng.standard_normal(d - 1)
z = 0.0


def posterior(x, a, b, z):
    """x - a, x - b, U and w_b = P(mode b | x) of 004 (15): U = -log(e^{-|x-a|^2/2} + e^{-|x-b|^2/2 - z})."""
    da = x - a
    db = x - b
    ea = 0.5 * np.einsum("ij,ij->i", da, da)
    eb = 0.5 * np.einsum("ij,ij->i", db, db) + z
    diff = ea - eb
    u = np.minimum(ea, eb) - np.log1p(np.exp(-np.abs(diff)))
    wb = 0.5 * (1 + np.tanh(0.5 * diff))  # sigmoid(ea - eb) without overflow
    return da, db, u, wb


def walker_state(x, a, b, z):
    """U, grad U and w_b at the walkers."""
    da, db, u, wb = posterior(x, a, b, z)
    g = da + wb[:, None] * (a - b)  # w_a (x - a) + w_b (x - b)
    return u, g, wb


# walkers from rho_theta0 (a_0 and b_0 nearly equal: each walker from one of the two unit Gaussians)
x = rng.standard_normal((N, d)) + np.where((rng.random(N) < 0.5)[:, None], b, a)
u, g, wb = walker_state(x, a, b, z)
A = np.zeros(N)


def iteration():
    """One Algorithm-1 iteration; returns whether it resampled."""
    global x, u, g, wb, A, a, b, z
    p = np.exp(A - A.max())
    p /= p.sum()
    # (11): weighted model average minus data average of dU/dtheta (dU/da = -w_a (x - a), dU/db = -w_b (x - b), dU/dz = w_b)
    pb = p * wb
    pa = p - pb
    ga = -(pa @ x - pa.sum() * a)
    gb = -(pb @ x - pb.sum() * b)
    gz = pb.sum()
    _, _, u_data, wb_d = posterior(data, a, b, z)
    wa_d = 1 - wb_d
    ga_d = -(wa_d @ data - wa_d.sum() * a) / n
    gb_d = -(wb_d @ data - wb_d.sum() * b) / n
    gz_d = wb_d.mean()
    _ = u_data.mean()  # the data part of the cross-entropy (12), as the trainer reports it
    # (10): gradient descent on the cross-entropy, whose gradient is data average - model average;
    # the ULA move below uses the gradient cached at theta_k
    a = a + gamma_ab * (ga - ga_d)
    b = b + gamma_ab * (gb - gb_d)
    z = z + gamma_z * (gz - gz_d)
    # (5)-(6): ULA under theta_k, the fused Jarzynski increment with U, grad U at theta_{k+1}
    xi = rng.standard_normal((N, d))
    x_new = x - h * g + np.sqrt(2 * h) * xi
    u1, g1, wb1 = walker_state(x_new, a, b, z)
    s = g + g1
    A = A + u - u1 - 0.25 * h * np.einsum("ij,ij->i", s, s) + np.sqrt(0.5 * h) * np.einsum("ij,ij->i", xi, s)
    x, u, g, wb = x_new, u1, g1, wb1
    # (13) and systematic resampling on CV^2 > 0.05
    w = np.exp(A - A.max())
    ess = w.mean() ** 2 / (w * w).mean()
    if 1 / ess - 1 > 0.05:
        c = np.cumsum(w / w.sum())
        idx = np.minimum(np.searchsorted(c, (rng.random() + np.arange(N)) / N), N - 1)
        x, u, g, wb = x[idx], u[idx], g[idx], wb[idx]
        A = np.zeros(N)
        return True
    return False


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    for _ in range(warmup):
        iteration()
    resampled = 0
    t0 = time.perf_counter()
    for _ in range(iterations):
        resampled += iteration()
    ms = (time.perf_counter() - t0) * 1000 / iterations
    print(json.dumps({"numpy": np.__version__, "msPerIteration": ms, "iterations": iterations,
                      "resampledFraction": resampled / iterations, "p": float(1 / (1 + np.exp(-z)))}))


if __name__ == "__main__":
    main()
