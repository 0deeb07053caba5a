/**
 * Energies and parameters in run configs (`ebm run`): a strict zod schema for an energy spec, a builder, and θ given
 * either as the flat vector the energy uses or in named parts ({a, b, z} for 004 (15), {mean, logScale} for the
 * Gaussian, …). Everything is checked when the config is read, before any work: θ's length against the energy's
 * paramDim, finiteness, and the energy's own constraints (κ > 0, b > 0, Σ₀ SPD), by evaluating U once at the origin.
 *
 * Specs (θ layout in brackets; src/energies for the formulas):
 *   {"kind": "twoModeMixture", "d"}            004 (15)        [a (d), b (d), z]            θ also as {a, b, z}
 *   {"kind": "gaussian", "d", "cov0"?}         N(μ, e^{2s}Σ₀)  [μ (d), s]                   θ also as {mean, logScale}
 *   {"kind": "mixture", "k", "d"}              001 (2.4)       [logits (K), μ (K·d), log σ (K)]  θ also as {p, means, sigmas}
 *   {"kind": "doubleWell", "d"}                                [κ]                          θ also as {kappa}
 *   {"kind": "rosenbrock"}                     000 Fig. 3      [a, b]                       θ also as {a, b}
 * cov0 is a d×d nested array or a flat row-major array of d² numbers (identity by default).
 */
import { z } from 'zod';
import {
  doubleWellEnergy, gaussianEnergy, gaussianTheta, mixtureEnergy, mixtureTheta, rosenbrockEnergy, twoModeMixtureEnergy,
  twoModeTheta, type Energy,
} from '../energies/index.js';
import { readNpy, type NpyData } from '../io/npy.js';

const dim = z.number().int().min(1);

export const energySpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('twoModeMixture'), d: dim }).strict(),
  z.object({ kind: z.literal('gaussian'), d: dim, cov0: z.union([z.array(z.array(z.number())), z.array(z.number())]).optional() }).strict(),
  z.object({ kind: z.literal('mixture'), k: dim, d: dim }).strict(),
  z.object({ kind: z.literal('doubleWell'), d: dim }).strict(),
  z.object({ kind: z.literal('rosenbrock') }).strict(),
]);

export type EnergySpec = z.infer<typeof energySpecSchema>;

/** A path inside a config, as zod writes it. */
export type ConfigPath = (string | number)[];

/** One problem found in a config: where, and which constraint. */
export interface ConfigIssue {
  readonly path: ConfigPath;
  readonly message: string;
}

/** The dimension d of the spec's energy. */
export function specDim(spec: EnergySpec): number {
  return spec.kind === 'rosenbrock' ? 2 : spec.d;
}

/** The θ layout of a spec, for messages. */
export function thetaLayout(spec: EnergySpec): string {
  switch (spec.kind) {
    case 'twoModeMixture': return '[a (d), b (d), z]';
    case 'gaussian': return '[mean (d), logScale]';
    case 'mixture': return '[logits (K), means (K·d), log sigmas (K)]';
    case 'doubleWell': return '[kappa]';
    case 'rosenbrock': return '[a, b]';
  }
}

function flatCov0(spec: Extract<EnergySpec, { kind: 'gaussian' }>): { cov0: Float64Array } | { issue: ConfigIssue } {
  const d = spec.d;
  if (spec.cov0 === undefined) {
    const eye = new Float64Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 1;
    return { cov0: eye };
  }
  const c = spec.cov0;
  if (c.length > 0 && Array.isArray(c[0])) {
    const rows = c as number[][];
    if (rows.length !== d) return { issue: { path: ['cov0'], message: `must be a d×d matrix with d = ${d}: got ${rows.length} rows` } };
    const bad = rows.findIndex((r) => r.length !== d);
    if (bad >= 0) return { issue: { path: ['cov0', bad], message: `must have d = ${d} entries (cov0 is d×d), got ${rows[bad]!.length}` } };
    return { cov0: Float64Array.from(rows.flat()) };
  }
  if (c.length !== d * d) return { issue: { path: ['cov0'], message: `a flat cov0 must have d² = ${d * d} numbers (row-major d×d, d = ${d}), got ${c.length}` } };
  return { cov0: Float64Array.from(c as number[]) };
}

/**
 * Builds the spec's energy; problems (a cov0 of the wrong shape or not SPD) come back as issues relative to the spec.
 */
