// A sweep in progress, kept in IndexedDB so that a reload, a crash or a closed tab loses at
// most the work since the last checkpoint: every finished run is written at once, and each
// run in flight keeps its latest checkpoint (weights, optimizer, EWA, data position).
import { openDB, type IDBPDatabase } from 'idb';
import type { ExperimentConfig, RunRecord } from '../experiment/schema';
import type { RunCheckpoint } from '../train/run';
import type { SweepPersistence } from '../worker/experiment-runner';
import { encodeConfigFragment, fnv1a32 } from '../experiment/codec';

export const SWEEP_DB = 'cbs-lab-sweeps';

export interface SweepSummary {
  id: string;
  config: ExperimentConfig;
  startedAt: string;
  finishedAt: string | null;
  runsFinished: number;
}

/** The runner's persistence, plus what the page needs to offer a resume. */
export interface SweepStore extends SweepPersistence {
  begin(config: ExperimentConfig): Promise<SweepSummary>;
  /** Sweeps that started and never finished: the page offers to resume them. */
  unfinished(): Promise<SweepSummary[]>;
  discard(id: string): Promise<void>;
}

/** The same config always gets the same id, so reopening it finds its finished runs. */
export function sweepId(config: ExperimentConfig): string {
  return `sweep-${fnv1a32(new TextEncoder().encode(encodeConfigFragment(config))).toString(16).padStart(8, '0')}`;
}

interface Schema {
  sweeps: { key: string; value: SweepSummary };
  runs: { key: [string, string]; value: { sweep: string; runId: string; record: RunRecord }; indexes: { bySweep: string } };
  checkpoints: { key: [string, string]; value: { sweep: string; runId: string; checkpoint: RunCheckpoint }; indexes: { bySweep: string } };
}

export function idbSweepStore(dbName = SWEEP_DB): SweepStore {
  let db: Promise<IDBPDatabase<Schema>> | null = null;
  const open = () =>
    (db ??= openDB<Schema>(dbName, 1, {
      upgrade(database) {
        database.createObjectStore('sweeps', { keyPath: 'id' });
        database.createObjectStore('runs', { keyPath: ['sweep', 'runId'] }).createIndex('bySweep', 'sweep');
        database.createObjectStore('checkpoints', { keyPath: ['sweep', 'runId'] }).createIndex('bySweep', 'sweep');
      },
    }));
  return {
    async begin(config) {
      const d = await open();
      const id = sweepId(config);
      const existing = await d.get('sweeps', id);
      if (existing && existing.finishedAt === null) return existing;
      const summary: SweepSummary = { id, config, startedAt: new Date().toISOString(), finishedAt: null, runsFinished: 0 };
      // A finished sweep started again begins afresh.
      if (existing) await this.discard(id);
      await d.put('sweeps', summary);
      return summary;
    },
    async finishedRuns(id) {
      return (await (await open()).getAllFromIndex('runs', 'bySweep', id)).map((r) => r.record);
    },
    async saveRun(id, record) {
      const d = await open();
      const tx = d.transaction(['runs', 'checkpoints', 'sweeps'], 'readwrite');
      await tx.objectStore('runs').put({ sweep: id, runId: record.spec.id, record });
      await tx.objectStore('checkpoints').delete([id, record.spec.id]);
      const summary = await tx.objectStore('sweeps').get(id);
      if (summary) await tx.objectStore('sweeps').put({ ...summary, runsFinished: summary.runsFinished + 1 });
      await tx.done;
    },
    async checkpoint(id, runId) {
      return (await (await open()).get('checkpoints', [id, runId]))?.checkpoint ?? null;
    },
    async saveCheckpoint(id, checkpoint) {
      await (await open()).put('checkpoints', { sweep: id, runId: checkpoint.spec.id, checkpoint });
    },
    async markFinished(id) {
      const d = await open();
      const summary = await d.get('sweeps', id);
      if (summary) await d.put('sweeps', { ...summary, finishedAt: new Date().toISOString() });
    },
    async unfinished() {
      return (await (await open()).getAll('sweeps')).filter((s) => s.finishedAt === null);
    },
    async discard(id) {
      const d = await open();
      const tx = d.transaction(['runs', 'checkpoints', 'sweeps'], 'readwrite');
      for (const store of ['runs', 'checkpoints'] as const) {
        for (const key of await tx.objectStore(store).index('bySweep').getAllKeys(id)) await tx.objectStore(store).delete(key);
      }
      await tx.objectStore('sweeps').delete(id);
      await tx.done;
    },
  };
}
