/**
 * src/tfjs/backend — the one place that chooses and prepares a tfjs backend (DESIGN.md "Image experiments"; issue 6
 * item 1). Order of preference: `tensorflow` (@tensorflow/tfjs-node, an optional dependency that cannot install where
 * its libtensorflow download is unreachable), `webgpu` (the npm package `webgpu` (Dawn) plus
 * @tensorflow/tfjs-backend-webgpu, on a machine with a GPU; see ../shared/gpu/README.md), `wasm` (with the kernels it
 * lacks registered here), then the pure-JS `cpu`. Every candidate is loaded by a dynamic import, so importing this
 * module loads no backend; `selectBackend` reports the backend chosen and, for every candidate tried, why it was or was
 * not taken.
 *
 * Float32 boundary: tfjs computes in float32, the core in float64. `toFloat32` / `toTensor2d` / `toTensor` round each
 * float64 to the nearest float32 (IEEE 754 round-to-nearest-even, `Math.fround`): relative error ≤ 2⁻²⁴ for
 * |v| ≥ 2⁻¹²⁶ (the normal range), absolute error ≤ 2⁻¹⁵⁰ below it (subnormals; |v| ≤ 2⁻¹⁵⁰ becomes ±0 — gradual
 * underflow is rounding, not refused). They refuse NaN, ±∞ and values that overflow float32, i.e. whose nearest float32
 * is ±∞: |v| ≥ 2¹²⁸ − 2¹⁰³ (the midpoint between FLT_MAX = 2¹²⁸ − 2¹⁰⁴ and 2¹²⁸, which rounds to even, ∞); values
 * in (FLT_MAX, 2¹²⁸ − 2¹⁰³) round to FLT_MAX with relative error < 2⁻²⁴ like any other. Errors name the argument and
 * the index. `tensorToFloat64` / `tensorToFloat64Sync` widen float32 exactly. Nothing is silently clamped.
 */
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'node' | 'webgpu' | 'wasm' | 'cpu';

