// Theory share links go through the lab's codec: the same envelope, checksum, limits and
// messages as experiment links, with the theory config's own validation.
import { describe, expect, it } from 'vitest';
import { decodeLink, encodeConfigFragment, linkKindOf, MAX_FRAGMENT_CHARS } from '../experiment/codec';
import { handPacked } from '../experiment/fixtures/hand-packed';
import { defaultConfig } from '../experiment/presets';
import { THEORY_PRESETS, defaultTheoryConfig, theoryPreset } from './presets';
import { decodeTheoryLink, encodeTheoryFragment, theoryConfigFromValue } from './link';

describe('theory links', () => {
  it('round-trip the default and every preset exactly, as "#v1.t.…"', () => {
    for (const config of [defaultTheoryConfig(), ...THEORY_PRESETS.map((name) => theoryPreset(name, 1.5, 6))]) {
      const fragment = encodeTheoryFragment(config);
      expect(fragment).toMatch(/^#v1\.t\.[A-Za-z0-9_-]+$/);
      expect(linkKindOf(`https://lab.example/${fragment}`)).toBe('t');
      const decoded = decodeTheoryLink(`https://lab.example/${fragment}`);
      expect(decoded).toEqual({ ok: true, value: config });
    }
    expect(encodeTheoryFragment(defaultTheoryConfig()).length).toBeLessThan(600);
  });

  it('refuse an invalid config with its issues, in one line', () => {
    const decoded = decodeTheoryLink(encodeTheoryFragment({ ...defaultTheoryConfig(), a: 1 }));
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.code).toBe('invalid');
    expect(decoded.message).toMatch(/^The theory config is not valid: a must be greater than 1/);
    expect(decoded.issues?.map((i) => i.path)).toEqual(['a']);
  });

  it('refuse a config from a newer lab, a changed link, a cut link and an oversized one', () => {
    const future = decodeTheoryLink(`#v1.t.${handPacked(JSON.stringify({ ...defaultTheoryConfig(), version: 3 }))}`);
    expect(future).toMatchObject({ ok: false, code: 'future-version', message: expect.stringMatching(/newer version of CBS Lab \(version 3; this page reads version 2\)/) });
    const good = encodeTheoryFragment(defaultTheoryConfig());
    // The payload ends in the checksum's bytes: changing one character of it breaks the checksum.
    const last = good.at(-2) === 'A' ? 'B' : 'A';
    expect(decodeTheoryLink(`${good.slice(0, -2)}${last}${good.at(-1)}`)).toMatchObject({ ok: false, code: 'checksum' });
    expect(decodeTheoryLink(good.slice(0, good.length - 9))).toMatchObject({ ok: false });
    expect(decodeTheoryLink(`#v1.t.${'A'.repeat(MAX_FRAGMENT_CHARS)}`)).toMatchObject({ ok: false, code: 'too-large' });
    expect(decodeTheoryLink(`#v1.t.${handPacked('['.repeat(5000) + ']'.repeat(5000))}`)).toMatchObject({ ok: false, code: 'too-deep' });
    expect(decodeTheoryLink(`#v1.t.${handPacked('{"a": ')}`)).toMatchObject({ ok: false, code: 'bad-json' });
  });

  it('are told apart from experiment links, both ways', () => {
    expect(decodeTheoryLink(encodeConfigFragment(defaultConfig()))).toMatchObject({ ok: false, code: 'not-a-lab-link', message: expect.stringMatching(/does not hold a theory config/) });
    expect(decodeLink(encodeTheoryFragment(defaultTheoryConfig()))).toMatchObject({ ok: false, code: 'not-a-lab-link', message: expect.stringMatching(/the Theory page opens it/) });
    expect(linkKindOf('#section-2')).toBeNull();
  });

  it('values (files, the command line) are validated the same way', () => {
    expect(theoryConfigFromValue(defaultTheoryConfig())).toEqual({ ok: true, value: defaultTheoryConfig() });
    expect(theoryConfigFromValue({ ...defaultTheoryConfig(), budgets: [64] })).toMatchObject({ ok: false, code: 'invalid', issues: [{ path: 'budgets' }] });
    expect(theoryConfigFromValue(null)).toMatchObject({ ok: false, code: 'invalid' });
  });
});
