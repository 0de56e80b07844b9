import type { StoragePersistence, Training } from './use-training';

const PERSISTENCE: Record<StoragePersistence, string> = {
  persistent: "Storage: persistent. The browser will not clear this lab's history, unfinished sweeps and data cache on its own.",
  'best-effort':
    'Storage: best-effort. The browser declined to make it persistent, so it may clear the history, unfinished sweeps and data cache when the disk runs short: export results you want to keep.',
  unavailable: 'Storage: this browser does not say whether it keeps this site\'s data; export results you want to keep.',
};

/** Errors and warnings from training, the offer to resume a sweep a reload interrupted, and what the storage allows. */
export function TrainingBanner({ training }: { training: Training }) {
  const { error, warnings, resumable, storage, storageFull } = training;
  return (
    <>
      {storageFull && (
        <div className="banner warn" role="group" aria-label="storage full" data-testid="storage-full">
          {training.dataCacheCleared ? (
            'The data cache was cleared: shards will be downloaded and tokenized again when needed.'
          ) : (
            <>
              The browser&apos;s storage for this site is full. Clearing the data cache (tokenized shards, which can be downloaded again) frees space
              without losing results.{' '}
              <button type="button" data-testid="clear-data-cache" onClick={() => void training.clearDataCache()}>
                Clear the data cache
              </button>
            </>
          )}
        </div>
      )}
      {error && (
        <div className="banner error" role="alert" data-testid="training-error">
          <strong>The experiment stopped:</strong> {error}
        </div>
      )}
      {warnings.length > 0 && (
        <ul className="banner warn" data-testid="training-warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {storage && (
        <p className="banner info" data-testid="storage-persistence">
          {PERSISTENCE[storage]}
        </p>
      )}
      {resumable.map((s) => (
        <div className="banner info" role="group" aria-label="resume experiment" key={s.id} data-testid="resume-offer">
          An experiment did not finish: <strong>{s.config.name}</strong>, started {new Date(s.startedAt).toLocaleString()},{' '}
          {s.runsFinished} run{s.runsFinished === 1 ? '' : 's'} finished.{' '}
          <button type="button" data-testid="resume" onClick={() => training.resume(s)} disabled={!training.onStart}>
            Resume
          </button>{' '}
          <button type="button" onClick={() => training.discard(s)}>
            Discard
          </button>
        </div>
      ))}
    </>
  );
}
