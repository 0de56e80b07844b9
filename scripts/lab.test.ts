// npm run lab decides to install only when node_modules does not match package-lock.json, and to
// build only when dist/ is older than the sources: scripts/lab.mjs --check, in folders made here.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = resolve('scripts/lab.mjs');

function check(cwd: string): { install: string; build: string } {
  const r = spawnSync(process.execPath, [script, '--check'], { cwd, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { install: /^install: (.*)$/m.exec(r.stdout)?.[1] ?? '', build: /^build: (.*)$/m.exec(r.stdout)?.[1] ?? '' };
}

const lock = (packages: Record<string, object>) => JSON.stringify({ name: 'x', lockfileVersion: 3, packages: { '': { name: 'x' }, ...packages } });

describe('npm run lab', () => {
  it('installs when node_modules is missing, stale or has extra packages; not when it matches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbs-lab-'));
    writeFileSync(
      join(dir, 'package-lock.json'),
      lock({ 'node_modules/a': { version: '1.0.0' }, 'node_modules/@esbuild/darwin-arm64': { version: '0.1.0', optional: true } }),
    );
    expect(check(dir).install).toBe('node_modules is missing');
    mkdirSync(join(dir, 'node_modules'));
    expect(check(dir).install).toMatch(/no node_modules\/\.package-lock\.json/);
    const hidden = join(dir, 'node_modules', '.package-lock.json');
    writeFileSync(hidden, lock({ 'node_modules/a': { version: '1.0.0' } }));
    expect(check(dir)).toEqual({ install: 'not needed', build: 'dist/ is missing' });
    writeFileSync(hidden, lock({ 'node_modules/a': { version: '0.9.0' } }));
    expect(check(dir).install).toBe('a is 0.9.0, the lock file says 1.0.0');
    writeFileSync(hidden, lock({ 'node_modules/a': { version: '1.0.0' }, 'node_modules/b': { version: '2.0.0' } }));
    expect(check(dir).install).toBe('b is installed but not in the lock file');
    writeFileSync(join(dir, 'package-lock.json'), lock({ 'node_modules/a': { version: '1.0.0' }, 'node_modules/c': { version: '3.0.0' } }));
    expect(check(dir).install).toBe('c is not installed');
  });

  it('builds when dist/ is missing or older than the sources', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbs-lab-'));
    writeFileSync(join(dir, 'package-lock.json'), lock({}));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), lock({}));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.ts'), '');
    expect(check(dir).build).toBe('dist/ is missing');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.html'), '');
    const old = new Date(Date.now() - 60_000);
    for (const p of ['src/a.ts', 'src', 'package-lock.json']) utimesSync(join(dir, p), old, old);
    expect(check(dir).build).toBe('not needed');
    writeFileSync(join(dir, 'src', 'a.ts'), 'changed');
    expect(check(dir).build).toBe('the sources changed since the last build');
  });

  it('this checkout, installed by npm ci, needs no install; an unknown flag exits 2 and does nothing', () => {
    expect(check(process.cwd()).install).toBe('not needed');
    const bad = spawnSync(process.execPath, [script, '--chek'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^lab: Unknown option '--chek'/);
    expect(bad.stdout).toBe('');
  });
});
