// The commands of the scale-out package as people run them: exit codes and messages on bad input.
// (Their success paths run end to end in src/scale-out/test_end_to_end.py.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const folders: string[] = [];
/** A fresh temporary folder, removed after the tests. */
function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function command(script: string, ...args: string[]) {
  const done = spawnSync(process.execPath, ['scripts/run-ts.mjs', script, ...args], { encoding: 'utf8' });
  return { code: done.status, stdout: done.stdout, stderr: done.stderr };
}

describe('npm run export:torch', () => {
  it('prints its usage for --help and exits 2 on a bad flag, a missing argument or an input it cannot read', () => {
    const help = command('tools/export-torch.ts', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run export:torch -- <preset \| share link \| config.json> --out DIR/);
    expect(command('tools/export-torch.ts', 'demo', '--out', 'x', '--bogus')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown flag --bogus') });
    expect(command('tools/export-torch.ts', '--out', 'x')).toMatchObject({ code: 2, stderr: expect.stringContaining('no experiment given') });
    expect(command('tools/export-torch.ts', 'demo')).toMatchObject({ code: 2, stderr: expect.stringContaining('--out DIR is required') });
    expect(command('tools/export-torch.ts', 'no-such-preset', '--out', 'x')).toMatchObject({ code: 2, stderr: expect.stringContaining('is neither a preset') });
  });

  it('does not write into a folder that holds files', () => {
    const out = scratch('cbs-export-');
    writeFileSync(join(out, 'keep.txt'), 'mine');
    expect(command('tools/export-torch.ts', 'demo', '--out', out)).toMatchObject({ code: 1, stderr: expect.stringContaining('is not empty') });
  });
});

describe('npm run prepare-data', () => {
  it('says what is missing in a folder that is not a package, and exits 2 on a bad value', () => {
    const dir = scratch('cbs-prepare-');
    expect(command('tools/prepare-data.ts', dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('experiment.json is missing') });
    expect(command('tools/prepare-data.ts', dir, '--max-train-tokens', '0')).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-train-tokens must be an integer ≥ 1') });
  });
});

describe('npm run cbs on a results folder', () => {
  it('refuses a folder without run records', () => {
    const dir = scratch('cbs-results-');
    mkdirSync(join(dir, 'results'));
    expect(command('tools/cbs.ts', join(dir, 'results'))).toMatchObject({ code: 1, stderr: expect.stringContaining('holds no .jsonl files') });
  });
});
