// Builds the app (vite build → dist/) and serves dist/ with Vite's preview server on a free port,
// with the page's strict Content-Security-Policy, as users get it.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { build, preview } from 'vite';
import { contentSecurityPolicy } from '../../vite.config';

export class ServeError extends Error {}

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? ok(port) : fail(new Error('no free port'))));
    });
  });
}

const root = () => process.cwd();
const configFile = () => resolve(root(), 'vite.config.ts');

export async function buildApp(): Promise<void> {
  try {
    await build({ root: root(), configFile: configFile(), logLevel: 'warn', mode: 'production' });
  } catch (e) {
    throw new ServeError(`the app could not be built (vite build): ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function serveDist(): Promise<ServedApp> {
  const dist = resolve(root(), 'dist');
  if (!existsSync(resolve(dist, 'index.html'))) {
    throw new ServeError(`${dist}/index.html is missing: build the app first (npm run build), or run without --no-build`);
  }
  const host = '127.0.0.1';
  try {
    const port = await freePort(host);
    const server = await preview({
      root: root(),
      configFile: configFile(),
      logLevel: 'warn',
      preview: { host, port, strictPort: true, open: false, headers: { 'Content-Security-Policy': contentSecurityPolicy } },
    });
    return { url: `http://${host}:${port}/`, close: () => server.close() };
  } catch (e) {
    throw new ServeError(`dist/ could not be served (vite preview): ${e instanceof Error ? e.message : String(e)}`);
  }
}
