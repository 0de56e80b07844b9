// Registers the service worker (dist/sw.js, from src/service-worker.ts) in a built page, so that a
// second visit works without a network. Not in the dev server: it would cache files mid-edit.
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`).catch((error: unknown) => {
      // The lab works without it, only not offline.
      console.warn(`The lab will not work offline: the service worker did not register (${error instanceof Error ? error.message : String(error)}).`);
    });
  });
}
