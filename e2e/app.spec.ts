import { test, expect, chromium } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs, chromiumExecutable } from '../tools/browser';
import { APP_URL } from './servers';

test('the built lab loads without errors and shows its WebGPU adapter', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(APP_URL);
  await expect(page.getByRole('heading', { name: 'CBS Lab' })).toBeVisible();
  const adapter = page.getByTestId('adapter');
  await expect(adapter).toContainText('Adapter:', { timeout: 60_000 });
  // SwiftShader here; a real GPU elsewhere. Either way the line names it and its limits.
  await expect(adapter).toContainText('max storage binding');
  await page.screenshot({ path: 'e2e/artifacts/app-adapter.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('without the WebGPU flag the page says what to do, not a blank screen', async () => {
  // A fresh profile, and Chromium without --enable-unsafe-webgpu: the CPU adapter is refused.
  const args = chromiumArgs().filter((a) => a !== '--enable-unsafe-webgpu');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cbs-noflag-')), {
    executablePath: chromiumExecutable(),
    headless: true,
    args,
  });
  try {
    const page = await context.newPage();
    await page.goto(APP_URL);
    const error = page.getByTestId('adapter-error');
    await expect(error).toContainText('WebGPU is not available', { timeout: 60_000 });
    await expect(error).toContainText('--enable-unsafe-webgpu');
    await page.screenshot({ path: 'e2e/artifacts/app-no-webgpu.png', fullPage: true });
  } finally {
    await context.close();
  }
});
