import { describe, expect, it } from 'vitest';
import { InputError, parseSize, parseStepsCsv } from './input';

describe('parseStepsCsv', () => {
  it('reads the columns in any order, with comments, suffixes, extra columns and unreached runs', () => {
    const rows = parseStepsCsv('# a sweep\nsteps,Batch_Size,lr,model_size,data_size\n1200,64,0.001,85M,1.7B\n\n800,128,0.003,85e6,1.7e9\nNA,256,0.01,85M,1.7B\n,512,0.01,85M,1.7B\n');
    expect(rows).toEqual([
      { batchSize: 64, steps: 1200, modelSize: 85e6, dataSize: 1.7e9 },
      { batchSize: 128, steps: 800, modelSize: 85e6, dataSize: 1.7e9 },
      { batchSize: 256, steps: null, modelSize: 85e6, dataSize: 1.7e9 },
      { batchSize: 512, steps: null, modelSize: 85e6, dataSize: 1.7e9 },
    ]);
    expect(parseStepsCsv('batch_size,steps\r\n8,100\r\n')).toEqual([{ batchSize: 8, steps: 100, modelSize: null, dataSize: null }]);
  });

  it('names the line and the problem', () => {
    expect(() => parseStepsCsv('')).toThrow(InputError);
    expect(() => parseStepsCsv('b,s\n1,2')).toThrow(/line 1: the header must name batch_size and steps/);
    expect(() => parseStepsCsv('batch_size,steps\n8,100\n-4,100')).toThrow(/line 3: batch_size "-4" is not a positive number/);
    expect(() => parseStepsCsv('batch_size,steps\n8,abc')).toThrow(/line 2: steps "abc" is not a positive number/);
    expect(() => parseStepsCsv('batch_size,steps,model_size\n8,100')).toThrow(/line 2: expected 3 columns/);
    expect(() => parseStepsCsv('batch_size,steps\n')).toThrow(/no rows/);
  });

  it('parses sizes with k/M/B/T suffixes', () => {
    expect(parseSize('3.07B')).toBeCloseTo(3.07e9, 0);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('1_000')).toBe(1000);
    expect(parseSize('12x')).toBeNull();
  });
});
