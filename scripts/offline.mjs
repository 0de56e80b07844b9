// Offline: a Vite plugin that, after `vite build`, writes dist/sw.js: src/service-worker.ts
// (Workbox's precaching and routing) bundled with esbuild, with the precache list of every built
// file written in. Left out: source maps (hidden, for local debugging) and the large optional
// chunks (LAZY_CHUNKS), which the worker caches on first use instead.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Chunks loaded only for optional features: GPT-2's BPE ranks (about 0.5 MB). */
export const LAZY_CHUNKS = [/^assets\/gpt2-[\w-]+\.js$/];
export const SERVICE_WORKER = 'sw.js';

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * The precache list of a built site: every file but maps, the service worker and the lazy chunks.
 * Files under assets/ carry a content hash in their names (revision null); the others get the
 * SHA-256 of their content as revision, so a changed data file is fetched again.
 */
export function precacheManifest(outDir) {
  return filesUnder(outDir)
    .map((path) => ({ path, url: relative(outDir, path).split('\\').join('/') }))
    .filter(({ url }) => !url.endsWith('.map') && url !== SERVICE_WORKER && !LAZY_CHUNKS.some((re) => re.test(url)))
    .map(({ path, url }) => ({ url, revision: url.startsWith('assets/') ? null : createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 32) }))
    .sort((a, b) => a.url.localeCompare(b.url));
}

export function offlinePlugin({ source = 'src/service-worker.ts' } = {}) {
  let root = process.cwd();
  let outDir = 'dist';
  return {
    name: 'cbs-offline',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const manifest = precacheManifest(outDir);
      await build({
        entryPoints: [resolve(root, source)],
        bundle: true,
        format: 'iife',
        target: 'es2022',
        minify: true,
        outfile: join(outDir, SERVICE_WORKER),
        logLevel: 'warning',
        define: { 'self.__WB_MANIFEST': JSON.stringify(manifest), 'process.env.NODE_ENV': '"production"' },
      });
    },
  };
}
