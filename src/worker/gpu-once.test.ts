import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reacquiring } from './gpu-once';

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('reacquiring (the worker\'s device)', () => {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => void unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', listener);
  });
  afterEach(() => void process.off('unhandledRejection', listener));

  it('without an adapter: the caller gets the error, nothing is left unhandled, the next call tries again', async () => {
    let calls = 0;
    const gpu = reacquiring<{ lost: Promise<unknown> }>(() => {
      calls++;
      return Promise.reject(new Error('WebGPU is present but the browser offered no adapter'));
    });
    await expect(gpu()).rejects.toThrow('no adapter');
    await tick();
    await expect(gpu()).rejects.toThrow('no adapter');
    await tick();
    expect(calls).toBe(2);
    expect(unhandled).toEqual([]);
  });

  it('shares one device, and acquires a new one after it is lost', async () => {
    const devices: { lost: Promise<unknown>; lose: () => void }[] = [];
    const gpu = reacquiring(async () => {
      let lose!: () => void;
      const device = { lost: new Promise<void>((resolve) => (lose = resolve)), lose: () => lose() };
      devices.push(device);
      return device;
    });
    expect(await gpu()).toBe(await gpu());
    devices[0].lose();
    await tick();
    expect(await gpu()).toBe(devices[1]);
    expect(devices).toHaveLength(2);
    expect(unhandled).toEqual([]);
  });
});
