// Types of scripts/offline.mjs (plain JavaScript beside scripts/wgsl.mjs, loaded by vite.config.ts).
import type { Plugin } from 'vite';

export const LAZY_CHUNKS: RegExp[];
export const SERVICE_WORKER: string;
export function precacheManifest(outDir: string): { url: string; revision: string | null }[];
export function offlinePlugin(options?: { source?: string }): Plugin;
