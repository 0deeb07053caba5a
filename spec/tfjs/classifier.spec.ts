/**
 * src/tfjs/classifier: the CNN's logits equal an independent float64 forward pass within a propagated float32 error
 * bound; its parameter count; save/load is exact; classifyDigits returns the argmax and normalized probabilities
 * independently of its chunking; a smoke training on 400 MNIST images is well above chance (and a label-shifted
 * control is not) and is reproducible for a seed. The mode-weight measurement (004 §4.2, Fig. 3) is checked exactly on
 * synthetic labels and log-weights: weighted proportions are the normalized-weight sums, resampled proportions average
 * (exactly, over systematic resampling's uniform) to the weighted ones, relative errors against 4/7, 2/7, 1/7; the
 * unweighted proportions of weighted walkers are the negative control.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs/backend.js';
import { loadMnist, type MnistSplit } from '../../src/tfjs/data/mnist.js';
import {
  accuracy, classifierParameterCount, classifierParameters, classifyDigits, confusionMatrix, createDigitClassifier, decodeDigitClassifier,
  digitLogits, disposeDigitClassifier, encodeDigitClassifier, labelsOfAncestors, loadDigitClassifier, mnistToUnit, modeRelativeErrors,
  PAPER_MODE_WEIGHTS, resampledModeProportions, saveDigitClassifier, trainDigitClassifier, unweightedModeProportions,
  weightedModeProportions, DIGIT_PIXELS, type DigitClassifier,
} from '../../src/tfjs/classifier.js';
import { systematicFromUniform, type ResamplingScheme } from '../../src/smc/resampling.js';
import { keyFromSeed, streamFromKey, uniforms } from '../../src/rng/index.js';

tf.env().set('PROD', true);
beforeAll(async () => { await selectBackend({ prefer: 'wasm', only: true, quiet: true }); });

const stream = (seed: number) => streamFromKey(keyFromSeed(seed));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const U = 2 ** -24;
const gamma = (k: number) => (k * U) / (1 - k * U);

/**
 * Float64 forward pass from the float32 parameters with a first-order bound on the float32 result's error: a dot product
 * of length k adds γ_{k+1}(|W|ᵀ|h| + |b|), errors propagate through |W|ᵀ, ReLU and max-pooling are 1-Lipschitz and exact.
 */
function reference(model: DigitClassifier, x: Float64Array, n: number): { logits: Float64Array; bound: Float64Array } {
  const theta = classifierParameters(model);
  const [c1, c2] = model.spec.channels, h = model.spec.hidden;
  let o = 0;
  const take = (size: number) => { const v = theta.subarray(o, o + size); o += size; return v; };
  const k1 = take(25 * c1), b1 = take(c1), k2 = take(25 * c1 * c2), b2 = take(c2), w3 = take(16 * c2 * h), b3 = take(h), w4 = take(10 * h), b4 = take(10);
  const logits = new Float64Array(n * 10), bound = new Float64Array(n * 10);
  const conv = (inp: Float64Array, err: Float64Array, side: number, cin: number, k: Float64Array, b: Float64Array, cout: number) => {
    const os = side - 4, out = new Float64Array(os * os * cout), e = new Float64Array(out.length);
    for (let i = 0; i < os; i++) for (let j = 0; j < os; j++) for (let co = 0; co < cout; co++) {
      let s = b[co]!, mag = Math.abs(b[co]!), pe = 0;
      for (let a = 0; a < 5; a++) for (let bb = 0; bb < 5; bb++) for (let ci = 0; ci < cin; ci++) {
        const w = k[((a * 5 + bb) * cin + ci) * cout + co]!, v = inp[((i + a) * side + (j + bb)) * cin + ci]!;
        s += w * v; mag += Math.abs(w * v); pe += Math.abs(w) * err[((i + a) * side + (j + bb)) * cin + ci]!;
      }
      out[(i * os + j) * cout + co] = Math.max(s, 0);
      e[(i * os + j) * cout + co] = pe + gamma(25 * cin + 1) * mag;
    }
    return { out, e, side: os };
  };
  const pool = (inp: Float64Array, err: Float64Array, side: number, c: number) => {
    const os = side / 2, out = new Float64Array(os * os * c), e = new Float64Array(out.length);
    for (let i = 0; i < os; i++) for (let j = 0; j < os; j++) for (let ch = 0; ch < c; ch++) {
      let m = -Infinity, me = 0;
      for (let a = 0; a < 2; a++) for (let bb = 0; bb < 2; bb++) {
        const q = ((2 * i + a) * side + 2 * j + bb) * c + ch;
        m = Math.max(m, inp[q]!); me = Math.max(me, err[q]!);
      }
      out[(i * os + j) * c + ch] = m; e[(i * os + j) * c + ch] = me;
    }
    return { out, e, side: os };
  };
  const dense = (inp: Float64Array, err: Float64Array, w: Float64Array, b: Float64Array, fin: number, fout: number, relu: boolean) => {
    const out = new Float64Array(fout), e = new Float64Array(fout);
    for (let j = 0; j < fout; j++) {
      let s = b[j]!, mag = Math.abs(b[j]!), pe = 0;
      for (let i = 0; i < fin; i++) { s += inp[i]! * w[i * fout + j]!; mag += Math.abs(inp[i]! * w[i * fout + j]!); pe += Math.abs(w[i * fout + j]!) * err[i]!; }
      out[j] = relu ? Math.max(s, 0) : s; e[j] = pe + gamma(fin + 1) * mag;
    }
    return { out, e };
  };
  for (let r = 0; r < n; r++) {
    const img = Float64Array.from(x.subarray(r * DIGIT_PIXELS, (r + 1) * DIGIT_PIXELS), Math.fround);
    let l = conv(img, new Float64Array(img.length), 28, 1, k1, b1, c1);
    l = pool(l.out, l.e, l.side, c1);
    l = conv(l.out, l.e, l.side, c1, k2, b2, c2);
    l = pool(l.out, l.e, l.side, c2);
    const d3 = dense(l.out, l.e, w3, b3, 16 * c2, h, true);
    const d4 = dense(d3.out, d3.e, w4, b4, h, 10, false);
    logits.set(d4.out, r * 10);
    bound.set(d4.e, r * 10);
  }
  return { logits, bound };
}

