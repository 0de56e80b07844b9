// Sharing: the config link, the link with results (what the charts need, compacted; or why it is
// too large), JSON export of the config or the full results, the steps table and the long-format
// curves (evaluations, train steps) as CSV, and saving to the history.
import { useState } from 'react';
import type { ExperimentConfig, ExperimentResults } from '../experiment/schema';
import { encodeConfigFragment, encodeResultsFragment, exportConfigJson, exportResultsJson } from '../experiment/codec';
import { chartModel } from './chart-model';
import { compactResults } from './compact-results';
import { downloadText, safeFileName } from './download';
import { explainError } from '../util/errors';

function pageUrl(fragment: string): string {
  return `${location.origin}${location.pathname}${location.search}${fragment}`;
}

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

type CsvKind = 'steps' | 'evaluations' | 'train-steps';

/** The CSV exports (src/cbs/export.ts, loaded on first use: the first page stays small). */
async function exportCsv(kind: CsvKind, name: string, results: ExperimentResults): Promise<void> {
  const csv = await import('../cbs/export');
  const text = kind === 'steps' ? csv.stepsCsv(results, chartModel(results, { resamples: 10 }).report) : kind === 'evaluations' ? csv.evaluationsCsv(results) : csv.trainStepsCsv(results);
  downloadText(safeFileName(`${name}-${kind}`, 'csv'), text, 'text/csv');
}

export function SharePanel({ config, results, onSave }: { config: ExperimentConfig; results: ExperimentResults | null; onSave?: () => Promise<void> }) {
  const [link, setLink] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; kind: 'ok' | 'error' } | null>(null);
  const share = async (withResults: boolean) => {
    if (withResults && results) {
      const enc = encodeResultsFragment(compactResults(results));
      if (!enc.ok) {
        setLink(null);
        setMessage({ text: enc.message, kind: 'error' });
        return;
      }
      const url = pageUrl(enc.fragment);
      setLink(url);
      const what = `${Math.ceil(enc.chars / 1024)} KB: it carries what the charts need; Export JSON keeps every step`;
      setMessage({ text: (await copy(url)) ? `Link with results copied (${what}).` : `Copy the link below (${what}; the clipboard is not available).`, kind: 'ok' });
      return;
    }
    const url = pageUrl(encodeConfigFragment(config));
    setLink(url);
    setMessage({ text: (await copy(url)) ? 'Link copied.' : 'Copy the link below (the clipboard is not available).', kind: 'ok' });
  };
  return (
    <section className="share" aria-labelledby="share-title" data-testid="share">
      <h2 id="share-title">Share and export</h2>
      <p className="hint">The address bar always holds the experiment as you edit it: copy it, or use the buttons.</p>
      <div className="button-row">
        <button type="button" onClick={() => void share(false)} data-testid="copy-link">
          Copy link
        </button>
        <button type="button" onClick={() => void share(true)} disabled={!results} data-testid="copy-link-results">
          Copy link with results
        </button>
        <button type="button" onClick={() => downloadText(safeFileName(config.name, 'json'), results ? exportResultsJson(results) : exportConfigJson(config))} data-testid="export-json">
          Export JSON{results ? ' (with results)' : ''}
        </button>
        <button
          type="button"
          disabled={!results}
          data-testid="export-csv"
          onClick={() => results && void exportCsv('steps', config.name, results)}
        >
          Export steps CSV
        </button>
        <button type="button" disabled={!results} data-testid="export-evals-csv" onClick={() => results && void exportCsv('evaluations', config.name, results)}>
          Export evaluations CSV
        </button>
        <button type="button" disabled={!results} data-testid="export-train-csv" onClick={() => results && void exportCsv('train-steps', config.name, results)}>
          Export train steps CSV
        </button>
        {onSave && (
          <button
            type="button"
            data-testid="save-history"
            onClick={() =>
              void onSave().then(
                () => setMessage({ text: 'Saved to this browser\'s history.', kind: 'ok' }),
                (e: unknown) => setMessage({ text: explainError(e, 'the experiment was not saved in the history'), kind: 'error' }),
              )
            }
          >
            Save to history
          </button>
        )}
      </div>
      {message && (
        <p className={message.kind === 'error' ? 'error-text' : 'ok-text'} role="status" data-testid="share-message">
          {message.text}
        </p>
      )}
      {link && <input className="share-link" readOnly value={link} aria-label="share link" data-testid="share-link" onFocus={(e) => e.target.select()} />}
    </section>
  );
}
