// The builder's small form kit: a context holding the config being edited and its validation
// issues, immutable set/get at a path, and the inputs. Scalar inputs are drawn from a row of the
// field table (src/experiment/fields.ts): its label, unit, help and kind; messages sit under the
// field they are about.
import { createContext, useContext, useId, useState, type ReactNode } from 'react';
import type { ExperimentConfig } from '../../experiment/schema';
import type { ValidationIssue } from '../../experiment/validate';
import { field, type FieldPath, type FieldRow } from '../../experiment/fields';

export type Path = (string | number)[];

/** Immutable set at a path of plain objects and arrays. */
export function setIn<T>(root: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root] as unknown[];
    copy[head as number] = setIn(copy[head as number], rest, value);
    return copy as T;
  }
  const obj = { ...(root as Record<string, unknown>) };
  obj[head as string] = setIn(obj[head as string], rest, value);
  return obj as T;
}

export function getIn(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[k];
  return v;
}

/** "models[0].dModel" from ['models', 0, 'dModel']: the spelling of validation issues. */
export const pathText = (path: Path) => path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

/**
 * The value path of a field row: "batchSizes[]" is the list at ['batchSizes'], and each `[]`
 * inside ("models[].layers") takes the next of `indices`.
 */
export function rowValuePath(row: FieldRow, indices: number[] = []): Path {
  const path = row.path.replace(/\[\]$/, '');
  let next = 0;
  return path.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), indices[next++] ?? 0] : [part]));
}

export function issuesAt(issues: ValidationIssue[], path: Path): ValidationIssue[] {
  const p = pathText(path);
  return issues.filter((i) => i.path === p || i.path.startsWith(`${p}.`) || i.path.startsWith(`${p}[`));
}

export interface FormApi {
  config: ExperimentConfig;
  issues: ValidationIssue[];
  set(path: Path, value: unknown): void;
}

export const FormContext = createContext<FormApi | null>(null);

export function useForm(): FormApi {
  const f = useContext(FormContext);
  if (!f) throw new Error('form fields must be inside a FormContext provider (the experiment builder)');
  return f;
}

export function Issues({ path, exact = false }: { path: Path; exact?: boolean }) {
  const { issues } = useForm();
  const p = pathText(path);
  const list = exact ? issues.filter((i) => i.path === p) : issuesAt(issues, path);
  if (list.length === 0) return null;
  return (
    <ul className="field-issues" role="alert">
      {list.map((i, k) => (
        <li key={k}>{i.message}</li>
      ))}
    </ul>
  );
}

const numText = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const parseNum = (t: string) => (t.trim() === '' ? NaN : Number(t));
const listText = (v: unknown) => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : '?')).join(', ') : '');
const parseList = (t: string) => t.split(/[\s,;]+/).filter((s) => s.length > 0).map((s) => Number(s));

/** A text box whose text is kept while typing, and follows the value when it changes elsewhere. */
function useSyncedText(value: unknown, format: (v: unknown) => string, parse: (t: string) => unknown) {
  const [text, setText] = useState(() => format(value));
  const [seen, setSeen] = useState<unknown>(value);
  if (seen !== value) {
    setSeen(value);
    if (JSON.stringify(parse(text)) !== JSON.stringify(value)) setText(format(value));
  }
  return [text, setText] as const;
}

/** The label a row shows: its label and, when it has one, its unit. */
export const rowLabel = (row: FieldRow) => (row.unit && !row.label.includes(row.unit) ? `${row.label} (${row.unit})` : row.label);

/**
 * A number, a list of numbers, or a nullable number, as typed text. `compact` drops the visible
 * label (the models table's column header names it) and keeps it as the input's accessible name.
 */
