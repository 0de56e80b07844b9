import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELD_ROWS, fieldsMarkdown, ruleText, type FieldRow } from './fields';
import { validateConfig } from './validate';
import { defaultConfig } from './presets';

/** A valid config whose value at `row` exists (a `when` row gets its kind), and the value's path. */
function configWith(row: FieldRow, value: unknown): { config: Record<string, unknown>; path: string } {
  const config = structuredClone(defaultConfig()) as unknown as Record<string, unknown>;
  const parts = row.path.replace(/\[\]$/, '[0]').replace(/\[\]/g, '[0]').split('.');
  const path = parts.join('.');
  if (row.when) {
    // Every `when` is the kind of the field's parent object: the parent becomes that kind.
    const parentPath = row.when.path.split('.').slice(0, -1);
    let parent = config;
    for (const k of parentPath.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
    const last = parts[parts.length - 1];
    const field = last.endsWith('[0]') ? { [last.slice(0, -3)]: [value] } : { [last]: value };
    parent[parentPath[parentPath.length - 1]] = { kind: row.when.equals, ...field };
    return { config, path };
  }
  let at: Record<string, unknown> | unknown[] = config;
  const keys = parts.flatMap((p) => (p.endsWith('[0]') ? [p.slice(0, -3), 0] : [p]));
  for (const k of keys.slice(0, -1)) at = (at as Record<string | number, unknown>)[k] as Record<string, unknown>;
  (at as Record<string | number, unknown>)[keys[keys.length - 1]] = value;
  return { config, path };
}

/** A value just outside the row's rule. */
function outside(row: FieldRow): unknown {
  const c = row.check;
  switch (c.kind) {
    case 'int':
      return c.max + 1;
    case 'positive-int':
      return c.max + 1;
    case 'number':
      return c.maxExclusive ? c.max : c.max * 2 + 1;
    case 'positive':
      return 0;
    case 'bool':
      return 'yes';
    case 'text':
      return 'x'.repeat(c.maxLength + 1);
  }
}

describe('the field table drives validation', () => {
  it.each(FIELD_ROWS.map((r) => [r.path, r] as const))('%s: a value outside its rule is refused at its path, with the rule in words', (_p, row) => {
    const { config, path } = configWith(row, outside(row));
    const issues = validateConfig(config);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(ruleText(row).length).toBeGreaterThan(5);
  });

  it.each(FIELD_ROWS.map((r) => [r.path, r] as const))('%s: the default (or a value inside its rule) passes', (_p, row) => {
    const c = row.check;
    const inside = c.kind === 'bool' ? true : c.kind === 'text' ? 'ok' : c.kind === 'int' ? c.min : c.kind === 'number' ? c.min : 1;
    const { config } = configWith(row, inside);
    // Some fields are tied to others (baseline among the batch sizes is only a warning); the field itself is fine.
    expect(validateConfig(config).filter((i) => i.path.startsWith(row.path.replace(/\[\].*$/, '')) && !/divisible|even|repeats|paired/.test(i.message))).toEqual([]);
  });

  it('list rows refuse too long and empty lists', () => {
    for (const row of FIELD_ROWS.filter((r) => r.list)) {
      const list = row.list as { min: number; max: number };
      const tooMany = configWith(row, 1);
      const path = row.path.replace(/\[\]$/, '');
      const keys = path.split('.');
      let at = tooMany.config;
      for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
      at[keys[keys.length - 1]] = Array.from({ length: list.max + 1 }, (_, i) => i + 1);
      expect(validateConfig(tooMany.config).map((i) => i.path)).toContain(path);
      at[keys[keys.length - 1]] = [];
      expect(validateConfig(tooMany.config).map((i) => i.message)).toContain(`${path} needs at least ${list.min} value`);
    }
  });
});

describe('docs/config.md', () => {
  it('lists every field of the table, generated from it (npm run docs:config rewrites it)', () => {
    const doc = readFileSync(resolve(__dirname, '../../docs/config.md'), 'utf8');
    const between = /<!-- fields:start -->\n([\s\S]*?)\n<!-- fields:end -->/.exec(doc);
    expect(between, 'docs/config.md needs the <!-- fields:start --> … <!-- fields:end --> block').not.toBeNull();
    expect(between?.[1]).toBe(fieldsMarkdown());
  });
});
