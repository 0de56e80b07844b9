// The kernel benchmark: every kernel family at the shapes the model presets train with, timed on
// one GpuContext. No DOM and no Node APIs, so the same code runs in headless Chromium
// (tools/bench-kernels.ts, `npm run bench:kernels`) and in Node on Dawn (tools/bench-kernels-node.ts,
// `npm run bench:kernels:node`). Prints figures; asserts nothing about speed.
//
// Timing: GPU timestamps around one compute pass that repeats a kernel's dispatches `reps` times
// (reps chosen for a fixed amount of work per pass), median of 3 passes after 1 warm-up, divided
// by reps: kernel time only. Where the adapter lacks timestamp-query it is wall time.
// TF.js (matmul only) is wall time around queueing the same number of tf.matMul calls and reading
// the last one back (./tfjs-matmul.ts): it includes TF.js's per-op JavaScript and dispatch cost.
import { createStorage, timeDispatches, uploadU32, type Dispatch, type GpuContext } from '../gpu';
import { prepareAdamw } from '../kernels/adamw';
import { prepareAttentionBackward, prepareAttentionForward } from '../kernels/attention';
import { attentionBackwardFlops, attentionForwardFlops } from '../kernels/attention.plan';
import { prepareCrossEntropy } from '../kernels/cross-entropy';
import { prepareAddInPlace } from '../kernels/elementwise';
import { prepareEmbeddingBackward, prepareEmbeddingForward } from '../kernels/embedding';
import { prepareEwa } from '../kernels/ewa';
import { prepareGeluBackward, prepareGeluForward } from '../kernels/gelu';
import { prepareGradNorm } from '../kernels/grad-norm';
import { gradNormScratchCount } from '../kernels/grad-norm.plan';
import { prepareLayerNormBackward, prepareLayerNormForward } from '../kernels/layernorm';
import { layerNormScratchFloats } from '../kernels/layernorm.plan';
import { matmulSplitPlan, prepareMatmulSteps } from '../kernels/matmul';
import { matmulFlops } from '../kernels/matmul.plan';
import { prepareRope } from '../kernels/rope';
import { MLP_RATIO, parameterCounts } from '../model/config';
import { findPreset, presetConfig } from '../model/presets';
import { randomInts } from '../util/random';
import { presetMatmulShapes, type MatmulBenchShape } from './matmul-bench';
import { benchTfjsMatmul } from './tfjs-matmul';

/** Sequences per micro-batch the benchmark uses for each preset (rows = micro × context). */
export const BENCH_MICRO_BATCH: Readonly<Record<string, number>> = { nano: 32, micro: 16, mini: 16, small: 8 };
export const BENCH_PRESETS = Object.keys(BENCH_MICRO_BATCH);
/** On a CPU adapter (SwiftShader) the larger presets take far too long. */
export const FALLBACK_PRESETS = ['nano', 'micro'];

export const KERNEL_FAMILIES = ['matmul', 'attention', 'layernorm', 'gelu', 'rope', 'add', 'cross-entropy', 'embedding', 'adamw', 'grad-norm', 'ewa'] as const;
export type KernelFamily = (typeof KERNEL_FAMILIES)[number];

export interface KernelBenchOptions {
  /** Preset names; default: all, or FALLBACK_PRESETS on a fallback adapter. */
  presets?: string[];
  vocab?: number;
  /** Also time TF.js's WebGPU matmul on the matmul shapes (same device's adapter). */
  tfjs?: boolean;
  /** Only these families; default: all. */
  families?: readonly string[];
  /** Called with one line per measured row, as it is measured. */
  log?: (line: string) => void;
}

export interface KernelBenchRow {
  preset: string;
  kernel: string;
  shape: string;
  ms: number;
  /** GFLOP/s for compute-bound kernels, GB/s (of the minimum bytes moved) for the others. */
  rate: number;
  unit: 'GFLOP/s' | 'GB/s';
  tfjsMs?: number;
  tfjsRate?: number;
}

export interface KernelBenchResult {
  presets: string[];
  vocab: number;
  timing: 'timestamp-query' | 'wall-clock';
  rows: KernelBenchRow[];
}

/** One kernel to time: its dispatches (in order) and the work one repetition does. */
interface Case {
  kernel: string;
  shape: string;
  dispatches: Dispatch[];
  work: number;
  unit: 'GFLOP/s' | 'GB/s';
  tfjs?: MatmulBenchShape;
}

/** Repetitions for about this much work per timed pass: ~1 ms on a big GPU, ~0.2 s on SwiftShader. */
function repetitions(gpu: GpuContext, c: Case): number {
  const fallback = gpu.adapter.isFallbackAdapter;
  const target = c.unit === 'GFLOP/s' ? (fallback ? 5e7 : 2e10) : fallback ? 2e7 : 3e9;
  return Math.max(1, Math.min(200, Math.round(target / c.work)));
}