function randomImages(seed: number, n: number): Float64Array {
  return uniforms(stream(seed), new Float64Array(n * DIGIT_PIXELS)).map((u) => 2 * u - 1);
}

describe('digit classifier network', () => {
  it('parameter count of the default network (16, 32 channels, 64 hidden): 416 + 12832 + 32832 + 650', () => {
    expect(classifierParameterCount({ channels: [16, 32], hidden: 64 })).toBe(46730);
    const m = createDigitClassifier(stream(1), { channels: [2, 3], hidden: 4 });
    expect(classifierParameters(m).length).toBe(classifierParameterCount(m.spec));
    disposeDigitClassifier(m);
  });

  it('logits equal a float64 forward pass within the propagated float32 bound (and a perturbed weight is detected)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const m = createDigitClassifier(stream(seed), { channels: [3, 4], hidden: 5 });
      const n = 2, x = randomImages(seed + 1, n);
      const got = tf.tidy(() => digitLogits(m, tf.tensor4d(Float32Array.from(x), [n, 28, 28, 1])).dataSync());
      const ref = reference(m, x, n);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - ref.logits[i]!)).toBeLessThanOrEqual(ref.bound[i]! + 1e-30);
      // negative control: shift the last bias by 4× the largest bound — the reference no longer matches
      const b4 = m.variables[7]!, delta = 4 * Math.max(...ref.bound);
      b4.assign(b4.add(tf.scalar(delta)));
      const moved = tf.tidy(() => digitLogits(m, tf.tensor4d(Float32Array.from(x), [n, 28, 28, 1])).dataSync());
      expect(Array.from(moved).some((v, i) => Math.abs(v - ref.logits[i]!) > ref.bound[i]!)).toBe(true);
      disposeDigitClassifier(m);
    }), { numRuns: 5 });
  });

  it('initialisation is reproducible for a seed and differs across seeds', () => {
    const spec = { channels: [2, 3] as const, hidden: 4 };
    const a = createDigitClassifier(stream(7), spec), b = createDigitClassifier(stream(7), spec), c = createDigitClassifier(stream(8), spec);
    expect(Array.from(classifierParameters(a))).toEqual(Array.from(classifierParameters(b)));
    expect(Array.from(classifierParameters(a))).not.toEqual(Array.from(classifierParameters(c)));
    [a, b, c].forEach(disposeDigitClassifier);
  });

  it('save / load and encode / decode reproduce the parameters and logits exactly', () => {
    const m = createDigitClassifier(stream(3), { channels: [2, 3], hidden: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'ebm-clf-'));
    dirs.push(dir);
    saveDigitClassifier(join(dir, 'c.json'), m);
    const l = loadDigitClassifier(join(dir, 'c.json')), d = decodeDigitClassifier(encodeDigitClassifier(m));
    expect(l.spec).toEqual(m.spec);
    expect(Array.from(classifierParameters(l))).toEqual(Array.from(classifierParameters(m)));
    expect(Array.from(classifierParameters(d))).toEqual(Array.from(classifierParameters(m)));
    const x = randomImages(4, 3);
    expect(Array.from(classifyDigits(l, { n: 3, x }).probabilities)).toEqual(Array.from(classifyDigits(m, { n: 3, x }).probabilities));
    [m, l, d].forEach(disposeDigitClassifier);
  });

  it('decode and load name what is wrong', () => {
    expect(() => decodeDigitClassifier('{', 's')).toThrow('s: not JSON');
    expect(() => decodeDigitClassifier('{"format":"x"}', 's')).toThrow("s: format must be 'ebm-ts digit classifier'");
    expect(() => decodeDigitClassifier('{"format":"ebm-ts digit classifier","version":2}', 's')).toThrow('s: version = 2 must be 1');
    expect(() => decodeDigitClassifier('{"format":"ebm-ts digit classifier","version":1,"spec":{"channels":[1,1],"hidden":1},"parameters":[1]}', 's'))
      .toThrow('s: parameters must be an array of 89 numbers');
    expect(() => loadDigitClassifier('/nonexistent/c.json')).toThrow('loadDigitClassifier: cannot read /nonexistent/c.json');
  });

  it('classifyDigits: labels are the argmax, rows sum to 1, and the result does not depend on the chunk size', () => {
    const m = createDigitClassifier(stream(5), { channels: [2, 3], hidden: 4 });
    const n = 7, x = randomImages(6, n);
    const a = classifyDigits(m, { n, x }), b = classifyDigits(m, { n, x }, 3);
    for (let i = 0; i < n; i++) {
      const row = a.probabilities.subarray(10 * i, 10 * i + 10);
      expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-6);
      expect(a.labels[i]).toBe(row.indexOf(Math.max(...row)));
      for (let c = 0; c < 10; c++) expect(Math.abs(b.probabilities[10 * i + c]! - row[c]!)).toBeLessThanOrEqual(1e-6);
    }
    expect(() => classifyDigits(m, { n: 2, x })).toThrow('classifyDigits: x.length = 5488 must be n·784 = 1568');
    disposeDigitClassifier(m);
  });

  it('mnistToUnit is 2p/255 − 1; accuracy and the confusion matrix count', () => {
    const p = new Uint8Array(784); p[0] = 255; p[1] = 51;
    const u = mnistToUnit(p);
    expect([u[0], u[1], u[2]]).toEqual([1, 2 * 51 / 255 - 1, -1]);
    expect(() => mnistToUnit(new Uint8Array(5))).toThrow('mnistToUnit: images.length = 5 must be a multiple of 784');
    const lab = Int32Array.of(1, 2, 2, 9), truth = Uint8Array.of(1, 2, 3, 9);
    expect(accuracy(lab, truth)).toBe(0.75);
    const cm = confusionMatrix(lab, truth);
    expect([cm[11], cm[22], cm[32], cm[99]]).toEqual([1, 1, 1, 1]);
    expect(cm.reduce((s, v) => s + v, 0)).toBe(4);
  });
});