/** tfjs's own name of each candidate backend. */
export const TFJS_BACKEND_NAME: Readonly<Record<BackendName, string>> = {
  node: 'tensorflow',
  webgpu: 'webgpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** The default order of preference. */
export const BACKEND_ORDER: readonly BackendName[] = ['node', 'webgpu', 'wasm', 'cpu'];

/** One candidate's outcome. */
export interface BackendAttempt {
  readonly backend: BackendName;
  readonly ok: boolean;
  /** why it was taken or skipped (the import error, "no GPU adapter", ...) */
  readonly reason: string;
}

export interface BackendSelection {
  /** the candidate chosen */
  readonly backend: BackendName;
  /** tfjs's name of it (`tf.getBackend()`) */
  readonly tfjsName: string;
  /** why it was chosen: the last attempt's reason, prefixed by the skipped ones */
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
}

/** A loader prepares one candidate: registers it with tfjs (imports, kernel registration) or throws why it cannot. */
export type BackendLoader = () => Promise<string>;

export interface SelectBackendOptions {
  /** try this one first, then the rest in the default order */
  readonly prefer?: BackendName;
  /** only try `prefer` (or the given order): throw if none works instead of falling through to the rest */
  readonly only?: boolean;
  /** silence tfjs's banner and warnings (sets tfjs's PROD flag) */
  readonly quiet?: boolean;
  /** replace candidate loaders (tests simulate absent or failing backends this way) */
  readonly loaders?: Partial<Record<BackendName, BackendLoader>>;
}

/** A dynamic import whose specifier TypeScript does not resolve (the package may be absent). */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

function message(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  const line = s.split('\n')[0] ?? s;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

async function loadNode(): Promise<string> {
  try {
    await importOptional('@tensorflow/tfjs-node');
  } catch (e) {
    throw new Error(`@tensorflow/tfjs-node is not available (${message(e)})`);
  }
  return '@tensorflow/tfjs-node loaded';
}

async function loadWebgpu(): Promise<string> {
  const g = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } };
  if (g.navigator?.gpu === undefined) {
    let webgpu: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
    try {
      webgpu = (await importOptional('webgpu')) as typeof webgpu;
    } catch (e) {
      throw new Error(`the npm package webgpu is not installed (${message(e)})`);
    }
    // ../shared/gpu/README.md: Dawn's globals and navigator.gpu must exist before tfjs-backend-webgpu loads.
    let gpu: unknown;
    try {
      gpu = webgpu.create([]);
    } catch (e) {
      throw new Error(`webgpu: Dawn could not start (${message(e)})`);
    }
    Object.assign(globalThis, webgpu.globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  const adapter = await (globalThis as typeof g).navigator!.gpu!.requestAdapter();
  if (adapter === null || adapter === undefined) throw new Error('webgpu: no GPU adapter found');
  try {
    await importOptional('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    throw new Error(`@tensorflow/tfjs-backend-webgpu is not installed (${message(e)})`);
  }
  return 'webgpu adapter found, @tensorflow/tfjs-backend-webgpu loaded';
}

async function loadWasm(): Promise<string> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmKernels();
  return '@tensorflow/tfjs-backend-wasm loaded, Conv2DBackpropFilter registered (dilated forward convolution)';
}

async function loadCpu(): Promise<string> {
  return 'pure-JS cpu backend (always available)';
}

export const DEFAULT_LOADERS: Readonly<Record<BackendName, BackendLoader>> = {
  node: loadNode,
  webgpu: loadWebgpu,
  wasm: loadWasm,
  cpu: loadCpu,
};

/**
 * Chooses the first candidate that loads and initialises, in the order `prefer`, then node, webgpu, wasm, cpu, and
 * makes it tfjs's current backend. Throws (listing every attempt) only when `only` is set and that candidate fails.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const { prefer, only = false, quiet = false } = options;
  if (prefer !== undefined && !BACKEND_ORDER.includes(prefer)) {
    throw new Error(`selectBackend: prefer = ${String(prefer)} must be one of ${BACKEND_ORDER.join(', ')}`);
  }
  if (only && prefer === undefined) throw new Error('selectBackend: only = true needs prefer');
  if (quiet) tf.env().set('PROD', true);
  const order = only ? [prefer!] : prefer === undefined ? [...BACKEND_ORDER] : [prefer, ...BACKEND_ORDER.filter((b) => b !== prefer)];
  const attempts: BackendAttempt[] = [];
  for (const backend of order) {
    const loader = options.loaders?.[backend] ?? DEFAULT_LOADERS[backend];
    let reason: string;
    try {
      reason = await loader();
      const name = TFJS_BACKEND_NAME[backend];
      if (tf.findBackendFactory(name) === null) throw new Error(`tfjs has no backend named ${name} registered`);
      // setBackend resolves false (and logs) when initialisation fails.
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed to initialise`);
      await tf.ready();
    } catch (e) {
      attempts.push({ backend, ok: false, reason: message(e) });
      continue;
    }
    attempts.push({ backend, ok: true, reason });
    const skipped = attempts.slice(0, -1).map((a) => `${a.backend}: ${a.reason}`);
    return {
      backend,
      tfjsName: tf.getBackend(),
      reason: skipped.length ? `${reason} (skipped ${skipped.join('; ')})` : reason,
      attempts,
    };
  }
  throw new Error(`selectBackend: no backend could be initialised: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Conv2DBackpropFilter for the wasm backend (it ships none; the pure-JS cpu one took 71 s per weight gradient of a
// 3-conv net at batch 64, ../shared/gpu/README.md).
//
// The forward convolution (NHWC, filter [fh, fw, Cin, Cout], stride s, pads pT, pL) is
//   y[n, i, j, o] = Σ_{a, b, c} x[n, i·s_h + a − pT, j·s_w + b − pL, c] · w[a, b, c, o],
// so its filter gradient is
//   dW[a, b, c, o] = Σ_{n, i, j} x[n, a + i·s_h − pT, b + j·s_w − pL, c] · dy[n, i, j, o].
// Read with c as the batch, (a, b) as output pixels, n as the input channel and (i, j) as filter taps, this is a
// forward convolution with stride 1 and dilation s of X' = xᵀ [Cin, H, W, N] with the filter W' = dyᵀ [Ho, Wo, N, Cout],
// padded by pT above and pL on the left and sized to give fh × fw outputs; its result [Cin, fh, fw, Cout] transposed is
// dW. Rows/columns of x that the forward convolution never reads (valid padding with a stride that does not divide) are
// cropped, since the bottom/right padding would otherwise be negative.
// ---------------------------------------------------------------------------------------------------------------------

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs?: Record<string, unknown> };

function runBackendKernel(name: string, backendName: string, args: KernelArgs): tf.TensorInfo {
  const k = tf.getKernel(name, backendName);
  if (k === undefined) throw new Error(`${backendName} backend has no ${name} kernel`);
  const r = k.kernelFunc(args as Parameters<typeof k.kernelFunc>[0]);
  if (Array.isArray(r)) throw new Error(`${name} returned several tensors`);
  return r as tf.TensorInfo;
}

/** Geometry of the filter-gradient-as-forward-convolution, computed from the forward convolution's attributes. */
export interface BackpropFilterPlan {
  /** permutation taking x to [Cin, H, W, N] */
  readonly xPerm: readonly number[];
  /** permutation taking dy to [Ho, Wo, N, Cout] */
  readonly dyPerm: readonly number[];
  /** rows / columns of x kept (the rest is never read by the forward convolution) */
  readonly keepH: number;
  readonly keepW: number;
  /** explicit padding of the dilated convolution, NHWC */
  readonly pad: [[0, 0], [number, number], [number, number], [0, 0]];
  readonly dilations: [number, number];
}

export function backpropFilterPlan(
  xShape: readonly number[],
  dyShape: readonly number[],
  filterShape: readonly [number, number, number, number],
  strides: [number, number] | number,
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
  dataFormat: 'NHWC' | 'NCHW',
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): BackpropFilterPlan {
  if (xShape.length !== 4) throw new Error(`Conv2DBackpropFilter: x must be rank 4, got shape [${xShape.join(', ')}]`);
  if (dyShape.length !== 4) throw new Error(`Conv2DBackpropFilter: dy must be rank 4, got shape [${dyShape.join(', ')}]`);
  const nhwc = dataFormat === 'NHWC';
  if (!nhwc && dataFormat !== 'NCHW') throw new Error(`Conv2DBackpropFilter: dataFormat = ${String(dataFormat)} must be NHWC or NCHW`);
  const xNhwc = nhwc ? [...xShape] : [xShape[0]!, xShape[2]!, xShape[3]!, xShape[1]!];
  const info = tf.backend_util.computeConv2DInfo(
    xNhwc as [number, number, number, number], [...filterShape] as [number, number, number, number], strides, 1, pad,
    dimRoundingMode, false, 'channelsLast',
  );
  const dyNhwc = nhwc ? dyShape : [dyShape[0]!, dyShape[2]!, dyShape[3]!, dyShape[1]!];
  const [, H, W] = xNhwc as [number, number, number, number];
  const [fh, fw] = filterShape;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [Ho, Wo] = [dyNhwc[1]!, dyNhwc[2]!];
  if (Ho !== info.outHeight || Wo !== info.outWidth) {
    throw new Error(`Conv2DBackpropFilter: dy spatial shape ${Ho}×${Wo} must equal the forward output ${info.outHeight}×${info.outWidth}`);
  }
  const pT = info.padInfo.top, pL = info.padInfo.left;
  // Output size (H + pT + pB − (s(Ho − 1) + 1)) + 1 = fh gives pB; a negative pB means rows never read: crop them.
  const pB = fh + sh * (Ho - 1) - H - pT;
  const pR = fw + sw * (Wo - 1) - W - pL;
  return {
    xPerm: nhwc ? [3, 1, 2, 0] : [1, 2, 3, 0],
    dyPerm: nhwc ? [1, 2, 0, 3] : [2, 3, 0, 1],
    keepH: pB < 0 ? H + pB : H,
    keepW: pR < 0 ? W + pR : W,
    pad: [[0, 0], [pT, Math.max(pB, 0)], [pL, Math.max(pR, 0)], [0, 0]],
    dilations: [sh, sw],
  };
}

/**
 * The filter gradient of conv2d on a backend that has Transpose, Slice and a dilated forward Conv2D (wasm), as the
 * dilated forward convolution derived above.
 */
export function conv2dBackpropFilterViaForward(backendName: string): tf.KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as tf.KernelBackend;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const plan = backpropFilterPlan(x.shape, dy.shape, a.filterShape, a.strides, a.pad, a.dataFormat, a.dimRoundingMode);
    const temps: tf.TensorInfo[] = [];
    const run = (name: string, inp: Record<string, tf.TensorInfo>, at: Record<string, unknown>) => {
      const r = runBackendKernel(name, backendName, { inputs: inp, backend, attrs: at });
      temps.push(r);
      return r;
    };
    try {
      let xt = run('Transpose', { x }, { perm: plan.xPerm }); // [Cin, H, W, N]
      if (plan.keepH !== xt.shape[1] || plan.keepW !== xt.shape[2]) {
        xt = run('Slice', { x: xt }, { begin: [0, 0, 0, 0], size: [xt.shape[0], plan.keepH, plan.keepW, xt.shape[3]] });
      }
      const dyt = run('Transpose', { x: dy }, { perm: plan.dyPerm }); // [Ho, Wo, N, Cout]
      const g = run('Conv2D', { x: xt, filter: dyt }, { strides: [1, 1], pad: plan.pad, dataFormat: 'NHWC', dilations: plan.dilations, dimRoundingMode: undefined }); // [Cin, fh, fw, Cout]
      const out = runBackendKernel('Transpose', backendName, { inputs: { x: g }, backend, attrs: { perm: [1, 2, 0, 3] } }); // [fh, fw, Cin, Cout]
      return out;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** Registers the kernels the wasm backend lacks (idempotent). Currently: Conv2DBackpropFilter. */
export function registerWasmKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterViaForward('wasm') });
}

