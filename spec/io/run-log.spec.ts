/**
 * Run logs and progress (Layer A): every line parses as one object, appends survive reopening, a torn last line is
 * ignored, resuming drops the records past the checkpoint; the progress display draws a bar on a TTY and periodic
 * plain lines otherwise, with rate and ETA from an injected clock.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgress, formatDuration, type ProgressStream } from '../../src/io/progress.js';
import { openRunLog, readRunLog } from '../../src/io/run-log.js';

const dir = mkdtempSync(join(tmpdir(), 'ebm-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run log', () => {
  it('writes one parseable JSON object per line, flushed at once, and appends on reopen', () => {
    const path = join(dir, 'a.jsonl');
    const log = openRunLog(path, { truncate: true });
    log.write({ iteration: 0, ess: Float64Array.from([1]), logZ: -Infinity });
    // Flushed: the line is in the file before close.
    expect(readFileSync(path, 'utf8')).toBe('{"ess":[1],"iteration":0,"logZ":"-Infinity"}\n');
    log.write({ iteration: 1, p: NaN });
    log.close();
    const again = openRunLog(path);
    again.write({ iteration: 2, p: 0.25 });
    again.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.length).toBe(4);
    expect(lines[3]).toBe('');
    for (const line of lines.slice(0, 3)) expect(typeof JSON.parse(line)).toBe('object');
    const records = readRunLog(path);
    expect(records.map((r) => r['iteration'])).toEqual([0, 1, 2]);
    expect(records[0]!['logZ']).toBe(-Infinity);
    expect(records[1]!['p']).toBeNaN();
  });

  it('ignores a torn last line, rejects a malformed complete line with its number', () => {
    const path = join(dir, 'b.jsonl');
    writeFileSync(path, '{"iteration":0}\n{"iteration":1}\n{"itera');
    expect(readRunLog(path).map((r) => r['iteration'])).toEqual([0, 1]);
    writeFileSync(path, '{"iteration":0}\nnot json\n');
    expect(() => readRunLog(path)).toThrow(/b\.jsonl:2: /);
    writeFileSync(path, '[1,2]\n');
    expect(() => readRunLog(path)).toThrow(/b\.jsonl:1: a run-log line must be a JSON object/);
  });

  it('on resume drops the records past the checkpoint and the torn line, so the log equals the uninterrupted one', () => {
    const straight = join(dir, 'straight.jsonl');
    const resumed = join(dir, 'resumed.jsonl');
    const a = openRunLog(straight, { truncate: true });
    for (let k = 0; k < 10; k++) a.write({ iteration: k, value: k * k });
    a.close();
    // The interrupted run logged up to 6 and tore line 7; its last checkpoint was at iteration 4.
    const b = openRunLog(resumed, { truncate: true });
    for (let k = 0; k <= 6; k++) b.write({ iteration: k, value: k * k });
    b.close();
    appendFileSync(resumed, '{"iteration":7,"val');
    const c = openRunLog(resumed, { dropAfter: 4 });
    for (let k = 5; k < 10; k++) c.write({ iteration: k, value: k * k });
    c.close();
    expect(readFileSync(resumed, 'utf8')).toBe(readFileSync(straight, 'utf8'));
  });

  it('validates its arguments', () => {
    const path = join(dir, 'c.jsonl');
    expect(() => openRunLog('')).toThrow(/path must be a non-empty string/);
    expect(() => openRunLog(path, { dropAfter: NaN })).toThrow(/options\.dropAfter must be a finite number/);
    expect(() => openRunLog(path, { dropAfter: 1, truncate: true })).toThrow(/exclude each other/);
    const log = openRunLog(path, { fsync: true });
    expect(() => log.write([1] as unknown as Record<string, unknown>)).toThrow(/record must be a plain object/);
    log.close();
    expect(() => log.write({ a: 1 })).toThrow(/is closed/);
  });
});

describe('progress', () => {
  function fakeStream(isTTY: boolean): ProgressStream & { out: string[] } {
    const out: string[] = [];
    return { isTTY, columns: 120, out, write: (s: string) => out.push(s) };
  }

  it('plain mode: one line per interval with counts, rate and ETA, and a final line', () => {
    let t = 0;
    const stream = fakeStream(false);
    const p = createProgress({ total: 1000, label: 'alg1', stream, intervalMs: 10_000, now: () => t });
    for (let k = 1; k <= 1000; k++) {
      t = k * 50; // 20 iterations per second
      p.update(k, `ess ${(k / 1000).toFixed(2)}`);
    }
    p.finish();
    // Updates at t = 50 ms (the first), then every ≥ 10 s: 10.05, 20.05, 30.05, 40.05 s; then the final line.
    expect(stream.out.length).toBe(6);
    expect(stream.out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(stream.out[2]).toBe('alg1 401/1000 (40.1%) 20.0 it/s elapsed 0:20 ETA 0:30 ess 0.40\n');
    expect(stream.out[5]).toBe('alg1 1000/1000 (100.0%) 20.0 it/s elapsed 0:50 ETA 0:00\n');
  });

  it('TTY mode: redraws one line in place with a bar, at most every 100 ms', () => {
    let t = 0;
    const stream = fakeStream(true);
    const p = createProgress({ total: 100, stream, start: 50, now: () => t });
    for (let k = 51; k <= 100; k++) {
      t = (k - 50) * 40; // 25 it/s counted from the resume point, not from 0
      p.update(k);
    }
    p.finish();
    expect(stream.out.every((l) => l.startsWith('\r'))).toBe(true);
    expect(stream.out.length).toBeLessThanOrEqual(Math.ceil(2000 / 100) + 2);
    const last = stream.out[stream.out.length - 1]!;
    expect(last).toMatch(/^\r\[#{40}\] 100\/100 \(100\.0%\) 25\.0 it\/s elapsed 0:02 ETA 0:00\x1b\[K\n$/);
    expect(stream.out[0]).toMatch(/\[#{20}-{20}\] 51\/100/);
  });

  it('formats durations and validates its arguments', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
    expect(() => createProgress({ total: 0 })).toThrow(/options\.total must be a positive integer/);
    expect(() => createProgress({ total: 10, start: 11 })).toThrow(/options\.start must be an integer in \[0, total\]/);
    const p = createProgress({ total: 10, stream: fakeStream(false) });
    expect(() => p.update(11)).toThrow(/done must be in \[0, 10\]/);
  });
});
