// Import a JSON file of a config or results (exported here, or written by the headless runner), or
// a CSV of steps to target, read and analysed by the same modules as `npm run cbs` (src/cbs/input.ts,
// src/cbs/report.ts): the report is shown as the command line prints it; or the results of a PyTorch
// package (its .jsonl run files, several at once, or one merged file: src/scale-out/import.ts).
import { useId, useState } from 'react';
import { importJson, MAX_FILE_BYTES, type Decoded } from '../experiment/codec';
import { importScaleOutResults, isRunRecordsFile } from '../scale-out/import';

/** The CSV reader and the text report load only when a CSV is imported (the first page stays small). */
async function analyseCsv(text: string): Promise<string> {
  const [{ readStepsTable }, { analyzeTable }, { formatReport }] = await Promise.all([import('../cbs/input'), import('../cbs/report'), import('../cbs/format')]);
  const table = readStepsTable(text);
  return formatReport(analyzeTable(table.rows, {}, table.source));
}

/** A CSV by its name, or by its content when the name says nothing (JSON starts with { or [). */
function isCsv(name: string, text: string): boolean {
  return /\.(csv|txt)$/i.test(name) || (!/\.json$/i.test(name) && !/^\s*[{[]/.test(text));
}

export function ImportPanel({ onImport }: { onImport: (decoded: Decoded, fileName: string) => void }) {
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [tableReport, setTableReport] = useState<{ name: string; text: string } | null>(null);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) return setError(`"${file.name}" is larger than ${MAX_FILE_BYTES / 2 ** 20} MB.`);
    const text = await file.text();
    if (isCsv(file.name, text)) {
      try {
        setTableReport({ name: file.name, text: await analyseCsv(text) });
        setError(null);
      } catch (e) {
        setTableReport(null);
        setError(`Could not analyse "${file.name}": ${e instanceof Error ? e.message : String(e)}`);
      }
      return;
    }
    const decoded = importJson(text);
    if (!decoded.ok) return setError(`Could not import "${file.name}": ${decoded.message}`);
    setError(null);
    setTableReport(null);
    onImport(decoded, file.name);
  };
  const onRunRecords = async (files: File[]) => {
    const name = files.length === 1 ? files[0].name : `${files.length} files`;
    const big = files.find((f) => f.size > MAX_FILE_BYTES);
    if (big) return setError(`"${big.name}" is larger than ${MAX_FILE_BYTES / 2 ** 20} MB.`);
    const texts = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text(), lastModified: f.lastModified })));
    const { decoded } = importScaleOutResults(texts);
    if (!decoded.ok) return setError(`Could not import "${name}": ${decoded.message}`);
    setError(null);
    setTableReport(null);
    onImport(decoded, name);
  };
  const onFiles = (files: File[]) => (files.length > 1 || (files[0] && isRunRecordsFile(files[0].name)) ? onRunRecords(files) : onFile(files[0]));
  return (
    <div className="import" data-testid="import">
      <label htmlFor={id}>Import a JSON file (config or results), a CSV of steps to target, or a PyTorch package&apos;s results (.jsonl)</label>{' '}
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
      {tableReport && (
        <figure data-testid="import-report">
          <figcaption>CBS analysis of “{tableReport.name}” (the same as npm run cbs)</figcaption>
          <pre>{tableReport.text}</pre>
        </figure>
      )}
    </div>
  );
}
