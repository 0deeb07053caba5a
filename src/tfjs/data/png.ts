/**
 * src/tfjs/data/png — a minimal PNG encoder (W3C PNG specification, 2nd ed.: signature, IHDR, one IDAT, IEND; 8-bit
 * greyscale or RGB, no interlace, filter type 0 on every scanline) written with node:zlib's deflate and a table CRC-32
 * (ISO 3309, polynomial 0xEDB88320), so sample grids need no image dependency; and the sample-grid writer.
 */
import { deflateSync } from 'node:zlib';
import { writeFileAtomic } from '../../io/atomic.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of bytes (the PNG chunk checksum). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)), false);
  return out;
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Encodes width×height pixels, `channels` = 1 (grey) or 3 (RGB) bytes per pixel, row-major interleaved. */
export function encodePng(width: number, height: number, channels: 1 | 3, pixels: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || width < 1) throw new Error(`encodePng: width = ${width} must be a positive integer`);
  if (!Number.isInteger(height) || height < 1) throw new Error(`encodePng: height = ${height} must be a positive integer`);
  if (channels !== 1 && channels !== 3) throw new Error(`encodePng: channels = ${String(channels)} must be 1 or 3`);
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: pixels.length = ${pixels.length} must be width·height·channels = ${width * height * channels}`);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width, false);
  v.setUint32(4, height, false);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: greyscale / truecolour
  // compression 0, filter method 0, interlace 0
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1); // filter byte 0
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface SampleGridOptions {
  /** images per row (default ⌈√n⌉) */
  readonly cols?: number;
  /** pixels between images (default 2) */
  readonly pad?: number;
  /** grey level of the padding in [0, 1] (default 0, black) */
  readonly padValue?: number;
  /** the value range mapped to 0..255 (default [−1, 1]) */
  readonly range?: readonly [number, number];
  /**
   * what to do with values outside `range`: 'error' (default) throws naming the first one; 'clip' saturates them
   * (the usual display of generated samples, which overshoot the data range). NaN always throws.
   */
  readonly outOfRange?: 'error' | 'clip';
  /** integer magnification (default 1) */
  readonly scale?: number;
}

/**
 * A PNG grid of n images of h×w×c (c = 1 or 3; row-major HWC per image, images consecutive), value v mapped to
 * round(255 (v − lo)/(hi − lo)).
 */
export function sampleGridPng(images: Float64Array, n: number, h: number, w: number, c: 1 | 3, options: SampleGridOptions = {}): Uint8Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`sampleGridPng: n = ${n} must be a positive integer`);
  if (!Number.isInteger(h) || h < 1) throw new Error(`sampleGridPng: h = ${h} must be a positive integer`);
  if (!Number.isInteger(w) || w < 1) throw new Error(`sampleGridPng: w = ${w} must be a positive integer`);
  if (c !== 1 && c !== 3) throw new Error(`sampleGridPng: c = ${String(c)} must be 1 or 3`);
  if (images.length !== n * h * w * c) throw new Error(`sampleGridPng: images.length = ${images.length} must be n·h·w·c = ${n * h * w * c}`);
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  const pad = options.pad ?? 2, scale = options.scale ?? 1;
  const [lo, hi] = options.range ?? [-1, 1];
  const clip = (options.outOfRange ?? 'error') === 'clip';
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`sampleGridPng: cols = ${cols} must be a positive integer`);
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`sampleGridPng: pad = ${pad} must be a non-negative integer`);
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`sampleGridPng: scale = ${scale} must be a positive integer`);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new Error(`sampleGridPng: range [${lo}, ${hi}] must be finite with hi > lo`);
  const padValue = options.padValue ?? 0;
  if (!(padValue >= 0 && padValue <= 1)) throw new Error(`sampleGridPng: padValue = ${padValue} must be in [0, 1] (0 black, 1 white)`);
  const rows = Math.ceil(n / cols);
  const W = cols * w * scale + (cols + 1) * pad, H = rows * h * scale + (rows + 1) * pad;
  const px = new Uint8Array(W * H * c).fill(Math.round(255 * padValue));
  for (let k = 0; k < n; k++) {
    const gx = pad + (k % cols) * (w * scale + pad), gy = pad + Math.floor(k / cols) * (h * scale + pad);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
      const idx = ((k * h + y) * w + x) * c + ch;
      let v = images[idx]!;
      if (Number.isNaN(v)) throw new Error(`sampleGridPng: images[${idx}] is NaN`);
      if (v < lo || v > hi) {
        if (!clip) throw new Error(`sampleGridPng: images[${idx}] = ${v} is outside range [${lo}, ${hi}] (pass outOfRange: 'clip' to saturate)`);
        v = v < lo ? lo : hi;
      }
      const b = Math.round((255 * (v - lo)) / (hi - lo));
      for (let sy = 0; sy < scale; sy++) for (let sx = 0; sx < scale; sx++) px[((gy + y * scale + sy) * W + gx + x * scale + sx) * c + ch] = b;
    }
  }
  return encodePng(W, H, c, px);
}

/** Writes PNG bytes atomically. */
export function writePng(path: string, png: Uint8Array): void {
  writeFileAtomic(path, png);
}
