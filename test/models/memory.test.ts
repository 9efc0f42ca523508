// The largest input a model takes on a device (issue 7: "past that, a clear error that names the largest
// size that fits"). Every activation is one GPU buffer, so the bound is the device's maxBufferSize:
// - largestActivation agrees with the real networks: the biggest tensor the ResNet-50 (real weights) and
//   VGG-19 (random weights) forward passes make at an odd size has exactly that many bytes;
// - a whole style transfer (VGG-19 forward + backward, Grams, L-BFGS buffers) runs with the pool's
//   maxBufferSize lowered to exactly largestBuffer (the activation, or at small sizes the widest Gram):
//   nothing else needs a bigger buffer;
// - the engine refuses a larger output before loading any model, naming the layer, the bytes, the
//   limit and the largest size, and that size passes the check.
import { describe, expect, it } from 'vitest';
import { getContext } from '../../src/gpu/context.js';
import { Tensor } from '../../src/engine/tensor.js';
import { noGrad, scope } from '../../src/engine/scope.js';
import * as ops from '../../src/engine/ops.js';
import { VGG19, VGG19_TAPS } from '../../src/models/vgg19.js';
import { loadModel } from '../../src/models/load.js';
import type { FeatureModel } from '../../src/models/model.js';
import { checkModelFits, largestActivation, largestBuffer, largestFittingSize } from '../../src/models/memory.js';
import { stylize } from '../../src/style/stylize.js';
import { getPreset } from '../../src/style/presets.js';
import { recipeFromPreset } from '../../src/style/stylize.js';
import { createEngine } from '../../src/node.js';
import { fastestAdapter, randomArray } from '../harness.js';
import { randomVgg19 } from './fixtures.js';

/**
 * Bytes of the largest tensor a forward pass to every tap creates (taps, and every op output recorded on the
 * way). Kernel scratch is left out — Winograd's transformed tiles (4x a conv's input or output) and im2col's
 * patch matrix (C·KH·KW x outH·outW: 2.3x the stem's output) — because those routes are taken only where their
 * scratch fits the pool's maxBufferSize (winogradApplies, im2colApplies; the next test runs at that bound).
 */
function largestForward(model: FeatureModel, width: number, height: number, ctx: Awaited<ReturnType<typeof getContext>>): number {
  let largest = 0;
  const acquire = ctx.pool.acquire.bind(ctx.pool);
  ctx.pool.acquire = (bytes: number, label?: string) => {
    if (!/^conv2dWinograd|im2col/.test(label ?? '')) largest = Math.max(largest, bytes);
    return acquire(bytes, label);
  };
  try {
    noGrad(() => scope(() => { model.features(ops.preprocess(Tensor.from(ctx, randomArray(3 * width * height, 1, 0, 1), [1, 3, height, width]), model.preprocess), model.taps); }));
  } finally {
    ctx.pool.acquire = acquire;
  }
  return largest;
}

describe(`model memory [${fastestAdapter()}]`, () => {
  it('largestActivation = the largest buffer the ResNet-50 and VGG-19 forward passes acquire (odd sizes)', async () => {
    const ctx = await getContext(fastestAdapter());
    const resnet = await loadModel(ctx, 'resnet50');
    for (const [w, h] of [[45, 37], [64, 50]]) {
      expect(largestForward(resnet, w, h, ctx), `resnet50 ${w}x${h}`).toBe(largestActivation('resnet50', w, h).bytes);
    }
    const vgg = new VGG19(ctx, randomVgg19());
    expect(vgg.taps).toEqual(VGG19_TAPS);
    expect(largestForward(vgg, 45, 37, ctx)).toBe(largestActivation('vgg19', 45, 37).bytes);
  }, 120_000);

  it('a VGG-19 style transfer runs with maxBufferSize lowered to largestBuffer: the bound is sufficient', async () => {
    const ctx = await getContext(fastestAdapter());
    const vgg = new VGG19(ctx, randomVgg19());
    // 40x30: the relu5_1 Gram (1 MiB) is the largest; 80x60: relu1_1 (1.2 MiB).
    for (const [w, h] of [[40, 30], [80, 60]]) await runAtBound(ctx, vgg, w, h);
  }, 120_000);

  async function runAtBound(ctx: Awaited<ReturnType<typeof getContext>>, vgg: VGG19, w: number, h: number) {
    const image = (seed: number) => ({ data: randomArray(3 * w * h, seed, 0, 1), width: w, height: h });
    const recipe = { ...recipeFromPreset(getPreset('vgg19')), iterations: 2 };
    const saved = ctx.pool.maxBufferSize;
    const bound = largestBuffer('vgg19', w, h);
    expect(bound.layer).toBe(w === 40 ? 'relu5_1 Gram' : 'conv1_1 / relu1_1');
    ctx.pool.maxBufferSize = bound.bytes;
    try {
      const result = await stylize(ctx, vgg, image(1), image(2), recipe);
      expect(result.image.data.every(Number.isFinite)).toBe(true);
      // One float more than the bound and the same run is refused.
      ctx.pool.maxBufferSize -= 4;
      await expect(stylize(ctx, vgg, image(1), image(2), recipe)).rejects.toThrow(/exceeds this device's maxBufferSize/);
    } finally {
      ctx.pool.maxBufferSize = saved;
    }
  }

  it('the engine refuses an output too large for the device, naming the layer, the limit and the largest size that fits', async () => {
    const ctx = await getContext(fastestAdapter());
    const engine = await createEngine({ context: ctx });
    const saved = ctx.pool.maxBufferSize;
    ctx.pool.maxBufferSize = 20 << 20;  // 20 MiB: the stem 64·(W/2)·(H/2) floats → about 590x443 at 4:3
    try {
      const content = { data: randomArray(3 * 800 * 600, 3, 0, 1), width: 800, height: 600 };
      const error = await engine.stylize({ content, style: content, size: 'keep', iterations: 1 }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      const fit = largestFittingSize('resnet50', 800, 600, 20 << 20)!;
      expect((error as Error).message).toBe(
        `output 800x600 is too large for resnet50 on this device: its stem [1,64,300,400] needs a 29.3 MiB buffer, `
        + `over the device's maxBufferSize (20.0 MiB); the largest output that fits is ${fit.width}x${fit.height} (size ${fit.width})`);
      // The size named fits, one pixel more on the long side does not.
      expect(() => checkModelFits('resnet50', fit.width, fit.height, 20 << 20)).not.toThrow();
      expect(largestBuffer('resnet50', fit.width + 1, Math.round(((fit.width + 1) * 3) / 4)).bytes).toBeGreaterThan(20 << 20);
      expect(fit.width * 3).toBeCloseTo(fit.height * 4, -1);
    } finally {
      ctx.pool.maxBufferSize = saved;
    }
  }, 60_000);
});
