// The first view's worked example: the lab's finding in small, from results shipped with the page.
// Two halves, one shown at a time: more data (the demo at two data budgets: B* at each with its
// interval in one sentence, and the steps-to-target chart of either budget with its fit, B* and
// the sentence that reads it) and a bigger model (the model-size preset: B* against model size at
// one data size). Loaded with the charts, after the text and the Start button; the model-size half
// loads its data only when it is chosen.
import { lazy, Suspense, useState } from 'react';
import { chartModel, type MeasurementAnalysis } from './chart-model';
import { CbsChart } from './cbs-chart';
import { dataGrowthSentence } from './readings';
import { formatCount } from '../util/format';
import { demoResult, DEMO_RESULT_SOURCE } from './demo-result';

// The shipped result never changes: its analysis (1,000 bootstrap resamples) is computed once, not
// again each time the tab comes back.
let demoMeasurements: MeasurementAnalysis[] | undefined;
const shippedDemoMeasurements = () => (demoMeasurements ??= [...chartModel(demoResult()).measurements].sort((p, q) => p.dataSize - q.dataSize));

const ModelSizeExample = lazy(() => import('./model-size-example').then((m) => ({ default: m.ModelSizeExample })));

type Finding = 'data' | 'model';

export function WorkedExample() {
  const [finding, setFinding] = useState<Finding>('data');
  return (
    <section className="worked-example" aria-labelledby="example-title" data-testid="worked-example">
      <div className="example-head">
        <h2 id="example-title">Worked example</h2>
        <div className="finding-switch" role="group" aria-label="what the worked example grows">
          {(
            [
              ['data', 'More data'],
              ['model', 'A bigger model'],
            ] as const
          ).map(([id, label]) => (
            <button key={id} type="button" aria-pressed={finding === id} className={finding === id ? 'on' : ''} onClick={() => setFinding(id)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      {finding === 'data' ? (
        <DataExample />
      ) : (
        <Suspense fallback={<p>Loading the model-size example…</p>}>
          <ModelSizeExample />
        </Suspense>
      )}
    </section>
  );
}

function DataExample() {
  // The report's 1,000 bootstrap resamples, so the page shows the intervals docs/science.md gives.
  const measurements = shippedDemoMeasurements();
  const [shown, setShown] = useState(measurements.length - 1);
  const m = measurements[shown];
  if (!m) return null;
  const growth = dataGrowthSentence(measurements);
  return (
    <>
      {growth && (
        <p className="growth" data-testid="example-growth">
          {growth}
        </p>
      )}
      {measurements.length > 1 && (
        <div className="budget-switch" role="group" aria-label="data budget shown">
          <span className="example-what">The demo&apos;s one model at</span>
          {measurements.map((x, i) => (
            <button key={x.key} type="button" aria-pressed={i === shown} className={i === shown ? 'on' : ''} onClick={() => setShown(i)}>
              D = {formatCount(x.dataSize)} tokens
            </button>
          ))}
        </div>
      )}
      <CbsChart m={m} compact height={210} title={`Worked example: steps to target against batch size, D = ${formatCount(m.dataSize)} tokens`} />
      <p className="source" data-testid="example-source">
        {DEMO_RESULT_SOURCE}
      </p>
    </>
  );
}
