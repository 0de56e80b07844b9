// The theory lab's page: SGD on power-law least squares, where the theory predicts
// B* ∝ D^(1 − a/min(b, 2a+1)). The user sets the problem and the sweep, runs it on WebGPU in a
// worker, and reads B* against D beside the prediction, B* against M, and the risk curves. The
// address bar holds the config as a share link ("#v1.t.…", the lab's codec); a link is opened,
// validated and shown, never run.
import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ProbeResult } from '../worker/protocol';
import { startTheoryWorker, type TheoryWorker } from '../worker/theory-client';
import type { TheoryConfig } from '../theory/config';
import type { ModelSizeSweep, TheoryProgress, TheoryResults } from '../theory/experiment';
import { decodeTheoryLink, encodeTheoryFragment } from '../theory/link';
import { PRESET_DESCRIPTIONS, THEORY_PRESETS, autoDim, defaultTheoryConfig, theoryPreset, type TheoryPresetName } from '../theory/presets';
import { makeProblem, predictedExponent, stepSizeBound } from '../theory/problem';
import { THEORY_LINK_LETTER, linkKindOf } from '../experiment/codec';
import { explainError } from '../util/errors';
import { formatCount } from '../util/format';
import { downloadText, safeFileName } from './download';
import { fmtNum, fmtSeconds } from './format';
import { LinkBanner, type LinkNotice } from './link-banner';
import { configOf, fieldOfIssue, fieldsOf, formatNumberList, parseNumberList, type TheoryField, type TheoryFields } from './theory-fields';
import { branchText } from './theory-readings';

// The charts (recharts) load on their own, as on the language-model page.
const DataScalingChart = lazy(() => import('./theory-charts').then((m) => ({ default: m.DataScalingChart })));
const RiskCurvesChart = lazy(() => import('./theory-charts').then((m) => ({ default: m.RiskCurvesChart })));
const StepsChart = lazy(() => import('./theory-charts').then((m) => ({ default: m.StepsChart })));
const ModelSizeChart = lazy(() => import('./theory-charts').then((m) => ({ default: m.ModelSizeChart })));

type Job = { what: 'experiment' | 'model sizes'; progress: TheoryProgress | null; started: number };

/** Model dimensions for B* against M: from M/16 to M by doubling. */
function defaultDims(dim: number): number[] {
  const dims = [dim];
  while (dims.length < 5 && dims[0] / 2 >= 2) dims.unshift(Math.round(dims[0] / 2));
  return dims;
}

/** The config a theory link in the address bar holds, or the default with why the link was refused. */
function configOfAddress(): { config: TheoryConfig; notice: LinkNotice | null } {
  if (linkKindOf(location.hash) !== THEORY_LINK_LETTER) return { config: defaultTheoryConfig(), notice: null };
  const decoded = decodeTheoryLink(location.hash);
  if (!decoded.ok) return { config: defaultTheoryConfig(), notice: { kind: 'error', message: decoded.message } };
  return { config: decoded.value, notice: { kind: 'info', message: 'Opened a shared theory experiment: review its settings, nothing runs until you press Run.' } };
}

