// The lab vs TF.js (WebGPU backend) in headless Chromium, on the same adapter, one command:
//   npm run bench:peer [-- --presets tiny-test,nano] [--steps 8] [--micro 4] [--vocab 257]
// Same model, same initial weights, same batches (a synthetic Markov stream; docs/peer.md);
// prints each side's tokens/s and the ratio, and both first losses. Figures only.
import { formatPeerTable } from '../src/bench/peer-format';
import { PRESET_NAMES } from '../src/model/presets';
import { listChoiceOption, numberOption, parseCommand, printUsage, runCommand } from './cli';
import { runBenchPage } from './bench/page';
import type { PeerPageOptions } from './bench/peer.page';

const USAGE = `usage: npm run bench:peer [-- flags]

Trains the same model with the lab's engine and with TF.js (WebGPU backend) in headless Chromium,
on the same adapter, from the same initial weights on the same synthetic batches, and prints each
side's tokens/s and first losses. Figures only.

flags:
  --presets LIST   model presets, comma-separated (${PRESET_NAMES.join(', ')}; default tiny-test)
  --steps N        training steps per side, at least 2 (default 8; tokens/s over steps 2…N)
  --micro N        sequences per step (default 4)
  --vocab N        vocabulary size (default 257)
  --help           this text
`;

const OPTIONS = {
  presets: { type: 'string' },
  steps: { type: 'string' },
  micro: { type: 'string' },
  vocab: { type: 'string' },
} as const;

runCommand('bench:peer', USAGE, async () => {
  const parsed = parseCommand(process.argv.slice(2), { options: OPTIONS });
  if (parsed === null) return printUsage(USAGE);
  const v = parsed.values;
  const options: PeerPageOptions = {
    presets: listChoiceOption('presets', v.presets, PRESET_NAMES) ?? ['tiny-test'],
    steps: numberOption('steps', v.steps, { integer: true, min: 2 }) ?? 8,
    microBatch: numberOption('micro', v.micro, { integer: true, min: 1 }) ?? 4,
    vocab: numberOption('vocab', v.vocab, { integer: true, min: 2 }) ?? 257,
  };
  const { result, browserVersion } = await runBenchPage('tools/bench/peer.page.ts', 'out/bench-peer', 'benchPeer', (page) =>
    page.evaluate((o) => window.benchPeer(o), options),
  );
  console.log(`\nChromium ${browserVersion}; ${options.steps} steps each, tokens/s over steps 2…${options.steps}`);
  console.log(formatPeerTable(result.rows));
});
