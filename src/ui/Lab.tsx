// The lab's main layout: the experiment builder and Start, the live monitor, the results charts,
// sharing, import and history. Opens share links from the address bar (never starting anything),
// and asks before any data host other than the bundled data or the C4 hub is used.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ProbeResult } from '../worker/protocol';
import type { ExperimentConfig } from '../experiment/schema';
import { useExperimentStore } from '../state/experiment-store';
import { useRunStore } from '../state/run-store';
import { decodeLink, looksLikeLabLink, type Decoded } from '../experiment/codec';
import { createHistory, type History } from '../state/history';
import { hostsNeedingConfirmation } from '../experiment/data-source';
import { estimateExperiment } from '../experiment/estimate';
import { loadCalibration } from '../state/calibration';
import { ExperimentBuilder } from './ExperimentBuilder';
import type { RunControls } from './RunMonitor';
import { SharePanel } from './SharePanel';
import { ImportPanel } from './ImportPanel';
import { HistoryList } from './HistoryList';
import { LinkBanner, type LinkNotice } from './LinkBanner';

// The charts (recharts) load on their own, so the builder does not wait for them.
const ResultsView = lazy(() => import('./ResultsView').then((m) => ({ default: m.ResultsView })));
const LocalCbsView = lazy(() => import('./LocalCbsView').then((m) => ({ default: m.LocalCbsView })));
const RunMonitor = lazy(() => import('./RunMonitor').then((m) => ({ default: m.RunMonitor })));

export interface LabProps {
  probe: ProbeResult | null;
  /** Starts training the experiment (src/ui/useTraining.ts connects it to the experiment runner). Absent: Start explains. */
  onStart?: (config: ExperimentConfig) => void;
  /** Pause, resume and cancel, per run or for the whole experiment. */
  controls?: RunControls | null;
  /** Calibrated training FLOP/s on this adapter, for the wall-time estimate. */
  flopsPerSecond?: number | null;
  /** For tests: a history other than this browser's IndexedDB. */
  history?: History;
}

