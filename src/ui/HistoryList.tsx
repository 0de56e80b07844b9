// Past experiments kept in this browser (IndexedDB): reopen or delete.
import { useCallback, useEffect, useState } from 'react';
import type { History, HistorySummary } from '../state/history';

export function HistoryList({ history, refreshKey, onOpen }: { history: History; refreshKey: number; onOpen: (id: string) => void }) {
  const [items, setItems] = useState<HistorySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    history
      .list()
      .then((list) => {
        setItems(list);
        setError(null);
      })
      .catch((e: unknown) => setError(`The history could not be read: ${e instanceof Error ? e.message : String(e)}`));
  }, [history]);
  useEffect(load, [load, refreshKey]);
  return (
    <section className="history" aria-labelledby="history-title" data-testid="history">
      <h2 id="history-title">History</h2>
      {error && <p className="error-text">{error}</p>}
      {items && items.length === 0 && <p className="hint">Nothing saved in this browser yet.</p>}
      {items && items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">saved</th>
              <th scope="col">runs</th>
              <th scope="col">target</th>
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
                  <button type="button" onClick={() => onOpen(e.id)}>
                    Open
                  </button>{' '}
                  <button type="button" onClick={() => void history.remove(e.id).then(load)} aria-label={`Delete ${e.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
