/**
 * Every calibrated statistical test of the suite and its false-failure probability α (TESTING.md: ≤ 1e-6 per test,
 * ≤ 1e-4 for the suite; spec/_support/alpha-registry.spec.ts checks the sum). A test looks its α up by name, so a test
 * cannot run unregistered. Negative controls are listed too: for them α is the probability that the control passes
 * by chance (a false alarm of "the test cannot detect the wrong variant").
 *
 * Keep entries grouped by spec file.
 */
export const ALPHA: Readonly<Record<string, number>> = {
  // spec/_support/stat.spec.ts
  'stat: DKW accepts exact normal draws': 1e-6,
};
