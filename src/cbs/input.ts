// The CSV input of the analysis: a table of steps to target, one row per run, read with a real CSV
// parser (papaparse: quoted fields with commas, CRLF, BOM), the same module in the command line
// and the page. It reads the lab's own steps export, the paper's notebook table
// (model_params_m,batch_size,steps_to_target) and any CSV whose columns the user names.
// (Results JSON is read by the shared codec in src/experiment/codec.ts.) Errors are InputError
// with a sentence that names the line.
import Papa from 'papaparse';
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

export type TableColumn = 'batchSize' | 'steps' | 'modelSize' | 'dataSize' | 'replicate' | 'group';

/** Header names recognised without being named (compared lower-case, spaces and dashes as underscores). */
export const COLUMN_ALIASES: Readonly<Record<Exclude<TableColumn, 'group'>, readonly string[]>> = {
  batchSize: ['batch_size', 'bs', 'batch'],
  steps: ['steps_to_target', 'steps'],
  modelSize: ['non_embedding_params', 'model_size', 'model_params_m', 'model_params', 'n_params', 'params'],
  dataSize: ['data_size', 'tokens', 'dataset_tokens'],
  replicate: ['replicate', 'seed_replicate'],
};

/** A column that marks reference runs (they set the target; they are not points): skipped rows. */
const REFERENCE_COLUMNS = ['reference', 'role'];
const IS_REFERENCE = new Set(['yes', 'true', '1', 'reference']);

/** The unit of a size column: a bare number is multiplied by it; a cell's own suffix (85M) wins. */
export type SizeUnit = 'units' | 'thousands' | 'millions' | 'billions';
export const SIZE_UNITS: readonly SizeUnit[] = ['units', 'thousands', 'millions', 'billions'];
const UNIT_FACTOR: Record<SizeUnit, number> = { units: 1, thousands: 1e3, millions: 1e6, billions: 1e9 };
/** A header ending in one of these says its unit (model_params_m: millions). */
const UNIT_SUFFIX: [RegExp, SizeUnit][] = [
  [/_(k|thousands?)$/, 'thousands'],
  [/_(m|mm|millions?)$/, 'millions'],
  [/_(b|bn|billions?)$/, 'billions'],
];

export interface TableReadOptions {
  /** Header names chosen by the user (any case), instead of the aliases. */
  columns?: Partial<Record<TableColumn, string>>;
  /** Declared units of the size columns; otherwise read from the header's suffix, else units. */
  modelSizeUnit?: SizeUnit;
  dataSizeUnit?: SizeUnit;
}

export interface ColumnUse {
  /** The header as written in the file; null when the table has no such column. */
  header: string | null;
  how: 'named' | 'alias' | 'absent';
}

export interface SizeColumnUse extends ColumnUse {
  unit: SizeUnit;
  unitFrom: 'declared' | 'header' | 'default';
}

/** How the table was read: which column gave what, in which unit. The report repeats it. */
export interface TableSource {
  columns: { batchSize: ColumnUse; steps: ColumnUse; replicate: ColumnUse; group: ColumnUse; modelSize: SizeColumnUse; dataSize: SizeColumnUse };
  /** Rows marked as reference runs, skipped. */
  referenceRows: number;
  rows: number;
  notes: string[];
}

export interface TableInput {
  rows: TableRow[];
  source: TableSource;
}

const normalise = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

interface CsvRecord {
  cells: string[];
  /** 1-based line where the record starts. */
  line: number;
}

/** The records of a CSV (comments and blank lines skipped), each with the line it starts on. */
function csvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let error: { line: number; message: string } | null = null;
  // Newlines before an offset, counted incrementally (records arrive in order).
  let counted = 0;
  let newlines = 0;
  const linesBefore = (offset: number) => {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
      newlines++;
      counted = i + 1;
    }
    return newlines;
  };
  // A record starts where the previous one ended, past the comment and blank lines papaparse skips.
  let previousEnd = 0;
  const startOf = (from: number) => {
    let start = from;
    for (;;) {
      const end = text.indexOf('\n', start);
      const line = text.slice(start, end < 0 ? text.length : end);
      if (end < 0 || !(line.startsWith('#') || /^[\s,]*$/.test(line))) return start;
      start = end + 1;
    }
  };
  Papa.parse<string[]>(text, {
    comments: '#',
    skipEmptyLines: 'greedy',
    delimiter: ',',
    step: (result) => {
      const line = linesBefore(startOf(previousEnd)) + 1;
      previousEnd = result.meta.cursor;
      const quote = result.errors.find((e) => e.type === 'Quotes');
      if (quote && !error) error = { line, message: `${quote.message.toLowerCase()} (a quoted field is not closed)` };
      records.push({ cells: result.data.map((c) => c.trim()), line });
    },
  });
  if (error !== null) {
    const { line, message } = error;
    throw new InputError(`line ${line}: ${message}`);
  }
  return records;
}

