// Import a JSON file of a config or results (exported here, or written by the headless runner);
// a CSV of steps to target, read by the same module as `npm run cbs` (src/cbs/input.ts: the lab's
// steps export, the paper's notebook table, named columns), whose charts, readings and report as
// the command line prints it are shown like any results; or the results of a PyTorch package (its
// .jsonl run files, several at once, or one merged file: src/scale-out/import.ts).
import { useId, useState } from 'react';
import { importJson, MAX_FILE_BYTES, type Decoded } from '../experiment/codec';
import { importScaleOutResults, isRunRecordsFile } from '../scale-out/import';
import type { TableInput } from '../cbs/input';

/** The CSV reader loads only when a CSV is imported (the first page stays small). */
async function readCsv(text: string): Promise<TableInput> {
  const { readStepsTable } = await import('../cbs/input');
  return readStepsTable(text);
}

/** A CSV by its name, or by its content when the name says nothing (JSON starts with { or [). */
function isCsv(name: string, text: string): boolean {
  return /\.(csv|txt)$/i.test(name) || (!/\.json$/i.test(name) && !/^\s*[{[]/.test(text));
}

export function ImportPanel({ onImport, onTable }: { onImport: (decoded: Decoded, fileName: string) => void; onTable: (table: TableInput | null, fileName: string) => void }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  // What an import of run records kept but the person should know (missing runs, a line cut short,
  // sweep runs that stopped at another target than their references set).
  const [warnings, setWarnings] = useState<string[]>([]);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setWarnings([]);
    if (file.size > MAX_FILE_BYTES) return setError(`"${file.name}" is larger than ${MAX_FILE_BYTES / 2 ** 20} MB.`);
    const text = await file.text();
    if (isCsv(file.name, text)) {
      try {
        const table = await readCsv(text);
        setError(null);
        onTable(table, file.name);
      } catch (e) {
        onTable(null, file.name);
        setError(`Could not analyse "${file.name}": ${e instanceof Error ? e.message : String(e)}`);
      }
      return;
    }
    const decoded = importJson(text);
    if (!decoded.ok) return setError(`Could not import "${file.name}": ${decoded.message}`);
    setError(null);
    onImport(decoded, file.name);
  };
  const onRunRecords = async (files: File[]) => {
    const name = files.length === 1 ? files[0].name : `${files.length} files`;
    const big = files.find((f) => f.size > MAX_FILE_BYTES);
    if (big) return setError(`"${big.name}" is larger than ${MAX_FILE_BYTES / 2 ** 20} MB.`);
    const texts = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text(), lastModified: f.lastModified })));
    const { decoded, warnings: kept } = importScaleOutResults(texts);
    setWarnings(decoded.ok ? kept : []);
    if (!decoded.ok) return setError(`Could not import "${name}": ${decoded.message}`);
    setError(null);
    onImport(decoded, name);
  };
  const onFiles = (files: File[]) => (files.length > 1 || (files[0] && isRunRecordsFile(files[0].name)) ? onRunRecords(files) : onFile(files[0]));
  return (
    <section className="import" aria-labelledby={`${id}-title`} data-testid="import">
      <h2 id={`${id}-title`}>Import</h2>
      <label htmlFor={id}>
        A JSON file (config or results), a CSV of steps to target (the lab&apos;s steps export, or any CSV npm run cbs reads), or a PyTorch package&apos;s results (.jsonl)
      </label>{' '}
      <input
        id={id}
        type="file"
        multiple
        accept=".json,application/json,.csv,text/csv,.jsonl"
        data-testid="import-file"
        onChange={(e) => void onFiles([...(e.target.files ?? [])]).finally(() => (e.target.value = ''))}
      />
      {error && (
        <p className="error-text" role="alert" data-testid="import-error">
          {error}
        </p>
      )}
      {warnings.length > 0 && (
        <ul className="banner warn" role="status" data-testid="import-warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
