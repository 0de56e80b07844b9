// The headless runner (npm run headless), run as a child process exactly as people run it:
// a tiny CBS sweep trained end to end in the built app on the CPU emulator, a share link made by
// the UI reproduced in the headless run, and its failures (exit codes, messages, no browser left).
// Uses --no-build: `npm run test:all` builds dist/ before the browser tests.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLink, importJson } from '../src/experiment/codec';
import { validateResults } from '../src/experiment/validate';
import { analyzeResults, type CbsReport } from '../src/cbs/report';
import { evaluationsCsv, stepsCsv, trainStepsCsv } from '../src/cbs/export';
import { defaultConfig, EXPERIMENT_PRESETS } from '../src/experiment/presets';
import type { ExperimentConfig, ExperimentResults, RunRecord } from '../src/experiment/schema';
import { chromiumExecutable } from '../tools/browser';
import { readSafetensors } from '../src/model/safetensors';
import { buildLayout } from '../src/model/layout';
import type { ModelConfig } from '../src/model/config';
import { ByteTokenizer } from '../src/data/tokenizer';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { parseArgs } from '../tools/headless/args';
import { checkDataHosts, resolveInput } from '../tools/headless/input';
import { formatProgress, progressOf } from '../tools/headless/progress';
import { APP_URL } from './servers';

const FIXTURE = 'e2e/fixtures/tiny.json';

/** model.safetensors, config.json and tokenizer.json as the page exports them, read back. */
function checkModelFiles(dir: string, model: ModelConfig): void {
  const file = readSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  const layout = buildLayout(model);
  expect([...file.tensors.keys()].sort()).toEqual(layout.tensors.map((t) => t.name).sort());
  for (const t of layout.tensors) {
    const got = file.tensors.get(t.name)!;
    expect(got.shape, t.name).toEqual(t.shape);
    expect(got.data.every(Number.isFinite), t.name).toBe(true);
  }
  // Trained, not initial: the LayerNorm scales (initialised to 1) have moved.
  expect(file.tensors.get('norm.weight')!.data.some((x) => Math.abs(x - 1) > 1e-3)).toBe(true);
  expect(file.metadata.weights).toBe('ewa');
  expect(JSON.parse(file.metadata.config)).toEqual(model);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  expect(config).toMatchObject({ model_type: 'cbs_lab_decoder', vocab_size: model.vocabSize, hidden_size: model.dModel, num_hidden_layers: model.layers, num_attention_heads: model.heads, max_position_embeddings: model.context, tie_word_embeddings: false });
  const tokenizer = new HfTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>, {});
  const text = 'Doubling the batch — naïve.';
  expect(tokenizer.encode(text, { add_special_tokens: false }).ids).toEqual([...new ByteTokenizer().encode(text)]);
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface HeadlessOptions {
  env?: Record<string, string>;
  /** Polled every 100 ms: when it returns true the runner and its children are killed (SIGKILL), as a crash would. */
  killWhen?: () => boolean;
}

