/**
 * The fused kernels of the paper's mixture (004 (15)) for the multi-threaded engine (pool.ts). Everything a worker
 * runs is inside `createKernels`, which refers to nothing outside itself, so that its source text (`toString()`) can
 * start a worker both from the TypeScript sources (vitest) and from dist/ — and the main thread runs the very same
 * function when no worker is wanted (threads = 0), which is how the tests show that the thread count changes nothing.
 *
 * Work is split into fixed blocks of walkers (or data points); a block's result never depends on which thread ran it,
 * and reductions are written per block and summed in block order by the caller.
 *
 * ULA noise: the t-th moved walker takes d normals from the stream of noise block ⌊t / B⌋ (src/training/keys.ts); the
 * caller writes each block's initial xoshiro128** state, and `normalsFrom` below reproduces src/rng/normal.ts's
 * ziggurat on it bit for bit (spec/training/fused.spec.ts checks this against `normals`).
 */

/** Shared memory layout of a pool (all SharedArrayBuffer-backed). */
export interface SharedViews {
  readonly d: number;
  readonly walkers: number;
  readonly dataSize: number;
  readonly block: number;
  /** walker positions, energies U, gradients ∇U, posterior weights w_b, log-weights A, paramGrad weights */
  readonly x: Float64Array;
  readonly u: Float64Array;
  readonly grad: Float64Array;
  readonly wb: Float64Array;
  readonly logW: Float64Array;
  readonly weights: Float64Array;
  /** moved walkers (sorted indices) and a 0/1 flag per walker */
  readonly moved: Int32Array;
  readonly isMoved: Uint8Array;
  /** θ_k and θ_{k+1}, 2d + 1 each */
  readonly thetaK: Float64Array;
  readonly thetaNext: Float64Array;
  /** scalar parameters: [h, movedCount, useLogW, allMoved] */
  readonly params: Float64Array;
  /** per noise block: the initial xoshiro128** state (4 words) */
  readonly blockStates: Int32Array;
  /** per block: partial sums (2d + 3 each) */
  readonly partials: Float64Array;
  /** data points and per-data-block partial sums */
  readonly data: Float64Array;
  readonly dataPartials: Float64Array;
  /** resampling: ancestor indices and scratch copies of x, ∇U, U, w_b */
  readonly ancestors: Int32Array;
  readonly xScratch: Float64Array;
  readonly gradScratch: Float64Array;
  readonly uScratch: Float64Array;
  readonly wbScratch: Float64Array;
  /** ziggurat tables k, w, f (128 each) */
  readonly zk: Float64Array;
  readonly zw: Float64Array;
  readonly zf: Float64Array;
}

export const COMMAND = { evaluate: 1, advance: 2, paramGrad: 3, data: 4, posterior: 5, copyOut: 6, gather: 7, exit: 9 } as const;

export type Kernels = ReturnType<typeof createKernels>;

/**
 * The kernels over one SharedViews. Each `run(cmd, worker, workers)` processes the blocks b ≡ worker (mod workers).
 * Self-contained: no imports, no outer references (see the module comment).
 */
