import { describe, expect, it } from 'vitest';
import { InputError, describeTableSource, parseSize, parseStepsCsv, readStepsTable } from './input';

describe('readStepsTable', () => {
  it('reads the columns in any order, with comments, suffixes and unreached runs', () => {
    const rows = parseStepsCsv('# a sweep\nsteps,Batch_Size,model_size,data_size\n1200,64,85M,1.7B\n\n800,128,85e6,1.7e9\nNA,256,85M,1.7B\n,512,85M,1.7B\n');
    expect(rows).toEqual([
      { batchSize: 64, steps: 1200, modelSize: 85e6, dataSize: 1.7e9 },
      { batchSize: 128, steps: 800, modelSize: 85e6, dataSize: 1.7e9 },
      { batchSize: 256, steps: null, modelSize: 85e6, dataSize: 1.7e9 },
      { batchSize: 512, steps: null, modelSize: 85e6, dataSize: 1.7e9 },
    ]);
    expect(parseStepsCsv('\uFEFFbatch_size,steps\r\n8,100\r\n')).toEqual([{ batchSize: 8, steps: 100, modelSize: null, dataSize: null }]);
  });

  it("reads the lab's own steps export as it is (steps_to_target, non_embedding_params, quoted notes)", () => {
    const csv = [
      'run_id,model,non_embedding_params,data_size,batch_size,peak_lr,replicate,status,reference,steps_to_target,steps_done,tokens_done,target_loss,note',
      'r0,micro,98304,1000000,4,0.001,0,finished,yes,,128,16384,3.5,',
      'r1,micro,98304,1000000,4,0.001,0,reached-target,no,120,120,15360,3.5,',
      'r2,micro,98304,1000000,4,0.001,1,reached-target,no,110,110,14080,3.5,',
      'r3,micro,98304,1000000,8,0.001,0,diverged,no,,40,10240,3.5,"loss became NaN, at step 40"',
    ].join('\n');
    const { rows, source } = readStepsTable(csv);
    // The reference run sets the target and is not a point: skipped, and said so.
    expect(rows).toEqual([
      { batchSize: 4, steps: 120, modelSize: 98304, dataSize: 1e6, replicate: 0 },
      { batchSize: 4, steps: 110, modelSize: 98304, dataSize: 1e6, replicate: 1 },
      { batchSize: 8, steps: null, modelSize: 98304, dataSize: 1e6, replicate: 0 },
    ]);
    expect(source.referenceRows).toBe(1);
    expect(describeTableSource(source)).toContain('1 reference run(s) skipped (they set the target; they are not points)');
    expect(source.columns.replicate).toEqual({ header: 'replicate', how: 'alias' });
    expect(source.columns.steps).toEqual({ header: 'steps_to_target', how: 'alias' });
    expect(source.columns.modelSize).toMatchObject({ header: 'non_embedding_params', unit: 'units', unitFrom: 'default' });
    expect(source.notes).toEqual([]);
  });

  it("reads the paper's notebook header: N in millions, detected from the header, converted to parameters", () => {
    const { rows, source } = readStepsTable('model_params_m,batch_size,steps_to_target\n85,256,19113.3\n1200,512,7000\n');
    expect(rows).toEqual([
      { batchSize: 256, steps: 19113.3, modelSize: 85e6, dataSize: null },
      { batchSize: 512, steps: 7000, modelSize: 1.2e9, dataSize: null },
    ]);
    expect(source.columns.modelSize).toEqual({ header: 'model_params_m', how: 'alias', unit: 'millions', unitFrom: 'header' });
    expect(describeTableSource(source)).toContain('model size N from "model_params_m" in millions of parameters (from the header), converted to parameters');
  });

  it('units: declared, or a cell suffix, and a warning when small sizes are read as parameters', () => {
    expect(readStepsTable('params,bs,steps\n85,8,100\n0.3B,8,90\n', { modelSizeUnit: 'millions' }).rows.map((r) => r.modelSize)).toEqual([85e6, 0.3e9]);
    const unsure = readStepsTable('model_size,bs,steps\n85,8,100\n');
    expect(unsure.rows[0].modelSize).toBe(85);
    expect(unsure.source.notes[0]).toMatch(/every model size in "model_size" is below 10,000, read as parameters; .*--model-size-unit millions/);
    expect(readStepsTable('tokens_b,bs,steps\n3.07,8,100\n').rows[0].dataSize).toBeCloseTo(3.07e9, 0);
  });

  it('columns named by the user, and a group column; aliases: bs, steps, tokens', () => {
    const csv = 'Name,Group,global bs,iters to 3.5,tokens\n"run 1, lr=1e-3",A,8,100,2e6\n"run 2, lr=3e-3",B,8,90,2e6\nrun 3,A,16,60,2e6\n';
    const { rows, source } = readStepsTable(csv, { columns: { batchSize: 'GLOBAL BS', steps: 'iters to 3.5', group: 'group' } });
    expect(rows).toEqual([
      { batchSize: 8, steps: 100, modelSize: null, dataSize: 2e6, group: 'A' },
      { batchSize: 8, steps: 90, modelSize: null, dataSize: 2e6, group: 'B' },
      { batchSize: 16, steps: 60, modelSize: null, dataSize: 2e6, group: 'A' },
    ]);
    expect(source.columns.batchSize).toEqual({ header: 'global bs', how: 'named' });
    expect(readStepsTable('bs,steps\n8,100\n').rows).toEqual([{ batchSize: 8, steps: 100, modelSize: null, dataSize: null }]);
    expect(() => readStepsTable(csv, { columns: { group: 'team' } })).toThrow(/line 1: no column "team" \(--group-col\)/);
  });

  it('quoted fields with commas, quotes and newlines (W&B name columns) keep every column in place, and lines are counted right', () => {
    const csv = '# exported\nName,batch_size,steps\n"a, b",8,100\n"say ""hi""",16,60\n"two\nlines",32,40\n\n"bad, row",64,oops\n';
    expect(() => readStepsTable(csv)).toThrow(/^line 8: steps "oops" is not a positive number/);
    const good = readStepsTable(csv.replace('oops', '30'));
    expect(good.rows.map((r) => [r.batchSize, r.steps])).toEqual([
      [8, 100],
      [16, 60],
      [32, 40],
      [64, 30],
    ]);
  });

  it('names the line and the problem', () => {
    expect(() => parseStepsCsv('')).toThrow(InputError);
    expect(() => parseStepsCsv('# only a comment\n')).toThrow(/the CSV is empty/);
    expect(() => parseStepsCsv('b,s\n1,2')).toThrow(/line 1: the header "b,s" has no batch size \(.*\) and no steps \(.*\) column; name them with --batch-col and --steps-col/);
    expect(() => parseStepsCsv('batch_size,steps\n8,100\n-4,100')).toThrow(/line 3: batch_size "-4" is not a positive number/);
    expect(() => parseStepsCsv('batch_size,steps\n8,abc')).toThrow(/line 2: steps "abc" is not a positive number/);
    expect(() => parseStepsCsv('batch_size,steps,model_size\n8,100')).toThrow(/line 2: expected 3 columns, got 2/);
    // A row with more cells than the header is an error, not silently cut.
    expect(() => parseStepsCsv('batch_size,steps\n4,1,560')).toThrow(/line 2: expected 2 columns, got 3 \("4,1,560"\)/);
    expect(() => parseStepsCsv('batch_size,steps\n4,"12\n')).toThrow(/line 2: quoted field unterminated/);
    expect(() => parseStepsCsv('batch_size,steps\n')).toThrow(/no rows/);
  });

  it('refuses a row with more cells than the header (a thousands separator), instead of reading 4,1,560 as steps = 1', () => {
    expect(() => parseStepsCsv('batch_size,steps\n4,1,560\n')).toThrow(/line 2: expected 2 columns, got 3 \("4,1,560"\)/);
  });

  it('parses sizes with k/M/B/T suffixes', () => {
    expect(parseSize('3.07B')).toBeCloseTo(3.07e9, 0);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('1_000')).toBe(1000);
    expect(parseSize('12x')).toBeNull();
  });
});
