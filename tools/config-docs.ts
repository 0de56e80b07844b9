// npm run docs:config [-- --check]: writes docs/config.md's field list from the field table
// (src/experiment/fields.ts), between <!-- fields:start --> and <!-- fields:end -->. With
// --check it only compares, and exits 1 when the docs are out of date (the unit test does too).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fieldsMarkdown } from '../src/experiment/fields';

const USAGE = `usage: npm run docs:config [-- --check]

Rewrites the field list of docs/config.md from src/experiment/fields.ts.
  --check   compare only; exit 1 when docs/config.md differs
  --help    this text
`;

function main(argv: string[]): number {
  let values: { check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { check: { type: 'boolean' }, help: { type: 'boolean' } } }));
  } catch (e) {
    process.stderr.write(`docs:config: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const file = resolve('docs/config.md');
  const doc = readFileSync(file, 'utf8');
  const block = /(<!-- fields:start -->\n)(?:[\s\S]*?\n)?(<!-- fields:end -->)/;
  if (!block.test(doc)) {
    process.stderr.write('docs:config: docs/config.md has no <!-- fields:start --> … <!-- fields:end --> block\n');
    return 1;
  }
  const next = doc.replace(block, (_m, start: string, end: string) => `${start}${fieldsMarkdown()}\n${end}`);
  if (values.check) {
    if (next === doc) return 0;
    process.stderr.write('docs:config: docs/config.md is out of date: run npm run docs:config\n');
    return 1;
  }
  writeFileSync(file, next);
  process.stdout.write(next === doc ? 'docs/config.md is up to date\n' : 'docs/config.md: field list rewritten\n');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
