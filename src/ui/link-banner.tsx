// What happened to the link in the address bar: opened (and what to do next), or refused (and why).
export type LinkNotice =
  | { kind: 'opened-config' }
  | { kind: 'opened-results'; runs: number }
  /** The experiment this browser was editing, restored after a reload. */
  | { kind: 'draft' }
  | { kind: 'error'; message: string }
  | { kind: 'info'; message: string };

export function LinkBanner({ notice, onDismiss, onReset }: { notice: LinkNotice | null; onDismiss: () => void; onReset: () => void }) {
  if (!notice) return null;
  if (notice.kind === 'error') {
    return (
      <div className="banner error" role="alert" data-testid="link-error">
        <strong>This link could not be opened.</strong> {notice.message} The lab shows the default experiment instead; nothing was run.{' '}
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  if (notice.kind === 'draft') {
    return (
      <div className="banner info" role="status" data-testid="draft-notice">
        Restored the experiment you were editing (the address bar holds it too).{' '}
        <button type="button" onClick={onReset}>
          Back to the demo
        </button>
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  const text =
    notice.kind === 'opened-config'
      ? 'Opened a shared experiment. Review its settings under Customize: nothing runs until you press Start.'
      : notice.kind === 'opened-results'
        ? `Opened shared results (${notice.runs} runs): the charts below show them without training. Press Start to train the experiment yourself.`
        : notice.message;
  return (
    <div className="banner info" role="status" data-testid="link-notice">
      {text}{' '}
      <button type="button" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
