// How every browser test, benchmark and the headless runner launch Chromium.
// Playwright cannot download its own browsers here, so we drive Debian's chromium.
// --enable-unsafe-webgpu is the one flag that matters: without it the CPU adapter
// (SwiftShader) is blocklisted and requestAdapter() returns null.
import { existsSync } from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

export function chromiumExecutable(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}. Run "bash scripts/ensure-chromium.sh" (installs Debian's chromium) or set CHROMIUM_PATH.`,
    );
  }
  return path;
}

export function chromiumArgs(extra: string[] = []): string[] {
  return [
    '--enable-unsafe-webgpu',
    '--no-sandbox',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    ...extra,
  ];
}

export function chromiumLaunchOptions(extraArgs: string[] = []): LaunchOptions {
  return { executablePath: chromiumExecutable(), headless: true, args: chromiumArgs(extraArgs) };
}
