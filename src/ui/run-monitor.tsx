// The live sweep: what the experiment is doing in one sentence, every run's EWA validation loss
// against tokens (coloured by batch size, with the target), the steps-to-target chart filling in
// as each batch size reaches the target (the fit and B* update with every point), and the runs
// with their progress and controls.
import { memo, useMemo, useRef } from 'react';
import { useRunStore } from '../state/run-store';
import type { ExperimentResults, RunSpec, RunStatus } from '../experiment/schema';
import { targetOf } from '../experiment/results';
import { chartModel, lossPanels } from './chart-model';
import { CbsChart } from './cbs-chart';
import { LossCurves } from './loss-curves';
import { experimentSummary, isFinal, runProgress, type RunLine } from './run-summary';
import { fmtNum, fmtSeconds } from './format';
import { formatCount } from '../util/format';
import type { RunControls } from './use-training';
import { ExperimentProgress } from './experiment-progress';

const STATUS_TEXT: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  paused: 'paused',
  'reached-target': 'reached target',
  finished: 'finished',
  censored: 'censored',
  diverged: 'diverged',
  stopped: 'cancelled',
  failed: 'failed',
};

const MemoLossCurves = memo(LossCurves);

/** A run as the summary reads it: local-CBS base runs and branches train a fixed budget, with no target. */
function lineOf(r: { status: RunStatus; spec: RunSpec; stepsDone: number; expectedSteps: number | null; failure: RunLine['failure'] }): RunLine {
  return { status: r.status, reference: r.spec.role === 'reference', fixedBudget: r.spec.role === 'base' || r.spec.role === 'branch', stepsDone: r.stepsDone, maxSteps: r.spec.maxSteps, expectedSteps: r.expectedSteps, failure: r.failure };
}

/** What a run is for, when it is not a plain sweep run. */
function roleText(spec: RunSpec): string {
  switch (spec.role) {
    case 'reference':
      return ' · reference';
    case 'base':
      return ' · local-CBS base run';
    case 'branch':
      return spec.branch ? ` · branch k = ${spec.branch.multiplier} from step ${spec.branch.fromStep}` : ' · branch';
    case 'constant':
      return ' · constant batch (warmup comparison)';
    case 'schedule':
      return ' · batch-size warmup';
    default:
      return '';
  }
}

/** The steps-to-target chart of the runs finished so far; the fit and B* update with each point. */
const LiveCbs = memo(function LiveCbs({ results }: { results: ExperimentResults | null }) {
  const local = results?.config.kind === 'local-cbs';
  // A small bootstrap: it reruns with every finished run.
  const live = useMemo(() => (results && !local ? chartModel(results, { resamples: 200 }) : null), [results, local]);
  if (local) {
    return (
      <p className="chart-empty" data-testid="live-cbs">
        A local-CBS experiment has no steps-to-target chart: its local CBS appears in the results below as each checkpoint&apos;s branches finish.
      </p>
    );
  }
  return (
    <div className="live-cbs" data-testid="live-cbs">
      {live && live.measurements.length > 0 ? (
        live.measurements.map((m) => <CbsChart key={m.key} m={m} compact height={280} title={`Steps to target against batch size, so far: ${m.label}`} caption={`Steps to target against batch size so far: ${m.label}`} />)
      ) : (
        <p className="chart-empty">The steps-to-target chart fills in here as each batch size reaches the target (after the reference run sets it).</p>
      )}
    </div>
  );
});

