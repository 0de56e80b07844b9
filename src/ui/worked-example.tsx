// The first view's worked example: the demo result shipped with the page (src/ui/demo-result.ts).
// It is the lab's finding in small: the same model at two data budgets, B* at each with its
// interval in one sentence, and the steps-to-target chart of either budget (its fit, B* and the
// sentence that reads it). Loaded with the charts, after the text and the Start button.
import { useMemo, useState } from 'react';
import { chartModel } from './chart-model';
import { CbsChart } from './cbs-chart';
import { dataGrowthSentence } from './readings';
import { formatCount } from '../util/format';
import { demoResult, DEMO_RESULT_SOURCE } from './demo-result';

export function WorkedExample() {
  // The report's 1,000 bootstrap resamples, so the page shows the intervals docs/science.md gives.
  const measurements = useMemo(() => [...chartModel(demoResult()).measurements].sort((p, q) => p.dataSize - q.dataSize), []);
  const [shown, setShown] = useState(measurements.length - 1);
  const m = measurements[shown];
  if (!m) return null;
  const growth = dataGrowthSentence(measurements);
  return (
    <section className="worked-example" aria-labelledby="example-title" data-testid="worked-example">
      <h2 id="example-title">
        Worked example: the demo at {measurements.length > 1 ? `${measurements.length} data budgets` : `${formatCount(m.dataSize)} tokens`}
      </h2>
      {growth && (
        <p className="growth" data-testid="example-growth">
          {growth}
        </p>
      )}
      {measurements.length > 1 && (
        <div className="budget-switch" role="group" aria-label="data budget shown">
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
    </section>
  );
}
