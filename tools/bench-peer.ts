// The lab vs TF.js (WebGPU backend) in headless Chromium, on the same adapter, one command:
//   npm run bench:peer [-- --presets tiny-test,nano] [--steps 8] [--micro 4] [--vocab 257]
// Same model, same initial weights, same batches (a synthetic Markov stream; docs/peer.md);
// prints each side's tokens/s and the ratio, and both first losses. Figures only.
import { formatPeerTable } from '../src/bench/peer-format';
import { exitWhenDone, runBenchPage } from './bench/page';
import type { PeerPageOptions } from './bench/peer.page';

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options: PeerPageOptions = {
    presets: flag(args, 'presets', 'tiny-test').split(','),
    steps: Number(flag(args, 'steps', '8')),
    microBatch: Number(flag(args, 'micro', '4')),
    vocab: Number(flag(args, 'vocab', '257')),
  };
  const { result, browserVersion } = await runBenchPage('tools/bench/peer.page.ts', 'out/bench-peer', 'benchPeer', (page) =>
    page.evaluate((o) => window.benchPeer(o), options),
  );
  console.log(`\nChromium ${browserVersion}; ${options.steps} steps each, tokens/s over steps 2…${options.steps}`);
  console.log(formatPeerTable(result.rows));
}

exitWhenDone(main());