/** Timed passes after one warm-up: the median of 3, or 1 on a CPU adapter, where one pass can take many seconds. */
function trials(gpu: GpuContext): number {
  return gpu.adapter.isFallbackAdapter ? 1 : 3;
}

async function timeCase(gpu: GpuContext, preset: string, c: Case, tfjs: boolean): Promise<KernelBenchRow> {
  const reps = repetitions(gpu, c);
  const list: Dispatch[] = [];
  for (let r = 0; r < reps; r++) list.push(...c.dispatches);
  const timing = await timeDispatches(gpu, list, trials(gpu), 1);
  const ms = timing.medianMs / reps;
  const scale = 1e6; // FLOP (or bytes) per ms ÷ 1e6 = G per s
  const row: KernelBenchRow = { preset, kernel: c.kernel, shape: c.shape, ms, rate: c.work / (ms * scale), unit: c.unit };
  if (tfjs && c.tfjs) {
    row.tfjsMs = await benchTfjsMatmul(c.tfjs, reps, trials(gpu));
    row.tfjsRate = c.work / (row.tfjsMs * scale);
  }
  return row;
}

function matmulShapeText(s: MatmulBenchShape): string {
  const batch = s.batch && s.batch > 1 ? `${s.batch}×` : '';
  return `${batch}${s.M}×${s.K}·${s.K}×${s.N}${s.transA ? ' Aᵀ' : ''}${s.transB ? ' Bᵀ' : ''}`;
}

/**
 * Prepares one family's cases for a preset, runs `each` on every case, then frees what it made
 * (so only one family's buffers are alive at a time).
 */
