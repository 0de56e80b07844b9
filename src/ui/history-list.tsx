// Past experiments kept in this browser (IndexedDB): reopen or delete.
import { useCallback, useEffect, useState } from 'react';
import type { History, HistorySummary } from '../state/history';
import { chartModel } from './chart-model';
import { fmtNum } from './format';
import { formatCount } from '../util/format';
import { explainError } from '../util/errors';

interface CompareRow {
  id: string;
  name: string;
  measurement: string;
  params: number;
  dataSize: number;
  bStar: number | null;
  lower: number | null;
  upper: number | null;
  noise: number | null;
  note: string | null;
}

/** B* of the chosen saved experiments side by side. */
function CompareTable({ history, ids }: { history: History; ids: string[] }) {
  const [rows, setRows] = useState<CompareRow[]>([]);
  useEffect(() => {
    let live = true;
    void Promise.all(ids.map((id) => history.open(id))).then((opened) => {
      const out: CompareRow[] = [];
      for (const o of opened) {
        if (!o.ok) {
          out.push({ id: o.id, name: o.id, measurement: '—', params: NaN, dataSize: NaN, bStar: null, lower: null, upper: null, noise: null, note: o.message });
          continue;
        }
        if (!o.results) {
          out.push({ id: o.id, name: o.name, measurement: '—', params: NaN, dataSize: NaN, bStar: null, lower: null, upper: null, noise: null, note: 'config only, no results' });
          continue;
        }
        for (const m of chartModel(o.results, { resamples: 200 }).measurements) {
          out.push({
            id: o.id,
            name: o.name,
            measurement: m.label,
            params: m.nonEmbeddingParams,
            dataSize: m.dataSize,
            bStar: m.cbs?.bStar ?? null,
            lower: m.interval?.lower ?? null,
            upper: m.interval?.upper ?? null,
            noise: m.noiseScale.median,
            note: m.cbs?.bStar == null ? (m.cbs?.note ?? 'no B*') : null,
          });
        }
      }
      if (live) setRows(out);
    });
    return () => {
      live = false;
    };
  }, [history, ids]);
  if (ids.length === 0) return null;
  return (
    <div className="table-scroll">
    <table className="compare" data-testid="compare">
      <caption>Comparison</caption>
      <thead>
        <tr>
          <th scope="col">experiment</th>
          <th scope="col">model · D</th>
          <th scope="col">N (non-emb.)</th>
          <th scope="col">B* (sequences)</th>
          <th scope="col">interval</th>
          <th scope="col">B_simple</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={`${r.id}-${i}`}>
            <td>{r.name}</td>
            <td>{r.measurement}</td>
            <td>{formatCount(r.params)}</td>
            <td>{r.bStar !== null ? fmtNum(r.bStar) : r.note}</td>
            <td>{r.lower !== null ? `${fmtNum(r.lower)} – ${fmtNum(r.upper)}` : '—'}</td>
            <td>{fmtNum(r.noise)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

export function HistoryList({ history, refreshKey, onOpen }: { history: History; refreshKey: number; onOpen: (id: string) => void }) {
  const [items, setItems] = useState<HistorySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [compare, setCompare] = useState<string[]>([]);
  const load = useCallback(() => {
    history
      .list()
      .then((list) => {
        setItems(list);
        setError(null);
      })
      .catch((e: unknown) => setError(`The history could not be read: ${explainError(e)}`));
  }, [history]);
  useEffect(load, [load, refreshKey]);
  return (
    <section className="history" aria-labelledby="history-title" data-testid="history">
      <h2 id="history-title">History</h2>
      {error && <p className="error-text">{error}</p>}
      {items && items.length === 0 && <p className="hint">Nothing saved in this browser yet.</p>}
      {items && items.length > 0 && (
        <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">saved</th>
              <th scope="col">runs</th>
              <th scope="col">target</th>
              <th scope="col">compare</th>
              <th scope="col">
                <span className="sr-only">actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-testid="history-item">
                <td>{e.name}</td>
                <td>{e.savedAt.replace('T', ' ').slice(0, 16)}</td>
                <td>{e.hasResults ? e.runs : 'config only'}</td>
                <td>{e.targetLoss ?? '—'}</td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${e.name}`}
                    checked={compare.includes(e.id)}
                    disabled={!e.hasResults}
                    onChange={(ev) => setCompare((c) => (ev.target.checked ? [...c, e.id] : c.filter((x) => x !== e.id)))}
                  />
                </td>
                <td>
                  <button type="button" onClick={() => onOpen(e.id)}>
                    Open
                  </button>{' '}
                  <button
                    type="button"
                    onClick={() => {
                      setCompare((c) => c.filter((x) => x !== e.id));
                      void history.remove(e.id).then(load);
                    }}
                    aria-label={`Delete ${e.name}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      <CompareTable history={history} ids={compare} />
    </section>
  );
}