export function tryBuildEnergy(spec: EnergySpec): { energy: Energy; defaultTheta?: Float64Array } | { issues: ConfigIssue[] } {
  switch (spec.kind) {
    case 'twoModeMixture':
      return { energy: twoModeMixtureEnergy(spec.d) };
    case 'gaussian': {
      const c = flatCov0(spec);
      if ('issue' in c) return { issues: [c.issue] };
      try {
        // N(0, Σ₀) is the natural default: μ = 0, s = 0.
        return { energy: gaussianEnergy(c.cov0, spec.d), defaultTheta: gaussianTheta(new Float64Array(spec.d), 0) };
      } catch (err) {
        return { issues: [{ path: ['cov0'], message: `must be symmetric positive definite: ${(err as Error).message}` }] };
      }
    }
    case 'mixture':
      return { energy: mixtureEnergy(spec.k, spec.d) };
    case 'doubleWell':
      return { energy: doubleWellEnergy(spec.d), defaultTheta: Float64Array.of(1) };
    case 'rosenbrock':
      // The classic banana (a, b) = (1, 100) of 000 Fig. 3.
      return { energy: rosenbrockEnergy(), defaultTheta: Float64Array.of(1, 100) };
  }
}

/** The spec's energy (and a natural default θ where one exists); a RangeError listing the problems otherwise. */
export function buildEnergy(spec: EnergySpec): { energy: Energy; defaultTheta?: Float64Array } {
  const r = tryBuildEnergy(spec);
  if ('issues' in r) throw new RangeError(r.issues.map((i) => `energy.${i.path.join('.')}: ${i.message}`).join('; '));
  return r;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** Reads the named form of θ for the spec; issues are relative to the θ value. */
function namedTheta(spec: EnergySpec, value: Record<string, unknown>): { theta: Float64Array } | { issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const allowed: Record<EnergySpec['kind'], string[]> = {
    twoModeMixture: ['a', 'b', 'z'], gaussian: ['mean', 'logScale'], mixture: ['p', 'means', 'sigmas'], doubleWell: ['kappa'], rosenbrock: ['a', 'b'],
  };
  const keys = allowed[spec.kind];
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) issues.push({ path: [key], message: `unrecognized key "${key}": θ of ${spec.kind} is an array ${thetaLayout(spec)} or an object {${keys.join(', ')}}` });
  }
  const vector = (key: string, len: number): number[] | null => {
    const v = value[key];
    if (!isNumberArray(v)) {
      issues.push({ path: [key], message: v === undefined ? `required (an array of ${len} numbers)` : `must be an array of ${len} numbers` });
      return null;
    }
    if (v.length !== len) {
      issues.push({ path: [key], message: `must have ${len} numbers, got ${v.length}` });
      return null;
    }
    return v;
  };
  const scalar = (key: string, fallback?: number): number | null => {
    const v = value[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number') {
      issues.push({ path: [key], message: v === undefined ? 'required (a number)' : 'must be a number' });
      return null;
    }
    return v;
  };
  let theta: Float64Array | null = null;
  switch (spec.kind) {
    case 'twoModeMixture': {
      const a = vector('a', spec.d), b = vector('b', spec.d), zz = scalar('z');
      if (a && b && zz !== null && Number.isFinite(zz)) theta = twoModeTheta(Float64Array.from(a), Float64Array.from(b), zz);
      break;
    }
    case 'gaussian': {
      const mean = vector('mean', spec.d), s = scalar('logScale', 0);
      if (mean && s !== null && Number.isFinite(s)) theta = gaussianTheta(Float64Array.from(mean), s);
      break;
    }
    case 'mixture': {
      const p = vector('p', spec.k), sigmas = vector('sigmas', spec.k);
      let means: number[] | null = null;
      const m = value['means'];
      if (Array.isArray(m) && m.length > 0 && Array.isArray(m[0])) {
        if (m.length !== spec.k) issues.push({ path: ['means'], message: `must have K = ${spec.k} rows, got ${m.length}` });
        else {
          const bad = m.findIndex((r) => !isNumberArray(r) || r.length !== spec.d);
          if (bad >= 0) issues.push({ path: ['means', bad], message: `must be an array of d = ${spec.d} numbers` });
          else means = (m as number[][]).flat();
        }
      } else {
        means = vector('means', spec.k * spec.d);
      }
      if (p && sigmas && means) {
        p.forEach((v, j) => { if (!(v > 0)) issues.push({ path: ['p', j], message: `must be > 0 (a mode probability), got ${v}` }); });
        sigmas.forEach((v, j) => { if (!(v > 0)) issues.push({ path: ['sigmas', j], message: `must be > 0, got ${v}` }); });
        if (issues.length === 0) theta = mixtureTheta(p, means, sigmas);
      }
      break;
    }
    case 'doubleWell': {
      const kappa = scalar('kappa');
      if (kappa !== null) theta = Float64Array.of(kappa);
      break;
    }
    case 'rosenbrock': {
      const a = scalar('a'), b = scalar('b');
      if (a !== null && b !== null) theta = Float64Array.of(a, b);
      break;
    }
  }
  return issues.length > 0 || theta === null ? { issues: issues.length ? issues : [{ path: [], message: 'invalid θ' }] } : { theta };
}

/**
 * θ from a config value (a flat array or the named form) for `energy` built from `spec`. Checks the length against
 * paramDim (naming both), finiteness, and the energy's own constraints by evaluating U_θ once at the origin. Issues
 * are relative to the θ value's path.
 */
