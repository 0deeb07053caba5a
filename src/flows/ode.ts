/**
 * ODE solvers for the neural ODE dz/dt = f(z(t), t) (003, "Continuous-in-time dynamic (neural ODE)": z(t₁) ≈
 * ODESolve(z(t₀), f, t₀, t₁), and the Euler update step z(t + Δt) = z(t) + Δt·f(z(t), t)).
 *
 * One family, one type: an `OdeSolver` maps (f, z(t₀), t₀, t₁) to z(t₁), written into `out`, with diagnostics in an
 * `OdeInfo`. Members: explicit Runge–Kutta methods with a fixed number of steps, given by their Butcher tableau (Euler,
 * classical RK4, or Dormand–Prince's 5th-order weights), and adaptive Dormand–Prince 5(4) (Dormand & Prince 1980,
 * RK5(4)7M; step control as in Hairer, Nørsett & Wanner, "Solving ODEs I", §II.4, with local extrapolation: the 5th-order
 * solution is propagated, the embedded 4th-order one only estimates the error). t₁ < t₀ integrates backward in time
 * (003 Picard: z(0) = z(1) + ∫₁⁰ f dt): the step h is then negative.
 */

/** dz/dt = f(t, z): writes f(t, z) into out (length n) and returns it; must not change z. */
export type OdeRhs = (t: number, z: Float64Array, out: Float64Array) => Float64Array;

/** Diagnostics of one solve. */
export interface OdeInfo {
  /** Accepted steps (every step of a fixed-step method). */
  readonly accepted: number;
  /** Rejected steps (error estimate above tolerance); 0 for fixed-step methods. */
  readonly rejected: number;
  /** Evaluations of f. */
  readonly evaluations: number;
}

/** Called after each accepted step with the new time and state (a view: copy it to keep it). */
export type OdeObserver = (t: number, z: Float64Array) => void;

/**
 * The solver family: integrates dz/dt = f(t, z) from z(t₀) = z0 to t₁ (either direction; t₁ = t₀ copies z0), writes
 * z(t₁) into out (length ≥ z0.length; may not alias z0) and returns the diagnostics.
 */
export type OdeSolver = (f: OdeRhs, z0: Float64Array, t0: number, t1: number, out: Float64Array, onStep?: OdeObserver) => OdeInfo;

/** An explicit Runge–Kutta method: c (s), a (s×s row-major, strictly lower triangular), weights b (s). */
export interface ButcherTableau {
  readonly name: string;
  /** Order of the solution with weights b. */
  readonly order: number;
  readonly stages: number;
  readonly c: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  /** b − b̂ for an embedded pair (error estimate), with the order of b̂. */
  readonly errorWeights?: Float64Array;
  readonly errorOrder?: number;
}

function tableau(name: string, order: number, c: number[], a: number[][], b: number[], e?: number[], errorOrder?: number): ButcherTableau {
  const s = c.length;
  const A = new Float64Array(s * s);
  a.forEach((row, i) => row.forEach((v, j) => { A[i * s + j] = v; }));
  const t: ButcherTableau = { name, order, stages: s, c: Float64Array.from(c), a: A, b: Float64Array.from(b) };
  return e === undefined ? t : { ...t, errorWeights: Float64Array.from(e), errorOrder: errorOrder! };
}

/** 003 Euler update step z + Δt·f(z, t). */
export const EULER_TABLEAU: ButcherTableau = tableau('euler', 1, [0], [[]], [1]);

/** The classical 4th-order Runge–Kutta method. */
export const RK4_TABLEAU: ButcherTableau = tableau('rk4', 4, [0, 0.5, 0.5, 1], [[], [0.5], [0, 0.5], [0, 0, 1]], [1 / 6, 1 / 3, 1 / 3, 1 / 6]);

