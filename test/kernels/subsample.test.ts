// subsample kernel: subsample.wgsl (every S-th pixel, and its scatter-back backward) against the reference;
// the reference pair against the adjoint identity <subsample(x), y> = <x, subsampleBackward(y)>.
import { expect, it, describe } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { subsample, subsampleBackward, subsampledSize } from '../../src/kernels/conv/subsample.js';
import * as ref from '../../src/kernels/conv/subsample.reference.js';

const CASES = [
  { planes: 3, H: 7, W: 8, S: 2 },   // odd height: the last row is sampled
  { planes: 5, H: 9, W: 11, S: 3 },
  { planes: 2, H: 4, W: 4, S: 1 },   // stride 1: a copy
];

describe('subsample reference', () => {
  it.each(CASES)('%o: the backward is the adjoint of the forward', (s) => {
    const { outH, outW } = subsampledSize(s);
    const x = randomArray(s.planes * s.H * s.W, 1), y = randomArray(s.planes * outH * outW, 2);
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((t, v, i) => t + v * b[i], 0);
    expect(Math.abs(dot(ref.subsample(x, s), y) - dot(x, ref.subsampleBackward(y, s)))).toBeLessThan(1e-9);
  });
});

describeEachAdapter('subsample', (getCtx) => {
  for (const s of CASES) {
    it(`${s.planes} planes of ${s.H}x${s.W}, stride ${s.S}: forward and backward match the reference`, async () => {
      const ctx = await getCtx();
      const { outH, outW } = subsampledSize(s);
      const small = s.planes * outH * outW, large = s.planes * s.H * s.W;
      const x = randomArray(large, 3), dy = randomArray(small, 4);
      const y = ctx.pool.acquire(small * 4), dx = ctx.pool.acquire(large * 4);
      subsample(ctx, ctx.bufferFrom(x), y, s);
      subsampleBackward(ctx, ctx.bufferFrom(dy), dx, s);
      assertClose(await ctx.readF32(y, small), ref.subsample(x, s), { atol: 0, what: 'subsample', shape: [s.planes, outH, outW] });
      assertClose(await ctx.readF32(dx, large), ref.subsampleBackward(dy, s), { atol: 0, what: 'subsampleBackward', shape: [s.planes, s.H, s.W] });
    });
  }

  it('refuses a buffer too small, naming the shape', async () => {
    const ctx = await getCtx();
    const b = ctx.pool.acquire(256);
    expect(() => subsample(ctx, b, b, { planes: 64, H: 32, W: 32, S: 2 })).toThrow(/subsample: source holds \d+ floats, needs 65536 \(64 planes of 32x32, stride 2\)/);
    ctx.pool.release(b);
  });
});
