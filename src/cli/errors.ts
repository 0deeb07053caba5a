/** Config errors of the `ebm` command: every problem of a config, each with its JSON path and the constraint. */
import type { ZodError, ZodType } from 'zod';

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
