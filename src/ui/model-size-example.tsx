// The worked example's model-size half: the cbs-vs-model preset as the lab measured it, B* against
// non-embedding parameters at one data size, with the headline that compares the smallest and the
// largest model and the chart's own reading. The counterpart of the demo's growth with data.
import { chartModel, type ChartModel } from './chart-model';
import { modelSizeSentence } from './readings';
import { ScalingPanelChart } from './scaling-chart';
import { formatCount } from '../util/format';
import { modelSizeResult, MODEL_SIZE_RESULT_SOURCE } from './model-size-result';

// Computed once, as the demo's (worked-example.tsx): the tab may be chosen many times.
let shipped: ChartModel | undefined;

export function ModelSizeExample() {
  // The report's 1,000 bootstrap resamples, as for the demo.
  const analysis = (shipped ??= chartModel(modelSizeResult()));
  const headline = modelSizeSentence(analysis.measurements);
  const dataSize = analysis.measurements[0]?.dataSize ?? 0;
  return (
    <>
      <p className="example-what">
        CBS vs model size: {analysis.measurements.length} models on the same {formatCount(dataSize)} tokens
      </p>
      {headline && (
        <p className="growth" data-testid="example-model-size">
          {headline}
        </p>
      )}
      <ScalingPanelChart
        title="Worked example: B* against model size (non-embedding parameters)"
        xLabel="non-embedding parameters N"
        xName="N"
        data={analysis.scaling.vsModel}
        testId="example-scaling-model"
        against="model"
        height={210}
        compact
      />
      <p className="source" data-testid="example-source">
        {MODEL_SIZE_RESULT_SOURCE}
      </p>
    </>
  );
}
