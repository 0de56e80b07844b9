// The builder's kind selects: each switches a union-typed part of the config (a per-batch rule,
// the target, the run cap, the pairing) to a fresh value of the chosen kind.
import type { ExperimentConfig } from '../../experiment/schema';
import { SelectField, useForm, type Path } from './form-kit';

/** Adam's β2 per batch size: a memory of a fraction of D's steps, the paper's table, or one value. */
export function Beta2RuleSelect() {
  const form = useForm();
  const path: Path = ['optimizer', 'beta2'];
  return (
    <SelectField
      label="β2"
      path={[...path, 'kind']}
      options={[
        ['horizon', 'a memory of D’s steps'],
        ['paper-table', "the paper's β2 per B"],
        ['fixed', 'one value for all B'],
      ]}
      onSelect={(v) => form.set(path, v === 'fixed' ? { kind: 'fixed', value: 0.99 } : v === 'horizon' ? { kind: 'horizon', fraction: 0.25 } : { kind: 'paper-table' })}
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
      onSelect={(v) => form.set(['target'], v === 'fixed' ? { kind: 'fixed', loss: 3 } : { kind: 'reference', batchSize: config.batchSizes[0] ?? 4, learningRates: null })}
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
