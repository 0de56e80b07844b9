import { useCallback, useEffect, useState } from 'react';
import type { CacheUsage } from '../data/cache';
import { withLabWorker } from '../worker/client';

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Storage the lab uses for tokenized shards, and a button to clear it. */
export function DataCachePanel() {
  const [usage, setUsage] = useState<CacheUsage | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(() => {
    withLabWorker((api) => api.cacheUsage()).then(setUsage, () => setUsage(null));
  }, []);

  useEffect(() => {
    refresh();
  }, [refresh]);

  const clear = async () => {
    setBusy(true);
    try {
      await withLabWorker((api) => api.clearCache());
    } finally {
      setBusy(false);
      refresh();
    }
  };

  return (
    <section className="data-cache" aria-label="data cache" data-testid="data-cache">
      <h2>Data cache</h2>
      {usage === undefined && <p>Reading the cache…</p>}
      {usage === null && <p>This browser offers no IndexedDB here: shards are downloaded and tokenized for each run.</p>}
      {usage && (
        <p>
          {usage.entries} tokenized shard{usage.entries === 1 ? '' : 's'} ({usage.tokens.toLocaleString()} tokens, {mib(usage.bytes)})
          {usage.incomplete > 0 && `, ${usage.incomplete} incomplete`}, {usage.tokenizers} trained tokenizer{usage.tokenizers === 1 ? '' : 's'}
          {usage.estimate && `; this site uses ${mib(usage.estimate.usage)} of ${mib(usage.estimate.quota)} allowed`}.{' '}
          <button type="button" onClick={() => void clear()} disabled={busy}>
            Clear the data cache
          </button>
        </p>
      )}
    </section>
  );
}
