// One device per worker, acquired on first use and shared by every later call. A failed
// acquisition (no adapter) or a lost device is forgotten, so the next call tries again; every
// promise here has a handler, so neither leaves an unhandled rejection in the worker.
export function reacquiring<T extends { lost: Promise<unknown> }>(acquire: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | null = null;
  return () => {
    if (!current) {
      const attempt = acquire();
      current = attempt;
      const forget = () => {
        if (current === attempt) current = null;
      };
      attempt.then((ctx) => ctx.lost.then(forget, forget), forget);
    }
    return current;
  };
}
