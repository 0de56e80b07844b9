// Runs the whole-model GPU checks (e2e/checks/model.check.ts) in Node on Dawn, and prints each
// comparison. Exit status 1 when any fails, 2 on bad flags.
//   CPU (SwiftShader): LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
//     node scripts/run-ts.mjs tools/check-model-node.ts
//   GPU server: bundle with scripts/build-device-bundle.mjs tools/check-model-node.ts (docs/benchmarks.md).
import { parseArgs } from 'node:util';
import { acquireNodeGpu } from '../src/gpu/node';
import { describeAdapter } from '../src/gpu';
import { checks } from '../e2e/checks/model.check';

const USAGE = 'usage: node scripts/run-ts.mjs tools/check-model-node.ts [--help]\nRuns the whole-model GPU checks on this machine\'s WebGPU adapter (Dawn) and prints each comparison.\n';

async function main(): Promise<number> {
  try {
    if (parseArgs({ args: process.argv.slice(2), options: { help: { type: 'boolean' } }, strict: true }).values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
  } catch (e) {
    process.stderr.write(`check-model-node: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const gpu = await acquireNodeGpu();
  console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
  let failed = 0;
  for (const [name, check] of Object.entries(checks)) {
    console.log(`${name}`);
    for (const o of await check(gpu)) {
      const c = o.comparison;
      const ok = c.ok ? 'ok  ' : 'FAIL';
      if (!c.ok) failed++;
      console.log(
        `  ${ok} ${o.label}: max |err| ${c.maxAbsError.toExponential(2)} (atol ${c.tolerance.atol.toExponential(1)}, rtol ${c.tolerance.rtol})` +
          (c.ok ? '' : ` worst [${c.worstIndex}] ${c.worstActual} vs ${c.worstExpected}`),
      );
    }
  }
  console.log(failed === 0 ? 'all model checks passed' : `${failed} comparisons FAILED`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code), // Dawn keeps the process alive until exit.
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