/** `npm run headless -- …args` from the repository root; resolves when the process exits. */
function headless(args: string[], limitMs: number, options: HeadlessOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a kill reaches the node process npm starts.
    const child = spawn('npm', ['run', '--silent', 'headless', '--', ...args], {
      cwd: process.cwd(),
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      detached: options.killWhen !== undefined,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A guard for the test itself; the runner has its own --timeout.
    const guard = setTimeout(() => child.kill('SIGTERM'), limitMs);
    const killer = options.killWhen
      ? setInterval(() => {
          if (options.killWhen!()) process.kill(-child.pid!, 'SIGKILL');
        }, 100)
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearInterval(killer);
      resolve({ code: code ?? (signal ? -1 : null), stdout, stderr });
    });
  });
}

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const show = (r: Ran) => `exit ${r.code}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;

function fixtureConfig(): ExperimentConfig {
  const decoded = importJson(readFileSync(FIXTURE, 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.config;
}

/** The tiny sweep through the page, run once per test process: the Node engine's check compares with it. */
let tinyPageRun: Promise<{ out: string; ran: Ran }> | null = null;
function tinyInThePage(): Promise<{ out: string; ran: Ran }> {
  tinyPageRun ??= (async () => {
    const out = tmp('cbs-headless-');
    return { out, ran: await headless([FIXTURE, '--no-build', '--out', out, '--timeout', '10'], 11 * 60_000) };
  })();
  return tinyPageRun;
}

function readResults(out: string): ExperimentResults {
  const decoded = importJson(readFileSync(join(out, 'results.json'), 'utf8'));
  if (!decoded.ok || decoded.kind !== 'results') throw new Error(`${out}/results.json does not import: ${decoded.ok ? decoded.kind : decoded.message}`);
  return decoded.results;
}

test('a tiny CBS sweep through the command: valid results, falling losses, steps to target fall with B, a B*', async () => {
  test.setTimeout(12 * 60_000);
  const { out, ran } = await tinyInThePage();
  console.log(ran.stdout.split('\n').filter((l) => !l.startsWith('[')).join('\n'));
  expect(ran.code, show(ran)).toBe(0);
  expect(ran.stdout).toMatch(/^adapter: \S/m);
  if (/swiftshader/i.test(ran.stdout)) expect(ran.stdout).toContain('SOFTWARE FALLBACK');
  // Progress was streamed (not a terminal here: one line per 10%), ending at 100%.
  expect(ran.stdout).toMatch(/\[#{30}\] 100% {2}runs 4\/4 /);
  // The page's estimate was shown before Start and recorded with the forecast as the run went.
  expect(ran.stdout).toMatch(/^estimate: Wall time here: about /m);
  const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { estimate: { totalSeconds: number | null } | null; progress: { fraction: number | null }[] };
  expect(runJson.estimate?.totalSeconds).toBeGreaterThan(0);
  expect(runJson.progress.at(-1)?.fraction).toBe(1);

  // results.json: the UI's export format, valid against the schema, holding the fixture's config.
  const file = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { format: string; kind: string; data: ExperimentResults };
  expect(file.format).toBe('cbs-lab');
  expect(file.kind).toBe('results');
  expect(validateResults(file.data)).toEqual([]);
  const results = readResults(out);
  expect(results.config).toEqual(fixtureConfig());
  expect(results.finishedAt).not.toBeNull();
  expect(results.targets).toHaveLength(1);
  // One reference run (B = 4, trained for exactly D) and one run per batch size.
  expect(results.runs.map((r) => r.spec.batchSize).sort((a, b) => a - b)).toEqual([4, 4, 8, 16]);

  // Losses fall: every run's EWA validation loss ends well below where it started (ln 256 = 5.55
  // nats for untrained byte-level predictions), and so does its raw validation loss.
  for (const run of results.runs) {
    expect(run.status, run.spec.id).toMatch(/^(reached-target|finished)$/);
    expect(run.evals.length, run.spec.id).toBeGreaterThanOrEqual(2);
    const first = run.evals[0];
    const last = run.evals[run.evals.length - 1];
    expect(first.ewaLoss, run.spec.id).toBeGreaterThan(5);
    expect(last.ewaLoss, run.spec.id).toBeLessThan(first.ewaLoss - 0.5);
    // Raw losses are measured far from the target (the first evaluation always is).
    // (importJson revives a JSON null as NaN: "not measured" reads as NaN here.)
    const lastRaw = run.evals.filter((e) => e.rawLoss !== null).at(-1)!;
    expect(lastRaw.rawLoss as number, run.spec.id).toBeLessThan((first.rawLoss as number) - 0.5);
    expect(run.steps[run.steps.length - 1].trainLoss, run.spec.id).toBeLessThan(run.steps[0].trainLoss);
    // Where its time went: every part measured; training, evaluation and checkpoints make up the loop's wall time.
    const t = run.timing!;
    for (const part of [t.trainSeconds, t.evalSeconds, t.dataSeconds, t.setupSeconds]) expect(part, run.spec.id).toBeGreaterThan(0);
    expect(t.trainSeconds + t.evalSeconds + t.checkpointSeconds).toBeCloseTo(run.wallSeconds, 6);
  }

  // report.json is analyzeResults of the written results (same numbers as `npm run cbs`).
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CbsReport;
  expect(report).toEqual(JSON.parse(JSON.stringify(analyzeResults(results, { analysis: { ...results.config.analysis } }))));
  expect(report.groups).toHaveLength(1);
  const g = report.groups[0];
  // Every batch size reached the target, and steps to target do not increase with B.
  const points = [...g.points].sort((a, b) => a.batchSize - b.batchSize);
  expect(points.map((p) => p.batchSize)).toEqual([4, 8, 16]);
  const steps = points.map((p) => p.steps);
  console.log(`steps to target at B = 4, 8, 16: ${steps.join(', ')}; B* = ${g.cbs.bStar} (${g.cbs.status}); interval ${g.interval.lower}–${g.interval.upper}`);
  for (const s of steps) expect(s).not.toBeNull();
  for (let i = 1; i < steps.length; i++) expect(steps[i] as number).toBeLessThanOrEqual(steps[i - 1] as number);
  expect(steps[2] as number).toBeLessThan(steps[0] as number);
  // A CBS: the fit gives a finite B* or says it is beyond every batch size (a = 0).
  expect(['ok', 'unbounded']).toContain(g.cbs.status);
  if (g.cbs.status === 'ok') {
    expect(g.cbs.bStar as number).toBeGreaterThan(0);
    expect(Number.isFinite(g.cbs.bStar)).toBe(true);
  }
  // The CSV exports: the page's export buttons write the same text.
  expect(readFileSync(join(out, 'evaluations.csv'), 'utf8')).toBe(evaluationsCsv(results));
  expect(readFileSync(join(out, 'train-steps.csv'), 'utf8')).toBe(trainStepsCsv(results));
  expect(readFileSync(join(out, 'steps.csv'), 'utf8')).toBe(stepsCsv(results, report));
  // The summary names each batch size's steps and B*.
  for (const p of points) expect(ran.stdout).toContain(`B = ${String(p.batchSize).padStart(5)}: ${p.steps} steps to target`);
  expect(ran.stdout).toMatch(/B\* \(20% rule\)/);

  // The charts as the page exports them (title, legend, B*): one measurement, so no scaling chart,
  // and the runner says why instead of writing a picture of an empty section.
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { files: string[] };
  const pngs = run.files.filter((f) => f.endsWith('.png'));
  expect(pngs).toEqual(expect.arrayContaining(['page.png', 'loss.png']));
  expect(pngs.some((f) => /^cbs-1-[a-z0-9-]+\.png$/.test(f))).toBe(true);
  expect(existsSync(join(out, 'scaling.png'))).toBe(false);
  expect(ran.stdout).toContain('scaling.png not written: a scaling chart needs B* at two or more model or data sizes');
  for (const name of pngs) {
    const bytes = readFileSync(join(out, name));
    expect([...bytes.subarray(0, 8)], name).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.length, name).toBeGreaterThan(2000);
    // The page's export draws the title and legend around the plot: taller than the plot's 360 px (×2).
    if (name.startsWith('cbs-')) expect(bytes.readUInt32BE(20), name).toBeGreaterThan(2 * 400);
  }

  // The trained model, in the Hugging Face layout: the reference run's EWA weights, its config.json
  // and the byte tokenizer's tokenizer.json.
  const folder = run.files.find((f) => f.endsWith('/model.safetensors'))?.replace(/\/model\.safetensors$/, '');
  expect(folder, run.files.join(', ')).toBeDefined();
  const reference = results.runs.find((r) => r.spec.role === 'reference')!;
  expect(folder).toBe(`model/${reference.spec.id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)}`);
  checkModelFiles(join(out, folder!), reference.spec.model);
});

// The Node engine (Dawn from the `webgpu` package, no browser) against the page on the same
// adapter, SwiftShader: Chromium's Dawn and the package's Dawn are different builds, but both
// compile the same WGSL for the same SwiftShader, and the JavaScript around them is the same
// code, so every loss must come out bit for bit the same. The Node run is killed (SIGKILL) once
// a run has finished and another has checkpointed, and the same command resumes it: the finished
// run is not trained again and the interrupted one continues from its checkpoint, still exactly.
test('the Node engine trains the tiny sweep bit-identically to the page, and resumes after a kill', async () => {
  test.setTimeout(15 * 60_000);
  const page = await tinyInThePage();
  expect(page.ran.code, show(page.ran)).toBe(0);
  const out = tmp('cbs-headless-node-');
  const sweep = join(out, 'sweep');
  const files = (sub: string) => (existsSync(join(sweep, sub)) ? readdirSync(join(sweep, sub)) : []);
  // SwiftShader's Vulkan ICD from Debian's chromium, the adapter the page has here.
  const env = {
    LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ?? '/usr/lib/chromium',
    VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json',
  };
  const args = [FIXTURE, '--engine', 'node', '--out', out, '--timeout', '6'];
  const killed = await headless(args, 7 * 60_000, { env, killWhen: () => files('runs').length > 0 && files('checkpoints').length > 0 });
  expect(killed.code, `the Node run should have been killed mid-sweep\n${show(killed)}`).toBe(-1);
  expect(killed.stdout).toMatch(/^engine: Node on Dawn/m);
  const finishedBefore = files('runs');
  const kept = new Map(finishedBefore.map((f) => [f, readFileSync(join(sweep, 'runs', f))]));
  const checkpointed = files('checkpoints');

  const ran = await headless(args, 7 * 60_000, { env });
  console.log(ran.stdout.split('\n').filter((l) => !l.startsWith('[')).join('\n'));
  expect(ran.code, show(ran)).toBe(0);
  const adapter = (r: Ran) => /^adapter: (.*)$/m.exec(r.stdout)?.[1] ?? '';
  expect(adapter(ran), 'this check compares both engines on SwiftShader').toMatch(/swiftshader/i);
  expect(adapter(page.ran), 'this check compares both engines on SwiftShader').toMatch(/swiftshader/i);
  expect(ran.stdout).toContain(`resuming from ${sweep}: ${finishedBefore.length} finished run(s) kept, not trained again`);
  expect(ran.stdout).toMatch(/^run \S+ continues from its checkpoint at step \d+$/m);
  for (const [f, bytes] of kept) expect(readFileSync(join(sweep, 'runs', f)).equals(bytes), `${f} was written again`).toBe(true);
  expect(checkpointed.every((f) => !kept.has(f))).toBe(true);
  expect(files('checkpoints')).toEqual([]);
  expect(ran.stdout).toMatch(/\[#{30}\] 100% {2}runs 4\/4 /);

  // The same files as the page run: valid results, the report of them, the same summary.
  const file = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { format: string; kind: string; data: ExperimentResults };
  expect(file.format).toBe('cbs-lab');
  expect(validateResults(file.data)).toEqual([]);
  const node = readResults(out);
  const inPage = readResults(page.out);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CbsReport;
  expect(report).toEqual(JSON.parse(JSON.stringify(analyzeResults(node, { analysis: { ...node.config.analysis } }))));
  expect(readFileSync(join(out, 'report.txt'), 'utf8')).toContain('B*');
  const summary = (r: Ran) => r.stdout.slice(r.stdout.indexOf('model demo')).split('\nwritten to')[0];
  expect(summary(ran)).toBe(summary(page.ran));

  // Bit for bit: targets, every run's outcome, every evaluation and every step's loss and gradient norm.
  expect(node.config).toEqual(inPage.config);
  expect(node.targets).toEqual(inPage.targets);
  expect(node.runs.map((r) => r.spec)).toEqual(inPage.runs.map((r) => r.spec));
  for (const [i, n] of node.runs.entries()) {
    const p = inPage.runs[i];
    const id = n.spec.id;
    expect({ status: n.status, stepsToTarget: n.stepsToTarget, stepsDone: n.stepsDone }, id).toEqual({ status: p.status, stepsToTarget: p.stepsToTarget, stepsDone: p.stepsDone });
    const evals = (r: RunRecord) => r.evals.map((e) => ({ step: e.step, ewaLoss: e.ewaLoss, ewaLosses: e.ewaLosses, rawLoss: e.rawLoss }));
    expect(evals(n), id).toEqual(evals(p));
    const steps = (r: RunRecord) => r.steps.map((x) => [x.step, x.trainLoss, x.gradNorm, x.microGradSq, x.batchGradSq]);
    expect(steps(n), id).toEqual(steps(p));
  }
  // The trained model (the reference run's, trained before the kill): the same files, byte for byte.
  const modelFiles = (dir: string) => (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { files: string[] }).files.filter((f) => f.startsWith('model/'));
  expect(modelFiles(out)).toEqual(modelFiles(page.out));
  expect(modelFiles(out)).toHaveLength(3);
  for (const f of modelFiles(out)) expect(readFileSync(join(out, f)).equals(readFileSync(join(page.out, f))), f).toBe(true);
  const pageReport = JSON.parse(readFileSync(join(page.out, 'report.json'), 'utf8')) as CbsReport;
  expect(report.groups.map((g) => [g.cbs.bStar, g.points.map((p) => p.steps)])).toEqual(pageReport.groups.map((g) => [g.cbs.bStar, g.points.map((p) => p.steps)]));
  console.log(`Node engine = page, bit for bit: B* ${report.groups[0].cbs.bStar}, steps to target ${report.groups[0].points.map((p) => p.steps).join(', ')}`);
});

test('a share link made by the UI gives the same config in the headless run', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await page.goto(APP_URL);
  const builder = page.getByTestId('builder');
  await expect(builder).toBeVisible();
  // Change settings in the builder, as a person would: unfold Customize first.
  await page.getByTestId('customize').click();
  await page.getByLabel('Experiment name').fill('Shared from the UI for a headless run');
  const batches = page.getByLabel('Batch sizes (sequences)');
  await batches.fill('4, 8, 64');
  await batches.blur();
  await page.getByTestId('copy-link').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link.startsWith(`${APP_URL}#v1.c.`), link).toBe(true);
  const uiConfig = await page.evaluate(() => (window as unknown as { cbsLab: { config(): unknown } }).cbsLab.config());
  const linked = decodeLink(link);
  if (!linked.ok) throw new Error(linked.message);
  expect(linked.config).toEqual(uiConfig);
  expect(linked.config.name).toBe('Shared from the UI for a headless run');
  expect(linked.config.batchSizes).toEqual([4, 8, 64]);

  const out = tmp('cbs-headless-link-');
  const ran = await headless([link, '--no-build', '--dry-run', '--out', out, '--timeout', '3'], 4 * 60_000);
  expect(ran.code, show(ran)).toBe(0);
  expect(ran.stdout).toContain('from share link (config)');
  expect(ran.stdout).toContain('identical to the input');
  // The config the headless page holds (written by --dry-run) is the link's config, field for field.
  const written = importJson(readFileSync(join(out, 'config.json'), 'utf8'));
  if (!written.ok) throw new Error(written.message);
  expect(written.kind).toBe('config');
  expect(written.config).toEqual(linked.config);
  expect(written.config).toEqual(uiConfig);
  // And it trained nothing.
  expect(existsSync(join(out, 'results.json'))).toBe(false);
});

