// The command line, run for real (npm run theory → scripts/run-ts.mjs → tools/theory.ts), on the
// float64 reference (--cpu) so that it needs no GPU; the GPU path is the same runner.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TheoryResults } from './experiment';
import { tinyTheoryConfig } from './presets';

const dir = mkdtempSync(join(tmpdir(), 'theory-cli-'));

function theory(...args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'tools/theory.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run theory', () => {
  it('--help prints the usage and exits 0', () => {
    const r = theory('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run theory -- --a A --b B/);
    expect(r.stdout).toMatch(/--json/);
  });

  it('bad flags and bad values exit 2 with a reason and the usage', () => {
    for (const [args, reason] of [
      [['--a', '2', '--b', '4', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['--a', '2'], /--a and --b are required/],
      [['--a', 'two', '--b', '4'], /--a must be a number \(got "two"\)/],
      [['--a', '1', '--b', '4'], /a: a must be greater than 1/],
      [['--a', '2', '--b', '0'], /b: b must be greater than 1 \(got 0\)/],
      [['--a', '2', '--b', '4', '--dim', '16'], /dim: M = 16 is too small for the budget/],
      [['--a', '2', '--b', '4', '--budgets', '32,64'], /budgets: the smallest budget is too small to resolve the target/],
      [['--a', '2', '--b', '4', '--preset', 'huge'], /--preset must be one of quick, full, large/],
      [['--a', '2', '--b', '4', '--decays', '0.9'], /--decays needs --averaging ewa/],
      [['--config', join(dir, 'missing.json')], /cannot read/],
    ] as const) {
      const r = theory(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toMatch(/usage: npm run theory/);
    }
  });

  it('--json prints measured, interval and predicted; --out writes the whole results', () => {
    const config = tinyTheoryConfig();
    const file = join(dir, 'tiny.json');
    const out = join(dir, 'results.json');
    writeFileSync(file, JSON.stringify(config));
    const r = theory('--config', file, '--cpu', '--json', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { measured: number; interval: [number, number]; predicted: number; crossing: { measured: number | null }; seedBootstrap: null };
    expect(Object.keys(printed)).toEqual(['measured', 'interval', 'predicted', 'crossing', 'seedBootstrap']);
    expect(printed.predicted).toBe(0.5);
    const results = JSON.parse(readFileSync(out, 'utf8')) as TheoryResults & { wallSeconds: number; device: string };
    expect(printed.measured).toBe(results.measured);
    expect(printed.interval).toEqual(results.interval);
    expect(printed.crossing.measured).toBe(results.crossing.measured);
    expect(printed.seedBootstrap).toBeNull();

    // --from analyses the saved runs again, to the same numbers, without training.
    const again = theory('--from', out, '--json');
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(printed);
    // Written out again, the file keeps where and how long its runs trained.
    const rewritten = join(dir, 'again.json');
    expect(theory('--from', out, '--quiet', '--out', rewritten).code).toBe(0);
    const kept = JSON.parse(readFileSync(rewritten, 'utf8')) as typeof results;
    expect([kept.device, kept.wallSeconds, kept.measured]).toEqual([results.device, results.wallSeconds, results.measured]);
    const replicates = theory('--from', out, '--analysis-seeds', 'replicates', '--quiet');
    expect(replicates.code).toBe(0);
    expect(replicates.stdout).toMatch(/analysed again from \d+ saved runs \(trained on float64 reference on the CPU in \d+\.\d s\)/);
    for (const [args, reason] of [
      [['--from', out, '--a', '3'], /--from analyses runs already made: --a would change the experiment/],
      [['--from', file], /is not a theory results file/],
      [['--from', join(dir, 'missing.json')], /cannot read .* as JSON/],
      [['--from', out, '--seed-bootstrap', '100'], /--seed-bootstrap needs at least 4 seeds \(the experiment has 2\)/],
      [['--from', out, '--seed-bootstrap', '2.5'], /--seed-bootstrap must be an integer from 0 to 10000/],
    ] as const) {
      const bad = theory(...args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(reason);
    }
    expect(results.device).toBe('float64 reference on the CPU');
    expect(results.config).toEqual(config);

    const text = theory('--config', file, '--cpu', '--quiet', '--b', '4.2', '--seeds', '3');
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/a = 2, b = 4.2, M = 32, σ² = 1, uniform averaging, seeds 3/);
    expect(text.stdout).toMatch(/measured exponent of B\* in D: -?\d\.\d{3}, 90% interval/);
    expect(text.stdout).toMatch(/predicted 1 − a\/min\(b, 2a\+1\): 0\.524/);
  });
});
