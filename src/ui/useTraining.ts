// Connects the page to the training engine: one ExperimentRunner per started experiment, the
// run store as its hooks, the IndexedDB sweep store for resuming after a reload, and a small
// automation handle (window.cbsLab) that the headless runner drives through the same path.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ProbeResult } from '../worker/protocol';
import { ExperimentRunner } from '../worker/experiment-runner';
import { useRunStore } from '../state/run-store';
import { useExperimentStore } from '../state/experiment-store';
import { useLocalFiles } from '../state/local-files';
import { idbSweepStore, type SweepSummary } from '../state/sweep-store';
import type { ExperimentConfig, ExperimentResults } from '../experiment/schema';
import type { RunControls } from './RunMonitor';

export interface Training {
  onStart: ((config: ExperimentConfig) => void) | undefined;
  controls: RunControls | null;
  error: string | null;
  warnings: string[];
  resumable: SweepSummary[];
  resume(summary: SweepSummary): void;
  discard(summary: SweepSummary): void;
}

export interface LabAutomation {
  /** Starts the experiment now in the builder, as the Start button does. */
  start(): void;
  state(): {
    status: string;
    error: string | null;
    warnings: string[];
    runs: { id: string; status: string; stepsDone: number; maxSteps: number; tokensPerSecond: number | null; batchSize: number; startStep: number }[];
    /** Run ids this page started training, in order. */
    startedHere: string[];
  };
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
  const [warnings, setWarnings] = useState<string[]>([]);
  const [resumable, setResumable] = useState<SweepSummary[]>([]);
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
      setWarnings([]);
      setResumable([]);
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
        .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
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
      cancel: (id) => runner.current?.cancel(id),
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
        const s = useRunStore.getState();
        return {
          status: s.status,
          error,
          warnings,
          startedHere: [...startedHere.current],
          runs: s.order.map((id) => {
            const r = s.runs[id];
            return {
              id,
              status: r.status,
              stepsDone: r.stepsDone,
              maxSteps: r.spec.maxSteps,
              tokensPerSecond: r.tokensPerSecond,
              batchSize: r.spec.batchSize,
              startStep: r.spec.branch?.fromStep ?? 0,
            };
          }),
        };
      },
      config: () => useExperimentStore.getState().config,
      results: () => useRunStore.getState().results,
    };
  }, [onStart, error, warnings]);

  return { onStart: ready ? onStart : undefined, controls, error, warnings, resumable, resume, discard };
}
