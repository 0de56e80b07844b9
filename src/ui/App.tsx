import { useEffect, useState } from 'react';
import { startLabWorker } from '../worker/client';
import type { ProbeResult } from '../worker/protocol';
import { NO_WEBGPU_MESSAGE } from '../gpu/errors';
import { AdapterStatus } from './AdapterStatus';
import { Lab } from './Lab';
import { TrainingBanner } from './TrainingBanner';
import { DataCachePanel } from './DataCachePanel';
import { useTraining } from './useTraining';

export function App() {
  const hasWebGpu = 'gpu' in navigator;
  const [probe, setProbe] = useState<ProbeResult | null>(() =>
    hasWebGpu ? null : { ok: false, kind: 'no-webgpu', message: NO_WEBGPU_MESSAGE },
  );

  const training = useTraining(probe);

  useEffect(() => {
    if (!hasWebGpu) return;
    const worker = startLabWorker();
    let live = true;
    worker.api
      .probe()
      .then((result) => {
        if (live) setProbe(result);
      })
      .catch((error: unknown) => live && setProbe({ ok: false, kind: 'worker', message: String(error) }));
    return () => {
      live = false;
      worker.terminate();
    };
  }, [hasWebGpu]);

  return (
    <main className="app">
      <header>
        <h1>CBS Lab</h1>
        <p className="tagline">
          How does critical batch size scale? Train small language models in your browser at a sweep of batch sizes,
          and see where doubling the batch stops halving the steps.
        </p>
      </header>
      <AdapterStatus probe={probe} />
      <TrainingBanner training={training} />
      <Lab probe={probe} onStart={training.onStart} controls={training.controls} />
      {probe?.ok && <DataCachePanel />}
    </main>
  );
}
