// The trained models of a live experiment, ready to leave the browser: per (model, D) group the
// final EWA weights of its reference run (trained for exactly D tokens; without one, the run with
// the lowest final loss) as model.safetensors, a Hugging Face style config.json beside them, and
// the experiment's tokenizer.json. Weights live in this page only: a reload loses them.
import { useState } from 'react';
import type { ExperimentConfig } from '../experiment/schema';
import { keptModelConfig, type KeptWeights } from '../state/run-store';
import { useLocalFiles } from '../state/local-files';
import { startLabWorker } from '../worker/client';
import { downloadBlob, downloadText } from './download';
import { fmtNum } from './format';
import { measurementLabel } from '../experiment/plan';

/** The experiment's tokenizer.json, from a short-lived worker (a trained BPE comes from the cache). */
async function tokenizerJson(config: ExperimentConfig): Promise<Record<string, unknown> | null> {
  const worker = startLabWorker();
  try {
    const files = config.data.kind === 'local' ? { train: useLocalFiles.getState().train, validation: useLocalFiles.getState().validation } : null;
    return await worker.api.tokenizerJson({ data: config.data, tokenizer: config.tokenizer, files });
  } finally {
    worker.terminate();
  }
}

export function ModelDownloads({ weights, config }: { weights: Record<string, KeptWeights>; config: ExperimentConfig }) {
  const [message, setMessage] = useState<string | null>(null);
  const kept = Object.entries(weights);
  if (kept.length === 0) return null;
  const saveTokenizer = async () => {
    setMessage('Preparing tokenizer.json…');
    try {
      const json = await tokenizerJson(config);
      if (!json) return setMessage('GPT-2’s tokenizer.json is the hub’s: openai-community/gpt2.');
      downloadText('tokenizer.json', JSON.stringify(json));
      setMessage(null);
    } catch (e) {
      setMessage(`tokenizer.json could not be made: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <section className="model-downloads" aria-labelledby="downloads-title" data-testid="model-downloads">
      <h3 id="downloads-title">Download the trained models</h3>
      <p className="hint">
        The averaged (EWA) weights each run was evaluated with, in safetensors, with a Hugging Face style config.json. They are kept in this page only: download them before
        you reload.
      </p>
      <ul>
        {kept.map(([group, w]) => {
          const label = measurementLabel(w.spec.model.name, w.spec.dataSize);
          const base = `${w.spec.model.name}-D${w.spec.dataSize}`;
          return (
            <li key={group} data-testid="model-download" data-run={w.spec.id}>
              <strong>{label}</strong>: {w.spec.role === 'reference' ? 'the reference run' : 'the run with the lowest final loss'} (B = {w.spec.batchSize}, final EWA loss {fmtNum(w.finalLoss, 4)}){' '}
              <span className="button-row">
                <button type="button" data-testid="download-weights" onClick={() => downloadBlob(`${base}-model.safetensors`, new Blob([w.safetensors as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }))}>
                  model.safetensors
                </button>
                <button
                  type="button"
                  data-testid="download-config"
                  onClick={() => downloadText(`${base}-config.json`, JSON.stringify(keptModelConfig(w), null, 2))}
                >
                  config.json
                </button>
              </span>
            </li>
          );
        })}
      </ul>
      <button type="button" data-testid="download-tokenizer" onClick={() => void saveTokenizer()}>
        tokenizer.json
      </button>
      {message && (
        <p className="hint" role="status">
          {message}
        </p>
      )}
    </section>
  );
}
