import type { Training } from './use-training';

/** Errors and warnings from training, and the offer to resume a sweep a reload interrupted. */
export function TrainingBanner({ training }: { training: Training }) {
  const { error, warnings, resumable } = training;
  return (
    <>
      {error && (
        <div className="banner error" role="alert" data-testid="training-error">
          <strong>The experiment stopped:</strong> {error}
        </div>
      )}
      {warnings.length > 0 && (
        <ul className="banner warn" data-testid="training-warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {resumable.map((s) => (
        <div className="banner info" role="group" aria-label="resume experiment" key={s.id} data-testid="resume-offer">
          An experiment did not finish: <strong>{s.config.name}</strong>, started {new Date(s.startedAt).toLocaleString()},{' '}
          {s.runsFinished} run{s.runsFinished === 1 ? '' : 's'} finished.{' '}
          <button type="button" data-testid="resume" onClick={() => training.resume(s)} disabled={!training.onStart}>
            Resume
          </button>{' '}
          <button type="button" onClick={() => training.discard(s)}>
            Discard
          </button>
        </div>
      ))}
    </>
  );
}
