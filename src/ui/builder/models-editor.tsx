// The models of an experiment: one row per model, its columns drawn from the field table's
// models[] rows; add a model from the lab's presets, remove one (at least one stays).
import { useState } from 'react';
import type { ModelConfig } from '../../model/config';
import { MODEL_PRESETS } from '../../model/presets';
import { model as presetModel } from '../../experiment/presets';
import { FIELD_ROWS, type FieldPath } from '../../experiment/fields';
import { FieldInput, Issues, Section, rowLabel, useForm } from './form-kit';

const COLUMNS = FIELD_ROWS.filter((f) => f.path.startsWith('models[].'));

export function ModelsEditor() {
  const form = useForm();
  const models = form.config.models;
  const [toAdd, setToAdd] = useState('nano');
  return (
    <Section title="Models">
      <div className="table-scroll field-row">
        <table className="models-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th scope="col" key={c.path} title={c.help}>
                  {rowLabel(c)}
                </th>
              ))}
              <th scope="col">
                <span className="sr-only">remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {models.map((_m: ModelConfig, i) => (
              <tr key={i}>
                {COLUMNS.map((c) => (
                  <td key={c.path}>
                    <FieldInput name={c.path as FieldPath} indices={[i]} compactLabel={`model ${i + 1} ${c.path.slice('models[].'.length)}`} />
                  </td>
                ))}
                <td>
                  <button type="button" disabled={models.length <= 1} onClick={() => form.set(['models'], models.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="field-row">
        {models.map((_, i) => (
          <Issues key={i} path={['models', i]} />
        ))}
        <Issues path={['models']} exact />
      </div>
      <div className="field-row add-model">
        <label>
          Add model{' '}
          <select value={toAdd} onChange={(e) => setToAdd(e.target.value)}>
            {MODEL_PRESETS.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.layers} layers, d {p.dModel}, {p.heads} heads, context {p.context})
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" onClick={() => form.set(['models'], [...models, presetModel(toAdd)])}>
          Add
        </button>
      </div>
    </Section>
  );
}
