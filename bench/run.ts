/**
 * `npm run bench`: every bench suite, one after another on one core, each with its reference measured in the same run.
 * `node dist/bench/run.js rng` (or `samplers`) runs only the named suites. Output: a table per suite, and one
 * `BENCH_JSON {...}` line per suite for scripts. bench/README.md records a run and the machine it was taken on.
 */
import process from 'node:process';
import { machineLine } from './harness.js';
import { printRngReport, rngBench } from './rng.bench.js';
import { printSamplersReport, samplersBench } from './samplers.bench.js';
import { gmmBench, printGmmReport } from './gmm.bench.js';
import { printTfjsReport, tfjsBench } from './tfjs.bench.js';

const suites: Record<string, () => Promise<void>> = {
  rng: async () => printRngReport(await rngBench()),
  samplers: async () => printSamplersReport(await samplersBench()),
  gmm: async () => printGmmReport(await gmmBench()),
  tfjs: async () => printTfjsReport(await tfjsBench()),
};

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(name in suites)) throw new RangeError(`unknown bench suite ${JSON.stringify(name)}; known: ${Object.keys(suites).join(', ')}`);
}
const names = asked.length > 0 ? asked : Object.keys(suites);
console.log(`ebm-ts bench: ${names.join(', ')}`);
console.log(machineLine());
const t0 = performance.now();
for (const name of names) await suites[name]!();
console.log(`\nbench done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
