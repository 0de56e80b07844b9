// Packing and sampling. Documents are joined with the end-of-text id into one token array;
// sequence i is tokens [i·C, i·C + C + 1) for context length C (inputs are its first C tokens,
// targets its last C). A data seed, separate from the model's init seed, fixes a permutation of
// the sequences per epoch, so every run of a sweep reads the same tokens in the same order and
// runs differ only in how many sequences each step takes. Nothing repeats within an epoch; when
// a run needs more than one epoch, the next epoch is a fresh permutation and a warning says so.
import { mulberry32 } from '../util/random';

export type TokenArray = Uint16Array | Uint32Array;

/** A growable token array: Uint16 when the vocabulary fits, else Uint32. */
export class TokenBuffer {
  private data: TokenArray;
  private size = 0;
  constructor(vocabSize: number, initialCapacity = 1 << 16) {
    this.data = vocabSize <= 65536 ? new Uint16Array(initialCapacity) : new Uint32Array(initialCapacity);
  }
  get length(): number {
    return this.size;
  }
  append(ids: ArrayLike<number>): void {
    if (this.size + ids.length > this.data.length) {
      let capacity = this.data.length * 2;
      while (capacity < this.size + ids.length) capacity *= 2;
      const grown = this.data instanceof Uint16Array ? new Uint16Array(capacity) : new Uint32Array(capacity);
      grown.set(this.data.subarray(0, this.size));
      this.data = grown;
    }
    this.data.set(ids, this.size);
    this.size += ids.length;
  }
  push(id: number): void {
    this.append([id]);
  }
  /** A trimmed copy. */
  toArray(): TokenArray {
    return this.data.slice(0, this.size);
  }
}

/** Appends a document's tokens followed by end-of-text. */
export function appendDocument(buffer: TokenBuffer, ids: ArrayLike<number>, eotId: number): void {
  buffer.append(ids);
  buffer.push(eotId);
}

export interface Batch {
  /** sequences × context, row-major. */
  inputs: Uint32Array;
  /** inputs shifted by one token. */
  targets: Uint32Array;
}

/** Everything needed to continue a stream exactly where a checkpoint left it. */
export interface TokenStreamState {
  dataSeed: number;
  context: number;
  corpusTokens: number;
  epoch: number;
  /** Index into the current epoch's permutation. */
  cursor: number;
  sequencesServed: number;
}

export function sequenceCount(corpusTokens: number, context: number): number {
  return corpusTokens > context ? Math.floor((corpusTokens - 1) / context) : 0;
}

/** Fisher–Yates with mulberry32 seeded from (dataSeed, epoch): the same on every machine. */
export function epochPermutation(count: number, dataSeed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const next = mulberry32((Math.imul(dataSeed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export class TokenStream {
  readonly context: number;
  readonly dataSeed: number;
  readonly sequences: number;
  private readonly tokens: TokenArray;
  private order: Uint32Array;
  private epoch = 0;
  private cursor = 0;
  private served = 0;
  private readonly onWarning: ((message: string) => void) | undefined;

  constructor(tokens: TokenArray, options: { context: number; dataSeed: number; onWarning?: (message: string) => void }) {
    if (!Number.isInteger(options.context) || options.context < 1) throw new RangeError('context must be a positive integer');
    this.tokens = tokens;
    this.context = options.context;
    this.dataSeed = options.dataSeed;
    this.onWarning = options.onWarning;
    this.sequences = sequenceCount(tokens.length, options.context);
    if (this.sequences === 0) {
      throw new RangeError(`the corpus has ${tokens.length} tokens: too few for one sequence of ${options.context + 1}`);
    }
    this.order = epochPermutation(this.sequences, this.dataSeed, 0);
  }

  /** Epochs begun so far (1 during the first pass). */
  get epochs(): number {
    return this.epoch + 1;
  }

  private nextSequence(warn = true): number {
    if (this.cursor === this.sequences) {
      this.epoch++;
      this.cursor = 0;
      this.order = epochPermutation(this.sequences, this.dataSeed, this.epoch);
      if (warn) this.onWarning?.(
        `the training data ran out after ${this.sequences} sequences; starting epoch ${this.epoch + 1}: data now repeats`,
      );
    }
    this.served++;
    return this.order[this.cursor++];
  }

  nextBatch(sequences: number): Batch {
    const C = this.context;
    const inputs = new Uint32Array(sequences * C);
    const targets = new Uint32Array(sequences * C);
    for (let s = 0; s < sequences; s++) {
      const start = this.nextSequence() * C;
      inputs.set(this.tokens.subarray(start, start + C), s * C);
      targets.set(this.tokens.subarray(start + 1, start + C + 1), s * C);
    }
    return { inputs, targets };
  }

  /** The sequence indices the next `count` draws would return, without consuming them. */
  peekSequenceIndices(count: number): number[] {
    const saved = this.position();
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.nextSequence(false));
    this.restore(saved);
    return out;
  }

  position(): TokenStreamState {
    return {
      dataSeed: this.dataSeed,
      context: this.context,
      corpusTokens: this.tokens.length,
      epoch: this.epoch,
      cursor: this.cursor,
      sequencesServed: this.served,
    };
  }

  restore(state: TokenStreamState): void {
    if (state.dataSeed !== this.dataSeed || state.context !== this.context || state.corpusTokens !== this.tokens.length) {
      throw new Error('TokenStream.restore: the state belongs to a different seed, context or corpus');
    }
    if (state.epoch !== this.epoch) this.order = epochPermutation(this.sequences, this.dataSeed, state.epoch);
    this.epoch = state.epoch;
    this.cursor = state.cursor;
    this.served = state.sequencesServed;
  }
}

/**
 * The fixed validation set: non-overlapping sequences of context + 1 tokens, evenly spaced over
 * the validation tokens, in order. The same for every run and every batch size.
 */
export function validationBatch(tokens: TokenArray, context: number, maxSequences: number): Batch & { sequences: number } {
  const available = Math.floor(tokens.length / (context + 1));
  const sequences = Math.min(maxSequences, available);
  // Spread evenly over everything loaded, so that a small set samples the whole validation text
  // (the bundled shard is in source order: its first sequences are all one era and one author).
  const stride = sequences > 0 ? Math.floor(available / sequences) : 1;
  const inputs = new Uint32Array(sequences * context);
  const targets = new Uint32Array(sequences * context);
  for (let s = 0; s < sequences; s++) {
    const start = s * stride * (context + 1);
    inputs.set(tokens.subarray(start, start + context), s * context);
    targets.set(tokens.subarray(start + 1, start + context + 1), s * context);
  }
  return { inputs, targets, sequences };
}
