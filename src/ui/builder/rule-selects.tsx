// The builder's kind selects: each switches a union-typed part of the config (a per-batch rule,
// the target, the run cap, the pairing) to a fresh value of the chosen kind.
import type { ExperimentConfig } from '../../experiment/schema';
import { SelectField, useForm, type Path } from './form-kit';

/** A rule that is the paper's table per batch size, or one fixed value (starting at `fixedStart`). */
export function PerBatchRuleSelect({ label, path, tableName, fixedStart }: { label: string; path: Path; tableName: string; fixedStart: number }) {
  const form = useForm();
  return (
    <SelectField
      label={label}
      path={[...path, 'kind']}
      options={[
        ['paper-table', `the paper's ${tableName} per B`],
        ['fixed', 'one value for all B'],
      ]}
      onSelect={(v) => form.set(path, v === 'fixed' ? { kind: 'fixed', value: fixedStart } : { kind: 'paper-table' })}
    />
  );
}

export function TargetKindSelect({ config }: { config: ExperimentConfig }) {
  const form = useForm();
  return (
    <SelectField
      label="Target loss"
      path={['target', 'kind']}
      options={[
        ['reference', 'a reference run (the paper)'],
        ['fixed', 'a fixed value'],
      ]}
      onSelect={(v) => form.set(['target'], v === 'fixed' ? { kind: 'fixed', loss: 3 } : { kind: 'reference', batchSize: config.batchSizes[0] ?? 4 })}
    />
  );
}

export function CapKindSelect() {
  const form = useForm();
  return (
    <SelectField
      label="Cap on each run"
      path={['cap', 'kind']}
      options={[
        ['multiple-of-data', 'a multiple of D'],
        ['steps', 'a number of steps'],
      ]}
      onSelect={(v) => form.set(['cap'], v === 'steps' ? { kind: 'steps', steps: 1000 } : { kind: 'multiple-of-data', factor: 4 })}
    />
  );
}

export function PairingSelect() {
  return (
    <SelectField
      label="Models × data sizes"
      path={['pairing']}
      options={[
        ['grid', 'every model × every D'],
        ['paired', 'model i with D i (Chinchilla)'],
      ]}
    />
  );
}
