import { describe, expect, it } from 'vitest';
import { strToU8 } from 'fflate';
import {
  RESULTS_LINK_LIMIT,
  base64urlDecode,
  base64urlEncode,
  decodeLink,
  encodeConfigFragment,
  encodeResultsFragment,
  exportConfigJson,
  exportResultsJson,
  fnv1a32,
  importJson,
} from './codec';
import { EXPERIMENT_PRESETS, findExperimentPreset, defaultConfig } from './presets';
import { syntheticResults } from './synthetic';
import { mulberry32 } from '../util/random';
import { migrateConfig, migrateResults } from './migrate';
import fixture from './fixtures/demo-results.json';
import v1Results from './fixtures/v1-results.json';
import { CONFIG_VERSION, RESULTS_VERSION } from './schema';
import { handPacked } from './fixtures/hand-packed';


describe('base64url', () => {
  it('round-trips every length 0..64 and matches Node', () => {
    const rand = mulberry32(3);
    for (let n = 0; n <= 64; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      const text = base64urlEncode(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(Array.from(base64urlDecode(text) ?? [])).toEqual(Array.from(bytes));
    }
  });
  it('refuses foreign characters, impossible lengths and non-canonical tails', () => {
    expect(base64urlDecode('ab+c')).toBeNull();
    expect(base64urlDecode('abc=')).toBeNull();
    expect(base64urlDecode('abcde')).toBeNull(); // length % 4 === 1
    expect(base64urlDecode('AB')).toBeNull(); // 'B' = 000001: the 4 unused tail bits are not zero
    expect(base64urlDecode('AQ')).not.toBeNull();
    expect(base64urlDecode('AR')).toBeNull(); // low bits set
  });
});

describe('config links', () => {
  it('round-trips the default config and every preset exactly', () => {
    for (const preset of EXPERIMENT_PRESETS) {
      const config = preset.config();
      const fragment = encodeConfigFragment(config);
      expect(fragment).toMatch(/^#v1\.c\.[A-Za-z0-9_-]+$/);
      const decoded = decodeLink(`https://lab.example/cbs/${fragment}`);
      expect(decoded.ok, JSON.stringify(decoded)).toBe(true);
      if (decoded.ok) expect(decoded.config).toEqual(config);
    }
  });
  it('is compact: the default config fits in well under 1 KB', () => {
    expect(encodeConfigFragment(defaultConfig()).length).toBeLessThan(1000);
  });
  it('accepts the bare fragment with or without "#"', () => {
    const f = encodeConfigFragment(defaultConfig());
    expect(decodeLink(f).ok).toBe(true);
    expect(decodeLink(f.slice(1)).ok).toBe(true);
  });
});

describe('results links', () => {
  it('round-trips the synthetic results (within the size limit)', () => {
    const results = syntheticResults();
    const enc = encodeResultsFragment(results);
    expect(enc.ok).toBe(true);
    if (!enc.ok) return;
    expect(enc.chars).toBeLessThanOrEqual(RESULTS_LINK_LIMIT);
    const dec = decodeLink(enc.fragment);
    expect(dec.ok && dec.kind).toBe('results');
    if (dec.ok && dec.kind === 'results') expect(dec.results).toEqual(results);
  });
  it('says when results are too large for a link', () => {
    const big = syntheticResults({ stepStride: 1, batchSizes: [4, 8, 16, 32, 64, 128, 256, 512], learningRates: [1e-2, 5e-3, 3e-3, 1e-3] });
    const enc = encodeResultsFragment(big);
    expect(enc.ok).toBe(false);
    if (!enc.ok) {
      expect(enc.code).toBe('too-large');
      expect(enc.chars).toBeGreaterThan(RESULTS_LINK_LIMIT);
      expect(enc.message).toMatch(/JSON file/);
    }
  });
  it('carries a diverged run: NaN losses come back as NaN', () => {
    const results = syntheticResults();
    results.runs[1].evals[3].ewaLoss = NaN;
    results.runs[1].steps[2].trainLoss = NaN;
    const enc = encodeResultsFragment(results);
    const dec = enc.ok ? decodeLink(enc.fragment) : null;
    expect(dec?.ok).toBe(true);
    if (dec?.ok && dec.kind === 'results') {
      expect(dec.results.runs[1].evals[3].ewaLoss).toBeNaN();
      expect(dec.results.runs[1].steps[2].trainLoss).toBeNaN();
    }
  });
  it('the committed fixture is exactly syntheticResults() and is valid', () => {
    expect(fixture).toEqual(JSON.parse(JSON.stringify(syntheticResults())));
    const dec = importJson(JSON.stringify(fixture));
    expect(dec.ok && dec.kind).toBe('results');
  });
});

describe('bad links give typed errors, never throw', () => {
  const good = encodeConfigFragment(defaultConfig());
  // The payload cut short by at least 8 characters at a length that still decodes as base64url
  // (not every length does): the deflate stream then ends early.
  const truncated = [8, 9, 10, 11, 12].map((k) => good.slice(0, good.length - k)).find((t) => {
    const r = decodeLink(t);
    return !r.ok && r.code !== 'bad-encoding';
  }) as string;
  const cases: [string, unknown, string][] = [
    ['nothing', undefined, 'empty'],
    ['an empty string', '', 'empty'],
    ['a bare "#"', '#', 'empty'],
    ['another site\'s fragment', '#section-2', 'not-a-lab-link'],
    ['a future link format', good.replace('#v1.', '#v2.'), 'future-version'],
    ['an unknown kind', good.replace('.c.', '.x.'), 'not-a-lab-link'],
    ['a foreign character', `${good.slice(0, 20)}*${good.slice(21)}`, 'bad-encoding'],
    ['a truncated payload', truncated, 'bad-compression'],
    ['a payload of a few bytes', '#v1.c.AAAA', 'bad-encoding'],
    ['an empty payload', '#v1.c.', 'bad-encoding'],
    ['JSON that is not an experiment', `#v1.c.${handPacked('[1,2,3]')}`, 'migration'],
    ['text that is not JSON', `#v1.c.${handPacked('{"version":1,')}`, 'bad-json'],
    ['a future config version', `#v1.c.${handPacked(JSON.stringify({ ...defaultConfig(), version: CONFIG_VERSION + 1 }))}`, 'future-version'],
    ['a config without a version', `#v1.c.${handPacked(JSON.stringify({ ...defaultConfig(), version: undefined }))}`, 'migration'],
    ['a config with a bad field', `#v1.c.${handPacked(JSON.stringify({ ...defaultConfig(), batchSizes: [4, 8, -16] }))}`, 'invalid'],
    ['a config with an extra field', `#v1.c.${handPacked(JSON.stringify({ ...defaultConfig(), autostart: true }))}`, 'invalid'],
    ['results in a config link', `#v1.c.${handPacked(JSON.stringify(syntheticResults()))}`, 'invalid'],
    ['a config in a results link', `#v1.r.${handPacked(JSON.stringify(defaultConfig()))}`, 'migration'],
    ['an oversized fragment', `#v1.c.${'A'.repeat(300 * 1024)}`, 'too-large'],
  ];
  for (const [what, input, code] of cases) {
    it(`${what} → ${code}`, () => {
      const out = decodeLink(input);
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.code).toBe(code);
        expect(out.message.length).toBeGreaterThan(10);
      }
    });
  }
  it('names the field in an invalid config', () => {
    const out = decodeLink(`#v1.c.${handPacked(JSON.stringify({ ...defaultConfig(), batchSizes: [4, 8, -16] }))}`);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.message).toContain('batchSizes[2] must be a positive integer');
      expect(out.issues?.[0]).toEqual({ path: 'batchSizes[2]', message: 'batchSizes[2] must be a positive integer (got -16)' });
    }
  });
  it('detects an edit that still decompresses and parses (checksum)', () => {
    // Change the JSON, keep the old checksum: only the checksum can tell.
    const json = JSON.stringify(defaultConfig());
    const tampered = json.replace('"workers":1', '"workers":2');
    expect(tampered).not.toBe(json);
    const bytes = base64urlDecode(handPacked(tampered)) as Uint8Array;
    new DataView(bytes.buffer).setUint32(bytes.length - 4, fnv1a32(strToU8(json)));
    const out = decodeLink(`#v1.c.${base64urlEncode(bytes)}`);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.code).toBe('checksum');
  });
  it('refuses a decompression bomb', () => {
    const huge = `{"pad":"${'a'.repeat(20 * 1024 * 1024)}"}`;
    const out = decodeLink(`#v1.c.${handPacked(huge)}`);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.code).toBe('too-large');
  });

  it('2000 random mutations of valid links never throw and never return an invalid config', () => {
    const rand = mulberry32(12345);
    const links = [good, (encodeResultsFragment(syntheticResults()) as { fragment: string }).fragment];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.#%=+/ ';
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      let s = links[i % 2];
      const edits = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * s.length);
        const op = Math.floor(rand() * 4);
        const ch = alphabet[Math.floor(rand() * alphabet.length)];
        if (op === 0) s = s.slice(0, at) + ch + s.slice(at + 1); // replace
        else if (op === 1) s = s.slice(0, at) + s.slice(at + 1); // delete
        else if (op === 2) s = s.slice(0, at) + ch + s.slice(at); // insert
        else s = s.slice(0, at); // truncate
      }
      let out: ReturnType<typeof decodeLink> | undefined;
      expect(() => (out = decodeLink(s))).not.toThrow();
      const r = out as ReturnType<typeof decodeLink>;
      counts[r.ok ? 'ok' : r.code] = (counts[r.ok ? 'ok' : r.code] ?? 0) + 1;
      if (r.ok) {
        // A mutation that survives must decode to exactly the original (e.g. an edit after the payload was a no-op).
        const original = decodeLink(links[i % 2]);
        expect(original.ok && r.kind === original.kind).toBe(true);
        if (original.ok) expect(r.config).toEqual(original.config);
      }
    }
    // Most mutations must be caught (the checksum makes silent changes rare).
    expect((counts.ok ?? 0) / 2000).toBeLessThan(0.05);
    console.log('mutation outcomes:', counts);
  });
});