export function Lab({ probe, onStart, controls = null, flopsPerSecond = null, history: historyProp }: LabProps) {
  const [history] = useState<History>(() => historyProp ?? createHistory());
  const [historyVersion, setHistoryVersion] = useState(0);
  const [notice, setNotice] = useState<LinkNotice | null>(null);
  const config = useExperimentStore((s) => s.config);
  const issues = useExperimentStore((s) => s.issues);
  const setConfig = useExperimentStore((s) => s.setConfig);
  const results = useRunStore((s) => s.results);
  const runStatus = useRunStore((s) => s.status);
  const resultsOrigin = useRunStore((s) => s.resultsOrigin);
  const showResults = useRunStore((s) => s.showResults);
  const hasRuns = useRunStore((s) => s.order.length > 0);
  const [confirmedHosts, setConfirmedHosts] = useState('');

  const applyDecoded = useCallback(
    (decoded: Decoded, origin: 'link' | 'import' | 'history') => {
      setConfig(decoded.config, origin);
      if (decoded.kind === 'results') showResults(decoded.results, origin);
      else if (useRunStore.getState().status !== 'running') showResults(null, null);
    },
    [setConfig, showResults],
  );

  // Share links: decoded, validated, shown; never started.
  useEffect(() => {
    const open = () => {
      const hash = location.hash;
      if (!hash || hash === '#') return;
      if (!looksLikeLabLink(hash)) {
        setNotice({ kind: 'error', message: 'The address does not hold a CBS Lab experiment (it should end in "#v1.c.…" or "#v1.r.…").' });
        return;
      }
      const decoded = decodeLink(hash);
      if (!decoded.ok) {
        setNotice({ kind: 'error', message: decoded.message });
        return;
      }
      applyDecoded(decoded, 'link');
      setNotice(decoded.kind === 'results' ? { kind: 'opened-results', runs: decoded.results.runs.length } : { kind: 'opened-config' });
    };
    open();
    window.addEventListener('hashchange', open);
    return () => window.removeEventListener('hashchange', open);
  }, [applyDecoded]);

  // A finished live experiment is kept in the history at once.
  const savedLive = useRef<string | null>(null);
  useEffect(() => {
    if (runStatus !== 'finished' || resultsOrigin !== 'live' || !results || savedLive.current === results.startedAt) return;
    savedLive.current = results.startedAt;
    void history.save(results.config, results).then(() => setHistoryVersion((v) => v + 1));
  }, [runStatus, resultsOrigin, results, history]);

  const hosts = hostsNeedingConfirmation(config.data);
  const hostsKey = hosts.join(' ');
  const limits = probe?.ok ? probe.adapter.limits : null;
  // The engine's cached calibration of this adapter, when the caller gave none.
  const probeDescription = probe?.ok ? probe.description : null;
  const cachedFlops = useMemo(() => (probeDescription ? (loadCalibration(probeDescription)?.flopsPerSecond ?? null) : null), [probeDescription]);
  const adapterErrors = issues.length === 0 && limits ? estimateExperiment(config, limits, null).adapterErrors : [];
  const reasons: string[] = [];
  if (issues.length > 0) reasons.push('the experiment has problems to fix (see above)');
  if (!probe) reasons.push('the lab is still looking for a WebGPU adapter');
  else if (!probe.ok) reasons.push('this browser has no WebGPU (shared and imported results still open here)');
  if (adapterErrors.length > 0) reasons.push('a model does not fit this adapter');
  if (runStatus === 'running' || runStatus === 'paused') reasons.push('an experiment is already running');
  if (!onStart) reasons.push('the training engine is not connected in this build');
  if (hosts.length > 0 && confirmedHosts !== hostsKey) reasons.push('the data hosts must be confirmed');

  const openFromHistory = async (id: string) => {
    const opened = await history.open(id);
    if (!opened.ok) {
      setNotice({ kind: 'error', message: `The saved experiment could not be opened: ${opened.message}` });
      return;
    }
    setConfig(opened.config, 'history');
    showResults(opened.results, opened.results ? 'history' : null);
    setNotice({ kind: 'info', message: `Opened "${opened.name}" from the history.` });
  };

  const charts = results && (
    <Suspense fallback={<p>Loading the charts…</p>}>
      {results.config.kind === 'local-cbs' ? <LocalCbsView results={results} history={history} /> : <ResultsView results={results} />}
    </Suspense>
  );
  // Shared, imported or reopened results come first: that is what the visitor came to see.
  const chartsFirst = resultsOrigin !== null && resultsOrigin !== 'live';

  return (
    <div className="lab" data-testid="lab">
      <LinkBanner notice={notice} onDismiss={() => setNotice(null)} />
      {chartsFirst && charts}
      <ExperimentBuilder limits={limits} flopsPerSecond={flopsPerSecond ?? cachedFlops} />
      <section className="start" aria-label="start">
        {hosts.length > 0 && (
          <div className="confirm-hosts" role="group" aria-label="confirm data hosts" data-testid="confirm-hosts">
            <p>
              This experiment downloads its data from <strong>{hosts.join(', ')}</strong>, which is neither the bundled data nor C4 on the Hugging Face hub.
              Only continue if you trust {hosts.length === 1 ? 'this host' : 'these hosts'}.
            </p>
            <label>
              <input type="checkbox" checked={confirmedHosts === hostsKey} onChange={(e) => setConfirmedHosts(e.target.checked ? hostsKey : '')} /> Fetch data from {hosts.join(', ')}
            </label>
          </div>
        )}
        <button type="button" className="primary" data-testid="start" disabled={reasons.length > 0} onClick={() => onStart?.(structuredClone(config))}>
          Start
        </button>
        {reasons.length > 0 && (
          <span className="hint" data-testid="start-blocked">
            {' '}
            Start is unavailable: {reasons.join('; ')}.
          </span>
        )}
      </section>
      {hasRuns && (
        <Suspense fallback={<p>Loading the run monitor…</p>}>
          <RunMonitor controls={controls} />
        </Suspense>
      )}
      {!chartsFirst && charts}
      <SharePanel
        config={config}
        results={results}
        onSave={async () => {
          await history.save(results?.config ?? config, results);
          setHistoryVersion((v) => v + 1);
        }}
      />
      <ImportPanel
        onImport={(decoded, name) => {
          applyDecoded(decoded, 'import');
          setNotice({ kind: 'info', message: `Imported ${decoded.kind === 'results' ? 'results' : 'an experiment config'} from "${name}".` });
        }}
      />
      <HistoryList history={history} refreshKey={historyVersion} onOpen={(id) => void openFromHistory(id)} />
    </div>
  );
}
