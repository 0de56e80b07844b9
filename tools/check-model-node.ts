// Runs the whole-model GPU checks (e2e/checks/model.check.ts, the same checks e2e/model.spec.ts runs
// in the page) in Node on Dawn, and prints each comparison. Exit status 1 when any fails.
//   CPU (SwiftShader): LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
//     npm run check:model:node
//   GPU server: bundle with scripts/build-device-bundle.mjs tools/check-model-node.ts (docs/benchmarks.md).
import { acquireNodeGpu } from '../src/gpu/node';
import { describeAdapter } from '../src/gpu';
import { checks } from '../e2e/checks/model.check';
import { parseCommand, printUsage, runCommand } from './cli';

const USAGE = `usage: npm run check:model:node

Runs the whole-model GPU checks (loss and every gradient against the float64 reference) in Node
on Dawn, on the adapter Vulkan offers (SwiftShader with VK_ICD_FILENAMES on a machine without a
GPU), and prints each comparison. Exits 1 when any comparison fails.

flags:
  --help   this text
`;

runCommand('check:model:node', USAGE, async () => {
  if (parseCommand(process.argv.slice(2), { options: {} }) === null) return printUsage(USAGE);
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
});
