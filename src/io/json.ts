/**
 * JSON output for results, configs and checkpoint manifests.
 *
 * - Typed arrays become plain arrays (numeric arrays print on one line, so a 10⁴-element trajectory stays readable).
 * - Keys are sorted at every level, so the same value always gives the same text (stable diffs, config hashes).
 * - Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity" (JSON has no token for them, and
 *   `JSON.stringify` would silently write null, which reads back as 0 in many tools). The strings are what Python's
 *   `float()` and `numpy.asarray(..., dtype=float)` parse, and `parseJson`/`reviveNonFinite` turn them back into
 *   numbers. The cost: a genuine string "NaN" also reads back as a number when revived; the reviver is opt-in.
 * - −0 is written as `-0` (valid JSON; `JSON.parse` gives −0 back), so values round-trip bit for bit except NaN
 *   payloads. Finite doubles are written in JavaScript's shortest round-trip form, which parses back exactly.
 * - undefined object members are omitted (as in JSON.stringify); undefined array elements, functions, symbols,
 *   bigints, Maps, Sets and cycles are TypeErrors naming the path, never silently dropped.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';

/** A JSON value as written by `toJson` (after typed arrays became arrays). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ToJsonOptions {
  /** Spaces per indentation level; 0 (the default) writes everything on one line. */
  readonly indent?: number;
}

const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function numberText(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  if (Object.is(x, -0)) return '-0';
  return String(x); // shortest round-trip representation (ECMA-262 Number::toString)
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';
}

function typedArrayText(v: ArrayBufferView, path: string, comma: string): string {
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    throw new TypeError(`${path}: bigint arrays are not supported in JSON (convert to numbers or strings first)`);
  }
  if (v instanceof DataView) throw new TypeError(`${path}: a DataView is not a JSON value`);
  const a = v as unknown as ArrayLike<number>;
  const parts = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) parts[i] = numberText(a[i]!);
  return `[${parts.join(comma)}]`;
}

/** The JSON text of `value` (see the module comment for the conventions). */
export function toJson(value: unknown, options: ToJsonOptions = {}): string {
  const indent = options.indent ?? 0;
  if (!Number.isInteger(indent) || indent < 0 || indent > 10) {
    throw new RangeError(`options.indent must be an integer in [0, 10], got ${indent}`);
  }
  const stack = new Set<object>();
  const sep = indent > 0 ? ': ' : ':';

  const write = (v: unknown, path: string, depth: number): string => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON: (key: string) => unknown }).toJSON(path);
    }
    if (v === null) return 'null';
    switch (typeof v) {
      case 'number': return numberText(v);
      case 'boolean': return v ? 'true' : 'false';
      case 'string': return JSON.stringify(v);
      case 'object': break;
      default: throw new TypeError(`${path}: a ${typeof v} is not a JSON value`);
    }
    const obj = v as object;
    if (ArrayBuffer.isView(obj)) return typedArrayText(obj, path, indent > 0 ? ', ' : ',');
    if (obj instanceof Map || obj instanceof Set) {
      throw new TypeError(`${path}: a ${obj.constructor.name} is not a JSON value (convert it to an object or array)`);
    }
    if (stack.has(obj)) throw new TypeError(`${path}: cyclic reference`);
    stack.add(obj);
    const pad = indent > 0 ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
    const end = indent > 0 ? '\n' + ' '.repeat(indent * depth) : '';
    let text: string;
    if (Array.isArray(obj)) {
      const parts = obj.map((item, i) => {
        if (item === undefined) throw new TypeError(`${path}[${i}]: undefined is not a JSON value`);
        return write(item, `${path}[${i}]`, depth + 1);
      });
      // Arrays of scalars stay on one line even when indented.
      text = parts.length === 0 ? '[]'
        : obj.every(isScalar) || indent === 0 ? `[${parts.join(indent > 0 ? ', ' : ',')}]`
        : `[${pad}${parts.join(',' + pad)}${end}]`;
    } else {
      const keys = Object.keys(obj).sort();
      const parts: string[] = [];
      for (const k of keys) {
        const item = (obj as Record<string, unknown>)[k];
        if (item === undefined) continue;
        parts.push(`${JSON.stringify(k)}${sep}${write(item, `${path}.${k}`, depth + 1)}`);
      }
      text = parts.length === 0 ? '{}' : `{${pad}${parts.join(',' + pad)}${end}}`;
    }
    stack.delete(obj);
    return text;
  };

  if (value === undefined) throw new TypeError('$: undefined is not a JSON value');
  return write(value, '$', 0);
}

/** A `JSON.parse` reviver that turns the strings "NaN", "Infinity", "-Infinity" back into numbers. */
export function reviveNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value;
}

export interface ParseJsonOptions {
  /** Revive "NaN"/"Infinity"/"-Infinity" strings as numbers (default true). */
  readonly nonFinite?: boolean;
}

/** Parses JSON text written by `toJson`, reviving non-finite numbers unless `nonFinite: false`. */
export function parseJson(text: string, options: ParseJsonOptions = {}): unknown {
  return options.nonFinite === false ? JSON.parse(text) : JSON.parse(text, reviveNonFinite);
}

/** Writes `value` as JSON (indented by 2 unless told otherwise, with a final newline) atomically. */
export function writeJson(path: string, value: unknown, options: ToJsonOptions = { indent: 2 }): void {
  writeFileAtomic(path, toJson(value, options) + '\n');
}

/** Reads a JSON file (see `parseJson`); a parse error names the file. */
export function readJson(path: string, options: ParseJsonOptions = {}): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return parseJson(text, options);
  } catch (e) {
    throw new SyntaxError(`${path}: ${(e as Error).message}`);
  }
}