async function withFamily(gpu: GpuContext, family: KernelFamily, preset: string, vocab: number, each: (c: Case) => Promise<void>): Promise<void> {
  const cfg = presetConfig(preset, vocab);
  const B = BENCH_MICRO_BATCH[preset];
  const { dModel: C, heads: H, context: T } = cfg;
  const hd = C / H;
  const N = B * T;
  const F = MLP_RATIO * C;
  const V = vocab;
  const P = parameterCounts(cfg).total;
  const owned: GPUBuffer[] = [];
  const buf = (floats: number, label: string) => {
    const b = createStorage(gpu, floats, `bench ${label}`);
    owned.push(b);
    return b;
  };
  const fmt = (n: number) => n.toLocaleString('en-US');
  try {
    switch (family) {
      case 'matmul': {
        const shapes = presetMatmulShapes(preset, C, N, V);
        // The other weight-gradient shapes: dWq/k/v/o (C×C, K = rows) and dW_out (V×C).
        shapes.push(
          { name: `${preset} dW qkv/o    dYᵀ·X`, M: C, N: C, K: N, transA: true },
          { name: `${preset} dW logits   dYᵀ·X`, M: V, N: C, K: N, transA: true },
        );
        for (const s of shapes) {
          const a = buf(s.M * s.K, 'A');
          const b = buf(s.K * s.N, 'B');
          const c = buf(s.M * s.N, 'C');
          const plan = matmulSplitPlan(gpu, s);
          const split = plan.splits > 1 ? ` split-K ${plan.splits}` : '';
          await each({
            kernel: `${s.name}${split}`,
            shape: matmulShapeText(s),
            dispatches: await prepareMatmulSteps(gpu, { ...s, a, b, c }),
            work: matmulFlops(s),
            unit: 'GFLOP/s',
            tfjs: s,
          });
          // Where the plan splits, the single-pass kernel too, to show what split-K buys (on GPUs:
          // the CPU emulator's figures would not say, and cost minutes).
          if (plan.splits > 1 && !gpu.adapter.isFallbackAdapter) {
            await each({
              kernel: `${s.name} one pass`,
              shape: matmulShapeText(s),
              dispatches: await prepareMatmulSteps(gpu, { ...s, a, b, c, splits: 1 }),
              work: matmulFlops(s),
              unit: 'GFLOP/s',
            });
          }
        }
        break;
      }
      case 'attention': {
        const shape = { batch: B, seqLen: T, heads: H, headDim: hd };
        const [q, k, v, o, dO, dq, dk, dv] = ['q', 'k', 'v', 'o', 'dO', 'dq', 'dk', 'dv'].map((n) => buf(N * C, n));
        const lse = buf(B * H * T, 'lse');
        const delta = buf(B * H * T, 'delta');
        const text = `B${B} T${T} H${H} hd${hd}`;
        await each({ kernel: `${preset} attention fwd`, shape: text, dispatches: await prepareAttentionForward(gpu, { ...shape, q, k, v, o, lse }), work: attentionForwardFlops(shape), unit: 'GFLOP/s' });
        await each({
          kernel: `${preset} attention bwd`,
          shape: text,
          dispatches: await prepareAttentionBackward(gpu, { ...shape, q, k, v, o, lse, dO, dq, dk, dv, delta }),
          work: attentionBackwardFlops(shape),
          unit: 'GFLOP/s',
        });
        break;
      }
      case 'layernorm': {
        const [x, y, dy, dx] = ['x', 'y', 'dy', 'dx'].map((n) => buf(N * C, n));
        const weight = buf(C, 'w');
        const dweight = buf(C, 'dw');
        const mean = buf(N, 'mean');
        const rstd = buf(N, 'rstd');
        const scratch = buf(layerNormScratchFloats(N, C), 'ln scratch');
        const text = `N=${fmt(N)} C=${C}`;
        // Bytes: fwd reads x, writes y (+ mean, rstd); bwd reads dy and x, writes dx (+ dw partials).
        await each({ kernel: `${preset} layernorm fwd`, shape: text, dispatches: [await prepareLayerNormForward(gpu, { x, weight, y, mean, rstd, rows: N, cols: C })], work: 4 * (2 * N * C + 2 * N), unit: 'GB/s' });
        await each({
          kernel: `${preset} layernorm bwd`,
          shape: text,
          dispatches: await prepareLayerNormBackward(gpu, { dy, x, weight, mean, rstd, dx, dweight, scratch, rows: N, cols: C, accumulateDx: false }),
          work: 4 * (3 * N * C + 2 * N),
          unit: 'GB/s',
        });
        break;
      }
      case 'gelu': {
        const count = N * F;
        const [x, y, dy, dx] = ['x', 'y', 'dy', 'dx'].map((n) => buf(count, n));
        const text = `${fmt(count)} elements`;
        await each({ kernel: `${preset} gelu fwd`, shape: text, dispatches: [await prepareGeluForward(gpu, { x, y, count })], work: 8 * count, unit: 'GB/s' });
        await each({ kernel: `${preset} gelu bwd`, shape: text, dispatches: [await prepareGeluBackward(gpu, { x, dy, dx, count })], work: 12 * count, unit: 'GB/s' });
        break;
      }
      case 'rope': {
        const x = buf(N * C, 'x');
        await each({
          kernel: `${preset} rope (in place)`,
          shape: `N=${fmt(N)} T=${T} H${H} hd${hd}`,
          dispatches: [await prepareRope(gpu, { x, rows: N, seqLen: T, heads: H, headDim: hd })],
          work: 8 * N * C,
          unit: 'GB/s',
        });
        break;
      }
      case 'add': {
        const x = buf(N * C, 'x');
        const y = buf(N * C, 'y');
        await each({ kernel: `${preset} residual add`, shape: `${fmt(N * C)} elements`, dispatches: [await prepareAddInPlace(gpu, { x, y, count: N * C })], work: 12 * N * C, unit: 'GB/s' });
        break;
      }
      case 'cross-entropy': {
        const logits = buf(N * V, 'logits');
        const losses = buf(N, 'losses');
        const targets = uploadU32(gpu, randomInts(N, V, 5), 'bench targets');
        owned.push(targets);
        const ce = await prepareCrossEntropy(gpu, { logits, targets, losses, rows: N, vocab: V, scale: 1 / N });
        // Reads the logits and writes dlogits over them.
        await each({ kernel: `${preset} cross-entropy fwd+bwd`, shape: `${fmt(N)}×${fmt(V)}`, dispatches: [ce.dispatch], work: 8 * N * V, unit: 'GB/s' });
        break;
      }
      case 'embedding': {
        const table = buf(V * C, 'table');
        const out = buf(N * C, 'out');
        const tokenIds = randomInts(N, V, 7);
        const tokens = uploadU32(gpu, tokenIds, 'bench tokens');
        owned.push(tokens);
        const text = `N=${fmt(N)} C=${C} V=${fmt(V)}`;
        await each({ kernel: `${preset} embedding fwd`, shape: text, dispatches: [await prepareEmbeddingForward(gpu, { tokens, table, out, rows: N, cols: C, vocab: V })], work: 8 * N * C, unit: 'GB/s' });
        const backward = await prepareEmbeddingBackward(gpu, { dOut: out, dTable: table, rows: N, cols: C, vocab: V });
        const unique = backward.setTokens(tokenIds).uniqueIds.length;
        // Reads every dOut row once, reads and writes each distinct id's row of dTable.
        await each({ kernel: `${preset} embedding bwd`, shape: text, dispatches: [backward.dispatch], work: 4 * (N * C + 2 * unique * C), unit: 'GB/s' });
        backward.destroy();
        break;
      }
      case 'adamw': {
        const [params, grads, m, v] = ['params', 'grads', 'm', 'v'].map((n) => buf(P, n));
        const adamw = await prepareAdamw(gpu, { params, grads, m, v, count: P, hyper: { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step: 1 } });
        // Reads params, grads, m, v; writes params, m, v.
        await each({ kernel: `${preset} adamw`, shape: `${fmt(P)} floats`, dispatches: [adamw.dispatch], work: 28 * P, unit: 'GB/s' });
        adamw.destroy();
        break;
      }
      case 'grad-norm': {
        const grads = buf(P, 'grads');
        const scratch = buf(gradNormScratchCount(P), 'norm scratch');
        const stats = buf(4, 'stats');
        await each({ kernel: `${preset} grad norm`, shape: `${fmt(P)} floats`, dispatches: await prepareGradNorm(gpu, { grads, count: P, scratch, stats, slot: 0 }), work: 4 * P, unit: 'GB/s' });
        break;
      }
      case 'ewa': {
        const params = buf(P, 'params');
        const ewa = buf(P, 'ewa');
        const update = await prepareEwa(gpu, { params, ewa, count: P, ewaDecay: 0.999 });
        await each({ kernel: `${preset} ewa update`, shape: `${fmt(P)} floats`, dispatches: [update.dispatch], work: 12 * P, unit: 'GB/s' });
        break;
      }
    }
  } finally {
    await gpu.device.queue.onSubmittedWorkDone();
    owned.forEach((b) => b.destroy());
  }
}

