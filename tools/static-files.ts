// A throwaway static file server on 127.0.0.1: the benchmark pages, and the bundled shards for the
// headless runner's Node engine (the data pipeline fetches them by URL, as in the page). Read-only,
// GET only, nothing outside the root, a free port the OS picks.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';

export interface StaticServer {
  /** The root's URL, ending in '/'. */
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', json: 'application/json', gz: 'application/gzip' };

export function serveStatic(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = resolve(base, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (req.method !== 'GET' || !file.startsWith(base + sep)) {
      res.writeHead(404).end();
      return;
    }
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream', 'content-length': size });
    createReadStream(file).pipe(res);
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      done({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((closed) => server.close(() => closed())) });
    });
  });
}
