// Types of scripts/wgsl.mjs (plain JavaScript, since scripts/run-ts.mjs needs it before anything is compiled).
import type { Plugin as EsbuildPlugin } from 'esbuild';
import type { Plugin as VitePlugin } from 'vite';

export function stripWgslComments(source: string): string;
export function wgslRawVitePlugin(): VitePlugin;
export const rawEsbuildPlugin: EsbuildPlugin;