/**
 * A CSV with a header and one row per run. The batch size and steps columns are required, found
 * by name (options.columns) or by the common aliases; model size, data size and a group column are
 * optional, and so are a seed-replicate column and a column marking reference runs (`reference`
 * yes/no, or `role`), whose rows are skipped: they set the target, they are not points. Several
 * rows per batch size (and replicate) are allowed (the minimum is taken). Lines starting with #
 * and blank lines are skipped. Empty steps (or NA, NaN, inf, none, -) mark a run that never reached
 * the target. A row with more cells than the header, or fewer, is an error.
 */
export function readStepsTable(text: string, options: TableReadOptions = {}): TableInput {
  const records = csvRecords(text.replace(/^\uFEFF/, ''));
  if (records.length === 0) {
    throw new InputError(`the CSV is empty: expected a header naming the batch size and steps columns (e.g. "batch_size,steps_to_target[,model_size][,data_size]") and one row per run`);
  }
  const header = records[0].cells;
  const headerLine = records[0].line;
  const names = header.map(normalise);
  const headerText = header.join(',');

  const find = (column: TableColumn, flag: string): ColumnUse & { index: number } => {
    const named = options.columns?.[column];
    if (named !== undefined) {
      const index = names.indexOf(normalise(named));
      if (index < 0) throw new InputError(`line ${headerLine}: no column "${named}" (${flag}) in the header "${headerText}"`);
      return { index, header: header[index], how: 'named' };
    }
    if (column === 'group') return { index: -1, header: null, how: 'absent' };
    // An alias matches as written or with a unit suffix (tokens_b, model_size_m).
    const bare = (n: string) => UNIT_SUFFIX.reduce((t, [re]) => t.replace(re, ''), n);
    const aliases = COLUMN_ALIASES[column];
    let index = names.findIndex((n) => aliases.includes(n));
    if (index < 0 && (column === 'modelSize' || column === 'dataSize')) index = names.findIndex((n) => aliases.includes(bare(n)));
    return index < 0 ? { index, header: null, how: 'absent' } : { index, header: header[index], how: 'alias' };
  };
  const batch = find('batchSize', '--batch-col');
  const steps = find('steps', '--steps-col');
  const model = find('modelSize', '--model-size-col');
  const data = find('dataSize', '--data-size-col');
  const replicate = find('replicate', '--replicate-col');
  const group = find('group', '--group-col');
  const referenceIndex = names.findIndex((n) => REFERENCE_COLUMNS.includes(n));
  // Replicate ids as written when they are small integers, else numbered in order of appearance.
  const replicateIds = new Map<string, number>();
  const replicateOf = (text: string): number => {
    if (/^\d{1,6}$/.test(text)) return Number(text);
    if (!replicateIds.has(text)) replicateIds.set(text, replicateIds.size);
    return replicateIds.get(text) as number;
  };
  let referenceRows = 0;
  if (batch.index < 0 || steps.index < 0) {
    const missing = [batch.index < 0 ? `batch size (${COLUMN_ALIASES.batchSize.join(', ')})` : null, steps.index < 0 ? `steps (${COLUMN_ALIASES.steps.join(', ')})` : null].filter(Boolean);
    throw new InputError(
      `line ${headerLine}: the header "${headerText}" has no ${missing.join(' and no ')} column; name them with --batch-col and --steps-col ` +
        `(optional: --model-size-col, --data-size-col, --group-col)`,
    );
  }
  const unitOf = (use: ColumnUse, declared: SizeUnit | undefined): SizeColumnUse => {
    if (declared) return { ...use, unit: declared, unitFrom: 'declared' };
    const fromHeader = use.header === null ? undefined : UNIT_SUFFIX.find(([re]) => re.test(normalise(use.header as string)))?.[1];
    return fromHeader ? { ...use, unit: fromHeader, unitFrom: 'header' } : { ...use, unit: 'units', unitFrom: 'default' };
  };
  const strip = ({ header: h, how }: ColumnUse): ColumnUse => ({ header: h, how });
  const modelUse = unitOf(strip(model), options.modelSizeUnit);
  const dataUse = unitOf(strip(data), options.dataSizeUnit);

  const rows: TableRow[] = [];
  for (const { cells, line } of records.slice(1)) {
    const rowText = cells.join(',');
    if (cells.length !== header.length) throw new InputError(`line ${line}: expected ${header.length} columns, got ${cells.length} ("${rowText}")`);
    if (referenceIndex >= 0 && IS_REFERENCE.has(cells[referenceIndex].toLowerCase())) {
      referenceRows++;
      continue;
    }
    const name = (use: ColumnUse) => use.header ?? '';
    const batchSize = parseSize(cells[batch.index]);
    if (batchSize === null || !(batchSize > 0)) throw new InputError(`line ${line}: ${name(batch)} "${cells[batch.index]}" is not a positive number`);
    const stepsText = cells[steps.index];
    let stepCount: number | null = null;
    if (!UNREACHED.has(stepsText.toLowerCase())) {
      stepCount = parseSize(stepsText);
      if (stepCount === null || !(stepCount > 0)) {
        throw new InputError(`line ${line}: ${name(steps)} "${stepsText}" is not a positive number (leave it empty, or write NA, for a run that never reached the target)`);
      }
    }
    const size = (index: number, use: SizeColumnUse): number | null => {
      if (index < 0 || cells[index] === '') return null;
      const cell = cells[index];
      const v = parseSize(cell);
      if (v === null || !(v > 0)) throw new InputError(`line ${line}: ${name(use)} "${cell}" is not a positive number`);
      return /[kmbgt]$/i.test(cell) ? v : v * UNIT_FACTOR[use.unit];
    };
    const groupText = group.index >= 0 ? cells[group.index] : null;
    rows.push({
      batchSize,
      steps: stepCount,
      modelSize: size(model.index, modelUse),
      dataSize: size(data.index, dataUse),
      ...(replicate.index >= 0 ? { replicate: replicateOf(cells[replicate.index]) } : {}),
      ...(groupText !== null ? { group: groupText === '' ? '(empty)' : groupText } : {}),
    });
  }
  if (rows.length === 0) throw new InputError(referenceRows > 0 ? 'the CSV has only reference runs (they set the target; they are not points)' : 'the CSV has a header but no rows');

  const notes: string[] = [];
  const modelSizes = rows.map((r) => r.modelSize).filter((v): v is number => v !== null);
  if (modelUse.unitFrom === 'default' && modelSizes.length > 0 && Math.max(...modelSizes) < 1e4) {
    notes.push(
      `every model size in "${modelUse.header}" is below 10,000, read as parameters; if they are millions, say so ` +
        `(--model-size-unit millions, or a header ending in _m such as model_params_m)`,
    );
  }
  return {
    rows,
    source: { columns: { batchSize: strip(batch), steps: strip(steps), replicate: strip(replicate), group: strip(group), modelSize: modelUse, dataSize: dataUse }, rows: rows.length, referenceRows, notes },
  };
}