export function defaultPresets(gpu: GpuContext): string[] {
  return gpu.adapter.isFallbackAdapter ? [...FALLBACK_PRESETS] : [...BENCH_PRESETS];
}

export async function runKernelBench(gpu: GpuContext, options: KernelBenchOptions = {}): Promise<KernelBenchResult> {
  const presets = options.presets && options.presets.length > 0 ? options.presets : defaultPresets(gpu);
  for (const p of presets) {
    if (!findPreset(p) || !(p in BENCH_MICRO_BATCH)) throw new Error(`unknown preset "${p}"; the benchmark knows ${BENCH_PRESETS.join(', ')}`);
  }
  const families = (options.families ?? KERNEL_FAMILIES) as readonly string[];
  for (const f of families) {
    if (!(KERNEL_FAMILIES as readonly string[]).includes(f)) throw new Error(`unknown kernel family "${f}"; known: ${KERNEL_FAMILIES.join(', ')}`);
  }
  const vocab = options.vocab ?? 4096;
  const rows: KernelBenchRow[] = [];
  for (const preset of presets) {
    for (const family of KERNEL_FAMILIES) {
      if (!families.includes(family)) continue;
      await withFamily(gpu, family, preset, vocab, async (c) => {
        const row = await timeCase(gpu, preset, c, Boolean(options.tfjs));
        rows.push(row);
        options.log?.(formatRowLine(row));
      });
    }
  }
  return { presets, vocab, timing: gpu.hasTimestamps ? 'timestamp-query' : 'wall-clock', rows };
}

/** Three significant figures below 100 (the CPU emulator's figures are fractions), else one decimal. */
function formatRate(x: number): string {
  return x >= 100 ? x.toFixed(1) : x.toPrecision(3);
}

export function formatRowLine(r: KernelBenchRow): string {
  const tf = r.tfjsMs !== undefined ? `; TF.js ${r.tfjsMs.toFixed(3)} ms (TF.js ms ÷ lab ms = ${(r.tfjsMs / r.ms).toFixed(2)})` : '';
  return `  ${r.kernel} [${r.shape}]: ${r.ms.toFixed(3)} ms, ${formatRate(r.rate)} ${r.unit}${tf}`;
}

/** A Markdown table: kernel, shape, ms, rate; with TF.js columns when any row has them. */
export function formatKernelTable(rows: readonly KernelBenchRow[]): string {
  const withTfjs = rows.some((r) => r.tfjsMs !== undefined);
  const head = withTfjs
    ? ['| kernel | shape | ms | rate | TF.js ms | TF.js GFLOP/s | TF.js ms ÷ lab ms |', '|---|---|---|---|---|---|---|']
    : ['| kernel | shape | ms | rate |', '|---|---|---|---|'];
  const lines = [...head];
  for (const r of rows) {
    const base = `| ${r.kernel.replace(/\s+/g, ' ')} | ${r.shape} | ${r.ms.toFixed(3)} | ${formatRate(r.rate)} ${r.unit} |`;
    if (!withTfjs) lines.push(base);
    else if (r.tfjsMs === undefined) lines.push(`${base} – | – | – |`);
    else lines.push(`${base} ${r.tfjsMs.toFixed(3)} | ${formatRate(r.tfjsRate ?? 0)} | ${(r.tfjsMs / r.ms).toFixed(2)} |`);
  }
  return lines.join('\n');
}