export function resolveTheta(spec: EnergySpec, energy: Energy, value: unknown): { theta: Float64Array } | { issues: ConfigIssue[] } {
  let theta: Float64Array;
  if (Array.isArray(value)) {
    if (!isNumberArray(value)) return { issues: [{ path: [], message: 'must be an array of numbers' }] };
    if (value.length !== energy.paramDim) {
      return { issues: [{ path: [], message: `must have length paramDim = ${energy.paramDim} of ${energy.name} (θ = ${thetaLayout(spec)}), got ${value.length}` }] };
    }
    theta = Float64Array.from(value);
  } else if (isRecord(value)) {
    const r = namedTheta(spec, value);
    if ('issues' in r) return r;
    theta = r.theta;
  } else {
    return { issues: [{ path: [], message: `must be an array ${thetaLayout(spec)} of ${energy.paramDim} numbers or a named object, got ${JSON.stringify(value) ?? 'nothing'}` }] };
  }
  const bad = theta.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return { issues: [{ path: Array.isArray(value) ? [bad] : [], message: `θ[${bad}] must be finite, got ${theta[bad]}` }] };
  try {
    // The energy's own constraints (κ > 0, b > 0, …) are checked by its methods: evaluate once at the origin.
    energy.energy(theta, new Float64Array(energy.dim), 1, new Float64Array(1));
  } catch (err) {
    return { issues: [{ path: [], message: (err as Error).message }] };
  }
  return { theta };
}

/** Adds `issues` (relative paths) under `base` to a zod refinement context. */
export function addIssues(ctx: z.RefinementCtx, base: ConfigPath, issues: readonly ConfigIssue[]): void {
  for (const i of issues) ctx.addIssue({ code: 'custom', path: [...base, ...i.path], message: i.message });
}

/**
 * For a config's superRefine: builds the energy at `base` (adding issues on failure) and returns it, or null.
 */
export function refineEnergy(ctx: z.RefinementCtx, base: ConfigPath, spec: EnergySpec): { energy: Energy; defaultTheta?: Float64Array } | null {
  const r = tryBuildEnergy(spec);
  if ('issues' in r) {
    addIssues(ctx, base, r.issues);
    return null;
  }
  return r;
}

/** For a config's superRefine: checks a θ value at `base` against the energy (see resolveTheta). */
export function refineTheta(ctx: z.RefinementCtx, base: ConfigPath, spec: EnergySpec, energy: Energy, value: unknown): Float64Array | null {
  const r = resolveTheta(spec, energy, value);
  if ('issues' in r) {
    addIssues(ctx, base, r.issues);
    return null;
  }
  return r.theta;
}

/** θ from a value already validated by refineTheta (throws a RangeError otherwise). */
export function thetaOf(spec: EnergySpec, energy: Energy, value: unknown): Float64Array {
  const r = resolveTheta(spec, energy, value);
  if ('issues' in r) throw new RangeError(r.issues.map((i) => `θ${i.path.map((p) => `.${p}`).join('')}: ${i.message}`).join('; '));
  return r.theta;
}

/** A config path as `formatZodError` writes it: `data.npy`, `methods[0].batchSize`. */
export function formatConfigPath(path: ConfigPath): string {
  if (path.length === 0) return '(root)';
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/**
 * Points (rows × d, float64) from an NPY file of shape [rows, d] (or [rows] when d = 1); `rows` undefined accepts any
 * positive count. Problems come back as a message naming the file, the shape found and the shape expected.
 */
export function readPointsNpy(path: string, d: number, rows: number | undefined, what: string): { points: Float64Array; rows: number } | { message: string } {
  let npy: NpyData;
  try {
    npy = readNpy(path);
  } catch (err) {
    return { message: `cannot read ${what} from ${path}: ${(err as Error).message}` };
  }
  const shape = npy.shape;
  const expected = `[${rows ?? 'n'}, ${d}]${d === 1 ? ` or [${rows ?? 'n'}]` : ''}`;
  if (!(npy.data instanceof Float64Array)) {
    return { message: `${what} in ${path} must be float64 ('<f8'; in NumPy: x.astype(np.float64)), got ${npy.data.constructor.name}` };
  }
  const ok = (shape.length === 2 && shape[1] === d) || (d === 1 && shape.length === 1);
  if (!ok) return { message: `${what} in ${path} has shape [${shape.join(', ')}], expected ${expected}: the energy's dimension is d = ${d}` };
  const n = shape[0]!;
  if (n < 1) return { message: `${what} in ${path} has no rows (shape [${shape.join(', ')}])` };
  if (rows !== undefined && n !== rows) return { message: `${what} in ${path} has ${n} rows, expected ${rows} (shape ${expected})` };
  const bad = npy.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return { message: `${what} in ${path} holds a non-finite value at flat index ${bad} (${npy.data[bad]})` };
  return { points: npy.data, rows: n };
}
