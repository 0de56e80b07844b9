import { describe, expect, it } from 'vitest';
import { hubFileUrl, normalizeHubUrl, parseHubUrl, pinHubRevisions } from './hub';
import { urlDataset } from './shards';
import { DataSourceError } from './types';

const C4 = 'https://huggingface.co/datasets/allenai/c4';
const SHA = '1588ec454efa1a09f29cd18ddd04fe05fc8653a2';
const SHA2 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

describe('hub URLs', () => {
  it('blob/ and raw/ links (copied from the browser) become resolve/; other URLs are left alone', () => {
    expect(normalizeHubUrl(`${C4}/blob/main/en/c4-train.00000-of-01024.json.gz`)).toBe(`${C4}/resolve/main/en/c4-train.00000-of-01024.json.gz`);
    expect(normalizeHubUrl(`${C4}/raw/v1.0/en/x.json.gz?download=true`)).toBe(`${C4}/resolve/v1.0/en/x.json.gz?download=true`);
    expect(normalizeHubUrl('https://huggingface.co/openai-community/gpt2/blob/main/vocab.json')).toBe('https://huggingface.co/openai-community/gpt2/resolve/main/vocab.json');
    for (const same of [`${C4}/resolve/main/en/x.json.gz`, 'https://data.example.org/blob/main/x.json.gz', `${C4}/tree/main/en`, 'not a url']) expect(normalizeHubUrl(same)).toBe(same);
    // The data pipeline reads a blob link from its resolve form.
    expect(urlDataset([`${C4}/blob/main/en/a.json.gz`], []).train).toEqual([{ kind: 'url', url: `${C4}/resolve/main/en/a.json.gz` }]);
  });

  it('parses the repository, the revision (URL-encoded slashes too) and the path', () => {
    const file = parseHubUrl(`${C4}/resolve/refs%2Fconvert%2Fparquet/en/partial-train/0000.parquet`);
    expect(file).toEqual({ repoType: 'datasets', repo: 'allenai/c4', view: 'resolve', revision: 'refs/convert/parquet', path: 'en/partial-train/0000.parquet', query: '' });
    expect(hubFileUrl(file!, SHA)).toBe(`${C4}/resolve/${SHA}/en/partial-train/0000.parquet`);
    expect(hubFileUrl(file!)).toBe(`${C4}/resolve/refs%2Fconvert%2Fparquet/en/partial-train/0000.parquet`);
  });
});

/** A fake hub API: revision → commit, counting requests. */
function fakeHub(known: Record<string, string>) {
  const asked: string[] = [];
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input);
    asked.push(url);
    const m = /^https:\/\/huggingface\.co\/api\/datasets\/allenai\/c4\/revision\/(.+)$/.exec(url);
    const sha = m ? known[decodeURIComponent(m[1])] : undefined;
    return sha ? new Response(JSON.stringify({ id: 'allenai/c4', sha }), { status: 200 }) : new Response('{"error":"Revision Not Found"}', { status: 404 });
  }) as typeof fetch;
  return { fetchFn, asked };
}

describe('pinning hub revisions', () => {
  it('a branch or tag is pinned to its commit once per repository and revision; a commit is kept without asking', async () => {
    const hub = fakeHub({ main: SHA, 'v1.0': SHA2 });
    const urls = [`${C4}/resolve/main/en/t0.json.gz`, `${C4}/blob/main/en/t1.json.gz`, `${C4}/resolve/v1.0/en/v.json.gz`, `${C4}/resolve/${SHA}/en/w.json.gz`, 'https://data.example.org/x.json.gz'];
    const pinned = await pinHubRevisions(urls, { fetch: hub.fetchFn });
    expect(pinned.urls).toEqual([`${C4}/resolve/${SHA}/en/t0.json.gz`, `${C4}/resolve/${SHA}/en/t1.json.gz`, `${C4}/resolve/${SHA2}/en/v.json.gz`, `${C4}/resolve/${SHA}/en/w.json.gz`, 'https://data.example.org/x.json.gz']);
    expect(pinned.revisions).toEqual([
      { repo: 'datasets/allenai/c4', requested: 'main', commit: SHA },
      { repo: 'datasets/allenai/c4', requested: 'v1.0', commit: SHA2 },
      { repo: 'datasets/allenai/c4', requested: SHA, commit: SHA },
    ]);
    expect(hub.asked).toEqual(['https://huggingface.co/api/datasets/allenai/c4/revision/main', 'https://huggingface.co/api/datasets/allenai/c4/revision/v1.0']);
  });

  it('a revision the hub does not know is an error that names it', async () => {
    const hub = fakeHub({});
    const error = await pinHubRevisions([`${C4}/resolve/no-such-tag/en/t.json.gz`], { fetch: hub.fetchFn }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataSourceError);
    expect((error as Error).message).toBe('HTTP error for https://huggingface.co/api/datasets/allenai/c4/revision/no-such-tag: revision "no-such-tag" of datasets/allenai/c4 does not exist (or the repository is private)');
  });

  it('a hub that cannot be reached: the URLs as written (resolve form), no commit, and a warning', async () => {
    const warnings: string[] = [];
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const pinned = await pinHubRevisions([`${C4}/blob/main/en/t.json.gz`], { fetch: offline, onWarning: (w) => warnings.push(w) });
    expect(pinned).toEqual({ urls: [`${C4}/resolve/main/en/t.json.gz`], revisions: [{ repo: 'datasets/allenai/c4', requested: 'main', commit: null }] });
    expect(warnings[0]).toMatch(/could not be reached to pin revision "main" of datasets\/allenai\/c4 \(Failed to fetch\)/);
  });
});