test('failures exit non-zero with a clear message and never hang', async () => {
  test.setTimeout(4 * 60_000);
  const out = tmp('cbs-headless-fail-');
  // An unknown input: usage error.
  let ran = await headless(['no-such-preset', '--no-build', '--out', out], 60_000);
  expect(ran.code, show(ran)).toBe(2);
  expect(ran.stderr).toContain(`neither a preset (${EXPERIMENT_PRESETS.map((p) => p.id).join(', ')})`);
  // An unknown flag.
  ran = await headless(['demo', '--fast'], 60_000);
  expect(ran.code, show(ran)).toBe(2);
  expect(ran.stderr).toContain('unknown flag --fast');
  // Data from a host nobody approved: refused before the browser starts.
  const remote = defaultConfig();
  remote.data = { kind: 'urls', train: ['https://data.example.org/train.jsonl.gz'], validation: ['https://data.example.org/val.jsonl.gz'] };
  const remoteFile = join(out, 'remote.json');
  writeFileSync(remoteFile, JSON.stringify(remote));
  ran = await headless([remoteFile, '--no-build', '--out', out], 60_000);
  expect(ran.code, show(ran)).toBe(5);
  expect(ran.stderr).toContain('--allow-host data.example.org');
  expect(ran.stdout).not.toContain('browser:');
  // A pre-approved host is confirmed in the page and training starts; its data cannot be fetched
  // (nothing listens on port 9), so the runs fail: exit 1, naming the URL, after writing the results.
  const refused = fixtureConfig();
  refused.data = { kind: 'urls', train: ['https://127.0.0.1:9/train.jsonl.gz'], validation: ['https://127.0.0.1:9/val.jsonl.gz'] };
  writeFileSync(remoteFile, JSON.stringify(refused));
  ran = await headless([remoteFile, '--no-build', '--out', out, '--allow-host', '127.0.0.1:9', '--timeout', '3'], 240_000);
  expect(ran.code, show(ran)).toBe(1);
  expect(ran.stdout).toContain('data hosts confirmed (--allow-host): 127.0.0.1:9');
  expect(ran.stderr).toMatch(/headless: 4 run\(s\) failed: .*https:\/\/127\.0\.0\.1:9\/train\.jsonl\.gz/);
  expect(existsSync(join(out, 'results.json'))).toBe(true);
  // A browser that is not there.
  ran = await headless(['demo', '--no-build', '--out', out, '--chromium', '/nonexistent/chromium'], 60_000);
  expect(ran.code, show(ran)).toBe(3);
  expect(ran.stderr).toContain('Chromium not found at /nonexistent/chromium');
  // No WebGPU adapter: a Chromium that drops --enable-unsafe-webgpu (Linux then offers none).
  const noWebGpu = join(out, 'chromium-no-webgpu.sh');
  writeFileSync(
    noWebGpu,
    `#!/bin/bash\nargs=()\nfor a in "$@"; do [[ $a == --enable-unsafe-webgpu ]] || args+=("$a"); done\nexec ${chromiumExecutable()} "\${args[@]}"\n`,
    { mode: 0o755 },
  );
  ran = await headless(['demo', '--no-build', '--out', out, '--chromium', noWebGpu], 120_000);
  expect(ran.code, show(ran)).toBe(4);
  expect(ran.stderr).toContain('headless: no WebGPU adapter: WebGPU is not available.');
  // --require-gpu: on the software fallback it fails (exit 4) and says so; on a GPU it goes on.
  ran = await headless(['demo', '--no-build', '--dry-run', '--require-gpu', '--out', out], 120_000);
  const adapterLine = /^adapter: (.*)$/m.exec(ran.stdout)?.[1] ?? '';
  expect(adapterLine, show(ran)).not.toBe('');
  if (/software fallback|swiftshader/i.test(adapterLine)) {
    expect(ran.code, show(ran)).toBe(4);
    expect(ran.stderr).toContain('--require-gpu: the adapter is the software fallback, not a GPU');
  } else {
    expect(ran.code, show(ran)).toBe(0);
  }
  // A time limit that runs out: exit 6, not a hang.
  ran = await headless(['demo', '--no-build', '--out', out, '--timeout', '0.02'], 120_000);
  expect(ran.code, show(ran)).toBe(6);
  expect(ran.stderr).toContain('timed out after 00:01 (--timeout)');
});