export function RunMonitor({ controls, error, cancelled }: { controls: RunControls | null; error: string | null; cancelled: boolean }) {
  const { status, order, runs, targets, results } = useRunStore();
  const list = order.map((id) => runs[id]).filter((r) => r !== undefined);
  const summary = experimentSummary(
    // A cancelled experiment may still end "finished" (its last runs stop early): it says Cancelled.
    cancelled && status !== 'running' && status !== 'paused' ? 'stopped' : status,
    list.map(lineOf),
    error,
  );
  // The charts change only with evaluations and statuses, not with every step's progress: on a
  // software adapter the page shares the CPU with training, so they are not redrawn per step.
  const evalKey = list.map((r) => `${r.spec.id}:${r.evals.length}:${r.status}`).join(' ');
  // eslint-disable-next-line react-hooks/exhaustive-deps -- evalKey stands for the runs' evaluations
  const panels = useMemo(() => lossPanels(list, (spec) => spec.targetLoss ?? targetOf(Object.values(targets), spec)), [evalKey, targets]);
  const active = status === 'running' || status === 'paused';
  const statusLine = useRef<HTMLParagraphElement>(null);
  return (
    <>
      <p data-testid="experiment-status" className={`experiment-status outcome-${summary.outcome}`} role="status" ref={statusLine} tabIndex={-1}>
        {summary.text}
      </p>
      <ExperimentProgress />
      {controls && active && (
        <div className="button-row">
          {status === 'paused' ? (
            <button type="button" onClick={() => controls.resume()}>
              Resume all
            </button>
          ) : (
            <button type="button" onClick={() => controls.pause()}>
              Pause all
            </button>
          )}
          <button
            type="button"
            onClick={() => {
              controls.cancel();
              // The controls go away with the experiment: the focus goes to what it says.
              statusLine.current?.focus();
            }}
          >
            Cancel experiment
          </button>
        </div>
      )}
      {list.length > 0 && (
        <div className="live-grid">
          <MemoLossCurves panels={panels} live={active} height={280} />
          <LiveCbs results={results} />
        </div>
      )}
      {list.length > 0 && (
        <details className="runs" open data-testid="runs">
          <summary>
            Runs ({list.filter((r) => isFinal(r.status)).length} of {list.length} done)
          </summary>
          <div className="table-scroll">
            <table className="runs-table">
              <thead>
                <tr>
                  <th scope="col">run</th>
                  <th scope="col">status</th>
                  <th scope="col">progress</th>
                  <th scope="col" title="wall clock, evaluation included">
                    tokens/s
                  </th>
                  <th scope="col">ETA</th>
                  <th scope="col">
                    <span className="sr-only">actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => {
                  const id = r.spec.id;
                  const running = r.status === 'running' || r.status === 'paused' || r.status === 'queued';
                  const progress = runProgress(lineOf(r));
                  // A failure or a divergence is an error, in red; a censored or out-run run only
                  // stopped as the protocol says, which its progress text tells (the detail on hover).
                  const problem = r.status === 'failed' || r.status === 'diverged';
                  return (
                    <tr key={id} data-testid="run-row" data-status={r.status}>
                      <td>
                        {r.spec.model.name} · D {formatCount(r.spec.dataSize)} · B {r.spec.batchSize} · LR {fmtNum(r.spec.peakLr)}
                        {roleText(r.spec)}
                      </td>
                      <td className={`status status-${r.status}`}>{STATUS_TEXT[r.status] ?? r.status}</td>
                      <td className="progress-cell">
                        <progress max={progress.max} value={progress.value} aria-label={`progress of ${id}`} />{' '}
                        <span data-testid="run-progress" title={problem ? undefined : (r.failure?.reason ?? undefined)}>
                          {progress.text}
                        </span>
                      </td>
                      <td>{r.tokensPerSecond ? formatCount(r.tokensPerSecond) : '—'}</td>
                      <td>{running ? fmtSeconds(r.etaSeconds) : '—'}</td>
                      <td>
                        {controls && running && (
                          <>
                            {r.status === 'paused' ? (
                              <button type="button" onClick={() => controls.resume(id)}>
                                Resume
                              </button>
                            ) : (
                              <button type="button" onClick={() => controls.pause(id)}>
                                Pause
                              </button>
                            )}{' '}
                            <button type="button" onClick={() => controls.cancel(id)}>
                              Cancel
                            </button>
                          </>
                        )}
                        {problem && r.failure && <span className="error-text"> {r.failure.reason}</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </>
  );
}
