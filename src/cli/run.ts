/**
 * `ebm run CONFIG.json`: reads a config, validates it completely (zod schemas, strict: unknown keys are errors) before
 * any work starts, and dispatches on its "experiment" field. Errors list every problem with its JSON path.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ZodError, ZodType } from 'zod';
import { gmmConfigSchema, runGmm } from '../../experiments/gmm/run.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** "path: message" for each issue, one per line. */
export function formatZodError(error: ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  return `invalid config ${source}:\n${lines.join('\n')}`;
}

export function parseConfig<T>(schema: ZodType<T>, value: unknown, source: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, source));
  return parsed.data;
}

const EXPERIMENTS = ['gmm'] as const;

/** Validates and runs a config object; returns the result of the experiment. */
export function runConfig(value: unknown, source: string, out?: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`invalid config ${source}: expected a JSON object`);
  const experiment = (value as Record<string, unknown>)['experiment'];
  const dir = resolve(out ?? `runs/${String(experiment)}`);
  switch (experiment) {
    case 'gmm': {
      const config = parseConfig(gmmConfigSchema, value, source);
      console.log(`ebm run: ${config.title}\n  d = ${config.d}, N = ${config.walkers}, n = ${config.dataSize}, K = ${config.iterations}, h = ${config.h}, ${config.runs} run(s), seed ${config.seed}; output ${dir}`);
      const result = runGmm(config, { out: dir, log: (line) => console.log(line) });
      console.log(`results: ${result.files.filter((f) => f.endsWith('.json') || f.endsWith('.svg')).join(', ')}`);
      return result;
    }
    default:
      throw new ConfigError(`invalid config ${source}: "experiment" must be one of ${EXPERIMENTS.join(', ')}, got ${JSON.stringify(experiment)}`);
  }
}

export function runConfigFile(path: string, out?: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return runConfig(value, path, out);
}
