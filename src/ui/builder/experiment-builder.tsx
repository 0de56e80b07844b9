// The experiment builder, folded under "Customize": the preset menu with its one-line
// explanation, the fields a student changes first (models, data, sweep, target, overhead), and
// everything else folded under "Advanced". Every input comes from the field table; validation
// messages sit under their field, and a live estimate of the cost closes the form.
import { useId, useMemo, useState } from 'react';
import { useExperimentStore } from '../../state/experiment-store';
import { BUNDLED_TRAIN_TOKENS_ESTIMATE, EXPERIMENT_PRESETS } from '../../experiment/presets';
import { configWarnings } from '../../experiment/validate';
import { estimateExperiment } from '../../experiment/estimate';
import { FIELD_ROWS, rowPathOf } from '../../experiment/fields';
import type { MemoryLimits } from '../../model/config';
import { FormContext, Issues, Section, FieldInput, setIn, type FormApi } from './form-kit';
import { TableSection } from './table-section';
import { ModelsEditor } from './models-editor';
import { DataEditor } from './data-editor';
import { Beta2RuleSelect, BranchLossSelect, CapKindSelect, ExperimentKindSelect, PairingSelect, TargetKindSelect } from './rule-selects';
import { SeedsEditor } from './seeds-editor';
import { EstimateView } from './estimate-view';
import type { TimeEstimateProps } from './time-estimate';

export interface BuilderProps {
  /** The adapter's limits, when one was found: models that do not fit are refused with a reason. */
  limits: MemoryLimits | null;
  /** The wall time on this adapter, from its measured cost model (./time-estimate.tsx). */
  time: TimeEstimateProps;
  /** Whether "Customize" is unfolded (the page opens it for a shared config). */
  open: boolean;
  onOpenChange(open: boolean): void;
  /** Moves focus back to Start (the one Start button sits in the first view). */
  onBackToStart(): void;
  /** Puts the demo back (null when the builder already holds it). */
  onReset: (() => void) | null;
}

/** Does a validation issue concern a field folded under Advanced? */
const isAdvanced = (issuePath: string) => FIELD_ROWS.some((f) => f.advanced && (f.path === rowPathOf(issuePath) || f.path === `${rowPathOf(issuePath)}[]`));

export function ExperimentBuilder({ limits, time, open, onOpenChange, onBackToStart, onReset }: BuilderProps) {
  const { config, issues, update, loadPreset, origin } = useExperimentStore();
  const form: FormApi = useMemo(() => ({ config, issues, set: (path, value) => update((c) => setIn(c, path, value)) }), [config, issues, update]);
  const preset = EXPERIMENT_PRESETS.find((p) => p.id === config.preset);
  const estimate = useMemo(() => (issues.length === 0 ? estimateExperiment(config, limits) : null), [config, issues, limits]);
  const warnings = issues.length === 0 ? configWarnings(config, BUNDLED_TRAIN_TOKENS_ESTIMATE) : [];
  const presetId = useId();
  // A problem in a folded field unfolds "Advanced", so no message is ever hidden.
  const advancedIssue = issues.some((i) => isAdvanced(i.path));
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const local = config.kind === 'local-cbs';
  return (
    <FormContext.Provider value={form}>
      <section className="builder" aria-labelledby="builder-title" data-testid="builder">
        <details open={open} onToggle={(e) => onOpenChange(e.currentTarget.open)}>
          <summary data-testid="customize">
            <h2 id="builder-title">Customize the experiment</h2>
            <span className="summary-hint">presets, models, data, batch sizes, target; optimizer and evaluation under Advanced</span>
          </summary>
          <div className="preset-row">
            <label htmlFor={presetId}>Preset</label>{' '}
            <select id={presetId} data-testid="preset" value={preset && origin !== 'edited' ? preset.id : ''} onChange={(e) => e.target.value && loadPreset(e.target.value)}>
              <option value="">{preset ? `${preset.label} (edited)` : 'custom'}</option>
              {EXPERIMENT_PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
            {preset && (
              <p className="preset-explanation" data-testid="preset-explanation">
                {preset.explanation}
              </p>
            )}
          </div>
          <Section title="Experiment">
            <FieldInput name="name" />
            <ExperimentKindSelect config={config} />
          </Section>
          <ModelsEditor />
          <DataEditor />
          {local && <TableSection title="Local CBS by branching (the first model and data size; batch sizes, learning rates and target are not used)" section="local-cbs" advanced={false} />}
          <TableSection title="Sweep" section="sweep" advanced={false} />
          <Section title="Target and the CBS rule">
            <TargetKindSelect config={config} />
            <FieldInput name="target.loss" />
            <FieldInput name="target.batchSize" />
            <FieldInput name="analysis.overhead" />
          </Section>
          <details className="advanced" open={advancedOpen || advancedIssue} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)} data-testid="advanced">
            <summary>Advanced: learning-rate scaling, optimizer, EWA, reference runs, run length, evaluation, seeds</summary>
            {local && <TableSection title="Local CBS" section="local-cbs" advanced leading={<BranchLossSelect />} />}
            <TableSection title="Sweep" section="sweep" advanced leading={<PairingSelect />} />
            <TableSection
              title="Optimizer (AdamW, constant LR after warmup) and EWA"
              section="optimizer"
              advanced
              before={{ 'optimizer.beta2.value': <Beta2RuleSelect /> }}
            />
            <TableSection title="Target" section="target" advanced />
            <TableSection title="Run length" section="run-length" advanced leading={<CapKindSelect />} />
            <TableSection title="Evaluation" section="evaluation" advanced />
            <TableSection title="Analysis" section="analysis" advanced />
            <TableSection title="Seeds and workers" section="seeds" advanced leading={<SeedsEditor />} />
          </details>
          <Issues path={[]} exact />
          <EstimateView estimate={estimate} issues={issues} warnings={warnings} config={config} time={time} />
          <p className="button-row">
            <button type="button" onClick={onBackToStart}>
              Back to Start
            </button>
            {onReset && (
              <button type="button" onClick={onReset} data-testid="reset-demo">
                Back to the demo
              </button>
            )}
          </p>
        </details>
      </section>
    </FormContext.Provider>
  );
}

