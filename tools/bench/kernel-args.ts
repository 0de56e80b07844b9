// The flags both kernel benchmarks share (tools/bench-kernels.ts in Chromium and
// tools/bench-kernels-node.ts on Dawn): --presets, --families, --vocab, --tfjs / --no-tfjs.
import { BENCH_PRESETS, KERNEL_FAMILIES, type KernelBenchOptions } from '../../src/bench/kernel-bench';
import { listChoiceOption, numberOption, type Parsed } from '../cli';

export const KERNEL_BENCH_OPTIONS = {
  presets: { type: 'string' },
  families: { type: 'string' },
  vocab: { type: 'string' },
  tfjs: { type: 'boolean' },
} as const;

export const KERNEL_BENCH_FLAGS = `flags:
  --presets LIST    model presets, comma-separated (${BENCH_PRESETS.join(', ')}; default: all, or nano,micro on a CPU adapter)
  --families LIST   kernel families, comma-separated (${KERNEL_FAMILIES.join(', ')}; default: all)
  --vocab N         vocabulary size for the embedding and cross-entropy shapes (default 4096)
  --tfjs, --no-tfjs also time TF.js's WebGPU matmul on the matmul shapes
  --help            this text
`;

export function kernelBenchOptions(values: Parsed<typeof KERNEL_BENCH_OPTIONS>['values'], defaults: { tfjs: boolean }): KernelBenchOptions {
  return {
    presets: listChoiceOption('presets', values.presets, BENCH_PRESETS),
    families: listChoiceOption('families', values.families, KERNEL_FAMILIES),
    vocab: numberOption('vocab', values.vocab, { integer: true, min: 2 }),
    tfjs: values.tfjs ?? defaults.tfjs,
  };
}