describe('JSON files', () => {
  it('round-trips config and results through export/import', () => {
    const config = findExperimentPreset('cbs-vs-model')!.config();
    const c = importJson(exportConfigJson(config));
    expect(c.ok && c.kind === 'config' && c.config).toEqual(config);
    const results = syntheticResults();
    const r = importJson(exportResultsJson(results));
    expect(r.ok && r.kind === 'results' && r.results).toEqual(results);
  });
  it('accepts bare config and results objects (e.g. from the headless runner)', () => {
    expect(importJson(JSON.stringify(defaultConfig())).ok).toBe(true);
    const r = importJson(JSON.stringify(syntheticResults()));
    expect(r.ok && r.kind).toBe('results');
  });
  it('refuses other files clearly', () => {
    const bad: [unknown, string][] = [
      ['', 'empty'],
      [42, 'empty'],
      ['{not json', 'bad-json'],
      ['[1,2]', 'not-a-lab-link'],
      ['{"hello":1}', 'not-a-lab-link'],
      ['{"format":"other","kind":"config","data":{}}', 'not-a-lab-link'],
      ['{"format":"cbs-lab","kind":"nope","data":{}}', 'not-a-lab-link'],
      [JSON.stringify({ format: 'cbs-lab', kind: 'config', data: { ...defaultConfig(), workers: 0 } }), 'invalid'],
    ];
    for (const [text, code] of bad) {
      const out = importJson(text);
      expect(out.ok, String(text)).toBe(false);
      if (!out.ok) expect(out.code, String(text)).toBe(code);
    }
  });
});