describe('trainDigitClassifier (smoke, 400 MNIST training images)', () => {
  let train: MnistSplit, test: MnistSplit;
  beforeAll(() => { train = loadMnist('train'); test = loadMnist('test'); });
  const subset = (s: MnistSplit, from: number, n: number, labels?: Uint8Array) => ({
    n, x: mnistToUnit(s.images.subarray(from * DIGIT_PIXELS, (from + n) * DIGIT_PIXELS)), labels: labels ?? s.labels.subarray(from, from + n),
  });
  const opts = { epochs: 3, batchSize: 20, learningRate: 2e-3, spec: { channels: [6, 12] as const, hidden: 32 } };

  it('reaches ≥ 40 % accuracy on 500 test images (chance 10 %); trained on labels shifted by one it scores ≤ 10 %', () => {
    const data = subset(train, 0, 400), evalSet = subset(test, 0, 500);
    const { model, losses } = trainDigitClassifier(stream(11), data, opts);
    const acc = accuracy(classifyDigits(model, evalSet).labels, evalSet.labels);
    expect(acc).toBeGreaterThanOrEqual(0.4); // measured 0.634 for this seed
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    disposeDigitClassifier(model);
    // control: labels shifted by a fixed permutation ℓ → (ℓ + 1) mod 10 — learnable, but it maps test digits wrongly
    const shifted = data.labels.map((l) => (l + 1) % 10);
    const bad = trainDigitClassifier(stream(11), { ...data, labels: shifted }, opts);
    expect(accuracy(classifyDigits(bad.model, evalSet).labels, evalSet.labels)).toBeLessThanOrEqual(0.1); // measured 0.016: it learns the shifted map
    disposeDigitClassifier(bad.model);
  });

  it('is reproducible for a seed (identical parameters and losses)', () => {
    const data = subset(train, 1000, 96);
    const o = { epochs: 1, batchSize: 32, learningRate: 1e-3, spec: { channels: [2, 4] as const, hidden: 8 } };
    const a = trainDigitClassifier(stream(12), data, o), b = trainDigitClassifier(stream(12), data, o);
    expect(Array.from(a.losses)).toEqual(Array.from(b.losses));
    expect(Array.from(classifierParameters(a.model))).toEqual(Array.from(classifierParameters(b.model)));
    disposeDigitClassifier(a.model); disposeDigitClassifier(b.model);
  });

  it('names bad arguments', () => {
    const data = subset(train, 0, 2);
    expect(() => trainDigitClassifier(stream(1), { ...data, labels: Uint8Array.of(1) }, opts)).toThrow('trainDigitClassifier: labels.length = 1 must be n = 2');
    expect(() => trainDigitClassifier(stream(1), { ...data, labels: Uint8Array.of(1, 12) }, opts)).toThrow('trainDigitClassifier: labels[1] = 12 must be a digit 0..9');
    expect(() => trainDigitClassifier(stream(1), { ...data, x: data.x.map((v) => v * 2) }, opts)).toThrow('must be in [−1, 1]');
    expect(() => trainDigitClassifier(stream(1), data, { ...opts, epochs: 0 })).toThrow('trainDigitClassifier: options.epochs = 0 must be a positive integer');
    expect(() => trainDigitClassifier(stream(1), data, { ...opts, learningRate: -1 })).toThrow('trainDigitClassifier: options.learningRate = -1 must be positive and finite');
  });
});

