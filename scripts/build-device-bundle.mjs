#!/usr/bin/env node
// Packs the Node benchmarks and the headless runner's Node engine for an offline GPU server that
// has no browser, no registry and no Node: .device/ gets each entry bundled into one .mjs
// (everything but the `webgpu` package inlined), the `webgpu` package with only its linux-x64
// Dawn binary, node itself (xz) and, with tools/headless.ts, the bundled data (public/data/bundled).
// On the server: xz -d node.xz; chmod +x node; ./node kernels-node.mjs, or
// ./node headless.mjs demo --engine node --out runs/demo
// (Vulkan loader: libvulkan1; see docs/benchmarks.md.)
import { build } from 'esbuild';
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { rawEsbuildPlugin } from './wgsl.mjs';

const entries = process.argv.slice(2);
if (entries.length === 0) entries.push('tools/bench-kernels-node.ts');
const out = resolve('.device');
mkdirSync(out, { recursive: true });

/**
 * The headless runner's page engine needs Chromium, Playwright and Vite, none of which a GPU
 * server without a browser has: its dynamic import stays unresolved, and the runner says to use
 * --engine node if it is asked for.
 */
const nodeEngineOnly = {
  name: 'node-engine-only',
  setup(b) {
    b.onResolve({ filter: /\/headless\/page-engine$/ }, () => ({ path: './page-engine-not-in-this-bundle.mjs', external: true }));
  },
};

await build({
  entryPoints: entries,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: out,
  outExtension: { '.js': '.mjs' },
  external: ['webgpu'],
  logLevel: 'warning',
  plugins: [rawEsbuildPlugin, nodeEngineOnly],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

const pkg = resolve(out, 'node_modules/webgpu');
rmSync(pkg, { recursive: true, force: true });
mkdirSync(resolve(pkg, 'dist'), { recursive: true });
for (const f of ['index.js', 'package.json']) cpSync(resolve('node_modules/webgpu', f), resolve(pkg, f));
cpSync(resolve('node_modules/webgpu/dist/linux-x64'), resolve(pkg, 'dist/linux-x64'), { recursive: true });
for (const dep of ['debug', 'ms']) {
  const from = existsSync(resolve('node_modules/webgpu/node_modules', dep)) ? resolve('node_modules/webgpu/node_modules', dep) : resolve('node_modules', dep);
  if (existsSync(from)) cpSync(from, resolve(out, 'node_modules', dep), { recursive: true });
}
// The headless runner serves the bundled shards from here (tools/headless/node-engine.ts).
if (entries.some((e) => /(^|\/)headless\.ts$/.test(e))) cpSync(resolve('public/data/bundled'), resolve(out, 'public/data/bundled'), { recursive: true });
if (!existsSync(resolve(out, 'node.xz'))) execSync(`xz -T2 -6 -c ${process.execPath} > ${resolve(out, 'node.xz')}`);
console.log(execSync(`du -sh ${out}`).toString().trim());
