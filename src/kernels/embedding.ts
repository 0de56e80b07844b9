// Wrappers for shaders/embedding.wgsl: the token embedding lookup and its deterministic backward.
//
// The backward is driven by a CSR index of the micro-batch's token ids (buildTokenIndex), which
// the host builds from ids it already holds and uploads into fixed-capacity buffers before each
// micro-batch: setTokens(ids) rebuilds and uploads it; nothing is reallocated. Uploads go through
// queue.writeBuffer, which takes effect in queue order: upload, then submit that micro-batch's
// commands, before uploading the next micro-batch's index (one index is live at a time).
import embeddingCode from '../../shaders/embedding.wgsl?raw';
import { UniformLayout, bindAll, createStorage, flatGrid, type Dispatch, type GpuContext, type GpuTensor } from '../gpu';
import { buildTokenIndex, type TokenIndex } from './token-index';

export { buildTokenIndex, type TokenIndex } from './token-index';

export const EMBEDDING_SHADER = { name: 'embedding', code: embeddingCode };
const WORKGROUP = 256;

const forwardLayout = new UniformLayout([
  { name: 'rows', type: 'u32' },
  { name: 'cols', type: 'u32' },
  { name: 'vocab', type: 'u32' },
  { name: 'pad', type: 'u32' },
]);

const backwardLayout = new UniformLayout([
  { name: 'uniqueCount', type: 'u32' },
  { name: 'cols', type: 'u32' },
  { name: 'vocab', type: 'u32' },
  { name: 'pad', type: 'u32' },
]);

export interface EmbeddingForwardArgs {
  /** N token ids (u32). */
  tokens: GpuTensor;
  /** (vocab, cols) f32, usually a slice of the flat parameter buffer. */
  table: GpuTensor;
  /** (rows, cols) f32. */
  out: GpuTensor;
  rows: number;
  cols: number;
  vocab: number;
  label?: string;
  /** Workgroups per grid dimension before folding into y (tests lower it to exercise the fold). */
  maxGroupsPerDim?: number;
}

/** out[n] = table[tokens[n]]; an id ≥ vocab reads as a zero row. */
export async function prepareEmbeddingForward(gpu: GpuContext, args: EmbeddingForwardArgs): Promise<Dispatch> {
  const label = args.label ?? `embedding forward ${args.rows}x${args.cols}`;
  const pipeline = await gpu.pipelines.get(EMBEDDING_SHADER, 'forward');
  const uniforms = forwardLayout.create(gpu, { rows: args.rows, cols: args.cols, vocab: args.vocab, pad: 0 }, label);
  return {
    label,
    pipeline,
    bindGroup: bindAll(gpu, pipeline, [uniforms, args.tokens, args.table, args.out], label),
    workgroups: flatGrid(args.rows * args.cols, WORKGROUP, args.maxGroupsPerDim),
  };
}

export interface EmbeddingBackwardArgs {
  /** (rows, cols) f32: the gradient of the lookup's output. */
  dOut: GpuTensor;
  /** (vocab, cols) f32, usually a slice of the flat gradient buffer; accumulated into (+=). */
  dTable: GpuTensor;
  /** Capacity: the most positions (N = B·T) a micro-batch will have. */
  rows: number;
  cols: number;
  vocab: number;
  label?: string;
  maxGroupsPerDim?: number;
}

export interface EmbeddingBackward {
  /** dTable[id] += Σ dOut[n] over the positions n of id, for the index uploaded last. */
  dispatch: Dispatch;
  /** Builds the CSR index of these ids (length ≤ rows) and uploads it; returns the index. */
  setTokens(tokens: Uint32Array): TokenIndex;
  /** Uploads an index built elsewhere (for instance in the data-loader worker). */
  setIndex(index: TokenIndex): void;
  /** Frees the index buffers this wrapper owns. */
  destroy(): void;
}

export async function prepareEmbeddingBackward(gpu: GpuContext, args: EmbeddingBackwardArgs): Promise<EmbeddingBackward> {
  const label = args.label ?? `embedding backward ${args.rows}x${args.cols}`;
  const pipeline = await gpu.pipelines.get(EMBEDDING_SHADER, 'backward');
  const maxUnique = Math.min(args.rows, args.vocab);
  const uniqueIds = createStorage(gpu, maxUnique, `${label}: unique ids`);
  const offsets = createStorage(gpu, maxUnique + 1, `${label}: offsets`);
  const positions = createStorage(gpu, args.rows, `${label}: positions`);
  const uniforms = backwardLayout.create(gpu, { uniqueCount: 0, cols: args.cols, vocab: args.vocab, pad: 0 }, label);
  const dispatch: Dispatch = {
    label,
    pipeline,
    bindGroup: bindAll(gpu, pipeline, [uniforms, uniqueIds, offsets, positions, args.dOut, args.dTable], label),
    workgroups: flatGrid(maxUnique * args.cols, WORKGROUP, args.maxGroupsPerDim),
  };

  const write = (buffer: GPUBuffer, data: Uint32Array) => {
    if (data.length > 0) gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  };
  const setIndex = (index: TokenIndex) => {
    const unique = index.uniqueIds.length;
    if (index.positions.length > args.rows) {
      throw new Error(`${label}: ${index.positions.length} positions exceed the capacity of ${args.rows}`);
    }
    if (index.offsets.length !== unique + 1) throw new Error(`${label}: offsets must have uniqueIds.length + 1 entries`);
    if (unique > 0 && index.uniqueIds[unique - 1] >= args.vocab) {
      throw new Error(`${label}: token id ${index.uniqueIds[unique - 1]} is outside the vocabulary of ${args.vocab}`);
    }
    write(uniqueIds, index.uniqueIds);
    write(offsets, index.offsets);
    write(positions, index.positions);
    backwardLayout.write(gpu, uniforms, { uniqueCount: unique, cols: args.cols, vocab: args.vocab, pad: 0 });
  };
  return {
    dispatch,
    setIndex,
    setTokens(tokens) {
      const index = buildTokenIndex(tokens);
      setIndex(index);
      return index;
    },
    destroy() {
      uniqueIds.destroy();
      offsets.destroy();
      positions.destroy();
      uniforms.destroy();
    },
  };
}
