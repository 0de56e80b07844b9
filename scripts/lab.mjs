#!/usr/bin/env node
// npm run lab: install only when node_modules is missing or does not match package-lock.json,
// build only when dist/ is older than the sources (vite build, no type-check: `npm run build`
// type-checks for CI), then serve the built lab (npm start). Plain Node with no dependencies, since
// it runs before anything is installed.
//   node scripts/lab.mjs [--check]   --check: say what would be done, do nothing (exit 0)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Why node_modules needs `npm ci`, or null when it matches package-lock.json. npm keeps what it
 * installed in node_modules/.package-lock.json: every locked package must be there at its locked
 * version (optional ones for other platforms may be absent), and nothing else.
 */
export function installNeeded(root = '.') {
  const hiddenPath = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(hiddenPath)) return 'node_modules was not installed by npm 7 or later (no node_modules/.package-lock.json)';
  const locked = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
  const installed = JSON.parse(readFileSync(hiddenPath, 'utf8')).packages ?? {};
  for (const [path, entry] of Object.entries(locked)) {
    if (path === '' || entry.link) continue;
    const have = installed[path];
    if (!have) {
      if (entry.optional) continue;
      return `${path.replace(/^node_modules\//, '')} is not installed`;
    }
    if (have.version !== entry.version) return `${path.replace(/^node_modules\//, '')} is ${have.version}, the lock file says ${entry.version}`;
  }
  for (const path of Object.keys(installed)) {
    if (!(path in locked)) return `${path.replace(/^node_modules\//, '')} is installed but not in the lock file`;
  }
  return null;
}

/** The newest modification time under the given paths (files and folders, recursively). */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    t = Math.max(t, s.mtimeMs);
    if (s.isDirectory()) t = Math.max(t, newest(readdirSync(p).map((name) => join(p, name))));
  }
  return t;
}

/** Why dist/ needs a build, or null when it is newer than everything it is built from. */
export function buildNeeded(root = '.') {
  const built = join(root, 'dist', 'index.html');
  if (!existsSync(built)) return 'dist/ is missing';
  const sources = ['src', 'shaders', 'public', 'index.html', 'vite.config.ts', 'scripts/wgsl.mjs', 'scripts/offline.mjs', 'package-lock.json'].map((p) => join(root, p));
  return newest(sources) > statSync(built).mtimeMs ? 'the sources changed since the last build' : null;
}

function run(command, args) {
  const r = spawnSync(command, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const USAGE = `usage: npm run lab [-- --check]

Installs (npm ci) when node_modules does not match package-lock.json, builds (vite build) when
dist/ is older than the sources, then serves the lab on http://127.0.0.1:4173/ (npm start).

flags:
  --check   say what would be done, and do nothing
  --help    this text
`;

let flags;
try {
  flags = parseArgs({ options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
} catch (error) {
  process.stderr.write(`lab: ${error.message.split('\n')[0]}\n\n${USAGE}`);
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const check = flags.check === true;
const install = installNeeded();
const build = install ?? buildNeeded();
if (check) {
  console.log(`install: ${install ?? 'not needed'}`);
  console.log(`build: ${build ?? 'not needed'}`);
  process.exit(0);
}
if (install) {
  console.log(`lab: installing (${install})…`);
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
if (build) {
  console.log(`lab: building (${build})…`);
  run('npx', ['vite', 'build', '--logLevel', 'warn']);
}
run('npm', ['start']);
