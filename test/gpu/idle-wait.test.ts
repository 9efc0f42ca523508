// idleWait (src/gpu/idle-wait.ts): while a wait is pending, the global setImmediate that dawn.node's polling loop
// looks up is a 1 ms timer; it is restored when the last pending wait settles, also after a rejection.
import { describe, expect, it } from 'vitest';
import { idleWait } from '../../src/gpu/idle-wait.js';

describe('idleWait', () => {
  const original = globalThis.setImmediate;

  it('swaps setImmediate for a 1 ms timer while pending, restores it afterwards', async () => {
    let during: typeof setImmediate | null = null;
    let ran = 0;
    const value = await idleWait(true, async () => {
      during = globalThis.setImmediate;
      // What dawn.node does: queue a callback through the global; it still runs, after the timer.
      await new Promise<void>((resolve) => globalThis.setImmediate(() => { ran++; resolve(); }));
      return 42;
    });
    expect(value).toBe(42);
    expect(ran).toBe(1);
    expect(during).not.toBe(original);
    expect(globalThis.setImmediate).toBe(original);
  });

  it('nested and overlapping waits restore only when the last one settles', async () => {
    let release!: () => void;
    const first = idleWait(true, () => new Promise<void>((resolve) => { release = resolve; }));
    const second = idleWait(true, async () => 'done');
    expect(await second).toBe('done');
    expect(globalThis.setImmediate).not.toBe(original); // `first` is still pending
    release();
    await first;
    expect(globalThis.setImmediate).toBe(original);
  });

  it('restores after a rejection, and leaves setImmediate alone when not idle', async () => {
    await expect(idleWait(true, async () => { throw new Error('device lost'); })).rejects.toThrow('device lost');
    expect(globalThis.setImmediate).toBe(original);
    let during: typeof setImmediate | null = null;
    await idleWait(false, async () => { during = globalThis.setImmediate; });
    expect(during).toBe(original);
  });
});