export function createKernels(v: SharedViews) {
  const d = v.d, N = v.walkers, B = v.block;
  const layers = 128, R = 3.442619855899;
  const zk = v.zk, zw = v.zw, zf = v.zf;
  // One walker's normals.
  const xi = new Float64Array(d);
  // Block sums are formed in accA, accB (private, not shared) and written to the shared partials once per block; a, b
  // of θ are copied into ta, tb once per block; cA, cB hold per-row distances, then weights.
  const accA = new Float64Array(d), accB = new Float64Array(d), ta = new Float64Array(d), tb = new Float64Array(d);
  const cA = new Float64Array(B), cB = new Float64Array(B);
  const TWO_POW_26 = 67108864, TWO_POW_M53 = 1 / 9007199254740992;
  // The shared arrays as locals, so that V8 keeps them in registers across the hot loops.
  const X = v.x, G = v.grad, U = v.u, WB = v.wb, LW = v.logW, PW = v.weights, PS = v.partials, DX = v.data, DS = v.dataPartials;
  // xoshiro128** state of the block being processed (a local copy; see normalsFrom).
  const st = new Int32Array(4);

  function next(): number {
    const s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0, n3 = s3 ^ s1;
    st[1] = s1 ^ n2;
    st[0] = s0 ^ n3;
    st[2] = n2 ^ t;
    st[3] = (n3 << 11) | (n3 >>> 21);
    return result;
  }
  function uniformOpen(): number {
    for (;;) {
      const a = next() >>> 5;
      const b = next() >>> 6;
      const k = a * TWO_POW_26 + b;
      if (k !== 0) return k * TWO_POW_M53;
    }
  }
  function slowPath(j: number, i: number): number {
    for (;;) {
      if (i === 0) {
        let x: number, y: number;
        do {
          x = -Math.log(uniformOpen()) / R;
          y = -Math.log(uniformOpen());
        } while (y + y < x * x);
        return j > 0 ? R + x : -R - x;
      }
      const x = j * zw[i]!;
      if (zf[i]! + uniformOpen() * (zf[i - 1]! - zf[i]!) < Math.exp(-0.5 * x * x)) return x;
      j = next();
      i = j & (layers - 1);
      if (Math.abs(j) < zk[i]!) return j * zw[i]!;
    }
  }
  /** U, w_b and ∇U of 004 (15) at walker i's position (in x) under θ; returns U. */
  function evaluate(theta: Float64Array, i: number): number {
    const o = i * d;
    let sa = 0, sb = 0;
    for (let j = 0; j < d; j++) {
      const xj = X[o + j]!;
      const da = xj - theta[j]!, db = xj - theta[d + j]!;
      sa += da * da;
      sb += db * db;
    }
    const ea = 0.5 * sa, eb = 0.5 * sb + theta[2 * d]!;
    const diff = ea - eb;
    // One exponential serves U and w_b: e^{−|Δ|} is e^{Δ} when Δ < 0, so w_b has the same bits as σ(Δ) written out.
    const e = Math.exp(-Math.abs(diff));
    const u = (diff < 0 ? ea : eb) - Math.log1p(e);
    const wb = diff >= 0 ? 1 / (1 + e) : e / (1 + e);
    const wa = 1 - wb;
    for (let j = 0; j < d; j++) {
      const xj = X[o + j]!;
      G[o + j] = wa * (xj - theta[j]!) + wb * (xj - theta[d + j]!);
    }
    U[i] = u;
    WB[i] = wb;
    return u;
  }

  /** d normals into xi from the block state in `st` (the next walker's noise: walkers in order within a block). */
  function normalsFrom(): void {
    let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
    for (let p = 0; p < d; p++) {
      const m = Math.imul(s1, 5);
      const j = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const i = j & (layers - 1);
      if (Math.abs(j) < zk[i]!) {
        xi[p] = j * zw[i]!;
      } else {
        st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
        xi[p] = slowPath(j, i);
        s0 = st[0]!; s1 = st[1]!; s2 = st[2]!; s3 = st[3]!;
      }
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  }

  /** One moved walker i with its block's state in `st`: ULA (004 (5)) + the fused Jarzynski increment. */
  function advanceMoved(i: number, h: number, c: number, useLogW: boolean): void {
    normalsFrom();
    const o = i * d, th = v.thetaNext;
    let sa = 0, sb = 0;
    for (let j = 0; j < d; j++) {
      // X' = X − h ∇U_θk(X) + √(2h) ξ with the cached gradient.
      const xn = X[o + j]! - h * G[o + j]! + c * xi[j]!;
      X[o + j] = xn;
      const da = xn - th[j]!, db = xn - th[d + j]!;
      sa += da * da;
      sb += db * db;
    }
    const ea = 0.5 * sa, eb = 0.5 * sb + th[2 * d]!;
    const diff = ea - eb;
    const e = Math.exp(-Math.abs(diff));
    const u1 = (diff < 0 ? ea : eb) - Math.log1p(e);
    const wb = diff >= 0 ? 1 / (1 + e) : e / (1 + e);
    const wa = 1 - wb;
    let xs = 0, ss = 0;
    for (let j = 0; j < d; j++) {
      const xn = X[o + j]!;
      const g1 = wa * (xn - th[j]!) + wb * (xn - th[d + j]!);
      const s = G[o + j]! + g1;
      xs += xi[j]! * s;
      ss += s * s;
      G[o + j] = g1;
    }
    // 004 (5)-(6), fused (src/smc/jarzynski.ts): ΔA = U_k(X) − U_k+1(X') − (h/4)|s|² + √(h/2) ξ·s.
    if (useLogW) LW[i] = LW[i]! + U[i]! - u1 - 0.25 * h * ss + Math.sqrt(0.5 * h) * xs;
    U[i] = u1;
    WB[i] = wb;
  }

  function runAdvance(worker: number, workers: number): void {
    const h = v.params[0]!, count = v.params[1]!, useLogW = v.params[2] === 1, allMoved = v.params[3] === 1;
    const c = Math.sqrt(2 * h);
    const noiseBlocks = Math.ceil(count / B);
    const BS = v.blockStates;
    for (let b = worker; b < noiseBlocks; b += workers) {
      const n1 = Math.min(count, b * B + B) - b * B;
      st[0] = BS[4 * b]!; st[1] = BS[4 * b + 1]!; st[2] = BS[4 * b + 2]!; st[3] = BS[4 * b + 3]!;
      for (let t = b * B, end = t + n1; t < end; t++) advanceMoved(allMoved ? t : v.moved[t]!, h, c, useLogW);
    }
    if (!allMoved) {
      // 004 Alg. 2 line 14: frozen walkers are re-evaluated under θ_{k+1} and get A += U_θk(X) − U_θk+1(X).
      const walkerBlocks = Math.ceil(N / B);
      for (let b = worker; b < walkerBlocks; b += workers) {
        for (let i = b * B, end = Math.min(N, i + B); i < end; i++) {
          if (v.isMoved[i]) continue;
          const u0 = U[i]!;
          const u1 = evaluate(v.thetaNext, i);
          if (useLogW) LW[i] = LW[i]! + u0 - u1;
        }
      }
    }
  }

  function runEvaluate(worker: number, workers: number, posteriorOnly: boolean): void {
    const blocks = Math.ceil(N / B), th = v.thetaNext;
    for (let b = worker; b < blocks; b += workers) {
      for (let i = b * B, end = Math.min(N, i + B); i < end; i++) {
        if (!posteriorOnly) {
          evaluate(th, i);
          continue;
        }
        // w_b only (after a checkpoint restore: U and ∇U were restored exactly).
        const o = i * d;
        let sa = 0, sb = 0;
        for (let j = 0; j < d; j++) {
          const xj = X[o + j]!;
          const da = xj - th[j]!, db = xj - th[d + j]!;
          sa += da * da;
          sb += db * db;
        }
        const ea = 0.5 * sa, eb = 0.5 * sb + th[2 * d]!;
        const diff = ea - eb; // the same operations as evaluate(), so w_b is bit-identical
        const e = Math.exp(-Math.abs(diff));
        WB[i] = diff >= 0 ? 1 / (1 + e) : e / (1 + e);
      }
    }
  }

  /**
   * accA += Σ_r cA[r] rows[r], accB += Σ_r cB[r] rows[r] over the `count` rows of `rows` starting at row `first`,
   * four rows per pass over the coordinates: a quarter of the loads and stores of the accumulators, which is what
   * bounds this loop in V8.
   */
  function accumulateRows(rows: Float64Array, first: number, count: number): void {
    let r = 0;
    for (; r + 4 <= count; r += 4) {
      const o0 = (first + r) * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
      const a0 = cA[r]!, a1 = cA[r + 1]!, a2 = cA[r + 2]!, a3 = cA[r + 3]!;
      const b0 = cB[r]!, b1 = cB[r + 1]!, b2 = cB[r + 2]!, b3 = cB[r + 3]!;
      for (let j = 0; j < d; j++) {
        const x0 = rows[o0 + j]!, x1 = rows[o1 + j]!, x2 = rows[o2 + j]!, x3 = rows[o3 + j]!;
        accA[j] = accA[j]! + (a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3);
        accB[j] = accB[j]! + (b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3);
      }
    }
    for (; r < count; r++) {
      const o = (first + r) * d, a = cA[r]!, b = cB[r]!;
      for (let j = 0; j < d; j++) {
        const x = rows[o + j]!;
        accA[j] = accA[j]! + a * x;
        accB[j] = accB[j]! + b * x;
      }
    }
  }

  /**
   * cA[r] = |x_r − a|², cB[r] = |x_r − b|² (a, b in ta, tb) for `count` rows from row `first`, four rows per pass
   * over the coordinates (each sum still runs over j in order, so every value is the one-row loop's, bit for bit).
   */
  function squaredDistances(rows: Float64Array, first: number, count: number): void {
    let r = 0;
    for (; r + 4 <= count; r += 4) {
      const o0 = (first + r) * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
      let sa0 = 0, sb0 = 0, sa1 = 0, sb1 = 0, sa2 = 0, sb2 = 0, sa3 = 0, sb3 = 0;
      for (let j = 0; j < d; j++) {
        const a = ta[j]!, b = tb[j]!;
        let x = rows[o0 + j]!, da = x - a, db = x - b;
        sa0 += da * da; sb0 += db * db;
        x = rows[o1 + j]!; da = x - a; db = x - b;
        sa1 += da * da; sb1 += db * db;
        x = rows[o2 + j]!; da = x - a; db = x - b;
        sa2 += da * da; sb2 += db * db;
        x = rows[o3 + j]!; da = x - a; db = x - b;
        sa3 += da * da; sb3 += db * db;
      }
      cA[r] = sa0; cB[r] = sb0; cA[r + 1] = sa1; cB[r + 1] = sb1;
      cA[r + 2] = sa2; cB[r + 2] = sb2; cA[r + 3] = sa3; cB[r + 3] = sb3;
    }
    for (; r < count; r++) {
      const o = (first + r) * d;
      let sa = 0, sb = 0;
      for (let j = 0; j < d; j++) {
        const x = rows[o + j]!, da = x - ta[j]!, db = x - tb[j]!;
        sa += da * da;
        sb += db * db;
      }
      cA[r] = sa;
      cB[r] = sb;
    }
  }

  /** Per walker block: Σ w w_a x (d), Σ w w_b x (d), Σ w w_a, Σ w w_b. */
  function runParamGrad(worker: number, workers: number): void {
    const blocks = Math.ceil(N / B), stride = 2 * d + 3;
    for (let b = worker; b < blocks; b += workers) {
      const first = b * B, count = Math.min(N, first + B) - first;
      let swa = 0, swb = 0;
      for (let r = 0; r < count; r++) {
        const w = PW[first + r]!;
        const wb = w * WB[first + r]!, wa = w - wb;
        cA[r] = wa;
        cB[r] = wb;
        swa += wa;
        swb += wb;
      }
      accA.fill(0);
      accB.fill(0);
      accumulateRows(X, first, count);
      const o = b * stride;
      PS.set(accA, o);
      PS.set(accB, o + d);
      PS[o + 2 * d] = swa;
      PS[o + 2 * d + 1] = swb;
      PS[o + 2 * d + 2] = 0;
    }
  }

  /** Per data block under θ = thetaK: Σ w_a x*, Σ w_b x*, Σ w_a, Σ w_b, Σ U. */
  function runData(worker: number, workers: number): void {
    const n = v.dataSize, blocks = Math.ceil(n / B), stride = 2 * d + 3, th = v.thetaK;
    for (let j = 0; j < d; j++) {
      ta[j] = th[j]!;
      tb[j] = th[d + j]!;
    }
    const z = th[2 * d]!;
    for (let b = worker; b < blocks; b += workers) {
      const first = b * B, count = Math.min(n, first + B) - first;
      squaredDistances(DX, first, count);
      let swa = 0, swb = 0, su = 0;
      for (let r = 0; r < count; r++) {
        const ea = 0.5 * cA[r]!, eb = 0.5 * cB[r]! + z;
        const diff = ea - eb;
        const e = Math.exp(-Math.abs(diff));
        su += (diff < 0 ? ea : eb) - Math.log1p(e);
        const wb = diff >= 0 ? 1 / (1 + e) : e / (1 + e), wa = 1 - wb;
        cA[r] = wa;
        cB[r] = wb;
        swa += wa;
        swb += wb;
      }
      accA.fill(0);
      accB.fill(0);
      accumulateRows(DX, first, count);
      const o = b * stride;
      DS.set(accA, o);
      DS.set(accB, o + d);
      DS[o + 2 * d] = swa;
      DS[o + 2 * d + 1] = swb;
      DS[o + 2 * d + 2] = su;
    }
  }

  /** Resampling, phase 1: copy this worker's blocks of x, ∇U, U, w_b into the scratch buffers. */
  function runCopyOut(worker: number, workers: number): void {
    const blocks = Math.ceil(N / B);
    for (let b = worker; b < blocks; b += workers) {
      const lo = b * B, hi = Math.min(N, lo + B);
      v.xScratch.set(v.x.subarray(lo * d, hi * d), lo * d);
      v.gradScratch.set(v.grad.subarray(lo * d, hi * d), lo * d);
      v.uScratch.set(v.u.subarray(lo, hi), lo);
      v.wbScratch.set(v.wb.subarray(lo, hi), lo);
    }
  }

  /** Resampling, phase 2: walker i of this worker's blocks becomes (scratch) walker ancestors[i]. */
  function runGather(worker: number, workers: number): void {
    const blocks = Math.ceil(N / B);
    for (let b = worker; b < blocks; b += workers) {
      for (let i = b * B, end = Math.min(N, i + B); i < end; i++) {
        const a = v.ancestors[i]!;
        v.x.set(v.xScratch.subarray(a * d, a * d + d), i * d);
        v.grad.set(v.gradScratch.subarray(a * d, a * d + d), i * d);
        v.u[i] = v.uScratch[a]!;
        v.wb[i] = v.wbScratch[a]!;
      }
    }
  }

  return {
    run(cmd: number, worker: number, workers: number): void {
      if (cmd === 1) runEvaluate(worker, workers, false);
      else if (cmd === 2) runAdvance(worker, workers);
      else if (cmd === 3) runParamGrad(worker, workers);
      else if (cmd === 4) runData(worker, workers);
      else if (cmd === 5) runEvaluate(worker, workers, true);
      else if (cmd === 6) runCopyOut(worker, workers);
      else if (cmd === 7) runGather(worker, workers);
    },
  };
}

/**
 * The worker's loop (source text only: it runs inside `new Worker(…, { eval: true })`): wait for a new generation,
 * run the command on this worker's blocks, count itself done.
 */
export function workerLoop(createKernelsFn: typeof createKernels): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const wd = workerData as { views: SharedViews; control: Int32Array; worker: number; workers: number };
  const kernels = createKernelsFn(wd.views);
  const control = wd.control;
  let generation = 0;
  for (;;) {
    Atomics.wait(control, 1, generation);
    generation = Atomics.load(control, 1);
    const cmd = Atomics.load(control, 0);
    if (cmd === 9) break;
    kernels.run(cmd, wd.worker, wd.workers);
    Atomics.add(control, 2, 1);
    Atomics.notify(control, 2);
  }
}
