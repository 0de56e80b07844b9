// Every decode path is total: nesting depth and size are checked before anything recursive
// runs (JSON.stringify, structuredClone), and no error message carries more than a few hundred
// characters of the input, however large or strange the input is.
import { describe, expect, it } from 'vitest';
import { configFromValue, decodeLink, exportConfigJson, exportResultsJson, importJson, resultsFromValue, type DecodeResult } from './codec';
import { defaultConfig } from './presets';
import { syntheticResults } from './synthetic';
import { handPacked as packJson } from './fixtures/hand-packed';


const nestedText = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
/** The same nesting as a value, built without recursion. */
function nestedValue(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** A refusal in one line of at most a few hundred characters. */
function expectOneLineRefusal(result: DecodeResult, code?: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  if (code) expect(result.code).toBe(code);
  expect(result.message).not.toContain('\n');
  expect(result.message.length).toBeLessThanOrEqual(400);
  for (const issue of result.issues ?? []) expect(issue.message.length + issue.path.length).toBeLessThanOrEqual(400);
}

describe('decoding is total on deep nesting', () => {
  for (const depth of [5_000, 10_000]) {
    const config = `{"version":${nestedText(depth)},"models":[]}`;
    const results = `{"version":1,"config":{"version":${nestedText(depth)}},"runs":[]}`;
    it(`a config link whose version is nested ${depth} deep`, () => {
      expectOneLineRefusal(decodeLink(`#v1.c.${packJson(config)}`), 'too-deep');
    });
    it(`a results link whose config version is nested ${depth} deep`, () => {
      expectOneLineRefusal(decodeLink(`#v1.r.${packJson(results)}`), 'too-deep');
    });
    it(`a JSON file nested ${depth} deep, bare or in a lab file`, () => {
      expectOneLineRefusal(importJson(config), 'too-deep');
      expectOneLineRefusal(importJson(`{"format":${nestedText(depth)}}`), 'too-deep');
      expectOneLineRefusal(importJson(`{"format":"cbs-lab","kind":"results","data":${results}}`), 'too-deep');
    });
    it(`a value (e.g. from IndexedDB) nested ${depth} deep`, () => {
      expectOneLineRefusal(configFromValue({ ...defaultConfig(), version: nestedValue(depth) }), 'too-deep');
      expectOneLineRefusal(resultsFromValue({ ...syntheticResults(), adapter: nestedValue(depth) }), 'too-deep');
    });
  }
  it('keeps the depth the real files need', () => {
    expect(importJson(exportConfigJson(defaultConfig())).ok).toBe(true);
    expect(importJson(exportResultsJson(syntheticResults())).ok).toBe(true);
  });
  it('brackets inside a string are only text', () => {
    const c = { ...defaultConfig(), name: '[{'.repeat(100) };
    const out = importJson(exportConfigJson(c));
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.config.name).toBe(c.name);
  });
});

describe('decoding is total on large input', () => {
  const mb20 = 20 * 1024 * 1024;
  it('a 20 MB file of nesting, of text, and a 20 MB link', () => {
    expectOneLineRefusal(importJson('['.repeat(mb20)), 'too-deep');
    expectOneLineRefusal(importJson(`{"version":1,"models":[],"name":"${'x'.repeat(mb20)}"}`));
    expectOneLineRefusal(decodeLink(`#v1.c.${'A'.repeat(mb20)}`), 'too-large');
  });
  it('never puts more than a few hundred characters of the input in a message', () => {
    const long = 'Z'.repeat(3_000_000);
    const cases: DecodeResult[] = [
      importJson(JSON.stringify({ version: long })),
      importJson(JSON.stringify({ version: 1, models: [], [long]: 1 })),
      importJson(JSON.stringify({ format: long })),
      importJson(JSON.stringify({ format: 'cbs-lab', kind: long })),
      importJson(JSON.stringify({ format: 'cbs-lab', kind: { [long]: [long] } })),
      importJson(JSON.stringify({ ...defaultConfig(), version: Array.from({ length: 100_000 }, (_, i) => i) })),
      decodeLink(`#v1.c.${packJson(JSON.stringify({ ...defaultConfig(), version: { a: long } }))}`),
      configFromValue({ ...defaultConfig(), models: [{ ...defaultConfig().models[0], [long]: 1 }] }),
    ];
    for (const c of cases) expectOneLineRefusal(c);
  });
});

describe('JSON files with a byte-order mark', () => {
  it('opens like the same file without one', () => {
    const text = exportConfigJson(defaultConfig());
    const out = importJson(`\uFEFF${text}`);
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.config).toEqual(defaultConfig());
  });
});
