// The paper's reported CBS scaling laws and per-model table (Zhang et al. 2024, arXiv 2410.21676;
// see docs/method.md), with conversions to tokens so they overlay the lab's results.

/** The paper's sequences are 512 tokens long. */
export const PAPER_CONTEXT = 512;

export interface PaperLaw {
  id: 'chinchilla' | 'fixed-data';
  description: string;
  /** B* = c·(N / 1e6)^e sequences of 512 tokens, N = non-embedding parameters. */
  c: number;
  e: number;
  /** Data size when fixed (tokens), null when it grows with N. */
  fixedDataTokens: number | null;
}

export const PAPER_LAWS: readonly PaperLaw[] = [
  { id: 'chinchilla', description: 'Chinchilla setting (D ≈ 20 tokens per parameter): B* = 93.20·N^0.47, N in millions', c: 93.2, e: 0.47, fixedDataTokens: null },
  { id: 'fixed-data', description: 'fixed data (3.07B tokens), varying N: B* = 621.3·N^0.087, N in millions', c: 621.3, e: 0.087, fixedDataTokens: 3.07e9 },
];

export interface PaperTableRow {
  model: string;
  /** Nominal size (the paper's label), in parameters. */
  params: number;
  /** Fitted B* in sequences of 512 tokens, as the paper's table gives it. */
  bStarSequences: number;
  /** The same B* to one decimal, as the authors' notebook (plots/chinchilla.ipynb) prints it. */
  bStarNotebook: number;
  /** The code's target loss for this model. */
  targetLoss: number;
}

/**
 * The paper's fitted B* per model in the Chinchilla setting. A log-space power-law fit of the
 * notebook's values against N in millions gives B* = 93.2·N^0.468 (NOTEBOOK_CHINCHILLA_FIT).
 */
export const PAPER_TABLE: readonly PaperTableRow[] = [
  { model: '85M', params: 85e6, bStarSequences: 745, bStarNotebook: 745.3, targetLoss: 3.42 },
  { model: '151M', params: 151e6, bStarSequences: 955, bStarNotebook: 955.2, targetLoss: 3.24 },
  { model: '302M', params: 302e6, bStarSequences: 1394, bStarNotebook: 1393.7, targetLoss: 3.07 },
  { model: '604M', params: 604e6, bStarSequences: 1889, bStarNotebook: 1888.5, targetLoss: 2.92 },
  { model: '1.2B', params: 1.2e9, bStarSequences: 2533, bStarNotebook: 2533.4, targetLoss: 2.736 },
];

/** The notebook's log-space fit of its printed B* against N in millions (the paper rounds e to 0.47). */
export const NOTEBOOK_CHINCHILLA_FIT = { c: 93.2, e: 0.468 } as const;

/** A paper law's B* in sequences of 512 tokens, for N non-embedding parameters (not millions). */
export function paperLawSequences(law: PaperLaw, params: number): number {
  return law.c * (params / 1e6) ** law.e;
}

/** A paper law's B* in tokens (sequences × 512). */
export function paperLawTokens(law: PaperLaw, params: number): number {
  return PAPER_CONTEXT * paperLawSequences(law, params);
}

/** Sequences of `context` tokens → tokens; the lab's B* in tokens compares with the paper's. */
export function sequencesToTokens(sequences: number, context: number): number {
  return sequences * context;
}

/** The law as c·N^e with N in plain parameters and B* in tokens: c_tokens = 512·c·1e-6^e. */
export function paperLawInTokensPerParam(law: PaperLaw): { c: number; e: number } {
  return { c: PAPER_CONTEXT * law.c * 1e-6 ** law.e, e: law.e };
}

export interface OverlayPoint {
  params: number;
  bStarTokens: number;
}

/** Points of a paper law across `params` values (tokens), for a chart overlay. */
export function paperOverlay(law: PaperLaw, params: readonly number[]): OverlayPoint[] {
  return params.map((p) => ({ params: p, bStarTokens: paperLawTokens(law, p) }));
}