describe('mode weights (004 §4.2, Fig. 3)', () => {
  it('weighted proportions are sums of the normalized weights e^{A^i}/Σe^{A^j}; other digits go to otherMass', () => {
    const labels = Int32Array.of(2, 3, 6, 2, 7);
    const logW = Float64Array.of(Math.log(1), Math.log(2), Math.log(3), Math.log(4), Math.log(10)).map((v) => v + 700); // shift-invariant
    const r = weightedModeProportions(labels, logW);
    const want = [5 / 20, 2 / 20, 3 / 20];
    // 700 + log w is rounded to ulp(700) = 1.1e-13, so each weight carries a relative error ≤ 2.3e-13
    r.proportions.forEach((p, j) => expect(Math.abs(p - want[j]!)).toBeLessThanOrEqual(3e-13));
    expect(Math.abs(r.otherMass - 0.5)).toBeLessThanOrEqual(3e-13);
    r.conditional.forEach((p, j) => expect(Math.abs(p - [0.5, 0.2, 0.3][j]!)).toBeLessThanOrEqual(6e-13));
    // −∞ and NaN log-weights weigh 0
    const z = weightedModeProportions(Int32Array.of(2, 3, 6), Float64Array.of(0, -Infinity, NaN));
    expect(Array.from(z.proportions)).toEqual([1, 0, 0]);
  });

  it('unweighted proportions count 1/n; relative errors |p̂ − p|/p against 4/7, 2/7, 1/7', () => {
    const labels = Int32Array.from({ length: 14 }, (_, i) => (i < 8 ? 2 : i < 12 ? 3 : 6)); // 8, 4, 2 of 14
    const r = unweightedModeProportions(labels);
    expect(Array.from(r.proportions)).toEqual([8 / 14, 4 / 14, 2 / 14]);
    expect(Array.from(modeRelativeErrors(r.conditional)).every((e) => e < 1e-15)).toBe(true);
    const e = modeRelativeErrors(Float64Array.of(0.5, 0.3, 0.2));
    [(4 / 7 - 0.5) / (4 / 7), (0.3 - 2 / 7) / (2 / 7), (0.2 - 1 / 7) / (1 / 7)].forEach((v, j) => expect(e[j]).toBeCloseTo(v, 14));
  });

  it('negative control: walkers labelled 1:1:1 with Jarzynski weights 4:2:1 — weighted recovers 4/7, 2/7, 1/7, unweighted is off by up to 133 %', () => {
    const n = 300, labels = Int32Array.from({ length: n }, (_, i) => [2, 3, 6][i % 3]!);
    const logW = Float64Array.from(labels, (l) => Math.log(l === 2 ? 4 : l === 3 ? 2 : 1));
    const w = modeRelativeErrors(weightedModeProportions(labels, logW).conditional);
    const u = modeRelativeErrors(unweightedModeProportions(labels).conditional);
    expect(Math.max(...w)).toBeLessThan(1e-14);
    expect(u[2]).toBeCloseTo(4 / 3, 14); // (1/3 − 1/7)/(1/7)
    expect(Math.max(...u)).toBeGreaterThan(0.1);
  });

  it('resampled proportions average exactly (over systematic resampling\'s uniform V) to the weighted ones', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 3, max: 40 }), (seed, n) => {
      const s = stream(seed);
      const labels = Int32Array.from(uniforms(s, new Float64Array(n)), (u) => [2, 3, 6, 8][Math.floor(4 * u)]!);
      labels[0] = 2; // at least one of the measured digits (the conditional proportions are then defined)
      const logW = uniforms(s, new Float64Array(n)).map((u) => 3 * u - 1.5);
      const weighted = weightedModeProportions(labels, logW);
      // the ancestors are piecewise constant in V with breakpoints frac(M·C_i), C_i the cumulative normalized weights
      const p = new Float64Array(n);
      const e = logW.map(Math.exp), tot = e.reduce((a, b) => a + b, 0);
      const br = [0, 1];
      let c = 0;
      for (let i = 0; i < n; i++) { c += e[i]! / tot; p[i] = c; const f = n * c - Math.floor(n * c); if (f > 0 && f < 1) br.push(f); }
      br.sort((a, b) => a - b);
      const avg = new Float64Array(3);
      for (let k = 0; k + 1 < br.length; k++) {
        const len = br[k + 1]! - br[k]!;
        if (len <= 1e-12) continue; // the count changes within roundoff of a breakpoint; such intervals carry ≤ 1e-12 mass
        const v = (br[k]! + br[k + 1]!) / 2;
        const scheme: ResamplingScheme = (_s, lw, out) => systematicFromUniform(lw, v, out);
        const r = resampledModeProportions(s, labels, logW, scheme);
        for (let j = 0; j < 3; j++) avg[j] = avg[j]! + len * r.proportions[j]!;
      }
      for (let j = 0; j < 3; j++) expect(Math.abs(avg[j]! - weighted.proportions[j]!)).toBeLessThanOrEqual(1e-9);
    }), { numRuns: 50 });
  });

  it('labelsOfAncestors maps indices; the measurement functions name bad input', () => {
    expect(Array.from(labelsOfAncestors(Int32Array.of(2, 3, 6), Int32Array.of(2, 2, 0)))).toEqual([6, 6, 2]);
    expect(() => labelsOfAncestors(Int32Array.of(2), Int32Array.of(1))).toThrow('labelsOfAncestors: ancestors[0] = 1 must be an index in [0, 1)');
    expect(() => weightedModeProportions(Int32Array.of(2, 3), Float64Array.of(0))).toThrow('weightedModeProportions: logWeights.length = 1 must equal labels.length = 2');
    expect(() => weightedModeProportions(Int32Array.of(2), Float64Array.of(Infinity))).toThrow('weightedModeProportions: logWeights[0] = +∞');
    expect(() => unweightedModeProportions(Int32Array.of(11))).toThrow('unweightedModeProportions: labels[0] = 11 must be a digit 0..9');
    expect(() => unweightedModeProportions(Int32Array.of(1, 4))).toThrow('no sample (of positive weight) is labelled as any of the digits 2, 3, 6');
    expect(() => unweightedModeProportions(Int32Array.of(2), [2, 2])).toThrow('unweightedModeProportions: digits[1] = 2 is repeated');
    expect(() => modeRelativeErrors(Float64Array.of(0.5, 0.5))).toThrow('modeRelativeErrors: estimated.length = 2 must equal target.length = 3');
    expect(PAPER_MODE_WEIGHTS.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
  });
});
