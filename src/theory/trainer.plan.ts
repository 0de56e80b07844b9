// Planning for the theory trainer (shaders/theory-sgd.wgsl): block size, slots per workgroup,
// buffer layouts and sizes, and how many blocks one dispatch runs. Pure: the GPU wrapper, the
// float64 reference (which must use the same block size) and the tests share it.
import { averageCount, type LaneGroup, type TrainerOptions } from './lanes';

/** Coordinate quads (vec4) of the workgroup tile that holds a block's features (16 KiB, WebGPU's default limit). */
export const XS_QUADS = 1024;
/** Most samples in one block (the workgroup's noise array). */
export const MAX_BLOCK_SAMPLES = 256;
/** Largest model dimension: one sample's features must fit the tile. */
export const MAX_THEORY_DIM = 4 * XS_QUADS;
/** u32 words of a slot's state: steps, next evaluation, status, padding, the averages' weights. */
export const STATE_STRIDE = 12;
/** Most lanes in a group: one workgroup holds a group. */
export const MAX_LANES_PER_GROUP = 64;
/** Most EWA decays a lane keeps. */
export const MAX_AVERAGES = 8;

/** Samples per block for a model of `dim` coordinates: as many as fill the tile, at most 256. */
export function blockSamplesFor(dim: number): number {
  if (!(Number.isInteger(dim) && dim >= 1 && dim <= MAX_THEORY_DIM)) throw new RangeError(`model dimension must be an integer in 1…${MAX_THEORY_DIM} (got ${dim})`);
  return Math.min(MAX_BLOCK_SAMPLES, Math.floor(XS_QUADS / Math.ceil(dim / 4)));
}

export interface TrainerLayout {
  dim: number;
  quads: number;
  /** Lane slots per workgroup (the WG override): a power of two ≥ the largest group, at least 4. */
  slotsPerGroup: number;
  groups: number;
  slots: number;
  averages: number;
  evalCount: number;
  blockSamples: number;
  /** Floats: √λ and λ, each zero-padded to whole quads. */
  constantsFloats: number;
  /** u32 words of the spec buffer and where its parts start. */
  specWords: number;
  laneSpecOffset: number;
  evalOffset: number;
  /** u32 words of the state buffer and where the groups' sample counters start. */
  stateWords: number;
  groupStateOffset: number;
  /** Floats of error, gradient and averages (quads) for every slot. */
  vectorsFloats: number;
  evalsFloats: number;
}

export function planTrainer(options: TrainerOptions, groups: readonly LaneGroup[]): TrainerLayout {
  const dim = options.problem.lambda.length;
  const averages = averageCount(options.averaging);
  if (averages < 1 || averages > MAX_AVERAGES) throw new RangeError(`a lane keeps 1…${MAX_AVERAGES} averages (got ${averages})`);
  const largest = Math.max(...groups.map((g) => g.lanes.length));
  if (largest > MAX_LANES_PER_GROUP) throw new RangeError(`a group holds at most ${MAX_LANES_PER_GROUP} lanes (got ${largest})`);
  if (groups.length > 65535) throw new RangeError(`at most 65535 groups run at once (got ${groups.length})`);
  const blockSamples = options.blockSamples;
  if (blockSamples !== blockSamplesFor(dim)) throw new RangeError(`blockSamples must be ${blockSamplesFor(dim)} for dim ${dim} (got ${blockSamples})`);
  const slotsPerGroup = Math.max(4, 2 ** Math.ceil(Math.log2(largest)));
  const slots = groups.length * slotsPerGroup;
  const evalCount = options.evalSteps.length;
  const laneSpecOffset = groups.length;
  const evalOffset = laneSpecOffset + 4 * slots;
  const quads = Math.ceil(dim / 4);
  return {
    dim,
    quads,
    slotsPerGroup,
    groups: groups.length,
    slots,
    averages,
    evalCount,
    blockSamples,
    constantsFloats: 8 * quads,
    specWords: evalOffset + evalCount,
    laneSpecOffset,
    evalOffset,
    stateWords: STATE_STRIDE * slots + groups.length,
    groupStateOffset: STATE_STRIDE * slots,
    vectorsFloats: 4 * (2 + averages) * quads * slots,
    evalsFloats: slots * evalCount * (averages + 1),
  };
}

/**
 * Blocks one dispatch runs: about `work` lane·sample·coordinate updates over the running groups
 * (2^24: a fraction of a second on the CPU emulator, and a group stops at most that late),
 * at least one block, at most `maxBlocks`.
 */
export function blocksPerDispatch(layout: TrainerLayout, runningGroups: number, maxBlocks: number, work = 2 ** 24): number {
  const perBlock = Math.max(1, runningGroups) * layout.slotsPerGroup * layout.blockSamples * layout.dim;
  return Math.max(1, Math.min(maxBlocks, Math.floor(work / perBlock)));
}
