/**
 * Every calibrated statistical test of the suite and its false-failure probability α (TESTING.md: ≤ 1e-6 per test,
 * ≤ 1e-4 for the suite; spec/_support/alpha-registry.spec.ts checks the sum). A test looks its α up by name, so a test
 * cannot run unregistered. Negative controls are listed too: for them α is the probability that the control passes
 * by chance (a false alarm of "the test cannot detect the wrong variant").
 *
 * Keep entries grouped by spec file.
 */
export const ALPHA: Readonly<Record<string, number>> = {
  // spec/_support/stat.spec.ts
  'stat: DKW accepts exact normal draws': 1e-6,
  // spec/stats/distributions.spec.ts
  'stats KS: two samples from one law are within the two DKW bands': 1e-6,
  'stats KS negative control: a 0.2σ shift leaves the two DKW bands': 1e-6,
  // spec/stats/chains.spec.ts
  'stats chains: AR(1) τ̂ of one chain at a fixed window lies in its exact quadratic-form band': 1e-6,
  'stats chains negative control: the same τ̂ rejects the wrong closed form 1/(1 − φ)': 1e-6,
  'stats chains: AR(1) τ̂ of one chain with the automatic window lies in the exact band of the window it chose': 1e-6,
  'stats chains: AR(1) τ̂ of 32 pooled chains at a fixed window lies in its exact quadratic-form band': 1e-6,
  'stats chains negative control: 32 chains around different means are flagged (τ̂ far above τ)': 1e-6,
  'stats chains: batch-means SE² of an AR(1) chain has the χ²_{a−1} law around V_b/a': 1e-6,
  'stats chains negative control: the iid standard error fails the batch-means χ² test': 1e-6,
  // spec/stats/quadrature.spec.ts
  'stats MC: the variance of 2000 independent estimates is D f/n (χ² bound)': 1e-6,
  'stats MC negative control: reusing each draw twice doubles the variance and is rejected': 1e-6,
  'stats MC: the RMS error over repetitions falls as n^{−1/2} (slope bound from χ²_R)': 1e-6,
  'stats MC negative control: √n-fold reused draws give slope −1/4 and are rejected': 1e-6,
  // spec/samplers/metropolis-hastings.spec.ts
  'finite MH: one-step transition counts match P': 1e-6,
  'finite MH negative control: the counts reject the kernel without the Hastings ratio': 1e-6,
  "MH random walk: 3 steps from exact Gaussian draws keep three projections' laws": 1e-6,
  "MH independence: 3 steps from exact Gaussian draws keep three projections' laws": 1e-6,
  'MH independence negative control: without the Hastings ratio the first projection leaves the DKW band': 1e-6,
  "MH random walk: the two-mode mixture's side count after 5 steps from exact draws is Binomial(n, p)": 1e-6,
  // spec/samplers/hmc.spec.ts
  "HMC: 3 steps at a large step from exact Gaussian draws keep three projections' laws": 1e-6,
  'HMC negative control: without the Metropolis correction the same test rejects': 1e-6,
  "HMC with a dense mass matrix: 2 steps from exact Gaussian draws keep three projections' laws": 1e-6,
  "HMC: the two-mode mixture's side count after 3 steps from exact draws is Binomial(n, p)": 1e-6,
  // spec/samplers/ula.spec.ts
  'ULA: 25 steps from exact Gaussian draws have the biased law of 001 (4.14) in two projections': 1e-6,
  'ULA negative control: the same draws reject the target N(μ, Σ) in two projections': 1e-6,
  // spec/samplers/mala.spec.ts
  "MALA: 3 steps from exact 2-D Gaussian draws keep two projections' laws": 1e-6,
  'MALA: 3 steps from exact 1-D Gaussian draws keep the law': 1e-6,
  'MALA negative control: with 001 (4.21) as written in the ratio the same test rejects': 1e-6,
  "MALA: the two-mode mixture's side count after 5 steps from exact draws is Binomial(n, p)": 1e-6,
  // spec/samplers/langevin-variants.spec.ts
  '000 (37) at ε = 0.1 from exact draws of P: the law is N(0, s²/2) ∝ e^{−2U} (DKW)': 1e-6,
  '000 (37) negative control: the same draws leave the DKW band of P = N(0, s²) that 000 (38) claims': 1e-6,
  // spec/samplers/euler-maruyama.spec.ts
  'EM: OU with per-coordinate noise after 4 steps of dt = 0.5 has the exact law of the scheme in both coordinates': 1e-6,
  'EM negative control: at dt = 0.5 the same draws reject the exact OU law of the SDE (coordinate 0)': 1e-6,
  // spec/energies/gaussian.spec.ts (through spec/_contracts/energy.contract.ts)
  'gaussian(d=1): sample mean and covariance': 1e-6,
  'gaussian(d=1): negative control, covariance ×1.21 rejected': 1e-6,
  'gaussian(d=2, full cov): sample mean and covariance': 1e-6,
  'gaussian(d=2, full cov): negative control, covariance ×1.21 rejected': 1e-6,
  'gaussian(d=4): sample mean and covariance': 1e-6,
  'gaussian(d=4): negative control, covariance ×1.21 rejected': 1e-6,
  // spec/energies/two-mode-mixture.spec.ts (the first six through spec/_contracts/energy.contract.ts)
  'twoModeMixture(d=1): sample mean and covariance': 1e-6,
  'twoModeMixture(d=1): negative control, covariance ×1.21 rejected': 1e-6,
  'twoModeMixture(d=2): sample mean and covariance': 1e-6,
  'twoModeMixture(d=2): negative control, covariance ×1.21 rejected': 1e-6,
  'twoModeMixture(d=5): sample mean and covariance': 1e-6,
  'twoModeMixture(d=5): negative control, covariance ×1.21 rejected': 1e-6,
  'two-mode sampler: mode-b count is Binomial(N, q)': 1e-6,
  'two-mode sampler negative control: swapped mode weights rejected': 1e-6,
  'two-mode sampler: DKW against the mixture CDF': 1e-6,
  'two-mode sampler negative control: shifted modes rejected by DKW': 1e-6,
  // spec/energies/mixture.spec.ts (through spec/_contracts/energy.contract.ts)
  'mixture(K=2, d=1), 001 (2.4) example: sample mean and covariance': 1e-6,
  'mixture(K=2, d=1), 001 (2.4) example: negative control, covariance ×1.21 rejected': 1e-6,
  'mixture(K=3, d=2): sample mean and covariance': 1e-6,
  'mixture(K=3, d=2): negative control, covariance ×1.21 rejected': 1e-6,
  'mixture(K=3, d=3): sample mean and covariance': 1e-6,
  'mixture(K=3, d=3): negative control, covariance ×1.21 rejected': 1e-6,
  'mixture (2.4) sampler: count above 2.5 is Binomial(N, P(x > 2.5))': 1e-6,
  'mixture (2.4) sampler negative control: modes drawn with p rejected': 1e-6,
  // spec/energies/rosenbrock.spec.ts (through spec/_contracts/energy.contract.ts)
  'rosenbrock: sample mean and covariance': 1e-6,
  'rosenbrock: negative control, covariance ×1.21 rejected': 1e-6,
  // spec/rng/uniform.spec.ts
  'rng uniform: uniform and uniformOpen by DKW': 1e-6,
  'rng uniform: negative control, modulo-reduced doubles': 1e-6,
  'rng uniformInt: per-value counts for m = 3, 7': 1e-6,
  'rng uniformInt: negative control, off-by-one': 1e-6,
  'rng uniformInt: jittered DKW for m = 2^21 + 3, 2^40 + 5': 1e-6,
  'rng uniformInt: negative control, modulo bias': 1e-6,
  // spec/rng/normal.spec.ts
  'rng normal: normal and normals by DKW': 1e-6,
  'rng normal: negative control, Box–Muller without the factor 2': 1e-6,
  'rng normal: tail mass beyond R': 1e-6,
  'rng normal: negative control, tail clipped at R': 1e-6,
  'rng normal: tail law beyond R by DKW': 1e-6,
  'rng normal: negative control, tail without the acceptance step': 1e-6,
  // spec/rng/categorical.spec.ts
  'rng categorical: counts per category': 1e-6,
  'rng categorical: negative control, wrong donation in the alias table': 1e-6,
  // spec/rng/independence.spec.ts
  'rng independence: first draws of neighbouring derived streams': 1e-6,
  'rng independence: negative control, unencrypted derivation': 1e-6,
  'rng independence: pairwise correlation of derived streams': 1e-6,
  'rng independence: negative control, reused key': 1e-6,
  // spec/smc/resampling.spec.ts
  'smc resampling: E[count] = M p for multinomial': 1e-6,
  'smc resampling: E[count] = M p for stratified': 1e-6,
  'smc resampling: E[count] = M p for systematic': 1e-6,
  'smc resampling: E[count] = M p for residual': 1e-6,
  'smc resampling: off-by-one systematic rejected (negative control)': 1e-6,
  // spec/smc/jarzynski.spec.ts
  'smc jarzynski: E[e^A] and weighted dU/dz on the two-mode mixture': 1e-6,
  'smc jarzynski: unweighted dU/dz misses E_theta[dU/dz] on the two-mode mixture (negative control)': 1e-6,
  'smc jarzynski: E[e^A] and weighted dU/ds on a Gaussian path': 1e-6,
  'smc jarzynski: unweighted dU/ds misses E_theta[dU/ds] on a Gaussian path (negative control)': 1e-6,
  // spec/training/trainer.spec.ts
  'training: log Z tracks the analytic log Z along a recorded Alg. 1 path': 1e-7,
  'training: log Z tracks the analytic log Z along a recorded Alg. 1 path on the two-mode mixture': 1e-7,
  // spec/experiments/quickstart.spec.ts
  "quickstart: MALA's side fraction from exact draws matches P(x₁ > 0)": 1e-7,
  // spec/experiments/gmm-1d.spec.ts (derived failure probability ≤ 5e-14, registered at the suite's 1e-7)
  "gmm-1d: in a short run PCD's z stays within 2T e^{−19} of z(0) and the unweighted z follows (50) within 2T e^{−18}": 1e-7,
  // spec/training/adaptive-protocol.spec.ts
  'training adaptive protocol: with θ fixed the unnormalized mode masses are p and q': 1e-7,
  'training adaptive protocol: learning the means from the walkers biases the mode masses': 1e-7,
  // === spec/flows (new entries go right below this line; α = 1e-7 each) ===
  // spec/flows/cnf.spec.ts
  'cnf FFJORD: the mean of single-probe log-density estimates is within z·SE of the exact-trace value': 1e-7,
  'cnf FFJORD negative control: probes with covariance I/3 (uniform on [−1, 1]) are rejected': 1e-7,
  // spec/flows/compose.spec.ts
  'flows compose: pushforward samples of a monotone 1-D flow follow Φ(f⁻¹(y)) (DKW)': 1e-7,
  'flows compose negative control: the same draws reject the law of f⁻¹(Z) (DKW)': 1e-7,
  // spec/linalg/hutchinson.spec.ts (owned by the continuous-flows module)
  'hutchinson: the estimate over random probes is within z·SE of tr(A) (Rademacher and Gaussian)': 1e-7,
  'hutchinson negative control: probes with cov = 1.21·I (bias 0.21·tr A) are rejected': 1e-7,
  // === spec/latent (new entries go right below this line; α = 1e-7 each) ===
  // spec/latent/vae.spec.ts
  'latent VAE: the mean of 20000 independent (3.16) estimates (R = 1) is the exact ELBO': 1e-7,
  'latent VAE negative control: the variance in place of the std in (3.15) is rejected': 1e-7,
  // spec/latent/gan.spec.ts
  'latent GAN: minibatch gradients of Prop. 3.1 average to the population gradients (5 components)': 1e-7,
  'latent GAN negative control: fake-term gradients taken at the data instead of G(z) are rejected': 1e-7,
  // === spec/physics (Ising, Hopfield, Boltzmann, max-ent) (new entries go right below this line; α = 1e-7 each) ===
  // spec/physics/boltzmann-machine.spec.ts
  'boltzmann CD-1: the estimate equals its exact expectation μ₀P (z·SE per component, Bonferroni over θ)': 1e-7,
  'boltzmann CD-1 negative control: the same estimate rejects the exact gradient (6.1) (CD bias)': 1e-7,
  'boltzmann PCD: chains at fixed θ after 40 sweeps from the data give the exact gradient (6.1) within z·SE': 1e-7,
  // spec/physics/hopfield.spec.ts
  'hopfield corruptPattern: each neuron is flipped with probability d/n (exact binomial, Bonferroni over n)': 1e-7,
  // spec/physics/ising-samplers.spec.ts
  'ising sweep (heat-bath): 3 sweeps from all-up, state counts match μ₀P³ (exact binomial per state)': 1e-7,
  'ising sweep (metropolis): 3 sweeps from all-up, state counts match μ₀P³ (exact binomial per state)': 1e-7,
  'ising sweep negative control: the counts reject the kernel at the wrong temperature 2β': 1e-7,
  'ising random scan (metropolis): 10 updates from all-up, state counts match μ₀Q¹⁰ (exact binomial per state)': 1e-7,
  'ising sweep (heat-bath): one sweep from exact Boltzmann draws keeps the marginal of x₀ and the law of x₀x₁': 1e-7,
  'ising sweep (metropolis): one sweep from exact Boltzmann draws keeps the marginal of x₀ and the law of x₀x₁': 1e-7,
  'ising sweep negative control: a sweep at 2β from exact draws moves the marginal of x₀': 1e-7,
  // === spec/physics (Fokker–Planck) (new entries go right below this line; α = 1e-7 each) ===
  // spec/physics/fokker-planck-em.spec.ts
  'fokker-planck: OU particles by Euler–Maruyama match the FP solution at T (DKW)': 1e-7,
  "fokker-planck negative control: EM with √dt noise for √(2dt) leaves the FP solution's band": 1e-7,
  "fokker-planck: 003's Langevin SDE from exact draws of p keeps p at T: particles match the FP path (DKW)": 1e-7,
  'fokker-planck negative control: without the ½ (−∇U dt + dW) the particles leave the FP path of p': 1e-7,
  // === spec/score (new entries go right below this line; α = 1e-7 each) ===
  // spec/score/objectives.spec.ts
  'score hutchinson: ISM with Rademacher probes is unbiased (exact variance)': 1e-7,
  'score hutchinson: ISM with Gaussian probes is unbiased (exact variance)': 1e-7,
  'score hutchinson: probes with E[vvᵀ] = 1.44 I are rejected (negative control)': 1e-7,
  'score sliced: SSM with Gaussian projections equals ISM in expectation': 1e-7,
  'score sliced: SSM without the ½ on (vᵀs)² is rejected (negative control)': 1e-7,
  // === spec/diffusion (new entries go right below this line; α = 1e-7 each) ===
  "interpolant SDE model with exact b, s: 1-D mixture samples follow the chain's exact law (DKW), itself within 0.0025 of the data law": 1e-7,
  "annealed Langevin with exact scores: the count left of 0 is Binomial(n, p) with p the chain's exact law": 1e-7,
  'annealed Langevin negative control: plain Langevin at σ_L from the same start fails the same binomial test': 1e-7,
  "reverse VP SDE with exact scores: 1-D mixture samples follow the chain's exact law (DKW), itself within 0.001 of the data law": 1e-7,
  'DDPM exact ε: 1-D Gaussian data, samples follow the recursion law and the data law (DKW)': 1e-7,
  "DDPM exact ε: 1-D two-mode mixture, samples follow the chain's exact law (DKW), itself within 0.0025 of the data law": 1e-7,
  'DDPM negative control: the sign-flipped score ↔ ε relation is rejected (DKW)': 1e-7,
  // === spec/tfjs (new entries go right below this line; α = 1e-7 each) ===
  // spec/experiments/diffusion-2d.spec.ts
  'diffusion-2d toy: the inner-ring count of the rings data is Binomial(n, 1/2)': 1e-7,
  'diffusion-2d toy negative control: the same count rejects ring weights 0.35 / 0.65': 1e-7,
  // === spec/basics (EBM basics: MLE gradient, IS estimate of Z) (new entries go right below this line; α = 1e-7 each) ===
  // spec/basics/cross-entropy.spec.ts
  'basics MLE gradient: (2.12) from exact draws of ρ* and ρθ matches the exact gradient (3 components)': 1e-7,
  'basics MLE gradient negative control: data draws in place of model draws (no model term) are rejected': 1e-7,
  // spec/basics/importance.spec.ts
  'basics IS: Ẑ from 1e5 Gaussian-proposal draws is within z·Z·CV/√n of Z (exact CV)': 1e-7,
  'basics IS: the mean of w² from 1e5 draws is within z·se of Z²(1 + CV²)': 1e-7,
  'basics IS negative control: a proposal whose stated density has the wrong scale is rejected': 1e-7,
};
