// The theory page's settings as text fields, and back: lists of numbers are typed as "4096, 8192"
// or as powers of two, "2^12 2^13" (learning rates "2^-4.5"), so that the usual grids stay short.
// A field that does not parse says so under its path; the rest goes to the config's validator.
import { halfOctave, validateTheoryConfig, type TheoryConfig, type TheoryConfigIssue } from '../theory/config';

export const THEORY_FIELDS = ['a', 'b', 'dim', 'noiseVariance', 'budgets', 'batchSizes', 'learningRates', 'learningRateSearch', 'averaging', 'decays', 'seeds'] as const;
export type TheoryField = (typeof THEORY_FIELDS)[number];
export type TheoryFields = Record<TheoryField, string>;

const NUMBER_FIELDS = ['a', 'b', 'dim', 'noiseVariance'] as const;
const LIST_FIELDS = ['budgets', 'batchSizes', 'learningRates', 'seeds'] as const;

/** One number: decimal, exponent notation, or 2^k (k may be negative or fractional). */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  const power = /^2\^(-?\d+(?:\.\d+)?)$/.exec(t);
  if (power) {
    const k = 2 * Number(power[1]);
    return Number.isInteger(k) ? halfOctave(k) : 2 ** Number(power[1]);
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
  return Number(t);
}

/** Numbers separated by commas or spaces; null with the first token that is not one. */
export function parseNumberList(text: string): { ok: true; values: number[] } | { ok: false; token: string } {
  const tokens = text.split(/[\s,;]+/).filter((t) => t.length > 0);
  const values: number[] = [];
  for (const token of tokens) {
    const v = parseNumber(token);
    if (v === null) return { ok: false, token };
    values.push(v);
  }
  return { ok: true, values };
}

/** 2^k for powers of √2 from 2^10 up and below 1 (the grids), plain decimals otherwise. */
export function formatNumber(v: number): string {
  const k = Math.log2(v);
  const half = Math.round(2 * k) / 2;
  if (v > 0 && Math.abs(k - half) < 1e-12 && (half >= 10 || half < 0 || !Number.isInteger(half))) return `2^${half}`;
  return `${v}`;
}

export const formatNumberList = (values: readonly number[]) => values.map(formatNumber).join(', ');

export function fieldsOf(config: TheoryConfig): TheoryFields {
  return {
    a: `${config.a}`,
    b: `${config.b}`,
    dim: `${config.dim}`,
    noiseVariance: `${config.noiseVariance}`,
    budgets: formatNumberList(config.budgets),
    batchSizes: formatNumberList(config.batchSizes),
    learningRates: formatNumberList(config.learningRates),
    learningRateSearch: config.learningRateSearch,
    averaging: config.averaging.kind,
    decays: config.averaging.kind === 'ewa' ? config.averaging.decays.join(', ') : '0.99, 0.9968, 0.999',
    seeds: config.seeds.join(', '),
  };
}

/**
 * The config the fields describe, on top of `base` (which supplies the settings the page does not
 * show: the reference batch, the sample cap, the evaluation density, the analysis), and every
 * issue with it: fields that do not parse, then the validator's issues for the rest.
 */
export function configOf(fields: TheoryFields, base: TheoryConfig): { config: TheoryConfig; issues: TheoryConfigIssue[] } {
  const config: TheoryConfig = structuredClone(base);
  const unparsed: TheoryConfigIssue[] = [];
  const record = config as unknown as Record<string, unknown>;
  for (const name of NUMBER_FIELDS) {
    const v = parseNumber(fields[name]);
    if (v === null) unparsed.push({ path: name, message: `${JSON.stringify(fields[name].trim())} is not a number` });
    else record[name] = v;
  }
  for (const name of LIST_FIELDS) {
    const parsed = parseNumberList(fields[name]);
    if (!parsed.ok) unparsed.push({ path: name, message: `${JSON.stringify(parsed.token)} is not a number (write numbers or powers of two like 2^12, separated by commas)` });
    else record[name] = parsed.values;
  }
  config.learningRateSearch = fields.learningRateSearch === 'grid' ? 'grid' : 'monotone';
  if (fields.averaging === 'ewa') {
    const decays = parseNumberList(fields.decays);
    if (!decays.ok) unparsed.push({ path: 'averaging.decays', message: `${JSON.stringify(decays.token)} is not a number` });
    config.averaging = { kind: 'ewa', decays: decays.ok ? decays.values : [] };
  } else config.averaging = { kind: 'uniform' };
  const broken = new Set(unparsed.map((i) => i.path));
  const validated = validateTheoryConfig(config).filter((i) => !broken.has(i.path.replace(/\[\d+\]$/, '')));
  return { config, issues: [...unparsed, ...validated] };
}

/** The field an issue belongs to (null: a setting the page does not show). */
export function fieldOfIssue(path: string): TheoryField | null {
  if (path.startsWith('averaging.decays')) return 'decays';
  const head = path.replace(/\[\d+\]$/, '');
  return (THEORY_FIELDS as readonly string[]).includes(head) ? (head as TheoryField) : null;
}
