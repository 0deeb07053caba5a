/**
 * Optimizer steps opt(θ, D) of 004 Alg. 1 line 6 / Alg. 2 line 6. D is the paper's empirical direction (11),
 * D_k = Σᵢ pᵢ ∂θU_θk(X_kⁱ) − n⁻¹ Σ_j ∂θU_θk(x*_j) = −∂θ H(ρ_θk, ρ*) estimated: the cross-entropy decreases along +D,
 * so SGD is θ ← θ + γ D (004 (10)) and Adam runs on the gradient g = −D.
 *
 * Learning rates are a number or one rate per parameter (the GMM experiment uses γ_z for z and 0.2 γ_z for a, b);
 * `schedule: 'linear'` decays them linearly to 0 over `iterations` steps (the MNIST runs). State is plain data so a
 * checkpoint can save and restore it exactly.
 */

export interface OptimizerState {
  /** steps taken */
  t: number;
  /** named moment buffers (Adam: m, v) */
  buffers: Record<string, Float64Array>;
}

export interface Optimizer {
  readonly name: string;
  /** θ ← opt(θ, D) in place. */
  step(theta: Float64Array, direction: Float64Array): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

export interface LearningRateOptions {
  /** γ: one rate, or one per parameter */
  readonly lr: number | Float64Array;
  /** 'constant' (default) or 'linear': γ_t = γ (1 − t / iterations) */
  readonly schedule?: 'constant' | 'linear';
  /** the horizon of the linear schedule */
  readonly iterations?: number;
}

function checkRates(name: string, options: LearningRateOptions, p: number): (t: number, j: number) => number {
  const { lr } = options;
  if (typeof lr === 'number') {
    if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`${name}: lr must be a finite number > 0, got ${lr}`);
  } else {
    if (lr.length !== p) throw new RangeError(`${name}: lr must have one rate per parameter (${p}), got ${lr.length}`);
    lr.forEach((v, j) => {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name}: lr[${j}] must be finite and ≥ 0, got ${v}`);
    });
  }
  const schedule = options.schedule ?? 'constant';
  if (schedule !== 'constant' && schedule !== 'linear') throw new RangeError(`${name}: schedule must be 'constant' or 'linear', got ${String(schedule)}`);
  let horizon = Infinity;
  if (schedule === 'linear') {
    const it = options.iterations;
    if (!(Number.isInteger(it) && it! >= 1)) throw new RangeError(`${name}: a linear schedule needs iterations ≥ 1, got ${it}`);
    horizon = it!;
  }
  const rates = typeof lr === 'number' ? null : Float64Array.from(lr);
  const scalar = typeof lr === 'number' ? lr : 0;
  return (t, j) => {
    const base = rates === null ? scalar : rates[j]!;
    return schedule === 'linear' ? base * Math.max(0, 1 - t / horizon) : base;
  };
}

function checkStep(name: string, theta: Float64Array, direction: Float64Array, p: number): void {
  if (theta.length !== p || direction.length !== p) {
    throw new RangeError(`${name}: theta and direction must have length ${p}, got ${theta.length} and ${direction.length}`);
  }
  for (let j = 0; j < p; j++) {
    if (!Number.isFinite(direction[j]!)) throw new RangeError(`${name}: direction[${j}] is ${direction[j]} (non-finite gradient estimate)`);
  }
}

/** Gradient descent on the cross-entropy, 004 (10): θ ← θ + γ_t D. */
export function sgd(paramDim: number, options: LearningRateOptions): Optimizer {
  const rate = checkRates('sgd', options, paramDim);
  let t = 0;
  return {
    name: 'sgd',
    step(theta, direction) {
      checkStep('sgd', theta, direction, paramDim);
      for (let j = 0; j < paramDim; j++) theta[j] = theta[j]! + rate(t, j) * direction[j]!;
      t++;
    },
    getState: () => ({ t, buffers: {} }),
    setState(state) {
      t = state.t;
    },
  };
}

export interface AdamOptions extends LearningRateOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** Adam (Kingma & Ba 2015) on g = −D, with bias correction: θ ← θ − γ_t m̂ / (√v̂ + ε). */
export function adam(paramDim: number, options: AdamOptions): Optimizer {
  const rate = checkRates('adam', options, paramDim);
  const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.999, eps = options.epsilon ?? 1e-8;
  for (const [k, v] of [['beta1', beta1], ['beta2', beta2]] as const) {
    if (!(v >= 0 && v < 1)) throw new RangeError(`adam: ${k} must be in [0, 1), got ${v}`);
  }
  if (!(eps > 0)) throw new RangeError(`adam: epsilon must be > 0, got ${eps}`);
  let m = new Float64Array(paramDim), v = new Float64Array(paramDim);
  let t = 0;
  return {
    name: 'adam',
    step(theta, direction) {
      checkStep('adam', theta, direction, paramDim);
      const c1 = 1 - beta1 ** (t + 1), c2 = 1 - beta2 ** (t + 1);
      for (let j = 0; j < paramDim; j++) {
        const g = -direction[j]!;
        m[j] = beta1 * m[j]! + (1 - beta1) * g;
        v[j] = beta2 * v[j]! + (1 - beta2) * g * g;
        theta[j] = theta[j]! - (rate(t, j) * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + eps);
      }
      t++;
    },
    getState: () => ({ t, buffers: { m: Float64Array.from(m), v: Float64Array.from(v) } }),
    setState(state) {
      t = state.t;
      m = Float64Array.from(state.buffers['m'] ?? new Float64Array(paramDim));
      v = Float64Array.from(state.buffers['v'] ?? new Float64Array(paramDim));
    },
  };
}
