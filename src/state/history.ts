// Past experiments, with their results, kept in IndexedDB (via idb) so they can be reopened and
// compared. Everything read back goes through the codec's migrate-and-validate path, so an old or
// damaged entry gives a message, not a crash. The storage is behind a small interface so that the
// logic is tested in Node with an in-memory store.
import { sharedTarget } from '../experiment/results';
import { openDB, type IDBPDatabase } from 'idb';
import type { ExperimentConfig, ExperimentResults } from '../experiment/schema';
import { configFromValue, resultsFromValue, type DecodeError } from '../experiment/codec';

export const HISTORY_DB = 'cbs-lab-history';
export const HISTORY_STORE = 'experiments';

/** What is stored: plain JSON-able values (results keep NaN as IndexedDB allows it). */
export interface StoredExperiment {
  id: string;
  name: string;
  savedAt: string;
  config: unknown;
  results: unknown | null;
}

export interface HistorySummary {
  id: string;
  name: string;
  savedAt: string;
  preset: string | null;
  runs: number;
  hasResults: boolean;
  targetLoss: number | null;
}

export type OpenedExperiment =
  | { ok: true; id: string; name: string; savedAt: string; config: ExperimentConfig; results: ExperimentResults | null }
  | (DecodeError & { id: string });

export interface HistoryBackend {
  put(entry: StoredExperiment): Promise<void>;
  get(id: string): Promise<StoredExperiment | undefined>;
  getAll(): Promise<StoredExperiment[]>;
  delete(id: string): Promise<void>;
}

export function memoryBackend(): HistoryBackend {
  const map = new Map<string, StoredExperiment>();
  return {
    put: async (e) => void map.set(e.id, structuredClone(e)),
    get: async (id) => (map.has(id) ? structuredClone(map.get(id)) : undefined),
    getAll: async () => [...map.values()].map((e) => structuredClone(e)),
    delete: async (id) => void map.delete(id),
  };
}

export function idbBackend(dbName = HISTORY_DB): HistoryBackend {
  let db: Promise<IDBPDatabase> | null = null;
  const open = () =>
    (db ??= openDB(dbName, 1, {
      upgrade(database) {
        if (!database.objectStoreNames.contains(HISTORY_STORE)) database.createObjectStore(HISTORY_STORE, { keyPath: 'id' });
      },
    }));
  return {
    put: async (e) => void (await (await open()).put(HISTORY_STORE, e)),
    get: async (id) => (await (await open()).get(HISTORY_STORE, id)) as StoredExperiment | undefined,
    getAll: async () => (await (await open()).getAll(HISTORY_STORE)) as StoredExperiment[],
    delete: async (id) => void (await (await open()).delete(HISTORY_STORE, id)),
  };
}

function newId(): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${rand}`;
}

function summarise(e: StoredExperiment): HistorySummary {
  const cfg = (e.config ?? {}) as Partial<ExperimentConfig>;
  const res = e.results as Partial<ExperimentResults> | null;
  return {
    id: e.id,
    name: typeof e.name === 'string' ? e.name : '(unnamed)',
    savedAt: typeof e.savedAt === 'string' ? e.savedAt : '',
    preset: typeof cfg.preset === 'string' ? cfg.preset : null,
    runs: Array.isArray(res?.runs) ? res.runs.length : 0,
    hasResults: res !== null && res !== undefined,
    targetLoss: Array.isArray(res?.targets) ? sharedTarget({ targets: res.targets }) : null,
  };
}

export interface History {
  /** Saves (or, with `id`, overwrites) an experiment; returns its id. */
  save(config: ExperimentConfig, results: ExperimentResults | null, id?: string): Promise<string>;
  /** Newest first. */
  list(): Promise<HistorySummary[]>;
  open(id: string): Promise<OpenedExperiment>;
  remove(id: string): Promise<void>;
}

export function createHistory(backend: HistoryBackend = idbBackend()): History {
  return {
    async save(config, results, id) {
      const entry: StoredExperiment = {
        id: id ?? newId(),
        name: config.name || '(unnamed)',
        savedAt: new Date().toISOString(),
        config: structuredClone(config),
        results: results ? structuredClone(results) : null,
      };
      await backend.put(entry);
      return entry.id;
    },
    async list() {
      const all = await backend.getAll();
      return all.map(summarise).sort((p, q) => (p.savedAt < q.savedAt ? 1 : p.savedAt > q.savedAt ? -1 : 0));
    },
    async open(id) {
      const entry = await backend.get(id);
      if (!entry) return { ok: false, id, code: 'empty', message: `No saved experiment with id ${id}.` };
      if (entry.results !== null && entry.results !== undefined) {
        const decoded = resultsFromValue(entry.results);
        if (!decoded.ok) return { ...decoded, id };
        return { ok: true, id, name: entry.name, savedAt: entry.savedAt, config: decoded.config, results: decoded.kind === 'results' ? decoded.results : null };
      }
      const decoded = configFromValue(entry.config);
      if (!decoded.ok) return { ...decoded, id };
      return { ok: true, id, name: entry.name, savedAt: entry.savedAt, config: decoded.config, results: null };
    },
    remove: (id) => backend.delete(id),
  };
}
