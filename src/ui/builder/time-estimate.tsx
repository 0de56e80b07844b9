// The estimate's wall time, as the cost model predicts it on this adapter (src/train/progress.ts),
// split into training, evaluation, checkpoints, data preparation and setup; the assumed laptop GPU beside it;
// and how each model shape's costs were obtained. Shown in the builder's estimate.
import type { ExperimentForecast } from '../../train/progress';
import { LAPTOP_GPU, parseShapeKey } from '../../train/cost-model';
import { fmtSeconds } from '../format';

export interface TimeEstimateProps {
  /** The forecast before Start on this adapter; null while there is no cost model. */
  forecast: ExperimentForecast | null;
  /** The same plan on the assumed laptop GPU. */
  laptop: ExperimentForecast | null;
  measuring: boolean;
  error: string | null;
}

const ms = (s: number) => `${+(s * 1000).toPrecision(3)} ms`;
/** Per-run figures are often under a second: in ms there. */
const short = (s: number) => (s < 1 ? ms(s) : fmtSeconds(s));

export function TimeEstimate({ forecast, laptop, measuring, error }: TimeEstimateProps) {
  if (measuring) return <p data-testid="time-estimate">Wall time: measuring this adapter&apos;s speed on the experiment&apos;s models (a few seconds)…</p>;
  if (!forecast || forecast.totalSeconds === null || !forecast.split) {
    return <p data-testid="time-estimate">Wall time: unknown{error ? ` (the measurement failed: ${error})` : ''}.</p>;
  }
  const { trainSeconds, evalSeconds, checkpointSeconds, dataSeconds, setupSeconds } = forecast.split;
  const total = trainSeconds + evalSeconds + checkpointSeconds + dataSeconds + setupSeconds;
  const share = total > 0 ? Math.round((100 * evalSeconds) / total) : 0;
  return (
    <div data-testid="time-estimate">
      <p>
        Wall time here: about <strong data-testid="estimate-seconds" data-seconds={forecast.totalSeconds}>{fmtSeconds(forecast.totalSeconds)}</strong> (training{' '}
        {fmtSeconds(trainSeconds)}, evaluation {fmtSeconds(evalSeconds)} = {share}%, checkpoints {fmtSeconds(checkpointSeconds)}, data preparation {fmtSeconds(dataSeconds)}, setup{' '}
        {fmtSeconds(setupSeconds)}), with runs
        stopping at the target as predicted.
        {forecast.cost?.dataSeconds === null ? ' Data download and preparation are not included: they are measured by the first run.' : ''}
        {laptop?.totalSeconds != null ? ` On ${LAPTOP_GPU.label}: about ${fmtSeconds(laptop.totalSeconds)}.` : ''}
      </p>
      {forecast.cost && (
        <details>
          <summary>How this is estimated</summary>
          <ul>
            {Object.entries(forecast.cost.shapes).map(([key, c]) => {
              const m = parseShapeKey(key);
              return (
                <li key={key}>
                  {m.layers} layer{m.layers === 1 ? '' : 's'}, d {m.dModel}, context {m.context}, vocabulary {m.vocabSize}: a step {ms(c.stepFixedSeconds)} + {ms(c.stepSecondsPerSequence)} per
                  sequence; {+(c.evalSecondsPerToken * 1e6).toPrecision(3)} µs per validation token evaluated (whole chunks); {ms(c.checkpointSeconds)} per checkpoint; setup{' '}
                  {short(c.setupSeconds)} ({c.how}).
                </li>
              );
            })}
            <li>Data preparation per run: {forecast.cost.dataSeconds === null ? 'not measured yet' : short(forecast.cost.dataSeconds)}.</li>
          </ul>
        </details>
      )}
    </div>
  );
}
