/**
 * src/cli: `ebm run` dispatches every experiment folder's config.json to that experiment's own schema. Each
 * experiment's smoke spec (spec/experiments/) runs it on a tiny config; here we check the dispatch: every shipped
 * config validates, an unknown key is reported with the experiment's path before any work starts, and one small run
 * goes through runConfig end to end.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, runConfig } from '../../src/cli/run.js';

const ROOT = join(import.meta.dirname, '../../experiments');
const dirs: string[] = [];
beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => {
  vi.restoreAllMocks();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** Every experiments/<name>/config.json whose "experiment" field names a runnable experiment. */
const shipped = readdirSync(ROOT)
  .filter((name) => existsSync(join(ROOT, name, 'config.json')))
  .map((name) => ({ name, config: JSON.parse(readFileSync(join(ROOT, name, 'config.json'), 'utf8')) as Record<string, unknown> }));

describe('ebm run: every experiment folder is wired in', () => {
  it('each folder with a config.json names itself in "experiment"', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(12);
    for (const { name, config } of shipped) expect(config['experiment'], name).toBe(name);
  });

  it.each(shipped.map((s) => [s.name, s.config] as const))('%s: an unknown key is a ConfigError naming it, and nothing is written', (name, config) => {
    const out = join(mkdtempSync(join(tmpdir(), 'ebm-cli-exp-')), 'out');
    dirs.push(join(out, '..'));
    let error: unknown;
    try {
      runConfig({ ...config, bogusKey: 1 }, `${name}/config.json`, out);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/bogusKey/);
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown experiment lists every experiment', () => {
    expect(() => runConfig({ experiment: 'nope' }, 'x.json')).toThrow(ConfigError);
    try {
      runConfig({ experiment: 'nope' }, 'x.json');
    } catch (err) {
      for (const { name } of shipped) expect((err as Error).message).toContain(name);
    }
  });

  it('a small vae-gan config runs through runConfig and writes its results', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'vae-gan', 'config.json'), 'utf8')) as Record<string, any>;
    config['vae'].steps = 40;
    config['vae'].dataSize = 50;
    config['gan'].iterations = 30;
    const out = mkdtempSync(join(tmpdir(), 'ebm-cli-vg-'));
    dirs.push(out);
    runConfig(config, 'vae-gan/config.json', out);
    expect(readdirSync(out).some((f) => f.endsWith('.json'))).toBe(true);
  });
});
