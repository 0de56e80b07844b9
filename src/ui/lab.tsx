// The lab's page below the header: the first view (what CBS is, Start, a worked example), the
// experiment folded under "Customize", the live sweep, the results, sharing, import, history and
// the glossary. Opens share links from the address bar (never starting anything), keeps the
// address bar and a draft in step with the config as it is edited, and asks before any data host
// other than the bundled data or the C4 hub is used.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ProbeResult } from '../worker/protocol';
import type { ExperimentConfig } from '../experiment/schema';
import type { TableInput } from '../cbs/input';
import { useExperimentStore } from '../state/experiment-store';
import { useRunStore } from '../state/run-store';
import { clearDraft, loadDraft, saveDraft } from '../state/draft';
import { decodeLink, encodeConfigFragment, looksLikeLabLink, type Decoded } from '../experiment/codec';
import { createHistory, type History } from '../state/history';
import { hostsNeedingConfirmation } from '../experiment/data-source';
import { estimateExperiment } from '../experiment/estimate';
import { findExperimentPreset } from '../experiment/presets';
import { forecastExperiment } from '../train/progress';
import { laptopCost, LAPTOP_GPU, type CostModel } from '../train/cost-model';
import { ExperimentBuilder } from './builder/experiment-builder';
import { estimateLine } from './builder/estimate-view';
import { useCostModel } from './use-cost-model';
import { fmtSeconds } from './format';
import type { RunControls } from './use-training';
import { SharePanel } from './share-panel';
import { ImportPanel } from './import-panel';
import { HistoryList } from './history-list';
import { LinkBanner, type LinkNotice } from './link-banner';
import { FirstView } from './first-view';
import { GlossarySection } from './glossary-view';
import { ModelDownloads } from './model-downloads';
import { explainError } from '../util/errors';

// The charts (recharts) load on their own, so the first view's text and Start do not wait for them.
const ResultsView = lazy(() => import('./results-view').then((m) => ({ default: m.ResultsView })));
const TableResultsView = lazy(() => import('./results-view').then((m) => ({ default: m.TableResultsView })));
const LocalCbsView = lazy(() => import('./local-cbs-view').then((m) => ({ default: m.LocalCbsView })));
const RunMonitor = lazy(() => import('./run-monitor').then((m) => ({ default: m.RunMonitor })));

export interface LabProps {
  probe: ProbeResult | null;
  /** Starts training the experiment. Absent: Start says why it is unavailable. */
  onStart?: (config: ExperimentConfig) => void;
  /** Pause, resume and cancel, per run or for the whole experiment. */
  controls?: RunControls | null;
  /** Why training stopped (not a cancel), and whether the user cancelled the experiment. */
  trainingError?: string | null;
  cancelled?: boolean;
  /** For tests: a history other than this browser's IndexedDB. */
  history?: History;
}

/** The address bar follows the config for these origins (a results link stays as it was opened). */
const FOLLOWS_ADDRESS_BAR = new Set(['edited', 'preset', 'import', 'history']);

/** The default experiment again: no draft, a bare address. */
function backToDemo(): void {
  useExperimentStore.getState().reset();
  clearDraft();
  window.history.replaceState(null, '', `${location.pathname}${location.search}`);
}

/** An estimate longer than this on this adapter asks for confirmation before Start. */
export const LONG_RUN_SECONDS = 3600;

