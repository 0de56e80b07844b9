// The sweep's progress in a folder, so that a killed headless run resumes where it stopped: the
// runner's SweepPersistence (src/worker/experiment-runner.ts) on files, as the page keeps it in
// IndexedDB. Every finished run and each run's latest checkpoint is one file, written to a
// temporary name, flushed and renamed over the old one: a kill at any moment leaves either the
// previous file or the new one, never half of one. Records and checkpoints are kept in V8's
// serialization (what structuredClone and IndexedDB use), so NaN losses and the checkpoint's
// Float32Array weights come back exactly.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ExperimentConfig, RunRecord } from '../../src/experiment/schema';
import type { RunCheckpoint } from '../../src/train/run';
import type { SweepPersistence } from '../../src/worker/experiment-runner';
import { sweepId } from '../../src/state/sweep-store';

/** The folder holds another experiment's sweep: resuming into it would mix two experiments. */
export class SweepFolderError extends Error {}

/** What sweep.json holds: which experiment this folder belongs to, and whether it finished. */
export interface SweepFile {
  id: string;
  name: string;
  startedAt: string;
  finishedAt: string | null;
}

const TMP_SUFFIX = '.tmp';

/** Writes `path` so that it is either the old file or the whole new one, whatever happens. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}${TMP_SUFFIX}`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** A run id as a file name (ids hold model shapes, sizes and rates: keep them readable). */
function fileName(runId: string): string {
  return `${encodeURIComponent(runId)}.v8`;
}

export function fileSweepStore(dir: string, onWarning: (message: string) => void = () => undefined): SweepPersistence {
  const sweepFile = join(dir, 'sweep.json');
  const runsDir = join(dir, 'runs');
  const checkpointsDir = join(dir, 'checkpoints');

  const read = <T>(path: string, what: string): T | null => {
    if (!existsSync(path)) return null;
    try {
      return deserialize(readFileSync(path)) as T;
    } catch (e) {
      onWarning(`${path}: ${what} unreadable (${e instanceof Error ? e.message : String(e)}); it is ignored and trained again`);
      return null;
    }
  };

  return {
    async begin(config: ExperimentConfig) {
      const id = sweepId(config);
      mkdirSync(runsDir, { recursive: true });
      mkdirSync(checkpointsDir, { recursive: true });
      // Temporary files of a write that was killed before its rename (here and in the folders beside runs/).
      const folders = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
      for (const sub of [dir, ...folders]) {
        for (const name of readdirSync(sub)) if (name.endsWith(TMP_SUFFIX)) rmSync(join(sub, name), { force: true });
      }
      if (existsSync(sweepFile)) {
        const existing = JSON.parse(readFileSync(sweepFile, 'utf8')) as SweepFile;
        if (existing.id !== id) {
          throw new SweepFolderError(
            `${dir} holds the sweep of another experiment ("${existing.name}", ${existing.id}; this one is "${config.name}", ${id}): ` +
              'resume that one with its own config, or choose another --out',
          );
        }
        // A finished run's checkpoint outlives it only when a kill fell between the two writes.
        for (const name of readdirSync(runsDir)) rmSync(join(checkpointsDir, name), { force: true });
        return { id };
      }
      const file: SweepFile = { id, name: config.name, startedAt: new Date().toISOString(), finishedAt: null };
      writeFileAtomic(sweepFile, JSON.stringify(file, null, 2) + '\n');
      return { id };
    },
    async finishedRuns() {
      return readdirSync(runsDir)
        .filter((name) => name.endsWith('.v8'))
        .sort()
        .map((name) => read<RunRecord>(join(runsDir, name), 'finished run'))
        .filter((r): r is RunRecord => r !== null);
    },
    async saveRun(_id, record) {
      writeFileAtomic(join(runsDir, fileName(record.spec.id)), serialize(record));
      rmSync(join(checkpointsDir, fileName(record.spec.id)), { force: true });
    },
    async checkpoint(_id, runId) {
      return read<RunCheckpoint>(join(checkpointsDir, fileName(runId)), 'checkpoint');
    },
    async saveCheckpoint(_id, checkpoint) {
      writeFileAtomic(join(checkpointsDir, fileName(checkpoint.spec.id)), serialize(checkpoint));
    },
    async markFinished() {
      const file = JSON.parse(readFileSync(sweepFile, 'utf8')) as SweepFile;
      writeFileAtomic(sweepFile, JSON.stringify({ ...file, finishedAt: new Date().toISOString() }, null, 2) + '\n');
    },
  };
}
