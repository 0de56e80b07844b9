import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { wgslRawVitePlugin } from './scripts/wgsl.mjs';
import { offlinePlugin } from './scripts/offline.mjs';
import { tutorialPlugin } from './scripts/tutorial-page.js';

// The built page serves a strict Content-Security-Policy: only its own scripts and
// workers run; connections may go to https hosts (C4 shards), which the UI confirms first.
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https: blob: data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export default defineConfig({
  // offlinePlugin writes dist/sw.js, the service worker that makes a second visit work offline;
  // tutorialPlugin serves docs/tutorial.md as tutorial.html with its screenshots.
  plugins: [react(), wgslRawVitePlugin(), offlinePlugin(), tutorialPlugin(import.meta.dirname)],
  worker: { format: 'es', plugins: () => [wgslRawVitePlugin()] },
  build: {
    target: 'es2022',
    // Maps are written for local debugging but not referenced, so the page never fetches them.
    sourcemap: 'hidden',
    chunkSizeWarningLimit: 2000,
  },
  // The test harness server runs with CBS_TEST_SERVER=1: no hot reload, so a file saved while a
  // browser test runs cannot reload the page under it.
  server: process.env.CBS_TEST_SERVER ? { hmr: false } : {},
  preview: {
    headers: { 'Content-Security-Policy': contentSecurityPolicy },
  },
});