/** Dormand–Prince RK5(4)7M: 5th-order weights b (first-same-as-last: row 7 of a is b), error weights b − b̂. */
export const DORMAND_PRINCE_TABLEAU: ButcherTableau = tableau(
  'dormand-prince',
  5,
  [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
  [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40],
  4,
);

/** Scratch for `rungeKuttaStep`: s stage derivatives (s×n) and one stage input (n). */
export interface RungeKuttaWorkspace {
  readonly k: Float64Array;
  readonly stageInput: Float64Array;
}

export function rungeKuttaWorkspace(tab: ButcherTableau, n: number): RungeKuttaWorkspace {
  return { k: new Float64Array(tab.stages * n), stageInput: new Float64Array(n) };
}

/**
 * One explicit RK step of size h from (t, y): stages k_i = f(t + c_i h, y + h Σ_{j<i} a_ij k_j) into ws.k, then
 * out = y + h Σ b_i k_i. When `firstStage` is given it is used as k_1 = f(t, y) (first-same-as-last), saving one
 * evaluation. Returns the number of evaluations of f.
 */
export function rungeKuttaStep(
  tab: ButcherTableau,
  f: OdeRhs,
  t: number,
  h: number,
  y: Float64Array,
  n: number,
  ws: RungeKuttaWorkspace,
  out: Float64Array,
  firstStage?: Float64Array,
): number {
  const { k, stageInput } = ws;
  const s = tab.stages;
  let evals = 0;
  for (let i = 0; i < s; i++) {
    const ki = k.subarray(i * n, (i + 1) * n);
    if (i === 0 && firstStage !== undefined) {
      ki.set(firstStage.subarray(0, n));
      continue;
    }
    for (let m = 0; m < n; m++) {
      let acc = 0;
      for (let j = 0; j < i; j++) acc += tab.a[i * s + j]! * k[j * n + m]!;
      stageInput[m] = y[m]! + h * acc;
    }
    f(t + tab.c[i]! * h, stageInput, ki);
    evals++;
  }
  for (let m = 0; m < n; m++) {
    let acc = 0;
    for (let i = 0; i < s; i++) acc += tab.b[i]! * k[i * n + m]!;
    out[m] = y[m]! + h * acc;
  }
  return evals;
}

/** Shared argument checks of every solver. */
export function checkSolveArgs(name: string, z0: Float64Array, t0: number, t1: number, out: Float64Array): void {
  if (!(z0 instanceof Float64Array) || z0.length < 1) throw new TypeError(`${name}: z0 must be a non-empty Float64Array`);
  if (!(out instanceof Float64Array) || out.length < z0.length) throw new RangeError(`${name}: out must be a Float64Array of length ≥ ${z0.length}`);
  if (out.buffer === z0.buffer && out.byteOffset < z0.byteOffset + z0.byteLength && z0.byteOffset < out.byteOffset + out.byteLength) {
    throw new RangeError(`${name}: out must not overlap z0`);
  }
  if (!Number.isFinite(t0)) throw new RangeError(`${name}: t0 = ${t0} must be finite`);
  if (!Number.isFinite(t1)) throw new RangeError(`${name}: t1 = ${t1} must be finite`);
  for (let i = 0; i < z0.length; i++) {
    if (!Number.isFinite(z0[i]!)) throw new RangeError(`${name}: z0[${i}] = ${z0[i]} must be finite`);
  }
}

function checkFinite(name: string, y: Float64Array, n: number, t: number): void {
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]!)) throw new RangeError(`${name}: the solution became non-finite (z[${i}] = ${y[i]}) at t = ${t}`);
  }
}

/** An explicit RK method with `steps` equal steps h = (t₁ − t₀)/steps; step k ends at t₀ + k·h exactly. */
export function explicitRungeKutta(tab: ButcherTableau, options: { steps: number }): OdeSolver {
  const name = tab.name;
  const steps = options.steps;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`${name}: steps must be a positive integer, got ${steps}`);
  return (f, z0, t0, t1, out, onStep) => {
    checkSolveArgs(name, z0, t0, t1, out);
    const n = z0.length;
    if (t1 === t0) {
      out.set(z0);
      return { accepted: 0, rejected: 0, evaluations: 0 };
    }
    const h = (t1 - t0) / steps;
    const ws = rungeKuttaWorkspace(tab, n);
    let y = Float64Array.from(z0);
    let next = new Float64Array(n);
    let evals = 0;
    for (let k = 0; k < steps; k++) {
      const t = t0 + k * h;
      evals += rungeKuttaStep(tab, f, t, h, y, n, ws, next);
      const tn = k + 1 === steps ? t1 : t0 + (k + 1) * h;
      checkFinite(name, next, n, tn);
      [y, next] = [next, y];
      onStep?.(tn, y);
    }
    out.set(y);
    return { accepted: steps, rejected: 0, evaluations: evals };
  };
}

/** 003 Euler update step with a fixed number of steps. */
export function euler(options: { steps: number }): OdeSolver {
  return explicitRungeKutta(EULER_TABLEAU, options);
}

/** Classical RK4 with a fixed number of steps. */
export function rk4(options: { steps: number }): OdeSolver {
  return explicitRungeKutta(RK4_TABLEAU, options);
}

export interface DormandPrinceOptions {
  /** Relative tolerance, > 0. */
  readonly rtol: number;
  /** Absolute tolerance, > 0. */
  readonly atol: number;
  /** First step size |h₀| > 0; default: Hairer's starting-step heuristic. */
  readonly h0?: number;
  /** Most steps (accepted + rejected) before giving up; default 100000. */
  readonly maxSteps?: number;
}

/**
 * Adaptive Dormand–Prince 5(4). With sc_i = atol + rtol·max(|y_i|, |y'_i|), a step is accepted when
 * err = √((1/n) Σ (h Σ_j e_j k_ji / sc_i)²) ≤ 1; the next step is h·min(5, max(0.2, 0.9·err^{−1/5})) (no growth right
 * after a rejection). The last step is shortened to end exactly at t₁.
 */
