// Results: one CBS chart per (model, data size), read aloud, and the scaling charts, from any
// ExperimentResults (live, shared, imported or reopened). The target and the overhead can be
// changed here: steps to target are recomputed from the stored evaluation curves. Opened from a
// link, a file or the history, the section scrolls into view and takes the focus.
import { useEffect, useId, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { ExperimentResults } from '../experiment/schema';
import type { TableInput } from '../cbs/input';
import { analyzeTable } from '../cbs/report';
import { formatReport } from '../cbs/format';
import { chartModel, lossPanels, lossRunsOf, tableChartModel, type ChartModel } from './chart-model';
import { CbsChart } from './cbs-chart';
import { ScalingChart } from './scaling-chart';
import { LossCurves } from './loss-curves';
import { Term } from './glossary-view';
import { targetOf } from '../experiment/results';
import { fmtNum } from './format';
import { dataGrowthSentence, modelSizeSentence } from './readings';

/** Brings a section into view and gives it the focus each time `signal` grows past 0. */
export function useFocusOnSignal(ref: RefObject<HTMLElement | null>, signal: number): void {
  useEffect(() => {
    if (signal === 0) return;
    ref.current?.scrollIntoView({ block: 'start' });
    ref.current?.focus({ preventScroll: true });
  }, [ref, signal]);
}

function OverheadInput({ value, onChange, fallback }: { value: string; onChange: (text: string) => void; fallback: number }) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>
        <Term id="overhead">Overhead</Term> %
      </label>
      <input id={id} inputMode="decimal" placeholder={String(Math.round(fallback * 100))} value={value} onChange={(e) => onChange(e.target.value)} size={5} data-testid="results-overhead" />
    </>
  );
}

/**
 * The experiment's finding in one or two sentences, above its charts, as the worked example gives
 * it: how B* moved with the data (one model, several budgets) or with the model (several models,
 * one budget), and whether the intervals overlap. Nothing until both ends have a B*.
 */
function Headline({ measurements }: { measurements: ChartModel['measurements'] }) {
  const text = dataGrowthSentence(measurements) ?? modelSizeSentence(measurements);
  if (text === null) return null;
  return (
    <p className="growth" data-testid="results-headline">
      {text}
    </p>
  );
}

const parseOverhead = (text: string) => (text.trim() === '' ? undefined : Number(text) / 100);
const overheadOk = (x: number | undefined) => x === undefined || (x > 0 && x <= 10);

/** Charts from a table of steps to target (an imported CSV): no curves, so only the overhead changes. */
export function TableResultsView({ table, name, focusSignal }: { table: TableInput; name: string; focusSignal: number }) {
  const [overheadText, setOverheadText] = useState('');
  const section = useRef<HTMLElement>(null);
  useFocusOnSignal(section, focusSignal);
  const overhead = parseOverhead(overheadText);
  const ok = overheadOk(overhead);
  const analysis = useMemo(() => tableChartModel(table, { overhead: ok ? overhead : undefined }), [table, overhead, ok]);
  // The report exactly as `npm run cbs` prints it for this file (its own defaults).
  const report = useMemo(() => formatReport(analyzeTable(table.rows, {}, table.source)), [table]);
  return (
    <section className="results" aria-labelledby="results-title" data-testid="results" ref={section} tabIndex={-1}>
      <h2 id="results-title">Results: the critical batch size</h2>
      <Headline measurements={analysis.measurements} />
      <p className="results-meta" data-testid="results-meta">
        {name}: {table.rows.length} row{table.rows.length === 1 ? '' : 's'} of steps to target
      </p>
      <div className="results-controls">
        <OverheadInput value={overheadText} onChange={setOverheadText} fallback={analysis.overhead} />
        {!ok && <span className="error-text">The overhead must be between 0 and 1000%.</span>}
      </div>
      {analysis.notes.map((n, i) => (
        <p key={i} className="hint">
          {n}
        </p>
      ))}
      {analysis.measurements.map((m) => (
        <CbsChart key={m.key} m={m} />
      ))}
      <ScalingChart scaling={analysis.scaling} />
      <figure data-testid="import-report" className="import-report">
        <figcaption>CBS analysis of “{name}” as npm run cbs prints it</figcaption>
        <pre>{report}</pre>
      </figure>
    </section>
  );
}

export function ResultsView({ results, focusSignal, children }: { results: ExperimentResults; focusSignal: number; children?: ReactNode }) {
  const [targetText, setTargetText] = useState('');
  const [overheadText, setOverheadText] = useState('');
  const targetId = useId();
  const section = useRef<HTMLElement>(null);
  useFocusOnSignal(section, focusSignal);
  const target = targetText.trim() === '' ? undefined : Number(targetText);
  const overhead = parseOverhead(overheadText);
  const badTarget = target !== undefined && !(target > 0 && Number.isFinite(target));
  const badOverhead = !overheadOk(overhead);
  const analysis = useMemo(
    () => chartModel(results, { target: badTarget ? undefined : target, overhead: badOverhead ? undefined : overhead }),
    [results, target, overhead, badTarget, badOverhead],
  );
  const curves = useMemo(() => lossPanels(lossRunsOf(results), (spec) => targetOf(results.targets, spec) ?? analysis.target), [results, analysis.target]);
  const finished = results.runs.filter((r) => r.spec.role !== 'reference').length;

  return (
    <section className="results" aria-labelledby="results-title" data-testid="results" ref={section} tabIndex={-1}>
      <h2 id="results-title">Results: the critical batch size</h2>
      <Headline measurements={analysis.measurements} />
      <p className="results-meta" data-testid="results-meta">
        {results.config.name}: {finished} {results.finishedAt ? '' : 'sweep '}run{finished === 1 ? '' : 's'}
        {results.finishedAt ? '' : ' finished so far'}, <Term id="target-loss">target</Term> <Term id="ewa">EWA</Term> validation loss{' '}
        {analysis.target !== null ? (
          <>
            <strong data-testid="target-loss">{fmtNum(analysis.target, 4)}</strong>
            {results.config.target.kind === 'reference' && (
              <>
                {' '}
                (set by the <Term id="reference-run">reference runs</Term>)
              </>
            )}
          </>
        ) : (
          <strong data-testid="target-loss">
            set for each model and data size by its <Term id="reference-run">reference runs</Term>
          </strong>
        )}
        . <Term id="steps-to-target">Steps to target</Term> count the steps each run took to reach it. Adapter:{' '}
        {results.adapter || 'unknown'}.
      </p>
      <div className="results-controls">
        <label htmlFor={targetId}>Try another target loss</label>
        <input id={targetId} inputMode="decimal" placeholder={fmtNum(analysis.target, 4)} value={targetText} onChange={(e) => setTargetText(e.target.value)} aria-invalid={badTarget} size={8} data-testid="results-target" />
        <OverheadInput value={overheadText} onChange={setOverheadText} fallback={results.config.analysis.overhead} />
        {(badTarget || badOverhead) && <span className="error-text">{badTarget ? 'The target must be a positive number.' : 'The overhead must be between 0 and 1000%.'}</span>}
      </div>
      {analysis.notes.map((n, i) => (
        <p key={i} className="warn">
          {n}
        </p>
      ))}
      {analysis.measurements.map((m) => (
        <CbsChart key={m.key} m={m} />
      ))}
      <ScalingChart scaling={analysis.scaling} />
      <details className="loss-details">
        <summary>Loss curves of every run</summary>
        <LossCurves panels={curves} />
      </details>
      {children}
    </section>
  );
}
