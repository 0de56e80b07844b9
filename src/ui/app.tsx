import { lazy, Suspense, useEffect, useState } from 'react';
import { startLabWorker } from '../worker/client';
import type { ProbeResult } from '../worker/protocol';
import { NO_WEBGPU_MESSAGE } from '../gpu/errors';
import { AdapterStatus } from './adapter-status';
import { Lab } from './lab';
import { TrainingBanner } from './training-banner';
import { DataCachePanel } from './data-cache-panel';
import { useTraining } from './use-training';
import { GlossaryPopovers } from './glossary-view';
import { THEORY_LINK_LETTER, linkKindOf } from '../experiment/codec';

const TheoryPage = lazy(() => import('./theory-page').then((m) => ({ default: m.TheoryPage })));

type Page = 'lab' | 'theory';

/** The theory page for its links ("#v1.t.…") and for "#theory"; the language-model lab otherwise. */
const pageOfAddress = (): Page => (location.hash === '#theory' || linkKindOf(location.hash) === THEORY_LINK_LETTER ? 'theory' : 'lab');

export function App() {
  const hasWebGpu = 'gpu' in navigator;
  const [probe, setProbe] = useState<ProbeResult | null>(() =>
    hasWebGpu ? null : { ok: false, kind: 'no-webgpu', message: NO_WEBGPU_MESSAGE },
  );

  const training = useTraining(probe);
  const [page, setPage] = useState<Page>(pageOfAddress);
  useEffect(() => {
    const onHash = () => setPage(pageOfAddress());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  // Each page keeps its own link in the address bar: leaving one drops its link (the lab then
  // restores its draft, the theory page writes its config).
  const goTo = (next: Page) => {
    if (next === page) return;
    window.history.replaceState(null, '', next === 'theory' ? '#theory' : `${location.pathname}${location.search}`);
    setPage(next);
  };

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
      <nav className="pages" aria-label="pages">
        <button type="button" aria-current={page === 'lab' ? 'page' : undefined} onClick={() => goTo('lab')} data-testid="page-lab">
          Language models
        </button>
        <button type="button" aria-current={page === 'theory' ? 'page' : undefined} onClick={() => goTo('theory')} data-testid="page-theory">
          Theory lab
        </button>
      </nav>
      <AdapterStatus probe={probe} />
      <TrainingBanner training={training} />
      {page === 'theory' ? (
        <Suspense fallback={<p>Loading the theory lab…</p>}>
          <TheoryPage probe={probe} />
        </Suspense>
      ) : (
        <>
          <Lab
            probe={probe}
            onStart={training.onStart}
            controls={training.controls}
            trainingError={training.error}
            cancelled={training.cancelled}
          />
          {probe?.ok && <DataCachePanel />}
        </>
      )}
      <GlossaryPopovers />
    </main>
  );
}