export function Lab({ probe, onStart, controls = null, trainingError = null, cancelled = false, history: historyProp }: LabProps) {
  const [history] = useState<History>(() => historyProp ?? createHistory());
  const [historyVersion, setHistoryVersion] = useState(0);
  const [notice, setNotice] = useState<LinkNotice | null>(null);
  const [customizeOpen, setCustomizeOpen] = useState(false);
  const [table, setTable] = useState<{ input: TableInput; name: string } | null>(null);
  const [focusResults, setFocusResults] = useState(0);
  const [focusMonitor, setFocusMonitor] = useState(0);
  const [started, setStarted] = useState(false);
  const startButton = useRef<HTMLButtonElement>(null);
  const monitor = useRef<HTMLElement>(null);
  const config = useExperimentStore((s) => s.config);
  const origin = useExperimentStore((s) => s.origin);
  const issues = useExperimentStore((s) => s.issues);
  const setConfig = useExperimentStore((s) => s.setConfig);
  const results = useRunStore((s) => s.results);
  const runStatus = useRunStore((s) => s.status);
  const resultsOrigin = useRunStore((s) => s.resultsOrigin);
  const showResults = useRunStore((s) => s.showResults);
  const hasRuns = useRunStore((s) => s.order.length > 0);
  const weights = useRunStore((s) => s.weights);
  const [confirmedHosts, setConfirmedHosts] = useState('');
  const [confirmedLong, setConfirmedLong] = useState('');

  const applyDecoded = useCallback(
    (decoded: Decoded, from: 'link' | 'import' | 'history') => {
      setConfig(decoded.config, from);
      if (decoded.kind === 'results') {
        setTable(null);
        showResults(decoded.results, from);
        setFocusResults((n) => n + 1);
      } else {
        if (useRunStore.getState().status !== 'running') showResults(null, null);
        setCustomizeOpen(true);
      }
    },
    [setConfig, showResults],
  );

  // A draft that is exactly a preset's config is that preset again (an imported or saved demo
  // puts the demo's config in the draft): the demo's is the plain first view, with no notice.
  const restoreDraft = useCallback(
    (config: ExperimentConfig) => {
      const preset = config.preset ? findExperimentPreset(config.preset) : undefined;
      const isPreset = preset !== undefined && encodeConfigFragment(preset.config()) === encodeConfigFragment(config);
      if (isPreset && preset.id === 'demo') {
        backToDemo();
        return;
      }
      setConfig(config, isPreset ? 'preset' : 'edited');
      setNotice({ kind: 'draft' });
    },
    [setConfig],
  );

  // Share links: decoded, validated, shown; never started. A link that is this browser's own
  // draft (the address bar follows the config) restores the draft instead.
  useEffect(() => {
    const open = (initial: boolean) => {
      const hash = location.hash;
      const draft = loadDraft();
      if (!hash || hash === '#') {
        if (!initial || !draft) return;
        const restored = decodeLink(draft);
        if (restored.ok && restored.kind === 'config') restoreDraft(restored.config);
        else clearDraft();
        return;
      }
      if (!looksLikeLabLink(hash)) {
        setNotice({ kind: 'error', message: 'The address does not hold a CBS Lab experiment (it should end in "#v1.c.…" or "#v1.r.…").' });
        return;
      }
      const decoded = decodeLink(hash);
      if (!decoded.ok) {
        setNotice({ kind: 'error', message: decoded.message });
        return;
      }
      if (initial && hash === draft && decoded.kind === 'config') {
        restoreDraft(decoded.config);
        return;
      }
      applyDecoded(decoded, 'link');
      setNotice(decoded.kind === 'results' ? { kind: 'opened-results', runs: decoded.results.runs.length } : { kind: 'opened-config' });
    };
    open(true);
    const onHash = () => open(false);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [applyDecoded, restoreDraft]);

  // The address bar and the draft follow the config as it is edited (valid configs only, so a
  // reload never meets a link it must refuse).
  useEffect(() => {
    if (!FOLLOWS_ADDRESS_BAR.has(origin) || issues.length > 0) return;
    const timer = setTimeout(() => {
      const fragment = encodeConfigFragment(config);
      if (location.hash !== fragment) window.history.replaceState(null, '', fragment);
      saveDraft(fragment);
    }, 150);
    return () => clearTimeout(timer);
  }, [config, origin, issues]);

  const resetToDemo = () => {
    backToDemo();
    setNotice(null);
  };

  // A finished live experiment is kept in the history at once.
  const savedLive = useRef<string | null>(null);
  useEffect(() => {
    if (runStatus !== 'finished' || resultsOrigin !== 'live' || !results || savedLive.current === results.startedAt) return;
    savedLive.current = results.startedAt;
    void history.save(results.config, results).then(
      () => setHistoryVersion((v) => v + 1),
      (e: unknown) => setNotice({ kind: 'info', message: explainError(e, 'the finished experiment was not saved in the history (export it to keep it)') }),
    );
  }, [runStatus, resultsOrigin, results, history]);

  // After Start the focus goes to the live sweep (Start itself becomes disabled).
  useEffect(() => {
    if (focusMonitor > 0) monitor.current?.focus();
  }, [focusMonitor]);

  const hosts = hostsNeedingConfirmation(config.data);
  const hostsKey = hosts.join(' ');
  const limits = probe?.ok ? probe.adapter.limits : null;
  const estimate = useMemo(() => (issues.length === 0 ? estimateExperiment(config, limits) : null), [config, issues, limits]);
  const adapterErrors = limits && estimate ? estimate.adapterErrors : [];
  // The wall time on this adapter (its measured cost model), and on the assumed laptop GPU.
  const busy = runStatus === 'running' || runStatus === 'paused';
  const costState = useCostModel(probe?.ok ? probe.description : null, config, estimate && adapterErrors.length === 0 ? estimate.plan : null, busy);
  const time = useMemo(() => {
    if (!estimate) return { forecast: null, laptop: null };
    const at = (prior: CostModel) => forecastExperiment({ config, plan: estimate.plan, prior, finished: [], live: [], elapsedSeconds: 0 });
    return { forecast: costState.cost ? at(costState.cost) : null, laptop: at(laptopCost(estimate.plan, costState.cost)) };
  }, [config, estimate, costState.cost]);
  const estimatedSeconds = costState.measuring ? null : (time.forecast?.totalSeconds ?? null);
  const long = estimatedSeconds !== null && estimatedSeconds > LONG_RUN_SECONDS;
  const configKey = JSON.stringify(config);
  const reasons: string[] = [];
  if (issues.length > 0) reasons.push('the experiment has problems to fix (see Customize)');
  if (!probe) reasons.push('the lab is still looking for a WebGPU adapter');
  else if (!probe.ok) reasons.push('this browser has no WebGPU (shared and imported results still open here)');
  if (adapterErrors.length > 0) reasons.push('a model does not fit this adapter');
  if (runStatus === 'running' || runStatus === 'paused') reasons.push('an experiment is already running');
  if (!onStart) reasons.push('the training engine is not connected in this build');
  if (hosts.length > 0 && confirmedHosts !== hostsKey) reasons.push('the data hosts must be confirmed');
  if (costState.measuring) reasons.push("the lab is measuring this adapter's speed for the time estimate");
  if (long && confirmedLong !== configKey) reasons.push('the estimated time (over an hour on this adapter) must be confirmed');

  const isDemo = config.preset === 'demo' && (origin === 'default' || origin === 'preset');
  const start = () => {
    onStart?.(structuredClone(config));
    setStarted(true);
    setFocusMonitor((n) => n + 1);
  };

  const openFromHistory = async (id: string) => {
    const opened = await history.open(id);
    if (!opened.ok) {
      setNotice({ kind: 'error', message: `The saved experiment could not be opened: ${opened.message}` });
      return;
    }
    setConfig(opened.config, 'history');
    setTable(null);
    showResults(opened.results, opened.results ? 'history' : null);
    if (opened.results) setFocusResults((n) => n + 1);
    else setCustomizeOpen(true);
    setNotice({ kind: 'info', message: `Opened "${opened.name}" from the history.` });
  };

  const startBlock = (
    <div className="start" role="group" aria-label="start">
      {hosts.length > 0 && (
        <div className="confirm-hosts" role="group" aria-label="confirm data hosts" data-testid="confirm-hosts">
          <p>
            This experiment downloads its data from <strong>{hosts.join(', ')}</strong>, which is neither the bundled data nor C4 on the Hugging Face hub. Only continue if you
            trust {hosts.length === 1 ? 'this host' : 'these hosts'}.
          </p>
          <label>
            <input type="checkbox" checked={confirmedHosts === hostsKey} onChange={(e) => setConfirmedHosts(e.target.checked ? hostsKey : '')} /> Fetch data from {hosts.join(', ')}
          </label>
        </div>
      )}
      {long && (
        <div className="confirm-long" role="group" aria-label="confirm a long experiment" data-testid="confirm-long">
          <p>
            This experiment is estimated at about <strong>{fmtSeconds(estimatedSeconds)}</strong> on this adapter.
            {time.laptop?.totalSeconds != null && ` On ${LAPTOP_GPU.label}, it would need about ${fmtSeconds(time.laptop.totalSeconds)}.`}
          </p>
          <label>
            <input type="checkbox" checked={confirmedLong === configKey} onChange={(e) => setConfirmedLong(e.target.checked ? configKey : '')} /> Start it anyway here
          </label>
        </div>
      )}
      <button type="button" className="primary" ref={startButton} data-testid="start" disabled={reasons.length > 0} onClick={start}>
        {isDemo ? 'Start the demo' : 'Start this experiment'}
      </button>
      <p className="start-what" data-testid="start-what">
        {isDemo ? findExperimentPreset('demo')?.explanation : `${config.name}.`} {estimate ? `${estimateLine(estimate, estimatedSeconds)}.` : ''} You will watch every run&apos;s loss fall and{' '}
        {config.kind === 'local-cbs' ? 'the local CBS appear checkpoint by checkpoint.' : 'the steps-to-target chart fill in.'}
      </p>
      {reasons.length > 0 && (
        <p className="hint" data-testid="start-blocked">
          Start is unavailable: {reasons.join('; ')}.
        </p>
      )}
    </div>
  );

  return (
    <div className="lab" data-testid="lab">
      <LinkBanner notice={notice} onDismiss={() => setNotice(null)} onReset={resetToDemo} />
      <FirstView start={startBlock} />
      <ExperimentBuilder
        limits={limits}
        time={{ ...time, measuring: costState.measuring, error: costState.error }}
        open={customizeOpen}
        onOpenChange={setCustomizeOpen}
        onBackToStart={() => startButton.current?.focus()}
        onReset={origin === 'default' ? null : resetToDemo}
      />
      {(started || hasRuns) && (
        <section className="monitor" aria-labelledby="monitor-title" data-testid="monitor" ref={monitor} tabIndex={-1}>
          <h2 id="monitor-title">Live sweep</h2>
          <Suspense fallback={<p>Loading the live charts…</p>}>
            <RunMonitor controls={controls} error={trainingError} cancelled={cancelled} />
          </Suspense>
        </section>
      )}
      <Suspense fallback={<p>Loading the charts…</p>}>
        {table ? (
          <TableResultsView table={table.input} name={table.name} focusSignal={focusResults} />
        ) : (
          results &&
          (results.config.kind === 'local-cbs' ? (
            <LocalCbsView results={results} history={history} focusSignal={focusResults} />
          ) : (
            <ResultsView results={results} focusSignal={focusResults}>
              {resultsOrigin === 'live' && <ModelDownloads weights={weights} config={results.config} />}
            </ResultsView>
          ))
        )}
      </Suspense>
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
        onTable={(input, name) => {
          if (!input) return setTable(null);
          showResults(null, null);
          setTable({ input, name });
          setFocusResults((n) => n + 1);
          setNotice({ kind: 'info', message: `Imported ${input.rows.length} rows of steps to target from "${name}".` });
        }}
      />
      <HistoryList history={history} refreshKey={historyVersion} onOpen={(id) => void openFromHistory(id)} />
      <GlossarySection />
    </div>
  );
}
