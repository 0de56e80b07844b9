// The whole experiment's progress in cost (seconds of predicted work, src/train/progress.ts), its
// ETA and its wall-clock tokens per second: the same numbers the headless runner prints.
import { useRunStore } from '../state/run-store';
import { fmtSeconds } from './format';
import { formatCount } from '../util/format';

export function ExperimentProgress() {
  const forecast = useRunStore((s) => s.forecast);
  const status = useRunStore((s) => s.status);
  if (!forecast) return null;
  const fraction = forecast.fraction;
  const active = status === 'running' || status === 'paused';
  return (
    <p className="experiment-progress" data-testid="experiment-progress" data-fraction={fraction ?? ''} data-eta={forecast.remainingSeconds ?? ''}>
      <progress max={1} value={fraction ?? undefined} aria-label="progress of the experiment" />{' '}
      {fraction === null ? 'progress unknown (no cost model yet)' : `${Math.floor(100 * fraction)}%`} · elapsed {fmtSeconds(forecast.elapsedSeconds)}
      {active && ` · about ${fmtSeconds(forecast.remainingSeconds)} left`} · {forecast.tokensPerSecond === null ? '—' : formatCount(forecast.tokensPerSecond)} tokens/s (wall clock,
      evaluation included) · runs {forecast.runsDone}/{forecast.runCount}
    </p>
  );
}
