#!/usr/bin/env node
// Runs a TypeScript entry point of the lab in Node: bundles it with esbuild (WGSL `?raw`
// imports become strings, WGSL stripped of comments as in Vite: ./wgsl.mjs) into out/, then runs it with the remaining arguments.
// Usage: node scripts/run-ts.mjs tools/cbs.ts [args...]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { basename, resolve } from 'node:path';
import { rawEsbuildPlugin } from './wgsl.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}

const outfile = resolve('out', `${basename(entry).replace(/\.tsx?$/, '')}.mjs`);
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
  plugins: [rawEsbuildPlugin],
  define: { 'import.meta.env.DEV': 'false' },
});
const result = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
