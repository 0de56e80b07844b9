// The live monitor: every run's status, progress with ETA, tokens per second, and for the chosen
// run its train loss, EWA validation loss and the target on shared axes. Pause, resume and cancel
// per run and for the whole experiment, through the controls the training engine provides.
import { useState } from 'react';
import { CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useRunStore, type LiveRun } from '../state/run-store';
import { fmtNum, fmtSeconds } from './format';
import { formatCount } from '../util/format';
import { ExperimentProgress } from './ExperimentProgress';

export interface RunControls {
  /** Without an id: the whole experiment. */
  pause(id?: string): void;
  resume(id?: string): void;
  cancel(id?: string): void;
}

const STATUS_TEXT: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  paused: 'paused',
  'reached-target': 'reached target',
  finished: 'finished',
  diverged: 'diverged',
  stopped: 'stopped',
  failed: 'failed',
};

function LossChart({ run, target }: { run: LiveRun; target: number | null }) {
  const evals = run.evals.filter((e) => Number.isFinite(e.ewaLoss)).map((e) => ({ step: e.step, ewa: e.ewaLoss }));
  const train = run.trainLoss.filter((p) => Number.isFinite(p.loss)).map((p) => ({ step: p.step, train: p.loss }));
  return (
    <figure className="loss-chart" data-testid="loss-chart">
      <figcaption>
        Losses of B = {run.spec.batchSize}, LR {run.spec.peakLr}
        {run.spec.role === 'reference' ? ' (reference run)' : ''}
      </figcaption>
      <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 600, height: 260 }}>
        <ComposedChart margin={{ top: 10, right: 20, bottom: 20, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={[0, 'dataMax']} label={{ value: 'step', position: 'insideBottom', offset: -10 }} />
          <YAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => fmtNum(v)} />
          <Tooltip />
          <Legend verticalAlign="top" />
          <Line data={train} dataKey="train" name="train loss" stroke="#a0aec0" dot={false} isAnimationActive={false} />
          <Line data={evals} dataKey="ewa" name="EWA validation loss" stroke="#2b6cb0" isAnimationActive={false} />
          {target !== null && <ReferenceLine y={target} stroke="#c05621" strokeDasharray="4 3" label={{ value: `target ${fmtNum(target, 4)}`, position: 'right' }} />}
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function RunMonitor({ controls }: { controls: RunControls | null }) {
  const { status, order, runs, targetLoss } = useRunStore();
  const [selected, setSelected] = useState<string | null>(null);
  if (order.length === 0) return null;
  const chosen = runs[selected ?? ''] ?? runs[order.find((id) => runs[id]?.status === 'running') ?? order[0]];
  const done = order.filter((id) => !['queued', 'running', 'paused'].includes(runs[id]?.status ?? '')).length;
  return (
    <section className="monitor" aria-labelledby="monitor-title" data-testid="monitor">
      <h2 id="monitor-title">Runs</h2>
      <p data-testid="experiment-status">
        Experiment {status}: {done} of {order.length} runs done{targetLoss !== null ? `, target ${fmtNum(targetLoss, 4)}` : ''}.
      </p>
      <ExperimentProgress />
      {controls && (
        <div className="button-row">
          <button type="button" onClick={() => controls.pause()}>
            Pause all
          </button>
          <button type="button" onClick={() => controls.resume()}>
            Resume all
          </button>
          <button type="button" onClick={() => controls.cancel()}>
            Cancel experiment
          </button>
        </div>
      )}
      <table className="runs-table">
        <thead>
          <tr>
            <th scope="col">run</th>
            <th scope="col">status</th>
            <th scope="col">progress</th>
            <th scope="col" title="wall clock, evaluation included">tokens/s</th>
            <th scope="col">ETA</th>
            <th scope="col">
              <span className="sr-only">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {order.map((id) => {
            const r = runs[id];
            if (!r) return null;
            const active = r.status === 'running' || r.status === 'paused' || r.status === 'queued';
            return (
              <tr key={id} data-testid="run-row" data-status={r.status} aria-selected={chosen === r}>
                <td>
                  <button type="button" className="link-button" onClick={() => setSelected(id)}>
                    {r.spec.model.name} · D {formatCount(r.spec.dataSize)} · B {r.spec.batchSize} · LR {r.spec.peakLr}
                    {r.spec.role === 'reference' ? ' · reference' : ''}
                  </button>
                </td>
                <td className={`status status-${r.status}`}>{STATUS_TEXT[r.status] ?? r.status}</td>
                <td>
                  <progress max={r.spec.maxSteps} value={Math.min(r.stepsDone, r.spec.maxSteps)} aria-label={`progress of ${id}`} /> {r.stepsDone}/{r.spec.maxSteps}
                </td>
                <td>{r.tokensPerSecond ? formatCount(r.tokensPerSecond) : '—'}</td>
                <td>{active ? fmtSeconds(r.etaSeconds) : '—'}</td>
                <td>
                  {controls && active && (
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
                  {r.failure && <span className="error-text"> {r.failure.reason}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {chosen && <LossChart run={chosen} target={chosen.spec.targetLoss ?? targetLoss} />}
    </section>
  );
}
