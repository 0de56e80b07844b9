// The results of a PyTorch package from disk (Node): a results folder or one merged .jsonl file,
// through the pure import of src/scale-out/import.ts. The hook that lets `npm run cbs` (tools/cbs.ts) read them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../src/cbs/input';
import type { ExperimentResults } from '../../src/experiment/schema';
import { importScaleOutResults, isRunRecordsFile, type ResultsText } from '../../src/scale-out/import';

function readText(path: string): ResultsText {
  return { name: basename(path), text: readFileSync(path, 'utf8'), lastModified: statSync(path).mtimeMs };
}

/**
 * The results at `path` when it is a package's results (a folder, or a .jsonl file), else null.
 * Warnings go to `warn`; a folder or file that cannot be imported is an InputError.
 */
export function readScaleOutResults(path: string, warn: (message: string) => void = () => {}): ExperimentResults | null {
  if (!existsSync(path)) return null;
  const isFolder = statSync(path).isDirectory();
  if (!isFolder && !isRunRecordsFile(path)) return null;
  const files = isFolder ? readdirSync(path).filter(isRunRecordsFile).map((name) => readText(join(path, name))) : [readText(path)];
  if (files.length === 0) throw new InputError(`${path} holds no .jsonl files: is it the results folder of a PyTorch package?`);
  const { decoded, warnings } = importScaleOutResults(files);
  for (const w of warnings) warn(w);
  if (!decoded.ok) {
    const issues = (decoded.issues ?? []).slice(0, 5).map((i) => `\n  ${i.path || '(root)'}: ${i.message}`);
    throw new InputError(`${path}: ${decoded.message}${issues.join('')}`);
  }
  if (decoded.kind !== 'results') throw new InputError(`${path} holds no results`);
  return decoded.results;
}
