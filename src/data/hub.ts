// Hugging Face hub URLs for data shards. A link copied from the browser points at the page that
// shows a file (…/blob/<revision>/<path>), not the file: it is rewritten to …/resolve/…, which
// serves the bytes. A revision (a branch, a tag or a commit) in the URL is pinned to the commit it
// names when the experiment starts, so every run reads the same bytes and the results say which.
// Revisions are read with the hub's API: GET /api/<datasets|models>/<repo>/revision/<rev> → {sha}.
import { DataSourceError } from './types';

export const HUB_ORIGIN = 'https://huggingface.co';

export interface HubFile {
  /** 'datasets', or 'models' for a model repository (no prefix in its URLs). */
  repoType: 'datasets' | 'models';
  /** owner/name */
  repo: string;
  /** blob and raw: a page or the text as stored; resolve: the file's bytes. */
  view: 'blob' | 'resolve' | 'raw';
  /** As written in the URL (decoded): a branch, a tag or a commit. */
  revision: string;
  /** The file's path in the repository, as written (URL-encoded). */
  path: string;
  /** The query, with its "?", or "". */
  query: string;
}

/** A hub revision the data URLs named, and the commit the shards were read from (null: not pinned). */
export interface HubRevision {
  /** e.g. "datasets/allenai/c4" */
  repo: string;
  requested: string;
  commit: string | null;
}

const HUB_FILE = /^https:\/\/huggingface\.co\/(datasets\/)?([A-Za-z0-9][\w.-]*\/[\w.-]+)\/(blob|resolve|raw)\/([^/?#]+)\/([^?#]+)(\?[^#]*)?$/;
const COMMIT = /^[0-9a-f]{40}$/;

export function parseHubUrl(url: string): HubFile | null {
  const m = HUB_FILE.exec(url.trim());
  if (!m) return null;
  let revision: string;
  try {
    revision = decodeURIComponent(m[4]);
  } catch {
    return null;
  }
  return { repoType: m[1] ? 'datasets' : 'models', repo: m[2], view: m[3] as HubFile['view'], revision, path: m[5], query: m[6] ?? '' };
}

/** The URL that serves the file's bytes at `revision` (default: the one the URL names). */
export function hubFileUrl(file: HubFile, revision = file.revision): string {
  const prefix = file.repoType === 'datasets' ? 'datasets/' : '';
  return `${HUB_ORIGIN}/${prefix}${file.repo}/resolve/${encodeURIComponent(revision)}/${file.path}${file.query}`;
}

/** A hub blob/ or raw/ link becomes its resolve/ form; any other URL is returned as it is. */
export function normalizeHubUrl(url: string): string {
  const file = parseHubUrl(url);
  return file && file.view !== 'resolve' ? hubFileUrl(file) : url;
}

const repoId = (file: HubFile) => `${file.repoType}/${file.repo}`;

export interface PinOptions {
  fetch?: typeof fetch;
  /** Told when the hub cannot be reached and the URLs are used as written. */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/**
 * The URLs with every hub revision replaced by the commit it names now (one API request per
 * repository and revision; commits are kept as they are), all in resolve/ form, and the revisions
 * used. A revision the hub does not know is an error; a hub that cannot be reached leaves the URLs
 * as written (shards cached in this browser can still be read), with a warning and no commit.
 */
export async function pinHubRevisions(urls: readonly string[], options: PinOptions = {}): Promise<{ urls: string[]; revisions: HubRevision[] }> {
  const fetchFn = options.fetch ?? fetch;
  const files = urls.map((url) => ({ url: normalizeHubUrl(url), file: parseHubUrl(url) }));
  const commits = new Map<string, Promise<string | null>>();
  const revisions: HubRevision[] = [];
  for (const { file } of files) {
    if (!file) continue;
    const key = `${repoId(file)}@${file.revision}`;
    if (commits.has(key)) continue;
    const resolved = COMMIT.test(file.revision) ? Promise.resolve(file.revision) : resolveRevision(file, fetchFn, options);
    commits.set(key, resolved);
    revisions.push({ repo: repoId(file), requested: file.revision, commit: null });
  }
  for (const r of revisions) r.commit = await (commits.get(`${r.repo}@${r.requested}`) as Promise<string | null>);
  const pinned = await Promise.all(
    files.map(async ({ url, file }) => {
      if (!file) return url;
      const commit = await commits.get(`${repoId(file)}@${file.revision}`);
      return commit ? hubFileUrl(file, commit) : url;
    }),
  );
  return { urls: pinned, revisions };
}

async function resolveRevision(file: HubFile, fetchFn: typeof fetch, options: PinOptions): Promise<string | null> {
  const api = `${HUB_ORIGIN}/api/${repoId(file)}/revision/${encodeURIComponent(file.revision)}`;
  let response: Response;
  try {
    response = await fetchFn(api, { signal: options.signal, headers: { Accept: 'application/json' } });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.onWarning?.(
      `the hub could not be reached to pin revision "${file.revision}" of ${repoId(file)} (${error instanceof Error ? error.message : String(error)}); ` +
        'the shards are read as written, and the results record no commit',
    );
    return null;
  }
  if (!response.ok) {
    const what = response.status === 404 ? `revision "${file.revision}" of ${repoId(file)} does not exist (or the repository is private)` : `status ${response.status}`;
    throw new DataSourceError('http', api, what);
  }
  const body = (await response.json().catch(() => null)) as { sha?: unknown } | null;
  if (typeof body?.sha !== 'string' || !COMMIT.test(body.sha)) throw new DataSourceError('http', api, 'the answer names no commit (no 40-hex "sha")');
  return body.sha;
}
