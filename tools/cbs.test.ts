// Runs the real command line (npm run cbs → scripts/run-ts.mjs → esbuild → node) on the sample files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CbsReport } from '../src/cbs/report';
import { FIXTURE_SWEEP, noisySweepCsv, paperChinchillaCsv, paperNotebookCsv } from '../src/cbs/synthetic';
import { syntheticResults } from '../src/experiment/synthetic';
import { NOTEBOOK_CHINCHILLA_FIT, PAPER_TABLE } from '../src/cbs/paper';

const dir = mkdtempSync(join(tmpdir(), 'cbs-cli-'));
const fixture = (name: string) => join('src/cbs/fixtures', name);

function cbs(...args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'tools/cbs.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cbs command line', () => {
  it('the sample files are what the generators produce', () => {
    expect(readFileSync(fixture('paper-chinchilla.csv'), 'utf8')).toBe(paperChinchillaCsv());
    expect(readFileSync(fixture('paper-notebook.csv'), 'utf8')).toBe(paperNotebookCsv());
    expect(readFileSync(fixture('noisy-sweep.csv'), 'utf8')).toBe(noisySweepCsv(1000, 400000, 7));
    expect(JSON.parse(readFileSync(fixture('synthetic-results.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(syntheticResults(FIXTURE_SWEEP))));
  });

  it('paper CSV: one B* per model equal to the paper\'s table, and the Chinchilla scaling fit (e ≈ 0.47)', () => {
    const out = join(dir, 'paper.json');
    const r = cbs(fixture('paper-chinchilla.csv'), '--context', '512', '--resamples', '100', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/B\* \(20% over linear scaling from B = 256\): 745 sequences/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as CbsReport;
    expect(report.groups.map((g) => g.cbs.bStar as number).map((b, i) => Math.abs(b / PAPER_TABLE[i].bStarSequences - 1))).toSatisfy((errs: number[]) => errs.every((e) => e < 1e-9));
    const chinchilla = report.scaling.find((s) => s.against === 'modelSize');
    expect(chinchilla?.description).toMatch(/Chinchilla-style/);
    expect(Math.abs((chinchilla?.fit.e as number) - 0.47)).toBeLessThan(0.005);
    // c for N in millions: c_params · 1e6^e ≈ 93.2.
    expect(Math.abs(((chinchilla?.fit.c as number) * 1e6 ** (chinchilla?.fit.e as number)) / 93.2 - 1)).toBeLessThan(0.02);
    expect(chinchilla?.paper?.points).toHaveLength(5);
  });

  it("the paper's notebook table (model_params_m,batch_size,steps_to_target): its B* to the decimal and e = 0.468, N read in millions", () => {
    expect(readFileSync(fixture('paper-notebook.csv'), 'utf8').split('\n')[0]).toBe('model_params_m,batch_size,steps_to_target');
    const r = cbs(fixture('paper-notebook.csv'), '--baseline', '256', '--resamples', '100', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as CbsReport;
    expect(report.groups.map((g) => +(g.cbs.bStar as number).toFixed(1))).toEqual([745.3, 955.2, 1393.7, 1888.5, 2533.4]);
    expect(report.groups.map((g) => g.modelSize)).toEqual(PAPER_TABLE.map((row) => row.params));
    expect(report.input?.columns.modelSize).toEqual({ header: 'model_params_m', how: 'alias', unit: 'millions', unitFrom: 'header' });
    const law = report.scaling.find((s) => s.against === 'modelSize');
    expect(+(law?.fit.e as number).toFixed(3)).toBe(NOTEBOOK_CHINCHILLA_FIT.e);
    // c in the paper's unit (N in millions) is 93.2, from c in parameters: c · 1e6^e.
    expect(+((law?.fit.c as number) * 1e6 ** (law?.fit.e as number)).toFixed(1)).toBe(NOTEBOOK_CHINCHILLA_FIT.c);
    // The table says what it read and in which unit, and the law in the paper's unit.
    const text = cbs(fixture('paper-notebook.csv'), '--baseline', '256', '--resamples', '100');
    expect(text.stdout).toContain('model size N from "model_params_m" in millions of parameters (from the header), converted to parameters');
    expect(text.stdout).toContain("with N in millions of parameters (the paper's unit): B* = 93.2·N^0.468");
    expect(text.stdout).toContain('B* (20% over linear scaling from B = 256): 745.3 sequences');
  });

  it('a W&B-style export: quoted names with commas, columns named with flags, groups from a column', () => {
    const file = join(dir, 'wandb.csv');
    const rows = ['Name,State,Group,train/global_batch,steps_to_3.5'];
    for (const [group, a, b] of [['small, lr sweep', 1000, 64000], ['large, lr sweep', 800, 128000]] as const) {
      for (const batch of [16, 32, 64, 128, 256, 512]) rows.push(`"${group} B=${batch}",finished,"${group}",${batch},${a + b / batch}`);
    }
    writeFileSync(file, rows.join('\n') + '\n');
    const r = cbs(file, '--batch-col', 'train/global_batch', '--steps-col', 'steps_to_3.5', '--group-col', 'Group', '--resamples', '100', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as CbsReport;
    expect(report.groups.map((g) => g.label).sort()).toEqual(['large, lr sweep', 'small, lr sweep']);
    // R(B) = a + b/B from the smallest B (16): B* = 1.2·16 + b/(5a), exact for noiseless points.
    const bStar = Object.fromEntries(report.groups.map((g) => [g.label, g.cbs.bStar as number]));
    expect(bStar['small, lr sweep']).toBeCloseTo(1.2 * 16 + 64000 / 5000, 6);
    expect(bStar['large, lr sweep']).toBeCloseTo(1.2 * 16 + 128000 / 4000, 6);
  });

  it('noisy CSV with several runs per batch size: the min is taken, the interval printed, the unreached run listed', () => {
    const r = cbs(fixture('noisy-sweep.csv'), '--json', '--resamples', '200', '--seed', '3', '--ci', '80');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as CbsReport;
    const g = report.groups[0];
    expect(g.points[0].runs).toHaveLength(3);
    expect(g.points[0].steps).toBe(Math.min(...g.points[0].runs.map((x) => x.steps as number)));
    expect(g.interval).toMatchObject({ status: 'ok', level: 0.8, seed: 3, resamples: 200 });
    // Truth: a = 1000, b = 400000, baseline 16 → B* = 99.2; 5% noise.
    expect(Math.abs((g.cbs.bStar as number) / 99.2 - 1)).toBeLessThan(0.1);
    expect(g.unreached).toHaveLength(1);
  });

  it('results JSON: --interpolate, --target, --overhead and --baseline change the analysis', () => {
    const out = join(dir, 'results.json');
    const r = cbs(fixture('synthetic-results.json'), '--interpolate', '--target', '3.6', '--overhead', '0.5', '--baseline', '8', '--resamples', '100', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/target loss 3.6 \(override, every measurement\)/);
    expect(r.stdout).toMatch(/noise scale B_simple/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as CbsReport;
    expect(report.groups[0].cbs.bStar as number).toBeCloseTo(1.5 * 8 + 0.5 * 32, 5);
    expect(report.groups[0].points[0].steps as number).toBeCloseTo(1800 * Math.exp(-1 / 3), 5);
  });

  it('bad input: one clear line on stderr, a non-zero exit, never a stack trace', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'batch_size,steps\n64,100\n128,oops\n');
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"version": 1, "runs": 3}');
    const garbled = join(dir, 'garbled.json');
    writeFileSync(garbled, '{"version": 1, runs');
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, `{"version":1,"runs":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    const cases: [string[], number, RegExp][] = [
      [[deep], 1, /deep\.json: The file is nested more than 32 levels deep/],
      [[bad], 1, /line 3: steps "oops" is not a positive number/],
      [[badJson], 1, /bad\.json: .*config is not an object/],
      [[garbled], 1, /garbled\.json: The file is not valid JSON/],
      [[join(dir, 'missing.csv')], 1, /cannot read .*missing\.csv: ENOENT/],
      [[fixture('noisy-sweep.csv'), '--overhead', 'x'], 2, /--overhead must be a positive number/],
      [[fixture('noisy-sweep.csv'), '--target', '3'], 2, /--target needs results JSON/],
      [[fixture('noisy-sweep.csv'), '--bogus'], 2, /unknown flag --bogus/],
      [[fixture('noisy-sweep.csv'), '--resamples', '5'], 2, /--resamples must be an integer ≥ 10 and ≤ 1000000 \(got "5"\)/],
      [[fixture('noisy-sweep.csv'), '--model-size-unit', 'lots'], 2, /--model-size-unit must be units, thousands, millions, billions/],
      [[fixture('noisy-sweep.csv'), '--group-col', 'team'], 1, /line 2: no column "team" \(--group-col\)/],
      [[fixture('noisy-sweep.csv'), '--overhead', '1e308'], 1, /overhead must be a positive number up to 10/],
      [[fixture('synthetic-results.json'), '--target=-1'], 2, /--target must be a number > 0/],
      [[], 2, /no input file given/],
    ];
    for (const [args, code, message] of cases) {
      const r = cbs(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // A byte-order mark (Windows editors) is accepted in JSON as in CSV.
    const bom = join(dir, 'bom.json');
    writeFileSync(bom, `\uFEFF${readFileSync(fixture('synthetic-results.json'), 'utf8')}`);
    const withBom = cbs(bom, '--resamples', '100');
    expect(withBom.stderr).toBe('');
    expect(withBom.code).toBe(0);
    const help = cbs('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: npm run cbs/);
  });

  it('several data sizes: each measurement against its own target; --target NAME=L overrides one, an unknown name is an error', () => {
    const d1 = syntheticResults();
    const d2 = syntheticResults({ config: { ...d1.config, dataSizes: [80_000] }, a: 20, b: 2000, target: 2.4, seed: 3 });
    const both = { ...d1, config: { ...d1.config, dataSizes: [20_000, 80_000] }, targets: [...d1.targets, ...d2.targets], runs: [...d1.runs, ...d2.runs] };
    const file = join(dir, 'two-d.json');
    writeFileSync(file, JSON.stringify(both));
    const plain = cbs(file, '--json', '--resamples', '50');
    expect(plain.code).toBe(0);
    const report = JSON.parse(plain.stdout) as CbsReport;
    expect(report.groups.map((g) => g.target.loss)).toEqual([2.6, 2.4]);
    expect(report.groups.map((g) => g.target.source)).toEqual(['results', 'results']);
    const one = JSON.parse(cbs(file, '--json', '--resamples', '50', '--target', `${report.groups[1].label}=2.5`).stdout) as CbsReport;
    expect(one.groups.map((g) => [g.target.loss, g.target.source])).toEqual([[2.6, 'results'], [2.5, 'override']]);
    // The first measurement is untouched; the second's steps are recomputed at the easier target.
    expect(one.groups[0].points.map((p) => p.steps)).toEqual(report.groups[0].points.map((p) => p.steps));
    expect(one.groups[1].points[0].steps as number).toBeLessThan(report.groups[1].points[0].steps as number);
    const unknown = cbs(file, '--target', 'nobody=2.5');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no measurement is named "nobody"/);
    expect(cbs(file, '--target', '2.5', '--target', 'x=2').code).toBe(2);
  });
});
