// Serves a benchmark page for headless Chromium: bundles an in-page entry with esbuild (WGSL
// `?raw` imports as text) and serves it from a throwaway static server on 127.0.0.1, a secure
// context, so WebGPU is offered. Benchmarks do not use the Vite test server: new pre-bundled
// dependencies (TF.js) would make Vite re-optimize under other browser tests that share it.
import { chromium, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromiumLaunchOptions } from '../browser';
import { serveStatic } from '../static-files';
import { rawEsbuildPlugin } from '../../scripts/wgsl.mjs';

export async function bundleAndServe(entry: string, outDir: string, title: string): Promise<{ url: string; close: () => void }> {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [resolve(entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: join(out, 'bench.js'),
    logLevel: 'warning',
    plugins: [rawEsbuildPlugin],
    define: { 'import.meta.env.DEV': 'false', 'process.env.NODE_ENV': '"production"' },
  });
  writeFileSync(
    join(out, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"><script type="module" src="bench.js"></script>\n`,
  );
  return serveStatic(out);
}

/**
 * Bundles and serves `entry`, opens it in Chromium launched as every browser test does, waits for
 * the page to define `window[ready]`, runs `call` on it, and closes everything. Page console lines
 * are forwarded to the terminal.
 */
export async function runBenchPage<T>(
  entry: string,
  outDir: string,
  ready: string,
  call: (page: Page) => Promise<T>,
): Promise<{ result: T; browserVersion: string }> {
  const server = await bundleAndServe(entry, outDir, ready);
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(m.text()));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction((name) => typeof (window as unknown as Record<string, unknown>)[name] === 'function', ready, { timeout: 60_000 });
    return { result: await call(page), browserVersion: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}