describe('migrations', () => {
  it('v1 passes through unchanged', () => {
    const c = defaultConfig();
    expect(migrateConfig(c)).toEqual({ ok: true, value: c });
    const r = syntheticResults();
    expect(migrateResults(r)).toEqual({ ok: true, value: r });
  });
  it('refuses an unknown future version and a missing or nonsense version, with a clear message', () => {
    const future = migrateConfig({ ...defaultConfig(), version: 7 });
    expect(future.ok).toBe(false);
    if (!future.ok) expect(future.message).toMatch(new RegExp(`newer version of CBS Lab \\(format v7; this page reads up to v${CONFIG_VERSION}\\)`));
    for (const version of [0, -1, 1.5, '1', null, undefined]) {
      const out = migrateConfig({ ...defaultConfig(), version });
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.message).toMatch(/no valid version number/);
    }
    const inner = migrateResults({ ...syntheticResults(), config: { ...defaultConfig(), version: 3 } });
    expect(inner.ok).toBe(false);
    if (!inner.ok) expect(inner.message).toMatch(/^In the results: .*newer version/);
  });
});

describe('v1 → v2 migration', () => {
  it('opens a v1 results file as valid v2 results: roles, one-decay EWA lists, one replicate, the target per measurement', () => {
    const dec = importJson(JSON.stringify(v1Results));
    expect(dec.ok).toBe(true);
    if (!dec.ok || dec.kind !== 'results') return;
    const r = dec.results;
    expect(r.version).toBe(RESULTS_VERSION);
    expect(r.config.version).toBe(CONFIG_VERSION);
    expect(r.config.seeds).toEqual([v1Results.config.seeds]);
    expect(r.config.censorFactor).toBeNull();
    expect(r.runs.filter((x) => x.spec.role === 'reference')).toHaveLength(v1Results.runs.filter((x) => x.spec.isReference).length);
    expect(r.runs.every((x) => x.spec.ewaDecays.length === 1 && x.spec.replicate === 0)).toBe(true);
    expect(r.runs[1].spec.ewaDecays[0]).toBe(v1Results.runs[1].spec.ewaDecay);
    expect(r.targets).toEqual([{ group: r.targets[0].group, loss: v1Results.targetLoss, from: [v1Results.runs[0].spec.id] }]);
  });
});
