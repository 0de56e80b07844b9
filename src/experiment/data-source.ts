// Which data sources the page may fetch without asking: the bundled shards and C4 on the hub.
// Anything else came from a person (or a link) and must be confirmed before the first fetch.
import type { DataSourceSpec } from './schema';
import { C4_HUB_PREFIX } from './presets';

/** The distinct hosts of a URL data source that are not the C4 hub, in order; [] when none. */
export function hostsNeedingConfirmation(data: DataSourceSpec): string[] {
  if (data.kind !== 'urls') return [];
  const hosts: string[] = [];
  for (const url of [...data.train, ...data.validation]) {
    if (url.startsWith(C4_HUB_PREFIX)) continue;
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      host = url;
    }
    if (!hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}
