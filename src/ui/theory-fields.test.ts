import { describe, expect, it } from 'vitest';
import { THEORY_PRESETS, defaultTheoryConfig, theoryPreset } from '../theory/presets';
import { configOf, fieldOfIssue, fieldsOf, formatNumber, parseNumber, parseNumberList } from './theory-fields';

describe('theory fields', () => {
  it('numbers and powers of two', () => {
    expect(parseNumber('2^12')).toBe(4096);
    // Half-octave powers are the config's own doubles (halfOctave), whatever this engine's pow rounds to.
    expect(parseNumber(' 2^-4.5 ')).toBe(Math.SQRT2 / 32);
    expect(parseNumber('2^0.25')).toBe(2 ** 0.25);
    expect(parseNumber('1e-3')).toBe(0.001);
    expect(parseNumber('.5')).toBe(0.5);
    for (const bad of ['', 'two', '2^', '0x10', '1,5', 'Infinity', 'NaN']) expect(parseNumber(bad)).toBeNull();
    expect(parseNumberList('1, 4 16;64')).toEqual({ ok: true, values: [1, 4, 16, 64] });
    expect(parseNumberList('1, 4, x')).toEqual({ ok: false, token: 'x' });
    expect([4096, Math.SQRT2 / 32, 0.5, 1, 2, 1.4142135623730951, 64, 0.3].map(formatNumber)).toEqual(['2^12', '2^-4.5', '2^-1', '1', '2', '2^0.5', '64', '0.3']);
  });

  it('every preset goes to fields and back unchanged', () => {
    for (const name of THEORY_PRESETS) {
      for (const [a, b] of [[2, 4], [1.5, 6]]) {
        const config = theoryPreset(name, a, b);
        expect(configOf(fieldsOf(config), config)).toEqual({ config, issues: [] });
      }
    }
    const ewa = { ...defaultTheoryConfig(), averaging: { kind: 'ewa' as const, decays: [0.99, 0.999] } };
    expect(configOf(fieldsOf(ewa), defaultTheoryConfig())).toEqual({ config: ewa, issues: [] });
  });

  it('a field that does not parse is named once; the validator speaks for the rest', () => {
    const base = defaultTheoryConfig();
    const { issues } = configOf({ ...fieldsOf(base), budgets: '4096, lots', a: '1' }, base);
    expect(issues.map((i) => i.path)).toEqual(['budgets', 'a']);
    expect(issues[0].message).toMatch(/"lots" is not a number/);
    expect(issues[1].message).toMatch(/a must be greater than 1/);
    expect(issues.map((i) => fieldOfIssue(i.path))).toEqual(['budgets', 'a']);
    expect(fieldOfIssue('learningRates[3]')).toBe('learningRates');
    expect(fieldOfIssue('averaging.decays[0]')).toBe('decays');
    expect(fieldOfIssue('analysis.level')).toBeNull();
  });
});
