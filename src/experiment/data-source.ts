// Which data sources the page may fetch without asking: the bundled shards and C4 on the hub.
// Anything else came from a person (or a link) and must be confirmed before the first fetch.
//
// URLs are compared as the browser will fetch them: after the URL parser has normalised them
// ("..", "%2e%2e", "\", tabs and newlines), never as the raw text, so a link cannot spell its
// way out of the C4 repository. Approval is per host and path prefix.
import type { DataSourceSpec } from './schema';
import { C4_HUB_PREFIX } from './presets';

const C4 = new URL(C4_HUB_PREFIX);

/** Percent-escapes a server might decode into a traversal after the URL parser has done its part: "/", "\" and ".". */
const ENCODED_SEPARATOR = /%(2f|5c|2e)/i;

/** True when the browser would fetch this URL from the C4 repository on the hub, and nowhere else. */
export function isC4HubUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === C4.protocol &&
    parsed.host === C4.host &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.pathname.startsWith(C4.pathname) &&
    !ENCODED_SEPARATOR.test(parsed.pathname)
  );
}

/**
 * Where a URL's data comes from, as people approve it: the host and the folder of the file
 * ("data.example.org/set/"), or the host alone for a file at its root. Unparsable text is
 * returned as it is (validation refuses it anyway).
 */
export function dataLocation(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const credentials = parsed.username || parsed.password ? `${parsed.username}${parsed.password ? ':…' : ''}@` : '';
  const folder = parsed.pathname.slice(0, parsed.pathname.lastIndexOf('/') + 1);
  return `${credentials}${parsed.host}${folder === '/' ? '' : folder}`;
}

/** The distinct data locations (host and path prefix) of a URL data source that are not C4 on the hub, in order; [] when none. */
export function hostsNeedingConfirmation(data: DataSourceSpec): string[] {
  if (data.kind !== 'urls') return [];
  const locations: string[] = [];
  for (const url of [...data.train, ...data.validation]) {
    if (isC4HubUrl(url)) continue;
    const location = dataLocation(url);
    if (!locations.includes(location)) locations.push(location);
  }
  return locations;
}

/** Host names are case-insensitive, paths are not. */
function normaliseLocation(location: string): string {
  const text = location.trim().replace(/^https:\/\//i, '');
  const slash = text.indexOf('/');
  return slash < 0 ? text.toLowerCase() : text.slice(0, slash).toLowerCase() + text.slice(slash);
}

/** True when an approval ("host" or "host/path/") covers a location from hostsNeedingConfirmation. */
export function approvalCovers(approved: string, location: string): boolean {
  const a = normaliseLocation(approved);
  const l = normaliseLocation(location);
  if (a === '') return false;
  return a === l || l.startsWith(a.endsWith('/') ? a : `${a}/`);
}
