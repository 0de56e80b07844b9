// Reads the results of a PyTorch package back into the lab: a folder of run files (each a JSON
// line per record, the last one of a run winning) or one merged file (`cat results/*.jsonl`),
// with the experiment's config on a line of its own. The outcome is the lab's ExperimentResults,
// validated by the lab's codec, so the analysis, the charts and share links take it like any sweep.
// Pure: the command line (tools/cbs.ts) and the page's Import both call it.
import { targetFromReference, targetFromReferences } from '../experiment/results';
import { FILE_FORMAT, exportConfigJson, importJson, resultsFromValue, type DecodeResult } from '../experiment/codec';
import { measurementKey, measurementLabel } from '../experiment/plan';
import { RESULTS_VERSION, type ExperimentConfig, type ExperimentResults, type GroupTarget, type RunRecord } from '../experiment/schema';
import { packagePlan } from './manifest';
import { isObj } from '../util/guards';

export interface ResultsText {
  /** A file name, for messages. */
  name: string;
  text: string;
  /** When the file was last written (ms since 1970), if known: the results' start and end times. */
  lastModified?: number;
}

export interface ScaleOutImport {
  decoded: DecodeResult;
  /** What was set aside on the way (a run cut short by a crash, planned runs without a record…). */
  warnings: string[];
}

/** The file of the run on manifest line `index` (train.py names it the same way). */
export function runFileName(index: number): string {
  return `run-${String(index).padStart(5, '0')}.jsonl`;
}

/** The line of experiment.jsonl: the lab's config file, on one line. */
export function experimentLine(config: ExperimentConfig): string {
  return JSON.stringify(JSON.parse(exportConfigJson(config))) + '\n';
}

/** A record as one line (JSON writes NaN as null, which the import reads back as NaN). */
export function recordLine(record: RunRecord): string {
  return JSON.stringify(record) + '\n';
}

/** True for what the package writes: a .jsonl file (a folder is the caller's to list). */
export function isRunRecordsFile(name: string): boolean {
  return /\.jsonl$/i.test(name);
}

const fail = (message: string): ScaleOutImport => ({ decoded: { ok: false, code: 'invalid', message }, warnings: [] });

export function importScaleOutResults(files: readonly ResultsText[]): ScaleOutImport {
  const warnings: string[] = [];
  const configs: { where: string; config: ExperimentConfig }[] = [];
  const records = new Map<string, RunRecord>();
  let superseded = 0;
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const file of sorted) {
    const lines = file.text.split('\n');
    const last = lines.map((l) => l.trim() !== '').lastIndexOf(true);
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i].trim();
      if (text === '') continue;
      const where = `${file.name} line ${i + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // A run killed while writing leaves its last line cut short: that line is set aside.
        if (i === last) {
          warnings.push(`${where} is cut short (a run stopped while writing it): ignored`);
          continue;
        }
        return fail(`${where} is not JSON`);
      }
      if (isObj(value) && value.format === FILE_FORMAT) {
        const decoded = importJson(text);
        if (!decoded.ok) return fail(`${where}: ${decoded.message}`);
        configs.push({ where, config: decoded.config });
      } else if (isObj(value) && isObj(value.spec) && typeof value.spec.id === 'string' && typeof value.status === 'string') {
        if (records.has(value.spec.id)) superseded++;
        records.set(value.spec.id, value as unknown as RunRecord);
      } else {
        return fail(`${where} is neither a run record nor the experiment's config`);
      }
    }
  }
  if (configs.length === 0) {
    return fail("no experiment config among the results: the folder should hold experiment.jsonl, which train.py writes (the package's experiment.json on one line)");
  }
  const config = configs[0].config;
  const other = configs.find((c) => JSON.stringify(c.config) !== JSON.stringify(config));
  if (other) return fail(`${other.where} holds a different experiment config than ${configs[0].where}: these results mix two experiments`);
  if (records.size === 0) return fail('the results hold the experiment config but no run record yet');
  if (superseded > 0) warnings.push(`${superseded} earlier record${superseded === 1 ? '' : 's'} of runs trained again were replaced by the latest`);

  // The runs in the lab's plan order; records of runs outside the plan come last, with a warning.
  const vocabSize = [...records.values()][0].spec.model.vocabSize;
  const planned = packagePlan(config, vocabSize).map((s) => s.id);
  const runs: RunRecord[] = planned.filter((id) => records.has(id)).map((id) => records.get(id)!);
  const missing = planned.filter((id) => !records.has(id));
  const extra = [...records.keys()].filter((id) => !planned.includes(id));
  for (const id of extra) runs.push(records.get(id)!);
  if (missing.length > 0) warnings.push(`${missing.length} of the ${planned.length} planned runs have no record yet: ${missing.join(', ')}`);
  if (extra.length > 0) warnings.push(`${extra.length} record${extra.length === 1 ? ' is' : 's are'} not a run of this experiment's plan: ${extra.join(', ')}`);

  const adapters = [...new Set(runs.map((r) => r.adapter).filter((a) => a !== ''))];
  const times = files.map((f) => f.lastModified).filter((t): t is number => t !== undefined && Number.isFinite(t));
  const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());
  const targets = groupTargets(runs);
  warnings.push(...targetMismatches(targets, runs));
  const results: ExperimentResults = {
    version: RESULTS_VERSION,
    config,
    targets,
    runs,
    startedAt: iso(times.length ? Math.min(...times) : undefined),
    finishedAt: missing.length === 0 ? iso(times.length ? Math.max(...times) : undefined) : null,
    adapter: adapters.join('; ').slice(0, 1000),
  };
  return { decoded: resultsFromValue(results), warnings };
}

/**
 * Where the sweep runs used another target than their reference runs set (the lab's rule: each
 * replicate's best final loss over its learning rates, averaged), the results are kept as trained
 * and the difference is said: an older train.py averaged every reference run, the learning-rate
 * grid's losers included, so its sweep runs stopped at a higher loss (and no other target can be
 * read from them below it).
 */
function targetMismatches(targets: readonly GroupTarget[], runs: readonly RunRecord[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    const references = runs.filter((r) => r.spec.role === 'reference' && measurementKey(r.spec.model, r.spec.dataSize) === t.group);
    const fromReferences = references.length > 0 ? targetFromReferences(references) : null;
    if (fromReferences === null || Math.abs(fromReferences.loss - t.loss) <= 1e-9 * Math.abs(t.loss)) continue;
    out.push(
      `${measurementLabel(references[0].spec.model.name, references[0].spec.dataSize)}: the sweep runs stopped at the target ${t.loss.toPrecision(5)}, but the reference runs set ${fromReferences.loss.toPrecision(5)} ` +
        `(each seed's best over its learning rates; an older train.py averaged every reference run): export the package again and train these sweep runs again to measure R(B) at the lab's target`,
    );
  }
  return out;
}

/**
 * Each measurement's target, as its sweep runs used it (train.py resolved it from the reference
 * runs' records, or the config fixed it), with the reference runs of that measurement that had
 * finished.
 */
function groupTargets(runs: RunRecord[]): GroupTarget[] {
  const targets = new Map<string, GroupTarget>();
  for (const run of runs) {
    if (run.spec.role !== 'sweep' || run.spec.targetLoss === null) continue;
    const group = measurementKey(run.spec.model, run.spec.dataSize);
    if (targets.has(group)) continue;
    const from = runs.filter((r) => r.spec.role === 'reference' && measurementKey(r.spec.model, r.spec.dataSize) === group && targetFromReference(r) !== null).map((r) => r.spec.id);
    targets.set(group, { group, loss: run.spec.targetLoss, from });
  }
  return [...targets.values()];
}
