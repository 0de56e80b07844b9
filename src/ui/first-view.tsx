// What a visitor sees first: what the critical batch size is, in three plain sentences, the
// Start button for the demo, and a worked example of the result it produces.
import { lazy, Suspense, type ReactNode } from 'react';
import { Term } from './glossary-view';

const WorkedExample = lazy(() => import('./worked-example').then((m) => ({ default: m.WorkedExample })));

export function FirstView({ start }: { start: ReactNode }) {
  return (
    <div className="first-view" data-testid="first-view">
      <section className="intro" aria-labelledby="intro-title">
        <h2 id="intro-title">What is the critical batch size?</h2>
        <p data-testid="cbs-explained">
          Each training step learns from a <Term id="batch-size">batch</Term> of B sequences. Doubling B nearly halves the{' '}
          <Term id="steps-to-target">steps</Term> a language model needs to reach a <Term id="target-loss">target loss</Term>, but only up to the{' '}
          <Term id="b-star">critical batch size B*</Term>: past it, bigger batches mostly waste compute. This lab trains small models at several batch sizes on
          your GPU, in this page, and measures B* the way Zhang et al. (2024) do.
        </p>
        {start}
      </section>
      <Suspense fallback={<p className="worked-example">Loading the worked example…</p>}>
        <WorkedExample />
      </Suspense>
    </div>
  );
}