function TextualField({ row, path, compactLabel }: { row: FieldRow; path: Path; compactLabel?: string }) {
  const form = useForm();
  const id = useId();
  const value = getIn(form.config, path);
  const list = row.list !== undefined;
  const format = list ? listText : (v: unknown) => (v === null ? '' : numText(v));
  const parse = list ? parseList : (t: string) => (row.nullable && t.trim() === '' ? null : parseNum(t));
  const [text, setText] = useSyncedText(value, format, parse);
  const bad = issuesAt(form.issues, path).length > 0;
  const helpId = `${id}-help`;
  const input = (
    <input
      id={id}
      inputMode={list ? 'text' : 'decimal'}
      value={text}
      aria-invalid={bad}
      aria-label={compactLabel}
      aria-describedby={compactLabel ? undefined : helpId}
      title={row.help}
      data-path={pathText(path)}
      size={compactLabel ? 6 : undefined}
      onChange={(e) => {
        setText(e.target.value);
        form.set(path, parse(e.target.value));
      }}
    />
  );
  if (compactLabel) return input;
  return (
    <div className={list ? 'field wide' : 'field'}>
      <label htmlFor={id}>{rowLabel(row)}</label>
      {input}
      <span className="field-hint" id={helpId}>
        {row.help}
      </span>
      <Issues path={path} />
    </div>
  );
}

function CheckField({ row, path }: { row: FieldRow; path: Path }) {
  const form = useForm();
  return (
    <div className="field check">
      <label title={row.help}>
        <input type="checkbox" checked={getIn(form.config, path) === true} onChange={(e) => form.set(path, e.target.checked)} /> {row.label}
      </label>
      <Issues path={path} />
    </div>
  );
}

function TextField({ row, path, compactLabel }: { row: FieldRow; path: Path; compactLabel?: string }) {
  const form = useForm();
  const id = useId();
  const value = getIn(form.config, path);
  const input = <input id={id} value={typeof value === 'string' ? value : ''} aria-label={compactLabel} title={row.help} onChange={(e) => form.set(path, e.target.value)} />;
  if (compactLabel) return input;
  return (
    <div className="field wide">
      <label htmlFor={id}>{rowLabel(row)}</label>
      {input}
      <Issues path={path} exact />
    </div>
  );
}

/** The input of one field-table row (at `indices` for rows inside lists, e.g. models[].layers). */
export function FieldInput({ name, indices, compactLabel }: { name: FieldPath; indices?: number[]; compactLabel?: string }) {
  const form = useForm();
  const row = field(name);
  if (row.when && getIn(form.config, rowValuePath({ ...row, path: row.when.path }, indices)) !== row.when.equals) return null;
  const path = rowValuePath(row, indices);
  switch (row.check.kind) {
    case 'bool':
      return <CheckField row={row} path={path} />;
    case 'text':
      return <TextField row={row} path={path} compactLabel={compactLabel} />;
    default:
      return <TextualField row={row} path={path} compactLabel={compactLabel} />;
  }
}

/** Every row of a list of field-table paths, in order. */
export function FieldInputs({ names }: { names: readonly FieldPath[] }) {
  return (
    <>
      {names.map((n) => (
        <FieldInput key={n} name={n} />
      ))}
    </>
  );
}

/** About how many characters of an option a one-cell select shows at the builder's font size. */
const LONG_OPTION_CHARS = 26;

/** A select; `value` stands in for an absent optional field (the config's `kind` defaults to a sweep). */
export function SelectField({ label, path, options, onSelect, value: shown }: { label: string; path: Path; options: [string, string][]; onSelect?: (v: string) => void; value?: string }) {
  const form = useForm();
  const id = useId();
  const value = shown ?? getIn(form.config, path);
  // A select is as wide as its grid cell, not its longest option: one whose options say more than
  // a cell holds takes two cells where the grid has them, so the chosen option reads in full.
  const long = Math.max(...options.map(([, text]) => text.length)) > LONG_OPTION_CHARS;
  return (
    <div className={`field${long ? ' long-select' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={typeof value === 'string' ? value : ''} onChange={(e) => (onSelect ? onSelect(e.target.value) : form.set(path, e.target.value))}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      <Issues path={path} exact />
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="form-section">
      <legend>{title}</legend>
      <div className="form-grid">{children}</div>
    </fieldset>
  );
}
