/**
 * JSON-lines run logs: one JSON object per line (toJson: sorted keys, typed arrays as arrays, non-finite numbers as
 * "NaN"/"Infinity"/"-Infinity"), appended with one write(2) per line to a file opened in append mode, so every line
 * is in the OS as soon as `write` returns and a crash loses at most the line being written. `fsync: true` also makes
 * each line durable (slower; for rare, precious records).
 *
 * Resuming: a run that crashed after its last checkpoint at iteration k has logged iterations past k that the resumed
 * run will log again. `openRunLog(path, { dropAfter: k })` first rewrites the log (atomically) without the records
 * whose `iteration` is greater than k and without a torn last line, so the resumed run's log equals the uninterrupted
 * run's.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { parseJson, toJson } from './json.js';

export interface RunLog {
  readonly path: string;
  /** Appends one record as one line. */
  write(record: Readonly<Record<string, unknown>>): void;
  close(): void;
}

export interface RunLogOptions {
  /** Start a new, empty log instead of appending (default false: append). */
  readonly truncate?: boolean;
  /** fsync after every line (default false). */
  readonly fsync?: boolean;
  /** Before appending, drop records whose `iterationKey` field is greater than this (resume from a checkpoint). */
  readonly dropAfter?: number;
  /** The field `dropAfter` compares (default "iteration"). */
  readonly iterationKey?: string;
}

/** Opens (creating if needed) a JSON-lines log for appending. */
export function openRunLog(path: string, options: RunLogOptions = {}): RunLog {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
  const { dropAfter } = options;
  if (dropAfter !== undefined) {
    if (!Number.isFinite(dropAfter)) throw new RangeError(`options.dropAfter must be a finite number, got ${dropAfter}`);
    if (options.truncate === true) throw new RangeError('options.dropAfter and options.truncate exclude each other');
    if (existsSync(path)) {
      const key = options.iterationKey ?? 'iteration';
      const kept = readRunLog(path).filter((r) => !(typeof r[key] === 'number' && (r[key] as number) > dropAfter));
      writeFileAtomic(path, kept.map((r) => toJson(r) + '\n').join(''));
    }
  }
  const fd = openSync(path, options.truncate === true ? 'w' : 'a', 0o644);
  const sync = options.fsync === true;
  let open = true;
  return {
    path,
    write(record) {
      if (!open) throw new Error(`run log ${path} is closed`);
      if (record === null || typeof record !== 'object' || Array.isArray(record) || ArrayBuffer.isView(record)) {
        throw new TypeError('record must be a plain object (one JSON object per line)');
      }
      const line = Buffer.from(toJson(record) + '\n', 'utf8');
      let written = 0;
      while (written < line.length) written += writeSync(fd, line, written, line.length - written);
      if (sync) fsyncSync(fd);
    },
    close() {
      if (open) {
        open = false;
        closeSync(fd);
      }
    },
  };
}

/**
 * The records of a JSON-lines log (non-finite numbers revived). A last line without its '\n' is a write torn by a
 * crash and is ignored; a malformed complete line is a SyntaxError naming its line number.
 */
export function readRunLog(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // '' after the final '\n', or a torn last line
  const records: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = parseJson(line);
    } catch (e) {
      throw new SyntaxError(`${path}:${i + 1}: ${(e as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new SyntaxError(`${path}:${i + 1}: a run-log line must be a JSON object`);
    }
    records.push(value as Record<string, unknown>);
  });
  return records;
}
