// The CSV input of the analysis: steps to target, one row per run. (Results JSON is read by the
// shared codec in src/state/codec.ts.) Errors are InputError with a sentence that names the line.
import type { TableRow } from './report';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

const UNREACHED = new Set(['', 'na', 'nan', 'n/a', 'none', 'null', 'inf', 'infinity', '-']);
const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

/** A number, with an optional k/M/B/T suffix (85M, 3.07B); null when it is not one. */
export function parseSize(text: string): number | null {
  const t = text.trim().replace(/_/g, '');
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([kmbgt])?$/i.exec(t);
  if (!m) return null;
  const value = Number(m[1]) * (m[2] ? SUFFIX[m[2].toLowerCase()] : 1);
  return Number.isFinite(value) ? value : null;
}

/**
 * CSV with a header naming batch_size and steps, and optionally model_size and data_size (any
 * order, case-insensitive; other columns are ignored). Blank lines and lines starting with # are
 * skipped. Empty steps (or NA, NaN, inf, none, -) mark a run that never reached the target.
 */
export function parseStepsCsv(text: string): TableRow[] {
  const lines = text.split(/\r?\n/).map((l, i) => ({ line: i + 1, text: l.trim() }));
  const content = lines.filter((l) => l.text !== '' && !l.text.startsWith('#'));
  if (content.length === 0) throw new InputError('the CSV is empty: expected a header "batch_size,steps[,model_size][,data_size]" and one row per run');
  const split = (s: string) => s.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim());
  const header = split(content[0].text).map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const iB = col('batch_size');
  const iS = col('steps');
  const iN = col('model_size');
  const iD = col('data_size');
  if (iB < 0 || iS < 0) {
    throw new InputError(`line ${content[0].line}: the header must name batch_size and steps (got "${content[0].text}"); optional columns: model_size, data_size`);
  }
  const rows: TableRow[] = [];
  for (const { line, text: rowText } of content.slice(1)) {
    const cells = split(rowText);
    if (cells.length < header.length) throw new InputError(`line ${line}: expected ${header.length} columns, got ${cells.length} ("${rowText}")`);
    const batchSize = parseSize(cells[iB]);
    if (batchSize === null || !(batchSize > 0)) throw new InputError(`line ${line}: batch_size "${cells[iB]}" is not a positive number`);
    const stepsText = cells[iS];
    let steps: number | null = null;
    if (!UNREACHED.has(stepsText.toLowerCase())) {
      steps = parseSize(stepsText);
      if (steps === null || !(steps > 0)) throw new InputError(`line ${line}: steps "${stepsText}" is not a positive number (leave it empty, or write NA, for a run that never reached the target)`);
    }
    const size = (i: number, name: string): number | null => {
      if (i < 0 || cells[i] === '') return null;
      const v = parseSize(cells[i]);
      if (v === null || !(v > 0)) throw new InputError(`line ${line}: ${name} "${cells[i]}" is not a positive number`);
      return v;
    };
    rows.push({ batchSize, steps, modelSize: size(iN, 'model_size'), dataSize: size(iD, 'data_size') });
  }
  if (rows.length === 0) throw new InputError('the CSV has a header but no rows');
  return rows;
}