export function dormandPrince(options: DormandPrinceOptions): OdeSolver {
  const name = 'dormandPrince';
  const { rtol, atol } = options;
  if (!(Number.isFinite(rtol) && rtol > 0)) throw new RangeError(`${name}: rtol = ${rtol} must be finite and > 0`);
  if (!(Number.isFinite(atol) && atol > 0)) throw new RangeError(`${name}: atol = ${atol} must be finite and > 0`);
  const h0opt = options.h0;
  if (h0opt !== undefined && !(Number.isFinite(h0opt) && h0opt > 0)) throw new RangeError(`${name}: h0 = ${h0opt} must be finite and > 0`);
  const maxSteps = options.maxSteps ?? 100000;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`${name}: maxSteps must be a positive integer, got ${maxSteps}`);
  const tab = DORMAND_PRINCE_TABLEAU;
  const e = tab.errorWeights!;
  const s = tab.stages;
  return (f, z0, t0, t1, out, onStep) => {
    checkSolveArgs(name, z0, t0, t1, out);
    const n = z0.length;
    if (t1 === t0) {
      out.set(z0);
      return { accepted: 0, rejected: 0, evaluations: 0 };
    }
    const dir = t1 > t0 ? 1 : -1;
    const span = Math.abs(t1 - t0);
    const ws = rungeKuttaWorkspace(tab, n);
    let y = Float64Array.from(z0);
    let yNew = new Float64Array(n);
    const f0 = new Float64Array(n); // f(t, y) at the current step's start, refreshed from the FSAL stage
    f(t0, y, f0);
    let evals = 1;
    checkFinite(name, f0, n, t0);
    const scaledNorm = (v: Float64Array, ref: Float64Array): number => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const q = v[i]! / (atol + rtol * Math.abs(ref[i]!));
        acc += q * q;
      }
      return Math.sqrt(acc / n);
    };
    let habs: number;
    if (h0opt !== undefined) {
      habs = Math.min(h0opt, span);
    } else {
      // Hairer, Nørsett & Wanner I, §II.4, "Starting step size": h with ‖h f‖ ≈ 0.01‖y‖, then h^{5}·max(‖f'‖) ≈ 0.01.
      const d0 = scaledNorm(y, y), d1 = scaledNorm(f0, y);
      let ha = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
      ha = Math.min(ha, span);
      const y1 = new Float64Array(n);
      for (let i = 0; i < n; i++) y1[i] = y[i]! + dir * ha * f0[i]!;
      const f1 = f(t0 + dir * ha, y1, new Float64Array(n));
      evals++;
      for (let i = 0; i < n; i++) f1[i] = (f1[i]! - f0[i]!) / ha;
      const d2 = scaledNorm(f1, y);
      const dm = Math.max(d1, d2);
      const hb = dm <= 1e-15 ? Math.max(1e-6, ha * 1e-3) : Math.pow(0.01 / dm, 1 / 5);
      habs = Math.min(100 * ha, hb, span);
    }
    let t = t0;
    let accepted = 0, rejected = 0;
    let justRejected = false;
    const errVec = new Float64Array(n);
    for (;;) {
      if (accepted + rejected >= maxSteps) {
        throw new RangeError(`${name}: more than maxSteps = ${maxSteps} steps between t0 = ${t0} and t1 = ${t1} (reached t = ${t})`);
      }
      let last = false;
      if (habs >= Math.abs(t1 - t) * (1 - 1e-12)) {
        habs = Math.abs(t1 - t);
        last = true;
      }
      if (habs <= 16 * Number.EPSILON * Math.max(Math.abs(t), 1) && !last) {
        throw new RangeError(`${name}: step size underflow (|h| = ${habs}) at t = ${t}: the problem is too stiff or singular for rtol = ${rtol}, atol = ${atol}`);
      }
      const h = dir * habs;
      evals += rungeKuttaStep(tab, f, t, h, y, n, ws, yNew, f0);
      const k = ws.k;
      let acc = 0;
      let finite = true;
      for (let i = 0; i < n; i++) {
        let ei = 0;
        for (let j = 0; j < s; j++) ei += e[j]! * k[j * n + i]!;
        errVec[i] = h * ei;
        const sc = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(yNew[i]!));
        const q = errVec[i]! / sc;
        acc += q * q;
        if (!Number.isFinite(yNew[i]!)) finite = false;
      }
      const err = Math.sqrt(acc / n);
      if (finite && err <= 1) {
        accepted++;
        t = last ? t1 : t + h;
        [y, yNew] = [yNew, y];
        // First same as last: the 7th stage was evaluated at (t + h, y').
        f0.set(k.subarray((s - 1) * n, s * n));
        onStep?.(t, y);
        if (last) break;
        const grow = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(err, -1 / 5)));
        habs *= justRejected ? Math.min(1, grow) : grow;
        justRejected = false;
      } else {
        rejected++;
        justRejected = true;
        // A non-finite trial step is treated as a failed error test with the largest shrink factor.
        habs *= finite ? Math.max(0.2, 0.9 * Math.pow(err, -1 / 5)) : 0.2;
      }
    }
    checkFinite(name, y, n, t1);
    out.set(y);
    return { accepted, rejected, evaluations: evals };
  };
}

/** Convenience wrapper: allocates z(t₁). */
export function solveOde(solver: OdeSolver, f: OdeRhs, z0: Float64Array, t0: number, t1: number): { z: Float64Array; info: OdeInfo } {
  const z = new Float64Array(z0.length);
  const info = solver(f, z0, t0, t1, z);
  return { z, info };
}
