// The seed replicates: every run of the sweep is trained once per pair of seeds (initialisation,
// data order). One row per replicate, its columns from the field table's seeds[] rows.
import { FIELD_ROWS, type FieldPath } from '../../experiment/fields';
import { FieldInput, Issues, rowLabel, useForm } from './form-kit';

const COLUMNS = FIELD_ROWS.filter((f) => f.path.startsWith('seeds[].'));

export function SeedsEditor() {
  const form = useForm();
  const seeds = form.config.seeds;
  // A new replicate takes seeds no other replicate uses.
  const next = Math.max(0, ...seeds.flatMap((s) => [s.init, s.data])) + 1;
  return (
    <div className="field wide" role="group" aria-label="seed replicates">
      <span>Seed replicates (each run is trained once per pair; the target and the interval use them all)</span>
      <div className="table-scroll">
        <table className="models-table">
          <thead>
            <tr>
              <th scope="col">replicate</th>
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
            {seeds.map((_, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                {COLUMNS.map((c) => (
                  <td key={c.path}>
                    <FieldInput name={c.path as FieldPath} indices={[i]} compactLabel={`replicate ${i + 1} ${c.label}`} />
                  </td>
                ))}
                <td>
                  <button type="button" disabled={seeds.length <= 1} onClick={() => form.set(['seeds'], seeds.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Issues path={['seeds']} />
      <p>
        <button type="button" onClick={() => form.set(['seeds'], [...seeds, { init: next, data: next }])}>
          Add a replicate
        </button>
      </p>
    </div>
  );
}
