// The two servers the browser tests use, on ports that CBS_HARNESS_PORT and CBS_APP_PORT can move
// (two checkouts testing at once must not share a server: each would test the other's code).
export const HARNESS_PORT = Number(process.env.CBS_HARNESS_PORT ?? 5199);
export const APP_PORT = Number(process.env.CBS_APP_PORT ?? 4199);
/** The Vite dev server hosting the kernel/test harness page (e2e/harness/). */
export const HARNESS_URL = `http://127.0.0.1:${HARNESS_PORT}/e2e/harness/index.html`;
/** `vite preview`: the built app exactly as users get it. */
export const APP_URL = `http://127.0.0.1:${APP_PORT}/`;
