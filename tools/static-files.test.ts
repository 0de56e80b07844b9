// The throwaway static server: serves files under its root, nothing outside it, GET only.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveStatic, type StaticServer } from './static-files';

describe('serveStatic', () => {
  const parent = mkdtempSync(join(tmpdir(), 'cbs-static-'));
  const root = join(parent, 'root');
  mkdirSync(join(root, 'data', 'bundled'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<p>hi</p>');
  writeFileSync(join(root, 'data', 'bundled', 'shard.json.gz'), Buffer.from([0x1f, 0x8b, 8, 0]));
  writeFileSync(join(parent, 'secret.txt'), 'outside the root');
  let server: StaticServer;
  afterAll(() => server?.close());

  it('serves files under the root, with their length and type, and nothing else', async () => {
    server = await serveStatic(root);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const shard = await fetch(new URL('data/bundled/shard.json.gz', server.url));
    expect(shard.status).toBe(200);
    expect(shard.headers.get('content-type')).toBe('application/gzip');
    expect(shard.headers.get('content-length')).toBe('4');
    expect([...new Uint8Array(await shard.arrayBuffer())]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(await (await fetch(server.url)).text()).toBe('<p>hi</p>');
    expect((await fetch(new URL('missing.json', server.url))).status).toBe(404);
    expect((await fetch(new URL('data/', server.url))).status).toBe(404);
    // Encoded dots cannot climb out of the root.
    expect((await fetch(`${server.url}..%2Fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}data/%2E%2E/%2E%2E/secret.txt`)).status).toBe(404);
    expect((await fetch(new URL('index.html', server.url), { method: 'POST' })).status).toBe(404);
  });
});
