// The data-host prompt compares URLs as the browser will fetch them (after the URL parser's
// normalisation), and approval covers a host and a path prefix: the C4 prefix on the hub means
// exactly that repository.
import { describe, expect, it } from 'vitest';
import { approvalCovers, hostsNeedingConfirmation } from './data-source';
import { C4_FIRST_SHARDS, C4_HUB_PREFIX } from './presets';

const urls = (...train: string[]) => ({ kind: 'urls' as const, train, validation: [] });
const EVIL = 'huggingface.co/datasets/evil/repo/resolve/main/';

describe('hostsNeedingConfirmation', () => {
  it('needs none for C4 on the hub, however the URL is spelled', () => {
    expect(hostsNeedingConfirmation({ kind: 'urls', ...C4_FIRST_SHARDS })).toEqual([]);
    expect(hostsNeedingConfirmation(urls('HTTPS://HuggingFace.co/datasets/allenai/c4/resolve/main/en/c4-train.00001-of-01024.json.gz'))).toEqual([]);
    expect(hostsNeedingConfirmation(urls('https://huggingface.co:443/datasets/allenai/c4/resolve/main/en/x.json.gz'))).toEqual([]);
    expect(hostsNeedingConfirmation(urls(`${C4_HUB_PREFIX}resolve/main/en/./x.json.gz`))).toEqual([]);
  });

  it('catches every traversal out of the C4 repository (as the browser normalises it)', () => {
    const variants = [
      `${C4_HUB_PREFIX}../../evil/repo/resolve/main/c4-train.json.gz`,
      `${C4_HUB_PREFIX}%2e%2e/%2E%2E/evil/repo/resolve/main/c4-train.json.gz`,
      `${C4_HUB_PREFIX}.%2e/%2e./evil/repo/resolve/main/c4-train.json.gz`,
      `${C4_HUB_PREFIX}\n../\n../evil/repo/resolve/main/c4-train.json.gz`,
      `${C4_HUB_PREFIX}..\\..\\evil\\repo/resolve/main/c4-train.json.gz`,
      `${C4_HUB_PREFIX}resolve/main/../../../../evil/repo/resolve/main/c4-train.json.gz`,
    ];
    for (const url of variants) {
      expect(new URL(url).pathname, url).toBe('/datasets/evil/repo/resolve/main/c4-train.json.gz');
      expect(hostsNeedingConfirmation(urls(url)), JSON.stringify(url)).toEqual([EVIL]);
    }
  });

  it('refuses to treat as C4 what a server could still decode into a traversal, credentials, another port or a look-alike', () => {
    for (const url of [
      `${C4_HUB_PREFIX}resolve/main/..%2F..%2F..%2Fevil/x.json.gz`,
      `${C4_HUB_PREFIX}resolve/main/..%5C..%5Cevil/x.json.gz`,
      'https://user:pw@huggingface.co/datasets/allenai/c4/resolve/main/en/x.json.gz',
      'https://huggingface.co:8443/datasets/allenai/c4/resolve/main/en/x.json.gz',
      'https://huggingface.co/datasets/allenai/c4-evil/resolve/main/x.json.gz',
      'https://huggingface.co/datasets/allenai/c4',
    ]) {
      expect(hostsNeedingConfirmation(urls(url)), url).toHaveLength(1);
    }
  });

  it('lists each host and path prefix once; a file at the root of a host is named by its host', () => {
    expect(
      hostsNeedingConfirmation({
        kind: 'urls',
        train: ['https://data.example.org/a.json.gz', 'https://data.example.org/b.json.gz', 'https://data.example.org/set/c.json.gz'],
        validation: ['https://data.example.org/set/v.json.gz', C4_FIRST_SHARDS.validation[0]],
      }),
    ).toEqual(['data.example.org', 'data.example.org/set/']);
  });
});

describe('approvalCovers (the headless runner\'s --allow-host)', () => {
  it('a host covers every path on it; a host and path prefix covers only that folder and below', () => {
    expect(approvalCovers('data.example.org', 'data.example.org')).toBe(true);
    expect(approvalCovers('Data.Example.org', 'data.example.org/set/')).toBe(true);
    expect(approvalCovers('data.example.org/set', 'data.example.org/set/deep/')).toBe(true);
    expect(approvalCovers('https://data.example.org/set/', 'data.example.org/set/')).toBe(true);
    expect(approvalCovers('data.example.org/set/', 'data.example.org/settings/')).toBe(false);
    expect(approvalCovers('data.example.org/Set/', 'data.example.org/set/')).toBe(false);
    expect(approvalCovers('huggingface.co/datasets/allenai/c4/', EVIL)).toBe(false);
    expect(approvalCovers('example.org', 'data.example.org')).toBe(false);
    expect(approvalCovers('', 'data.example.org')).toBe(false);
  });
});