test('the runner\'s pieces: flags, inputs, host approval, progress', () => {
  expect(parseArgs(['demo'])).toMatchObject({ input: 'demo', build: true, requireGpu: false, timeoutMs: 30 * 60_000, allowHosts: [] });
  expect(parseArgs(['x.json', '--no-build', '--require-gpu', '--allow-host', 'A.example,b.example', '--allow-host=c.example', '--timeout=2.5'])).toMatchObject({
    build: false,
    requireGpu: true,
    allowHosts: ['a.example', 'b.example', 'c.example'],
    timeoutMs: 150_000,
  });
  expect(parseArgs(['demo', '--app-url', 'http://h:1/#v1.c.x'])).toMatchObject({ appUrl: 'http://h:1/', build: false });
  expect(parseArgs(['--help'])).toBeNull();
  expect(() => parseArgs([])).toThrow('no input given');
  expect(() => parseArgs(['demo', '--timeout=-1'])).toThrow('positive number of minutes');
  expect(() => parseArgs(['demo', '--timeout', '0'])).toThrow('positive number of minutes');
  expect(() => parseArgs(['demo', '--timeout', 'soon'])).toThrow('positive number of minutes');
  expect(() => parseArgs(['demo', '--timeout', '-1'])).toThrow('--timeout needs a value (a value that starts with a dash is written --timeout=-VALUE)');
  expect(() => parseArgs(['demo', '--out'])).toThrow('--out needs a value');
  expect(() => parseArgs(['demo', '--fast'])).toThrow('unknown flag --fast');
  expect(() => parseArgs(['demo', 'other'])).toThrow('1 input expected, got 2: demo other');
  expect(parseArgs(['demo'])).toMatchObject({ engine: 'page', dataDir: null });
  expect(parseArgs(['demo', '--engine', 'node', '--data-dir=/data/c4'])).toMatchObject({ engine: 'node', dataDir: '/data/c4' });
  expect(() => parseArgs(['demo', '--engine', 'gpu'])).toThrow('--engine must be page or node (got "gpu")');

  // Presets, links and files all resolve through the app's codec to the same config.
  const demo = resolveInput('demo');
  expect(demo.config).toEqual(defaultConfig());
  const viaLink = resolveInput(`http://elsewhere.example/${demo.fragment}`);
  expect(viaLink.config).toEqual(demo.config);
  expect(viaLink.fragment).toBe(demo.fragment);
  expect(resolveInput(demo.fragment.slice(1)).config).toEqual(demo.config);
  expect(resolveInput(FIXTURE).config).toEqual(fixtureConfig());
  expect(() => resolveInput(`${demo.fragment.slice(0, -3)}AAA`)).toThrow('the share link cannot be opened');

  const remote = defaultConfig();
  remote.data = { kind: 'urls', train: ['https://a.example/t.gz'], validation: ['https://b.example/v.gz'] };
  expect(checkDataHosts(remote, ['a.example'])).toMatchObject({ ok: false });
  expect(checkDataHosts(remote, ['a.example', 'B.example'])).toEqual({ ok: true, hosts: ['a.example', 'b.example'] });
  expect(checkDataHosts(defaultConfig(), [])).toEqual({ ok: true, hosts: [] });
  remote.data = { kind: 'local', train: ['t.jsonl'], validation: ['v.jsonl'] };
  expect(checkDataHosts(remote, [])).toMatchObject({ ok: false });
  // The Node engine reads local files by path.
  expect(checkDataHosts(remote, [], { localFiles: true })).toEqual({ ok: true, hosts: [] });

  // Progress: the page's forecast in cost, as the page computes it (src/train/progress.ts).
  const figures = { fraction: 0.6, elapsedSeconds: 60, remainingSeconds: 40, totalSeconds: 100, tokensDone: 15000, tokensPerSecond: 250, runsDone: 1, runCount: 3 };
  const state = {
    status: 'running',
    error: null,
    warnings: [],
    startedHere: [],
    runs: [
      { id: 'a', status: 'reached-target', stepsDone: 10, maxSteps: 40, tokensPerSecond: 100, batchSize: 4 },
      { id: 'b', status: 'running', stepsDone: 20, maxSteps: 40, tokensPerSecond: 250, batchSize: 8 },
      { id: 'c', status: 'queued', stepsDone: 0, maxSteps: 20, tokensPerSecond: null, batchSize: 16 },
    ],
    progress: figures,
    estimate: null,
    cost: null,
  };
  const p = progressOf(state);
  expect(p).toEqual({ fraction: 0.6, runsDone: 1, runs: 3, tokensPerSecond: 250, etaSeconds: 40 });
  expect(formatProgress(p, 60, 10)).toBe('[######....]  60%  runs 1/3  250 tok/s (wall)  elapsed 01:00  ETA 00:40');
  expect(formatProgress(progressOf({ ...state, progress: { ...figures, fraction: null, remainingSeconds: null } }), 5, 10)).toBe('[..........]   ?%  runs 1/3  250 tok/s (wall)  elapsed 00:05  ETA --:--');
});