// ---------------------------------------------------------------------------------------------------------------------
// The float32 boundary.
// ---------------------------------------------------------------------------------------------------------------------

/** 2¹²⁸ − 2¹⁰³: the smallest magnitude whose nearest float32 is ∞ (the header). */
const F32_OVERFLOW = 2 ** 128 - 2 ** 103;

/**
 * Rounds a float64 batch to the nearest float32, refusing NaN, ±∞ and values that overflow float32 (|v| ≥ 2¹²⁸ − 2¹⁰³),
 * named by index.
 */
export function toFloat32(name: string, values: Float64Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new Error(`${name}: value[${i}] = ${v} must be finite`);
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw new Error(`${name}: value[${i}] = ${v} overflows float32 (|v| must be < 2¹²⁸ − 2¹⁰³ = ${F32_OVERFLOW})`);
    out[i] = f;
  }
  return out;
}

/** An n×d float32 tensor from a row-major float64 batch (rounded to nearest; see the module header). */
export function toTensor2d(x: Float64Array, n: number, d: number, name = 'toTensor2d'): tf.Tensor2D {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: n = ${n} must be a non-negative integer`);
  if (!Number.isInteger(d) || d < 1) throw new Error(`${name}: d = ${d} must be a positive integer`);
  if (x.length !== n * d) throw new Error(`${name}: x.length = ${x.length} must be n·d = ${n * d}`);
  return tf.tensor2d(toFloat32(name, x), [n, d], 'float32');
}

/** A float32 tensor of any shape from float64 values. */
export function toTensor(values: Float64Array, shape: readonly number[], name = 'toTensor'): tf.Tensor {
  shape.forEach((s, i) => { if (!Number.isInteger(s) || s < 0) throw new Error(`${name}: shape[${i}] = ${s} must be a non-negative integer`); });
  const size = shape.reduce((a, b) => a * b, 1);
  if (values.length !== size) throw new Error(`${name}: values.length = ${values.length} must be the product of shape [${shape.join(', ')}] = ${size}`);
  return tf.tensor(toFloat32(name, values), [...shape], 'float32');
}

function widen(name: string, data: ArrayLike<number>, out: Float64Array): Float64Array {
  if (out.length !== data.length) throw new Error(`${name}: out.length = ${out.length} must be the tensor's size ${data.length}`);
  for (let i = 0; i < data.length; i++) out[i] = data[i]!;
  return out;
}

/** Copies a tensor into a float64 `out` (exact widening); works on every backend (webgpu needs the async read). */
export async function tensorToFloat64(t: tf.Tensor, out: Float64Array = new Float64Array(t.size)): Promise<Float64Array> {
  return widen('tensorToFloat64', (await t.data()) as Float32Array, out);
}

/** Synchronous read (cpu, wasm, tensorflow backends; webgpu's dataSync fails in Node, use `tensorToFloat64`). */
export function tensorToFloat64Sync(t: tf.Tensor, out: Float64Array = new Float64Array(t.size)): Float64Array {
  return widen('tensorToFloat64Sync', t.dataSync() as Float32Array, out);
}
