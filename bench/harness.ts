/**
 * Shared plumbing of the bench suites: the machine line, tinybench settings, the rate of a task (items per second from
 * its median latency), and the table / JSON-line report. Performance is measured here, never asserted in spec/
 * (DESIGN.md): every suite times a reference in the same run and reports ratios to it, which carry over between
 * machines far better than absolute rates.
 */
import os from 'node:os';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { Bench, type Fn, type Task } from 'tinybench';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  /** the 1-minute load average when the suite ran: above ~1 per core, other processes share the cores being timed */
  readonly loadAverage1m: number;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

export function machineLine(m: Machine = machine()): string {
  return `machine: ${m.cpu} (${m.cores} logical cores), node ${m.node}, ${m.platform}; load average ${m.loadAverage1m}`;
}

/** One measured task: `items` units of work (normals, walker-steps) per call of its function. */
export interface BenchCase {
  readonly name: string;
  readonly items: number;
  readonly fn: Fn;
  /** true for the reference the others are compared with (exactly one per suite) */
  readonly reference?: boolean;
  /** a line of sanity output computed after the run (e.g. moments of the draws, acceptance rate) */
  readonly check?: () => string;
}

export interface CaseResult {
  readonly name: string;
  readonly items: number;
  /** timed calls, all rounds together */
  readonly samples: number;
  /** the smallest of the rounds' median latencies, ms */
  readonly medianMs: number;
  /** the largest of the rounds' median latencies, ms: a wide gap means the machine was busy */
  readonly worstRoundMedianMs: number;
  /** items per second at `medianMs` */
  readonly itemsPerSecond: number;
  /** itemsPerSecond / the reference's itemsPerSecond */
  readonly ratio: number;
  readonly reference: boolean;
  readonly check: string;
}

export interface SuiteOptions {
  /** time budget per task and round, ms (tinybench runs at least `iterations` calls and at least this long) */
  readonly timeMs?: number;
  readonly warmupMs?: number;
  readonly iterations?: number;
  /** rounds over all cases (default 3), the order of the cases rotated each round */
  readonly rounds?: number;
}

/**
 * Runs the cases one after another (one core, no concurrency), `rounds` times with the order rotated, and returns
 * their rates. Each round gives a median latency per case (a GC pause moves the mean, not the median); the best round
 * counts, because on a shared machine load only ever slows a task down, and rotating the order keeps a busy spell from
 * always hitting the same case.
 */
export async function runSuite(name: string, cases: readonly BenchCase[], options: SuiteOptions = {}): Promise<CaseResult[]> {
  const refs = cases.filter((c) => c.reference === true);
  if (refs.length !== 1) throw new RangeError(`suite ${name}: exactly one case must be the reference, got ${refs.length}`);
  const rounds = options.rounds ?? 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be an integer >= 1, got ${rounds}`);
  const medians = cases.map(() => [] as number[]);
  const samples = cases.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      name,
      time: options.timeMs ?? 1000,
      warmupTime: options.warmupMs ?? 200,
      iterations: options.iterations ?? 10,
      warmupIterations: 3,
      throws: true,
    });
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + round) % cases.length]!;
      bench.add(c.name, c.fn);
    }
    await bench.run();
    for (const [i, c] of cases.entries()) {
      const r = (bench.getTask(c.name) as Task).result;
      if (r.state !== 'completed') throw new Error(`suite ${name}: task ${c.name} ended ${r.state}`);
      medians[i]!.push(r.latency.p50);
      samples[i]! += r.latency.samplesCount;
    }
  }
  const raw = cases.map((c, i) => {
    const medianMs = Math.min(...medians[i]!);
    return {
      name: c.name,
      items: c.items,
      samples: samples[i]!,
      medianMs,
      worstRoundMedianMs: Math.max(...medians[i]!),
      itemsPerSecond: (c.items * 1000) / medianMs,
    };
  });
  const refRate = raw[cases.indexOf(refs[0]!)]!.itemsPerSecond;
  return raw.map((r, i) => ({
    ...r,
    ratio: r.itemsPerSecond / refRate,
    reference: cases[i]!.reference === true,
    check: cases[i]!.check?.() ?? '',
  }));
}

/** Formats a rate as millions per second with three significant digits. */
export function millions(x: number): string {
  return (x / 1e6).toPrecision(3);
}

/** Prints an aligned table of rows (first row: the header). */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** One JSON line per suite, prefixed so that logs can be grepped: `BENCH_JSON {...}`. */
export function printJsonLine(record: object): void {
  console.log(`BENCH_JSON ${JSON.stringify(record)}`);
}

/** True when the module at `url` is the script node was started with (so each suite also runs on its own). */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(entry).href === url;
}

/** Mean and variance of a buffer, and how many standard errors each is from N(0, 1)'s (0, 1): a sanity check. */
export function standardNormalCheck(x: Float64Array): string {
  const n = x.length;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    s += x[i]!;
    s2 += x[i]! * x[i]!;
  }
  const mean = s / n;
  const variance = s2 / n - mean * mean;
  // SE of the mean 1/√n and of the variance √(2/n) under N(0, 1).
  const zMean = mean * Math.sqrt(n);
  const zVar = (variance - 1) / Math.sqrt(2 / n);
  const flag = Math.abs(zMean) > 6 || Math.abs(zVar) > 6 ? '  SUSPECT' : '';
  return `mean ${mean.toFixed(4)} (z ${zMean.toFixed(1)}), var ${variance.toFixed(4)} (z ${zVar.toFixed(1)})${flag}`;
}
