// WGSL as the lab ships it: the shaders in shaders/ keep their comments (the math and the thread
// layout), the bundles get the code alone. Every route that imports `*.wgsl?raw` goes through
// this one function, so Vite (the page, the worker, the test harness), Vitest, and esbuild
// (scripts/run-ts.mjs, the benchmark pages, the device bundle) run the same text.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The code without comments: line comments and block comments (which nest in WGSL), then without
 * indentation, runs of spaces and blank lines. WGSL has no string literals, so a comment marker is
 * always a comment and spaces are never significant beyond separating tokens. A block comment
 * becomes one space, so tokens on either side stay apart.
 */
export function stripWgslComments(source) {
  let out = '';
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const two = source.slice(i, i + 2);
    if (two === '/*') {
      depth++;
      i++;
    } else if (depth > 0 && two === '*/') {
      depth--;
      i++;
      if (depth === 0) out += ' ';
    } else if (depth > 0) {
      continue;
    } else if (two === '//') {
      const end = source.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
    } else {
      out += source[i];
    }
  }
  if (depth > 0) throw new Error('unterminated block comment in WGSL');
  return out
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n') + '\n';
}

const WGSL_RAW = /\.wgsl\?raw$/;

/** Vite and Vitest: `import code from './x.wgsl?raw'` gives the stripped text (before Vite's own ?raw). */
export function wgslRawVitePlugin() {
  return {
    name: 'cbs-wgsl-raw',
    enforce: 'pre',
    load(id) {
      if (!WGSL_RAW.test(id)) return null;
      const file = id.replace(/\?raw$/, '');
      this.addWatchFile(file);
      return `export default ${JSON.stringify(stripWgslComments(readFileSync(file, 'utf8')))};`;
    },
  };
}

/** esbuild: Vite's `?raw` suffix (the file's text), with WGSL stripped as in Vite. */
export const rawEsbuildPlugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (a) => ({ path: resolve(a.resolveDir, a.path.replace(/\?raw$/, '')), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => {
      const text = readFileSync(a.path, 'utf8');
      return { contents: a.path.endsWith('.wgsl') ? stripWgslComments(text) : text, loader: 'text' };
    });
  },
};
