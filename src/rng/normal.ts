/**
 * Standard normal draws by the ziggurat method of Marsaglia & Tsang ("The ziggurat method for generating random
 * variables", J. Stat. Softw. 5(8), 2000) with 128 layers, driven by xoshiro128** words instead of SHR3 (whose
 * correlations Leong et al. 2005 showed to spoil the original).
 *
 * One 32-bit signed word j gives the layer i = j & 127 and the abscissa x = j · w_i; about 98.8 % of draws are accepted
 * at once (|j| < k_i). The rest go through the wedge test and, for layer 0, Marsaglia's exact tail sampler. The low
 * seven bits of j also name the layer, so the fast-path abscissae of layer i are spaced 128 · w_i = x_i · 2^-24 apart
 * (at most 2.3·10⁻⁷, in the base layer), far below any statistic this project measures.
 */
import type { Stream } from './stream.js';
import { uniformOpen } from './uniform.js';

const LAYERS = 128;
const R = 3.442619855899; // right edge of the base layer
const V = 9.91256303526217e-3; // area of each layer
const M1 = 2147483648; // 2^31

/** k_i: acceptance thresholds on |j|; w_i: x-scale of layer i; f_i = exp(−x_i²/2). Built once, as in the paper. */
const K = new Float64Array(LAYERS);
const W = new Float64Array(LAYERS);
const F = new Float64Array(LAYERS);
{
  let dn = R;
  let tn = dn;
  const q = V / Math.exp(-0.5 * dn * dn);
  K[0] = Math.floor((dn / q) * M1);
  K[1] = 0;
  W[0] = q / M1;
  W[LAYERS - 1] = dn / M1;
  F[0] = 1;
  F[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    K[i + 1] = Math.floor((dn / tn) * M1);
    tn = dn;
    F[i] = Math.exp(-0.5 * dn * dn);
    W[i] = dn / M1;
  }
}

/**
 * The tables, for code that runs the same ziggurat on words from elsewhere (bench/rng.bench.ts's pure-rand reference,
 * worker kernels). Treat them as read-only.
 */
export const ZIGGURAT_TABLES = { layers: LAYERS, r: R, k: K, w: W, f: F } as const;

/** The slow path for a rejected word j in layer i: wedge test, tail, or a fresh word (which may again be slow). */
function slowPath(stream: Stream, j: number, i: number): number {
  for (;;) {
    if (i === 0) {
      // Tail beyond R (Marsaglia 1964): x = −log(u₁)/R, accepted when −2 log(u₂) > x².
      let x: number, y: number;
      do {
        x = -Math.log(uniformOpen(stream)) / R;
        y = -Math.log(uniformOpen(stream));
      } while (y + y < x * x);
      return j > 0 ? R + x : -R - x;
    }
    const x = j * W[i]!;
    if (F[i]! + uniformOpen(stream) * (F[i - 1]! - F[i]!) < Math.exp(-0.5 * x * x)) return x;
    j = stream.next();
    i = j & (LAYERS - 1);
    if (Math.abs(j) < K[i]!) return j * W[i]!;
  }
}

/** One standard normal draw. */
export function normal(stream: Stream): number {
  const j = stream.next();
  const i = j & (LAYERS - 1);
  if (Math.abs(j) < K[i]!) return j * W[i]!;
  return slowPath(stream, j, i);
}

/** The number of draws per inner call: short calls let V8 optimize the loop normally instead of by on-stack
 * replacement in the middle of one long first call (measured: ~3.0 ms instead of ~2.0 ms per 5·10⁵ draws). */
const CHUNK = 2048;

/**
 * Fills out[offset … offset + n − 1] with standard normal draws; returns out. The draws equal those of n calls to
 * `normal(stream)`, but the xoshiro128** recurrence runs on local variables (the fast path allocates nothing).
 */
export function normals(stream: Stream, out: Float64Array, offset = 0, n = out.length - offset): Float64Array {
  if (!Number.isInteger(offset) || !Number.isInteger(n) || offset < 0 || n < 0 || offset + n > out.length) {
    throw new RangeError(`normals: offset ${offset} and n ${n} must lie within out (length ${out.length})`);
  }
  for (let p = offset, end = offset + n; p < end; p += CHUNK) fillNormals(stream, out, p, Math.min(end, p + CHUNK));
  return out;
}

function fillNormals(stream: Stream, out: Float64Array, begin: number, end: number): void {
  const st = stream.state;
  let s0 = st[0]!, s1 = st[1]!, s2 = st[2]!, s3 = st[3]!;
  for (let p = begin; p < end; p++) {
    // xoshiro128**: result = rotl(s1·5, 7)·9, then the linear engine update.
    const m = Math.imul(s1, 5);
    const j = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const i = j & (LAYERS - 1);
    if (Math.abs(j) < K[i]!) {
      out[p] = j * W[i]!;
    } else {
      st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
      out[p] = slowPath(stream, j, i);
      s0 = st[0]!; s1 = st[1]!; s2 = st[2]!; s3 = st[3]!;
    }
  }
  st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
}
