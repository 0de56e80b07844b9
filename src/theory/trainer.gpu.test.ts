// The GPU trainer against its float64 reference on the check cases (./trainer.check.ts): same seed,
// same samples, same lanes. The GPU side runs in a child process on Dawn (trainer.check.cli.ts),
// because Dawn needs the Vulkan loader and driver located before the process starts: on a machine
// without a GPU, Chromium's SwiftShader (the CPU emulator the browser tests use). When no adapter
// can be had, the test fails with the child's reason; it is never skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LaneResult } from './lanes';
import { featureNormals, noiseNormal } from './rng';
import { checkCases, runCheckCase } from './trainer.check';
import { ReferenceTrainer } from './trainer.ref';

const SWIFTSHADER_DIR = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${SWIFTSHADER_DIR}/vk_swiftshader_icd.json`;

/** The environment for Dawn: the caller's, plus Chromium's Vulkan loader and SwiftShader when no driver is named. */
function dawnEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (existsSync(SWIFTSHADER_ICD)) {
    env.LD_LIBRARY_PATH = [SWIFTSHADER_DIR, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  }
  return env;
}

interface GpuOutput {
  adapter: string;
  cases: { name: string; samples: number[]; results: LaneResult[][] }[];
}

function runOnGpu(): GpuOutput {
  const child = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'src/theory/trainer.check.cli.ts'], { encoding: 'utf8', env: dawnEnv(), maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0) {
    throw new Error(`the GPU side of the check failed (exit ${child.status}); WebGPU in Node needs a Vulkan driver (here: ${SWIFTSHADER_ICD}).\n${child.stderr}`);
  }
  return JSON.parse(child.stdout) as GpuOutput;
}

describe('theory GPU trainer (Dawn) against the float64 reference', () => {
  it('draws the same samples and computes the same runs, evaluations, stops, caps and divergences', async () => {
    const gpu = runOnGpu();
    const cases = checkCases();
    expect(gpu.cases.map((c) => c.name)).toEqual(cases.map((c) => c.name));
    for (const [ci, c] of cases.entries()) {
      const { problem } = c.options;
      const dim = problem.lambda.length;
      const drawn = gpu.cases[ci].samples;
      expect(drawn).toHaveLength(c.draw.count * (dim + 1));
      for (let s = 0; s < c.draw.count; s++) {
        const z = featureNormals(c.draw.seed, c.draw.first + s, dim);
        for (let i = 0; i < dim; i++) expect(Math.abs(drawn[s * (dim + 1) + i] - Math.sqrt(problem.lambda[i]) * z[i])).toBeLessThan(2e-6);
        expect(Math.abs(drawn[s * (dim + 1) + dim] - Math.sqrt(problem.effectiveNoiseVariance) * noiseNormal(c.draw.seed, c.draw.first + s))).toBeLessThan(2e-6);
      }

      const reference = await runCheckCase(c, new ReferenceTrainer(c.options, c.groups));
      const statuses = new Set<string>();
      reference.forEach((lanes, g) =>
        lanes.forEach((want, l) => {
          const got = gpu.cases[ci].results[g][l];
          const where = `${c.name}, group ${g}, lane ${l}`;
          expect([got.status, got.steps, got.evalSteps], where).toEqual([want.status, want.steps, want.evalSteps]);
          statuses.add(want.status);
          want.lastRisk.forEach((r, j) => {
            // A diverged lane's last value may be inf in float32 where float64 still holds a finite number.
            if (want.status === 'diverged' && j === want.lastRisk.length - 1) return;
            expect(Math.abs(got.lastRisk[j] / r - 1), `${where}, last iterate at step ${want.evalSteps[j]}`).toBeLessThan(2e-5);
            want.averageRisk.forEach((series, k) => expect(Math.abs(got.averageRisk[k][j] / series[j] - 1), `${where}, average ${k} at step ${want.evalSteps[j]}`).toBeLessThan(2e-5));
          });
        }),
      );
      if (ci === 0) expect([...statuses].sort()).toEqual(['capped', 'diverged', 'stopped']);
    }
  }, 300_000);
});
