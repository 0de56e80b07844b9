// The shared command-line helper, and every entry in tools/ run as people run it: --help prints
// the usage and exits 0; an unknown flag, a flag without its value and a number that is not one
// exit 2 with one line naming the flag, before any work starts (no browser, no GPU).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UsageError, listChoiceOption, numberOption, parseCommand } from './cli';

describe('parseCommand', () => {
  const spec = { options: { out: { type: 'string' }, json: { type: 'boolean' }, host: { type: 'string', multiple: true } }, positionals: { min: 1, max: 1, what: 'file' } } as const;

  it('parses flags, inline values, repeats, negations and --help', () => {
    const parsed = parseCommand(['a.csv', '--out', 'x', '--host=h1', '--host', 'h2', '--no-json'], spec);
    expect(parsed?.values).toEqual({ out: 'x', host: ['h1', 'h2'], json: false });
    expect(parsed?.positionals).toEqual(['a.csv']);
    expect(parseCommand(['--help'], spec)).toBeNull();
    expect(parseCommand(['-h'], spec)).toBeNull();
  });

  it('refuses typos, missing values and wrong counts with one line naming the flag', () => {
    const cases: [string[], string][] = [
      [['a', '--outt', 'x'], 'unknown flag --outt'],
      [['a', '-x'], 'unknown flag -x'],
      [['a', '--out'], '--out needs a value'],
      [['a', '--out', '--json'], '--out needs a value (a value that starts with a dash is written --out=-VALUE)'],
      [['a', '--json=yes'], '--json takes no value'],
      [[], 'no file given'],
      [['a', 'b'], '1 file expected, got 2: a b'],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseCommand(argv, spec), argv.join(' ')).toThrow(UsageError);
      expect(() => parseCommand(argv, spec), argv.join(' ')).toThrow(message);
    }
  });

  it('numbers: absent is undefined; not a number, out of bounds or not an integer is a UsageError', () => {
    expect(numberOption('n', undefined, { min: 1 })).toBeUndefined();
    expect(numberOption('n', '2.5')).toBe(2.5);
    expect(numberOption('n', '1e3', { integer: true })).toBe(1000);
    expect(() => numberOption('n', 'abc')).toThrow('--n must be a number (got "abc")');
    expect(() => numberOption('n', '')).toThrow('--n must be a number');
    expect(() => numberOption('n', 'Infinity')).toThrow('--n must be a number');
    expect(() => numberOption('n', '0', { above: 0 })).toThrow('--n must be a number > 0 (got "0")');
    expect(() => numberOption('n', '1.5', { integer: true, min: 1 })).toThrow('--n must be an integer ≥ 1 (got "1.5")');
    expect(() => numberOption('n', '7', { max: 5 }, 'a small number')).toThrow('--n must be a small number (got "7")');
  });

  it('lists: comma-separated and repeated, each item checked', () => {
    expect(listChoiceOption('p', ['a,b', ' c '], ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(listChoiceOption('p', undefined, ['a'])).toBeUndefined();
    expect(() => listChoiceOption('p', 'a,zz', ['a', 'b'])).toThrow('--p: unknown zz; known: a, b');
  });
});

/** Each entry, a flag that takes a number, and what --help must say. */
const ENTRIES: { entry: string; numberFlag: string | null; usage: RegExp; input?: string[] }[] = [
  { entry: 'tools/cbs.ts', numberFlag: '--overhead', usage: /usage: npm run cbs/, input: ['src/cbs/fixtures/noisy-sweep.csv'] },
  { entry: 'tools/headless.ts', numberFlag: '--timeout', usage: /usage: npm run headless/, input: ['demo'] },
  { entry: 'tools/crosscheck.ts', numberFlag: '--seed', usage: /usage: npm run crosscheck/, input: ['--out', 'out/never-written'] },
  { entry: 'tools/bench-kernels.ts', numberFlag: '--vocab', usage: /usage: npm run bench:kernels / },
  { entry: 'tools/bench-kernels-node.ts', numberFlag: '--vocab', usage: /usage: npm run bench:kernels:node/ },
  { entry: 'tools/bench-peer.ts', numberFlag: '--steps', usage: /usage: npm run bench:peer / },
  { entry: 'tools/bench-train-node.ts', numberFlag: '--batch', usage: /usage: npm run bench:train:node/ },
  { entry: 'tools/bench-peer-node.ts', numberFlag: '--steps', usage: /usage: npm run bench:peer:node/ },
  { entry: 'tools/check-model-node.ts', numberFlag: null, usage: /usage: npm run check:model:node/ },
];

function run(args: string[]) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('every command-line entry', () => {
  for (const { entry, numberFlag, usage, input } of ENTRIES) {
    it(`${entry}: --help, unknown flag, missing value, not a number`, () => {
      // The first run bundles the entry (scripts/run-ts.mjs → out/<name>.mjs); the others run the bundle.
      const help = run(['scripts/run-ts.mjs', entry, '--help']);
      expect(help.stderr).toBe('');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(usage);
      const bundle = `out/${entry.replace(/^tools\//, '').replace(/\.ts$/, '')}.mjs`;
      const pre = input ?? [];
      const cases: [string[], RegExp][] = [[[...pre, '--bogus'], /: unknown flag --bogus\n/]];
      if (numberFlag) {
        cases.push([[...pre, numberFlag], new RegExp(`: ${numberFlag} needs a value\\n`)]);
        cases.push([[...pre, numberFlag, 'lots'], new RegExp(`: ${numberFlag} must be .* \\(got "lots"\\)\\n`)]);
      } else {
        cases.push([['extra'], /: unexpected argument extra\n/]);
      }
      for (const [args, message] of cases) {
        const r = run([bundle, ...args]);
        expect(r.code, `${entry} ${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).toMatch(usage);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    });
  }
});
