// What happened to the link in the address bar: opened (and what to do next), or refused (and why).
export type LinkNotice =
  | { kind: 'opened-config' }
  | { kind: 'opened-results'; runs: number }
  | { kind: 'error'; message: string }
  | { kind: 'info'; message: string };

export function LinkBanner({ notice, onDismiss }: { notice: LinkNotice | null; onDismiss: () => void }) {
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
  const text =
    notice.kind === 'opened-config'
      ? 'Opened a shared experiment. Review its settings below: nothing runs until you press Start.'
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
