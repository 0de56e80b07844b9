// Where the text comes from (bundled, shard URLs, files on this computer) and how it is tokenized.
import { C4_FIRST_SHARDS } from '../../experiment/presets';
import { useLocalFiles } from '../../state/local-files';
import { FieldInput, Issues, Section, SelectField, useForm } from './form-kit';

export function DataEditor() {
  const form = useForm();
  const data = form.config.data;
  const lines = (v: string[]) => v.join('\n');
  const parseLines = (t: string) => t.split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
  return (
    <Section title="Data and tokenizer">
      <SelectField
        label="Data source"
        path={['data', 'kind']}
        options={[
          ['bundled', 'bundled text (offline)'],
          ['urls', 'shard URLs (C4, other hosts)'],
          ['local', 'files on this computer'],
        ]}
        onSelect={(v) =>
          form.set(['data'], v === 'bundled' ? { kind: 'bundled' } : v === 'urls' ? { kind: 'urls', ...structuredClone(C4_FIRST_SHARDS) } : { kind: 'local', train: [], validation: [] })
        }
      />
      {data.kind === 'local' && <LocalFilePickers onNames={(split, names) => form.set(['data', split], names)} />}
      {data.kind === 'urls' &&
        (['train', 'validation'] as const).map((split) => (
          <div className="field wide" key={split}>
            <label>
              {split === 'train' ? 'Training' : 'Validation'} shards (one per line)
              <textarea rows={2} value={lines(data[split])} onChange={(e) => form.set(['data', split], parseLines(e.target.value))} />
            </label>
            <Issues path={['data', split]} />
          </div>
        ))}
      <SelectField
        label="Tokenizer"
        path={['tokenizer', 'kind']}
        options={[
          ['byte', 'bytes (257 ids)'],
          ['bpe', 'BPE trained on the data'],
          ['gpt2', 'GPT-2 (50257 ids)'],
        ]}
        onSelect={(v) => form.set(['tokenizer'], v === 'bpe' ? { kind: 'bpe', vocabSize: 4096 } : { kind: v })}
      />
      <FieldInput name="tokenizer.vocabSize" />
    </Section>
  );
}

/** File pickers for a local data source: the files stay in the page, their names go in the config. */
function LocalFilePickers({ onNames }: { onNames: (split: 'train' | 'validation', names: string[]) => void }) {
  const pick = useLocalFiles((s) => s.pick);
  const picked = { train: useLocalFiles((s) => s.train.length), validation: useLocalFiles((s) => s.validation.length) };
  const choose = (split: 'train' | 'validation', list: FileList | null) => {
    const files = [...(list ?? [])];
    pick(split, files);
    onNames(split, files.map((f) => f.name));
  };
  return (
    <>
      {(['train', 'validation'] as const).map((split) => (
        <div className="field wide" key={split}>
          <label>
            {split === 'train' ? 'Training shards' : 'Validation shards'} (C4-format JSON lines or a JSON array, gzipped or not)
            <input type="file" multiple accept=".gz,.json,.jsonl" data-testid={`local-${split}`} onChange={(e) => choose(split, e.target.files)} />
          </label>
          <span className="hint">{picked[split]} picked</span>
          <Issues path={['data', split]} />
        </div>
      ))}
    </>
  );
}
