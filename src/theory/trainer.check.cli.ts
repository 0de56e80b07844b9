// Runs the theory trainer's check cases (./trainer.check.ts) on a WebGPU device in Node (Dawn) and
// prints what the GPU computed, as JSON, for src/theory/trainer.gpu.test.ts to hold against the
// float64 reference. On a machine without a GPU:
//   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
//     node scripts/run-ts.mjs src/theory/trainer.check.cli.ts
import { acquireNodeGpu } from '../gpu/node';
import { describeAdapter, describeError } from '../gpu';
import { checkCases, runCheckCase } from './trainer.check';
import { createGpuTrainer, drawSamplesGpu } from './trainer';

async function main(): Promise<void> {
  const gpu = await acquireNodeGpu();
  const out = [];
  for (const c of checkCases()) {
    const samples = await drawSamplesGpu(gpu, c.options.problem, c.draw.seed, c.draw.first, c.draw.count);
    const session = await createGpuTrainer(gpu, c.options, c.groups);
    out.push({ name: c.name, samples: Array.from(samples), results: await runCheckCase(c, session) });
    session.dispose();
  }
  process.stdout.write(`${JSON.stringify({ adapter: describeAdapter(gpu.adapter), cases: out })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`theory trainer check: ${describeError(error)}\n`);
    process.exit(1);
  },
);
