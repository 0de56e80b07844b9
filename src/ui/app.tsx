import { useEffect, useState } from 'react';
import { startLabWorker } from '../worker/client';
import type { ProbeResult } from '../worker/protocol';
import { NO_WEBGPU_MESSAGE } from '../gpu/errors';
import { AdapterStatus } from './adapter-status';
import { Lab } from './lab';
import { TrainingBanner } from './training-banner';
import { DataCachePanel } from './data-cache-panel';
import { useTraining } from './use-training';
import { GlossaryPopovers } from './glossary-view';

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

  const toGlossary = () => {
    const glossary = document.getElementById('glossary');
    glossary?.scrollIntoView({ block: 'start' });
    glossary?.querySelector('h2')?.focus();
  };

  return (
    <main className="app">
      <header className="top">
        <h1>CBS Lab</h1>
        <nav aria-label="help">
          <a href="tutorial.html">Tutorial</a>
          <button type="button" className="link-button" onClick={toGlossary}>
            Glossary
          </button>
        </nav>
      </header>
      <AdapterStatus probe={probe} />
      <TrainingBanner training={training} />
      <Lab
        probe={probe}
        onStart={training.onStart}
        controls={training.controls}
        trainingError={training.error}
        cancelled={training.cancelled}
      />
      {probe?.ok && <DataCachePanel />}
      <GlossaryPopovers />
    </main>
  );
}
