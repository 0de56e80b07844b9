import { defineConfig, type Plugin } from 'vite';
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

/**
 * The same policy for the built page itself, so any static host serves it (a header is only
 * what `vite preview` sends). A <meta> policy cannot carry frame-ancestors (browsers ignore it
 * there, with a console error), so that one directive stays header-only.
 */
export const contentSecurityPolicyMeta = contentSecurityPolicy
  .split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ');

/** Puts the policy first in <head> of the built index.html (the dev server runs without it: its HMR client injects inline code). */
function cspMetaTag(): Plugin {
  return {
    name: 'cbs-lab-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicyMeta }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  // offlinePlugin writes dist/sw.js, the service worker that makes a second visit work offline;
  // tutorialPlugin serves docs/tutorial.md as tutorial.html with its screenshots.
  plugins: [react(), wgslRawVitePlugin(), offlinePlugin(), tutorialPlugin(import.meta.dirname), cspMetaTag()],
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
