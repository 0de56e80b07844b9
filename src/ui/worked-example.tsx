// The first view's worked example: the steps-to-target chart of the demo result shipped with the
// page (src/ui/demo-result.ts), its fit and B*, and the sentence that reads it. Loaded with the
// charts, after the text and the Start button.
import { useMemo } from 'react';
import { chartModel } from './chart-model';
import { CbsChart } from './cbs-chart';
import { demoResult, DEMO_RESULT_SOURCE, DEMO_RESULT_SYNTHETIC } from './demo-result';

export function WorkedExample() {
  const m = useMemo(() => chartModel(demoResult(), { resamples: 300 }).measurements[0], []);
  if (!m) return null;
  const sizes = m.points.map((p) => p.batchSize);
  return (
    <section className="worked-example" aria-labelledby="example-title" data-testid="worked-example">
      <h2 id="example-title">
        Worked example: the demo model at {sizes.length} batch sizes, {sizes[0]} to {sizes[sizes.length - 1]}
      </h2>
      <CbsChart m={m} compact height={300} title={`Worked example${DEMO_RESULT_SYNTHETIC ? ' (synthetic)' : ''}: steps to target against batch size`} />
      <p className={DEMO_RESULT_SYNTHETIC ? 'source synthetic' : 'source'} data-testid="example-source">
        {DEMO_RESULT_SOURCE}
      </p>
    </section>
  );
}