function Field({ name, label, hint, fields, setField, issues, wide = false, children }: { name: TheoryField; label: string; hint?: string; fields: TheoryFields; setField: (name: TheoryField, value: string) => void; issues: string[]; wide?: boolean; children?: ReactNode }) {
  const id = `theory-${name}`;
  return (
    <div className={`field${wide ? ' wide' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} data-testid={id} value={fields[name]} onChange={(e) => setField(name, e.target.value)} aria-invalid={issues.length > 0} spellCheck={false} />
      {hint && <span className="field-hint">{hint}</span>}
      {children}
      {issues.length > 0 && (
        <ul className="field-issues">
          {issues.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function TheoryPage({ probe }: { probe: ProbeResult | null }) {
  const [initial] = useState(configOfAddress);
  const [base, setBase] = useState<TheoryConfig>(initial.config);
  const [fields, setFields] = useState<TheoryFields>(() => fieldsOf(initial.config));
  const [notice, setNotice] = useState<LinkNotice | null>(initial.notice);
  const [preset, setPreset] = useState<TheoryPresetName>('quick');
  const [dimsText, setDimsText] = useState(() => formatNumberList(defaultDims(initial.config.dim)));
  const [job, setJob] = useState<Job | null>(null);
  const [results, setResults] = useState<{ results: TheoryResults; seconds: number; device: string } | null>(null);
  const [sweep, setSweep] = useState<ModelSizeSweep | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => performance.now());
  const worker = useRef<TheoryWorker | null>(null);

  const { config, issues } = useMemo(() => configOf(fields, base), [fields, base]);
  // The analyses' step-size range for the problem as set (none while a, b or M is invalid).
  const stepBound = useMemo(() => {
    try {
      return stepSizeBound(makeProblem(config));
    } catch {
      return null;
    }
  }, [config]);
  const setField = (name: TheoryField, value: string) => setFields((f) => ({ ...f, [name]: value }));
  const issuesFor = (name: TheoryField) => issues.filter((i) => fieldOfIssue(i.path) === name).map((i) => i.message);
  const otherIssues = issues.filter((i) => fieldOfIssue(i.path) === null);
  const dims = parseNumberList(dimsText);

  // A theory link pasted into the address bar of this page opens like one loaded with it.
  useEffect(() => {
    const onHash = () => {
      if (linkKindOf(location.hash) !== THEORY_LINK_LETTER) return;
      const opened = configOfAddress();
      setBase(opened.config);
      setFields(fieldsOf(opened.config));
      setDimsText(formatNumberList(defaultDims(opened.config.dim)));
      setNotice(opened.notice);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  // The address bar holds the config (valid ones only, so that a reload never meets a link it must refuse).
  useEffect(() => {
    if (issues.length > 0) return;
    const timer = setTimeout(() => {
      const fragment = encodeTheoryFragment(config);
      if (location.hash !== fragment) window.history.replaceState(null, '', fragment);
    }, 150);
    return () => clearTimeout(timer);
  }, [config, issues]);

  // The elapsed time of a running job, once a second; and no worker outlives the page.
  useEffect(() => {
    if (!job) return;
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [job]);
  useEffect(() => () => worker.current?.terminate(), []);

  const applyPreset = () => {
    const a = Number(fields.a);
    const b = Number(fields.b);
    const noise = Number(fields.noiseVariance);
    const next = theoryPreset(preset, a, b, noise > 0 ? noise : 1);
    setBase(next);
    setFields(fieldsOf(next));
    setDimsText(formatNumberList(defaultDims(next.dim)));
  };

  const sizeDim = () => {
    const a = Number(fields.a);
    const b = Number(fields.b);
    if (a > 1 && b > 1 && config.budgets.length > 0 && config.noiseVariance > 0) setField('dim', `${autoDim(a, b, config.noiseVariance, Math.max(...config.budgets))}`);
  };

  const reasons: string[] = [];
  if (issues.length > 0) reasons.push('the settings have problems to fix (marked in red)');
  if (!probe) reasons.push('the lab is still looking for a WebGPU adapter');
  else if (!probe.ok) reasons.push('this browser has no WebGPU');
  if (job) reasons.push('a theory experiment is running');
  const device = probe?.ok ? probe.description : 'unknown adapter';

  const start = async (what: Job['what']) => {
    worker.current?.terminate();
    const w = startTheoryWorker();
    worker.current = w;
    const started = performance.now();
    setJob({ what, progress: null, started });
    setNow(started);
    setError(null);
    const onProgress = (p: TheoryProgress) => setJob((j) => (j ? { ...j, progress: p } : j));
    try {
      if (what === 'experiment') {
        const r = await w.run(config, onProgress);
        setResults({ results: r, seconds: (performance.now() - started) / 1000, device });
      } else {
        if (!dims.ok) return;
        setSweep(await w.runModelSizes(config, dims.values, onProgress));
      }
    } catch (e) {
      if (worker.current === w) setError(explainError(e, `the theory ${what === 'experiment' ? 'experiment' : 'model-size sweep'} failed`));
    } finally {
      if (worker.current === w) {
        w.terminate();
        worker.current = null;
        setJob(null);
      }
    }
  };

  const stop = () => {
    worker.current?.terminate();
    worker.current = null;
    setJob(null);
    setError('Stopped: nothing of this run was kept.');
  };

  const exportResults = () => {
    if (!results) return;
    downloadText(safeFileName(`theory-a${results.results.config.a}-b${results.results.config.b}`, 'json'), `${JSON.stringify({ ...results.results, wallSeconds: results.seconds, device: results.device })}\n`);
  };

  const a = Number(fields.a);
  const b = Number(fields.b);
  const formula = a > 1 && b > 1 ? `For a = ${fmtNum(a)} and b = ${fmtNum(b)} the theory predicts B* ∝ D^${fmtNum(predictedExponent(a, b))}: ${branchText(a, b)}.` : 'The prediction needs a > 1 and b > 1.';
  const progress = job?.progress;

  return (
    <div className="lab theory" data-testid="theory-page">
      <LinkBanner notice={notice} onDismiss={() => setNotice(null)} onReset={() => setNotice(null)} />
      <section className="theory-intro">
        <h2>Theory lab: where the critical batch size comes from</h2>
        <p>
          The paper backs its finding with a model simple enough to solve: linear regression on Gaussian features whose variances fall off as a power law, λ<sub>i</sub> = i<sup>−a</sup>, with a
          target whose energy falls off as i<sup>−b</sup>, trained by one-pass SGD with iterate averaging. There the critical batch size grows with the data budget as B* ∝ D
          <sup>1 − a/min(b, 2a+1)</sup> and stops depending on the model size M once M holds every direction the data can resolve. This page trains that model on your GPU and measures B* the
          same way the language-model sweeps do (a target from batch-size-1 runs, steps to target, the paper&apos;s fit, B*), so you can watch the exponent come out.
        </p>
        <p className="theory-prediction" data-testid="theory-prediction">
          {formula}
        </p>
      </section>

      <section className="builder theory-settings" aria-labelledby="theory-settings-title">
        <h2 id="theory-settings-title">Settings</h2>
        <div className="preset-row results-controls">
          <label htmlFor="theory-preset">Preset</label>
          <select id="theory-preset" data-testid="theory-preset" value={preset} onChange={(e) => setPreset(e.target.value as TheoryPresetName)}>
            {THEORY_PRESETS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <button type="button" onClick={applyPreset} data-testid="theory-apply-preset">
            Apply to this a, b and σ²
          </button>
        </div>
        <p className="preset-explanation">{PRESET_DESCRIPTIONS[preset]}; M sized from the largest budget.</p>
        <fieldset className="form-section">
          <legend>The problem</legend>
          <div className="form-grid">
            <Field name="a" label="capacity exponent a (λ_i = i^−a)" fields={fields} setField={setField} issues={issuesFor('a')} />
            <Field name="b" label="source exponent b (λ_i w*_i² = i^−b)" fields={fields} setField={setField} issues={issuesFor('b')} />
            <Field name="dim" label="model dimension M" fields={fields} setField={setField} issues={issuesFor('dim')}>
              <button type="button" className="link-button field-hint" onClick={sizeDim}>
                size M from the largest budget
              </button>
            </Field>
            <Field name="noiseVariance" label="label noise σ²" fields={fields} setField={setField} issues={issuesFor('noiseVariance')} />
          </div>
        </fieldset>
        <fieldset className="form-section">
          <legend>The sweep</legend>
          <div className="form-grid">
            <Field name="budgets" label="data budgets D (samples)" hint="numbers or powers of two: 2^12, 2^13" fields={fields} setField={setField} issues={issuesFor('budgets')} wide />
            <Field name="batchSizes" label="batch sizes" hint={`the reference runs use batch size ${config.referenceBatch}`} fields={fields} setField={setField} issues={issuesFor('batchSizes')} wide />
            <Field name="learningRates" label="learning-rate grid γ" hint={`2^-4.5 is one half-octave step${stepBound === null ? '' : `; the theory's range: γ ≤ 1/(2 tr H) = ${fmtNum(stepBound)}`}`} fields={fields} setField={setField} issues={issuesFor('learningRates')} wide />
            <div className="field">
              <label htmlFor="theory-search">learning-rate search</label>
              <select id="theory-search" value={fields.learningRateSearch} onChange={(e) => setField('learningRateSearch', e.target.value)}>
                <option value="monotone">monotone</option>
                <option value="grid">the whole grid</option>
              </select>
              <span className="field-hint">{fields.learningRateSearch === 'grid' ? 'every γ at every batch size' : 'each batch size tries only γ at or above the best γ of the one before'}</span>
            </div>
            <div className="field">
              <label htmlFor="theory-averaging">averaging</label>
              <select id="theory-averaging" value={fields.averaging} onChange={(e) => setField('averaging', e.target.value)}>
                <option value="uniform">uniform (Polyak–Ruppert)</option>
                <option value="ewa">EWA</option>
              </select>
              <span className="field-hint">{fields.averaging === 'ewa' ? 'as the language-model sweeps average' : "the theory's averaging"}</span>
            </div>
            {fields.averaging === 'ewa' && <Field name="decays" label="EWA decays τ" fields={fields} setField={setField} issues={issuesFor('decays')} />}
            <Field name="seeds" label={config.analysis.seeds === 'mean-risk' ? 'seeds (the risk is averaged over them)' : 'seeds (replicates)'} fields={fields} setField={setField} issues={issuesFor('seeds')} />
          </div>
        </fieldset>
        {otherIssues.length > 0 && (
          <ul className="field-issues" data-testid="theory-issues">
            {otherIssues.map((i) => (
              <li key={`${i.path}:${i.message}`}>
                {i.path ? `${i.path}: ` : ''}
                {i.message}
              </li>
            ))}
          </ul>
        )}
        <div className="start button-row">
          <button type="button" className="primary" data-testid="theory-run" disabled={reasons.length > 0} onClick={() => void start('experiment')}>
            Run
          </button>
          {job && (
            <button type="button" data-testid="theory-stop" onClick={stop}>
              Stop
            </button>
          )}
        </div>
        {reasons.length > 0 && !job && <p className="hint">Run is unavailable: {reasons.join('; ')}.</p>}
        {probe?.ok && probe.adapter.isFallbackAdapter && <p className="hint">This adapter is a CPU emulator: the quick preset takes under a minute here, full and large tens of minutes.</p>}
        {job && (
          <p className="experiment-status" role="status" data-testid="theory-progress">
            Running the {job.what === 'experiment' ? 'experiment' : 'model-size sweep'} ({fmtSeconds((now - job.started) / 1000)}):{' '}
            {progress ? `${progress.phase === 'reference' ? 'reference runs' : 'batch-size sweep'}, ${formatCount(progress.samples)} samples, ${progress.groupsRunning} of ${progress.groups} groups running` : 'starting…'}
          </p>
        )}
        {error && (
          <p className="error-text" role="alert" data-testid="theory-error">
            {error}
          </p>
        )}
      </section>

      {results && (
        <section className="results theory-results" aria-labelledby="theory-results-title" data-testid="theory-results">
          <h2 id="theory-results-title">Results</h2>
          <p className="theory-summary" data-testid="theory-summary">
            Measured exponent <strong data-testid="theory-measured">{fmtNum(results.results.measured)}</strong>
            {results.results.interval && (
              <span data-testid="theory-interval">
                {' '}
                ({Math.round(results.results.config.analysis.level * 100)}% interval {fmtNum(results.results.interval[0])} to {fmtNum(results.results.interval[1])})
              </span>
            )}
            ; predicted <strong data-testid="theory-predicted">{fmtNum(results.results.predicted)}</strong>. a = {results.results.config.a}, b = {results.results.config.b}, M = {results.results.config.dim},{' '}
            {results.results.config.seeds.length} seeds, {fmtSeconds(results.seconds)} on {results.device.split(';')[0]}.
          </p>
          <Suspense fallback={<p>Loading the charts…</p>}>
            <div className="scaling-panels">
              <DataScalingChart results={results.results} />
              <StepsChart results={results.results} />
            </div>
            <RiskCurvesChart results={results.results} />
          </Suspense>
          {results.results.notes.length > 0 && (
            <ul className="notes" data-testid="theory-notes">
              {results.results.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
          <div className="button-row">
            <button type="button" data-testid="theory-export" onClick={exportResults}>
              Download the results (JSON)
            </button>
          </div>
        </section>
      )}

      <section className="results theory-model" aria-labelledby="theory-model-title">
        <h2 id="theory-model-title">B* against the model size</h2>
        <p className="hint">
          The same experiment at several model dimensions M (a smaller M may resolve fewer directions than the data could: that is the regime this shows). It costs one experiment per M.
        </p>
        <div className="results-controls">
          <label htmlFor="theory-dims">model dimensions M</label>
          <input id="theory-dims" data-testid="theory-dims" value={dimsText} onChange={(e) => setDimsText(e.target.value)} aria-invalid={!dims.ok} />
          <button type="button" data-testid="theory-run-dims" disabled={reasons.length > 0 || !dims.ok || dims.values.length < 2} onClick={() => void start('model sizes')}>
            Run at each M
          </button>
        </div>
        {sweep && (
          <Suspense fallback={<p>Loading the chart…</p>}>
            <div className="scaling-panels">
              <ModelSizeChart sweep={sweep} />
            </div>
          </Suspense>
        )}
      </section>
    </div>
  );
}
