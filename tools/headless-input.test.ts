// The headless runner on damaged links: decoding is total, so a link nested 10,000 deep or a
// 20 MB one is a usage error (exit 2, as its help promises) in one short line, never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handPacked } from '../src/experiment/fixtures/hand-packed';
import { InputError, resolveInput } from './headless/input';

const deepLink = `https://lab.example/#v1.c.${handPacked(`{"version":${'['.repeat(10_000)}1${']'.repeat(10_000)},"models":[]}`)}`;

describe('headless runner input', () => {
  it('a link nested 10,000 deep is an InputError in one line', () => {
    let error: unknown = null;
    try {
      resolveInput(deepLink);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^the share link cannot be opened: .*nested more than 32 levels deep/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('the command exits 2 with one short line for a deep link and for a 20 MB file of nesting', () => {
    // 20 MB cannot be one command-line argument: it comes as a file, the runner's other input.
    const file = join(mkdtempSync(join(tmpdir(), 'cbs-headless-')), 'deep.json');
    writeFileSync(file, '['.repeat(20 * 1024 * 1024));
    for (const input of [deepLink, file]) {
      const r = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'tools/headless.ts', input, '--no-build'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.length).toBeLessThan(700);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