/** The rows alone (tests, and callers that do not report how the table was read). */
export function parseStepsCsv(text: string, options: TableReadOptions = {}): TableRow[] {
  return readStepsTable(text, options).rows;
}

/** One sentence per column: what was read from where, in which unit. */
export function describeTableSource(source: TableSource): string[] {
  const c = source.columns;
  const col = (what: string, use: ColumnUse) => (use.header === null ? null : `${what} from "${use.header}"${use.how === 'named' ? ' (named)' : ''}`);
  const sized = (what: string, unitName: string, use: SizeColumnUse) => {
    if (use.header === null) return null;
    const how = use.unitFrom === 'declared' ? 'declared' : use.unitFrom === 'header' ? 'from the header' : 'the default';
    return `${col(what, use)} in ${use.unit === 'units' ? unitName : `${use.unit} of ${unitName}`} (${how})${use.unit === 'units' ? '' : `, converted to ${unitName}`}`;
  };
  return [
    col('batch size', c.batchSize),
    col('steps to target', c.steps),
    sized('model size N', 'parameters', c.modelSize),
    sized('data size D', 'tokens', c.dataSize),
    col('seed replicates', c.replicate),
    col('groups', c.group),
    source.referenceRows > 0 ? `${source.referenceRows} reference run(s) skipped (they set the target; they are not points)` : null,
  ].filter((s): s is string => s !== null);
}
