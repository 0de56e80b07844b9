// The WGSL the bundles ship: comments gone, code unchanged token for token. The kernels' browser
// tests (e2e/kernels-*.spec.ts) run this same stripped text through Vite, so they check it compiles
// and computes what the commented source does.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripWgslComments } from './wgsl.mjs';
import matmulCode from '../shaders/matmul.wgsl?raw';

/** Tokens of WGSL code (identifiers, numbers, operators), whitespace ignored. */
const tokens = (code: string) => code.match(/[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9a-fA-FxXuifh.+-]*|\S/g) ?? [];

describe('stripWgslComments', () => {
  it('removes line and nested block comments, indentation and blank lines; keeps tokens apart', () => {
    const src = '// header\n\nfn f() -> f32 {   // trailing\n  let a = 1.0; /* one /* nested */ still */ let b = a;\n  return a/*x*/+b;\n}\n// last line without newline';
    expect(stripWgslComments(src)).toBe('fn f() -> f32 {\nlet a = 1.0; let b = a;\nreturn a +b;\n}\n');
    expect(() => stripWgslComments('fn f() {} /* open')).toThrow('unterminated block comment');
  });

  it('every shader keeps its code token for token, without a comment, and smaller', () => {
    const dir = 'shaders';
    let before = 0;
    let after = 0;
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.wgsl'))) {
      const source = readFileSync(join(dir, name), 'utf8');
      const stripped = stripWgslComments(source);
      expect(stripped, name).not.toMatch(/\/\/|\/\*|\*\//);
      // Reference: the source's lines with // comments cut, and /* … */ spans removed by a regex
      // (the shaders do not nest them).
      const reference = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
      expect(tokens(stripped), name).toEqual(tokens(reference));
      before += source.length;
      after += stripped.length;
    }
    expect(after).toBeLessThan(before);
    console.log(`shaders: ${before} characters with comments, ${after} stripped (${((100 * after) / before).toFixed(0)}%)`);
  });

  it('Vitest imports `?raw` WGSL stripped, as Vite and scripts/run-ts.mjs do', () => {
    expect(matmulCode).toBe(stripWgslComments(readFileSync('shaders/matmul.wgsl', 'utf8')));
  });
});
