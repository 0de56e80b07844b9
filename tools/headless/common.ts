// What both engines of the headless runner share: exit codes, the progress printer, the adapter
// line, and the outputs (results.json, report.json, report.txt, the CSV exports, run.json) with
// the summary. No browser and no build tool here: the device bundle (Node engine only) takes it.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExperimentResults } from '../../src/experiment/schema';
import { exportResultsJson, importJson } from '../../src/experiment/codec';
import { analyzeResults } from '../../src/cbs/report';
import { formatReport } from '../../src/cbs/format';
import { evaluationsCsv, stepsCsv, trainStepsCsv } from '../../src/cbs/export';
import type { HeadlessArgs } from './args';
import type { AdapterInfo } from './page';
import { formatDuration, formatProgress, progressOf, type LabState, type RunState } from './progress';
import { formatSummary } from './summary';

export const EXIT = { ok: 0, failed: 1, usage: 2, startup: 3, adapter: 4, host: 5, timeout: 6 } as const;

/** A failure with its exit code (USAGE in args.ts lists them). */
export class RunFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** A file or folder name from a label: lower case, dashes, at most 60 characters. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'chart';
}

/** The first line of what was thrown. */
export function firstLine(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

export const log = (line: string) => process.stdout.write(`${line}\n`);
export const warn = (line: string) => process.stderr.write(`${line}\n`);

export interface Progressor {
  update(state: LabState): void;
  /** A line of its own between progress updates. */
  note(line: string): void;
  end(): void;
}

/** `where`: whose warnings these are (the page's, or the Node engine's). */
export function progressPrinter(quiet: boolean, startedAt: number, where: 'page' | 'node' = 'page'): Progressor {
  const tty = process.stdout.isTTY === true && !quiet;
  let lastDecile = -1;
  let lastLineAt = 0;
  let lastLine = '';
  const warned = new Set<string>();
  return {
    update(state) {
      for (const w of state.warnings) {
        if (warned.has(w)) continue;
        warned.add(w);
        if (tty) process.stdout.write('\r\x1b[2K');
        warn(`warning (${where}): ${w}`);
      }
      const elapsed = (Date.now() - startedAt) / 1000;
      if (state.runs.length === 0) {
        const line = `preparing the experiment (data, tokenizer, run plan)… ${formatDuration(elapsed)}`;
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else if (Date.now() - lastLineAt > 30_000) {
          log(line);
          lastLineAt = Date.now();
        }
        return;
      }
      const p = progressOf(state, elapsed);
      const line = formatProgress(p, elapsed);
      if (tty) {
        process.stdout.write(`\r\x1b[2K${line}`);
        return;
      }
      // Not a terminal (CI, a log file): a line per 10% or per 30 s.
      const decile = Math.floor(p.fraction * 10);
      if (decile !== lastDecile || Date.now() - lastLineAt > 30_000) {
        if (line !== lastLine) log(line);
        lastDecile = decile;
        lastLineAt = Date.now();
        lastLine = line;
      }
    },
    note(line) {
      if (tty) process.stdout.write('\r\x1b[2K');
      log(line);
    },
    end() {
      if (tty) process.stdout.write('\n');
    },
  };
}

export function reportAdapter(adapter: AdapterInfo, args: HeadlessArgs): void {
  log(`adapter: ${adapter.description}`);
  if (adapter.fallback) {
    log('         this is the SOFTWARE FALLBACK (a CPU emulator, not a GPU): expect it to be slow; only tiny configs are practical.');
    if (args.requireGpu) {
      throw new RunFailure('--require-gpu: the adapter is the software fallback, not a GPU. On Linux check the Vulkan driver (vulkaninfo) and the GPU flags; see docs/headless.md.', EXIT.adapter);
    }
  }
}

export interface OutputContext {
  args: HeadlessArgs;
  source: string;
  adapter: AdapterInfo | null;
  engine: { engine: HeadlessArgs['engine']; browser: string | null };
  runs: RunState[];
  trainStart: number;
  t0: number;
  /**
   * Files each engine adds after the results: the page's chart PNGs and trained models, the Node
   * engine's trained models. Returns the names written; says itself what it could not write.
   */
  extras: () => Promise<string[]>;
}

/** results.json, report.json, report.txt, the CSVs, the engine's extras and run.json; the summary; the exit code. */
export async function writeOutputs(outDir: string, raw: ExperimentResults | null, c: OutputContext): Promise<number> {
  if (!raw) throw new RunFailure('the experiment finished but has no results', EXIT.failed);
  // The UI's export format; read back through the codec (validated, NaN revived) for the analysis.
  const resultsText = exportResultsJson(raw);
  writeFileSync(resolve(outDir, 'results.json'), resultsText + '\n');
  const decoded = importJson(resultsText);
  if (!decoded.ok || decoded.kind !== 'results') {
    throw new RunFailure(`the results do not pass validation: ${decoded.ok ? 'not results' : decoded.message}`, EXIT.failed);
  }
  const results = decoded.results;
  const report = analyzeResults(results, { analysis: { ...results.config.analysis } });
  writeFileSync(resolve(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(resolve(outDir, 'report.txt'), formatReport(report));
  // The same CSV files as the page's export buttons.
  const csvFiles = { 'steps.csv': stepsCsv(results, report), 'evaluations.csv': evaluationsCsv(results), 'train-steps.csv': trainStepsCsv(results) };
  for (const [name, text] of Object.entries(csvFiles)) writeFileSync(resolve(outDir, name), text);

  const extras = await c.extras();

  const wallSeconds = (Date.now() - c.t0) / 1000;
  const trainSeconds = (Date.now() - c.trainStart) / 1000;
  const failed = results.runs.filter((r) => r.status === 'failed');
  const diverged = results.runs.filter((r) => r.status === 'diverged');
  writeFileSync(
    resolve(outDir, 'run.json'),
    JSON.stringify(
      {
        input: c.args.input.length > 200 ? `${c.args.input.slice(0, 200)}…` : c.args.input,
        source: c.source,
        ...c.engine,
        adapter: c.adapter?.description ?? null,
        softwareFallback: c.adapter?.fallback ?? null,
        runs: c.runs,
        trainSeconds,
        wallSeconds,
        files: ['results.json', 'report.json', 'report.txt', ...Object.keys(csvFiles), ...extras],
      },
      null,
      2,
    ) + '\n',
  );

  log('');
  log(`finished ${results.runs.length} runs in ${formatDuration(trainSeconds)} on ${c.adapter?.fallback ? 'the software fallback' : 'the GPU'} (${c.adapter?.description.split(';')[0] ?? 'unknown adapter'})`);
  process.stdout.write(formatSummary(report));
  for (const r of diverged) warn(`warning: run ${r.spec.id} diverged at step ${r.failure?.step ?? '?'}: ${r.failure?.reason ?? ''}`);
  log(`written to ${outDir}: results.json, report.json, report.txt, ${Object.keys(csvFiles).join(', ')}${extras.length ? `, ${extras.join(', ')}` : ''}`);
  if (failed.length > 0) {
    warn(`headless: ${failed.length} run(s) failed: ${failed.map((r) => `${r.spec.id} (${r.failure?.reason ?? 'unknown'})`).join('; ')}`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
