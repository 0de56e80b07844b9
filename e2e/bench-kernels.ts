// The kernel benchmark in headless Chromium, one command:
//   npm run bench:kernels [-- --presets nano,micro] [--families matmul,attention] [--vocab 4096] [--no-tfjs]
// Bundles the in-page entry (./bench-kernels.page.ts → src/bench/kernel-bench.ts, the module the
// Node/Dawn route shares) with esbuild, serves it from a throwaway static server on 127.0.0.1
// (a secure context, so WebGPU is offered), opens it in Chromium launched as every browser test
// does (./browser.ts), and prints the table. On the CPU adapter the default presets are nano and
// micro; TF.js's WebGPU matmul runs in the same page on the same adapter unless --no-tfjs.
// It does not use the Vite test server: new pre-bundled dependencies (TF.js) would make Vite
// re-optimize under other browser tests that share it.
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseBenchArgs } from '../src/bench/kernel-bench';
import { chromiumLaunchOptions } from './browser';
import type { PageBenchResult } from './bench-kernels.page';

const OUT = resolve('out/bench-kernels');

/** Vite's `?raw` suffix: the file's text. */
const rawPlugin = {
  name: 'raw',
  setup(b: import('esbuild').PluginBuild) {
    b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: resolve(a.resolveDir, a.path.replace(/\?raw$/, '')), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => ({ contents: readFileSync(a.path, 'utf8'), loader: 'text' }));
  },
};

async function bundlePage(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [resolve('e2e/bench-kernels.page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: join(OUT, 'bench.js'),
    logLevel: 'warning',
    plugins: [rawPlugin],
    define: { 'import.meta.env.DEV': 'false', 'process.env.NODE_ENV': '"production"' },
  });
  writeFileSync(join(OUT, 'index.html'), '<!doctype html><meta charset="utf-8"><title>kernel benchmark</title><link rel="icon" href="data:,"><script type="module" src="bench.js"></script>\n');
}

function serve(): Promise<{ url: string; close: () => void }> {
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript' };
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').split('?')[0].slice(1);
    if (!/^[\w.-]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(OUT, name));
      res.writeHead(200, { 'content-type': types[name.split('.').pop() ?? ''] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      done({ url: `http://127.0.0.1:${port}/`, close: () => server.close() });
    });
  });
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2), { tfjs: true });
  const started = Date.now();
  await bundlePage();
  const server = await serve();
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(m.text()));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.benchKernels === 'function', null, { timeout: 60_000 });
    const result: PageBenchResult = await page.evaluate((o) => window.benchKernels(o), options);
    const browserVersion = browser.version();
    console.log(
      `\nChromium ${browserVersion}; presets ${result.presets.join(', ')}; vocab ${result.vocab}; timing ${result.timing}; ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s in all`,
    );
    console.log(result.table);
  } finally {
    await browser.close();
    server.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
