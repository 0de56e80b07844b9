// Connects the page to the training engine: one ExperimentRunner per started experiment, the
// run store as its hooks, the IndexedDB sweep store for resuming after a reload, and a small
// automation handle (window.cbsLab) that the headless runner drives through the same path.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ProbeResult } from '../worker/protocol';
import { ExperimentCancelled, ExperimentRunner } from '../worker/experiment-runner';
import { progressRows, timeFigures, useRunStore, type RunProgressRow, type TimeFigures } from '../state/run-store';
import { useExperimentStore } from '../state/experiment-store';
import { useLocalFiles } from '../state/local-files';
import { idbSweepStore, type SweepSummary } from '../state/sweep-store';
import type { ExperimentConfig, ExperimentResults } from '../experiment/schema';

export interface RunControls {
  /** Without an id: the whole experiment. */
  pause(id?: string): void;
  resume(id?: string): void;
  cancel(id?: string): void;
}
import { errorMessage, explainError, isQuotaError, STORAGE_FULL } from '../util/errors';
import { withLabWorker } from '../worker/client';

export interface Training {
  onStart: ((config: ExperimentConfig) => void) | undefined;
  controls: RunControls | null;
  /** Why the experiment stopped, when it was not the user's cancel. */
  error: string | null;
  /** The user cancelled the whole experiment (its runs end as "stopped", or never start). */
  cancelled: boolean;
  warnings: string[];
  resumable: SweepSummary[];
  resume(summary: SweepSummary): void;
  discard(summary: SweepSummary): void;
  /** Whether this site's storage is persistent, asked for when a sweep starts (null before). */
  storage: StoragePersistence | null;
  /** True when something could not be saved because the storage quota is full. */
  storageFull: boolean;
  /** Clears the tokenized-shard cache (offered when the storage is full). */
  clearDataCache(): Promise<void>;
  dataCacheCleared: boolean;
}

export type StoragePersistence = 'persistent' | 'best-effort' | 'unavailable';

/**
 * Asks the browser to keep this site's storage (history, sweeps in progress, the data cache)
 * instead of evicting it under pressure. The browser may say no; the page shows which.
 */
async function requestPersistentStorage(): Promise<StoragePersistence> {
  const storage = navigator.storage as StorageManager | undefined;
  if (!storage?.persist) return 'unavailable';
  try {
    return (await storage.persist()) ? 'persistent' : 'best-effort';
  } catch {
    return 'unavailable';
  }
}

export interface LabAutomationState extends TimeFigures {
  status: string;
  error: string | null;
  warnings: string[];
  runs: RunProgressRow[];
  /** Run ids this page started training, in order. */
  startedHere: string[];
}

export interface LabAutomation {
  /** Starts the experiment now in the builder, as the Start button does. */
  start(): void;
  /** The experiment's state, with its progress and ETA in cost as the page shows them. */
  state(): LabAutomationState;
  config(): ExperimentConfig;
  results(): ExperimentResults | null;
}

declare global {
  interface Window {
    cbsLab?: LabAutomation;
  }
}

export function useTraining(probe: ProbeResult | null): Training {
  const store = useMemo(() => idbSweepStore(), []);
  const runner = useRef<ExperimentRunner | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [resumable, setResumable] = useState<SweepSummary[]>([]);
  const [storage, setStorage] = useState<StoragePersistence | null>(null);
  const [dataCacheCleared, setDataCacheCleared] = useState(false);
  // Runs this page has started training (a resumed sweep must not retrain finished ones).
  const startedHere = useRef<string[]>([]);

  useEffect(() => {
    store.unfinished().then(setResumable, () => setResumable([]));
  }, [store]);

  const ready = probe?.ok === true;
  const onStart = useCallback(
    (config: ExperimentConfig) => {
      if (!probe?.ok || runner.current) return;
      setError(null);
      setCancelled(false);
      setWarnings([]);
      setResumable([]);
      setDataCacheCleared(false);
      void requestPersistentStorage().then(setStorage);
      const r = new ExperimentRunner(config, {
        store,
        hooks: {
          ...useRunStore.getState(),
          runStarted: (id) => {
            startedHere.current.push(id);
            useRunStore.getState().runStarted(id);
          },
        },
        limits: probe.adapter.limits,
        adapter: probe.description,
        onWarning: (message) => setWarnings((w) => (w.includes(message) ? w : [...w, message])),
        files: config.data.kind === 'local' ? { train: useLocalFiles.getState().train, validation: useLocalFiles.getState().validation } : null,
      });
      runner.current = r;
      r.run()
        // A cancel the user asked for is not an error; never an empty banner: a full quota says so in words, anything else gives its message.
        .catch((e: unknown) => (e instanceof ExperimentCancelled ? undefined : setError(isQuotaError(e) ? explainError(e, "the lab could not save the experiment's progress") : errorMessage(e))))
        .finally(() => {
          if (runner.current === r) runner.current = null;
        });
    },
    [probe, store],
  );

  const controls = useMemo<RunControls>(
    () => ({
      pause: (id) => runner.current?.pause(id),
      resume: (id) => runner.current?.resume(id),
      cancel: (id) => {
        if (!id && runner.current) setCancelled(true);
        runner.current?.cancel(id);
      },
    }),
    [],
  );

  const resume = useCallback(
    (summary: SweepSummary) => {
      useExperimentStore.getState().setConfig(summary.config, 'history');
      onStart(summary.config);
    },
    [onStart],
  );
  const discard = useCallback(
    (summary: SweepSummary) => {
      void store.discard(summary.id).then(() => setResumable((list) => list.filter((s) => s.id !== summary.id)));
    },
    [store],
  );

  useEffect(() => {
    window.cbsLab = {
      start: () => onStart(structuredClone(useExperimentStore.getState().config)),
      state: () => {
        useRunStore.getState().flushProgress();
        const s = useRunStore.getState();
        return {
          status: s.status,
          error,
          warnings,
          startedHere: [...startedHere.current],
          // The store's forecast, brought up to this moment (the page refreshes it at each event).
          ...timeFigures(s, Date.now()),
          runs: progressRows(s),
        };
      },
      config: () => useExperimentStore.getState().config,
      results: () => useRunStore.getState().results,
    };
  }, [onStart, error, warnings]);

  const storageFull = [error ?? '', ...warnings].some((m) => m.startsWith(STORAGE_FULL));
  const clearDataCache = useCallback(async () => {
    await withLabWorker((api) => api.clearCache());
    setDataCacheCleared(true);
  }, []);

  return { onStart: ready ? onStart : undefined, controls, error, cancelled, warnings, resumable, resume, discard, storage, storageFull, clearDataCache, dataCacheCleared };
}
