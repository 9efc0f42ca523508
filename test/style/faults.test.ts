// Faults and long runs of `stylize`, on a tiny two-conv FeatureModel (fast on every adapter):
// - a loss that blows up mid-run stops with the iteration and the term, and hands back the last good image;
// - a lost device (device.destroy() on a context of its own) is a DeviceLostError carrying the last image;
// - a buffer over the device's limit, or one the GPU cannot allocate, is an error naming the size and --size;
// - 30 L-BFGS iterations keep bytesInUse and the number of pooled GPU buffers constant after warm-up;
// - the same seed on the same adapter gives a bit-identical image.
import { expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { keep } from '../../src/engine/scope.js';
import * as ops from '../../src/engine/ops.js';
import { BufferPool } from '../../src/gpu/buffer-pool.js';
import { createContext, type GpuContext } from '../../src/gpu/context.js';
import type { FeatureModel } from '../../src/models/model.js';
import { planarToInterleaved } from '../../src/io/image.js';
import { DeviceLostError, NonFiniteLossError, stylize, type Image, type StyleRecipe } from '../../src/style/stylize.js';
import { describeEachAdapter, randn, randomArray } from '../harness.js';

/**
 * conv 3→4 (3x3, ReLU) = tap 'a', conv 4→6 (3x3, ReLU) = tap 'b'. From call `blowUpAt` of features()
 * on, b's weights are multiplied by 1e30 so its Gram overflows float32 (an Inf style loss).
 */
function tinyModel(ctx: GpuContext, blowUpAt = Infinity): FeatureModel & { calls: number; dispose(): void } {
  const w1 = keep(Tensor.from(ctx, randn(4 * 3 * 9, 11, 0.4), [4, 3, 3, 3]));
  const b1 = keep(Tensor.from(ctx, randn(4, 12, 0.1), [4]));
  const w2 = keep(Tensor.from(ctx, randn(6 * 4 * 9, 13, 0.3), [6, 4, 3, 3]));
  const huge = keep(Tensor.from(ctx, randn(6 * 4 * 9, 13, 0.3).map((v) => v * 1e30), [6, 4, 3, 3]));
  const model = {
    name: 'vgg19' as const, taps: ['a', 'b'], preprocess: 'torch' as const, calls: 0,
    features(x: Tensor, wanted: readonly string[]) {
      model.calls += 1;
      const a = ops.conv2d(x, w1, b1, { padding: 1, relu: true });
      const out = new Map([['a', a]]);
      if (wanted.includes('b')) out.set('b', ops.conv2d(a, model.calls >= blowUpAt ? huge : w2, null, { padding: 1, relu: true }));
      return out;
    },
    dispose() { for (const t of [w1, b1, w2, huge]) t.dispose(); },
  };
  return model;
}

const W = 13;
const H = 11;
const content: Image = { data: randomArray(3 * W * H, 1, 0, 1), width: W, height: H };
const style: Image = { data: randomArray(3 * 9 * 10, 2, 0, 1), width: 9, height: 10 };

function recipe(overrides: Partial<StyleRecipe> = {}): StyleRecipe {
  return {
    contentLayers: ['a'], styleLayers: ['a', 'b'], styleLayerWeights: [1, 1], smoothing: 'softmax', smoothLayers: 'all', temperature: 1,
    contentWeight: 1, styleWeight: 1e3, tvWeight: 1e-3, optimizer: 'adam', learningRate: 0.02, iterations: 10, init: 'content', seed: 0, reportEvery: 1,
    ...overrides,
  };
}

const allFinite = (image: Image) => image.data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1);

describeEachAdapter('stylize faults', (getCtx) => {
  it('a loss that becomes Inf stops the run, naming the iteration and the term, with the last good image', async () => {
    const ctx = await getCtx();
    // features() calls: content + style targets (2), calibrate (1), then one per Adam step: the 6th step blows up.
    const before = ctx.pool.stats.bytesInUse;
    const model = tinyModel(ctx, 3 + 6);
    const seen: Image[] = [];
    // No smoothing: a softmax would tame the 1e30 activations (SWAG's point), so the Gram overflows as it should here.
    const error = await stylize(ctx, model, content, style, recipe({ smoothing: 'none' }), {
      onProgress: async (_p, preview) => { seen.push(await preview()); },
    }).catch((e) => e);
    model.dispose();
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error.message).toMatch(/non-finite at iteration 6 \(style term at b\)/);
    expect(error.iteration).toBe(6);
    expect(allFinite(error.lastGood)).toBe(true);
    expect(seen.length).toBe(5);
    expect(Array.from(error.lastGood.data)).toEqual(Array.from(seen[4].data)); // the image at iteration 5
    expect(ctx.pool.stats.bytesInUse - before).toBe(0); // nothing leaked on the error path either
  });

  it('30 L-BFGS iterations: bytesInUse and the number of GPU buffers constant once the history is full', async () => {
    const ctx = await getCtx();
    const before = ctx.pool.stats.bytesInUse;
    const model = tinyModel(ctx);
    const samples: Array<{ inUse: number; buffers: number; created: number; evaluations: number }> = [];
    const result = await stylize(ctx, model, content, style, recipe({ optimizer: 'lbfgs', learningRate: 1, iterations: 30, lbfgsHistory: 5 }), {
      onProgress: (p) => { samples.push({ inUse: ctx.pool.stats.bytesInUse, buffers: ctx.pool.stats.buffers, created: ctx.pool.stats.created, evaluations: p.evaluations }); },
    });
    model.dispose();
    expect(result.evaluations).toBeGreaterThanOrEqual(30);
    // Warm-up: the L-BFGS history (s, y pairs) is allocated as it fills, 5 pairs here; after it, nothing grows.
    const steady = samples.slice(7);
    expect(new Set(steady.map((s) => s.inUse)).size, JSON.stringify(samples)).toBe(1);
    expect(new Set(steady.map((s) => s.buffers)).size, JSON.stringify(samples)).toBe(1);
    expect(new Set(steady.map((s) => s.created)).size, JSON.stringify(samples)).toBe(1);
    expect(ctx.pool.stats.bytesInUse - before).toBe(0);
  });

  it('same seed, same adapter: bit-identical output (noise init, L-BFGS)', async () => {
    const ctx = await getCtx();
    const model = tinyModel(ctx);
    const runOnce = () => stylize(ctx, model, content, style, recipe({ optimizer: 'lbfgs', learningRate: 1, iterations: 8, init: 'noise', seed: 7, reportEvery: 4 }));
    const a = await runOnce();
    const b = await runOnce();
    const other = await stylize(ctx, model, content, style, recipe({ optimizer: 'lbfgs', learningRate: 1, iterations: 8, init: 'noise', seed: 8, reportEvery: 4 }));
    model.dispose();
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
    expect(Buffer.from(planarToInterleaved(a.image)).equals(Buffer.from(planarToInterleaved(b.image)))).toBe(true);
    expect(a.loss).toEqual(b.loss);
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(other.image.data.buffer))).toBe(false);
  });

  it('a buffer over maxBufferSize is refused up front, naming the size, the limit and --size', async () => {
    const ctx = await createContext(ctx0Adapter(await getCtx()));
    ctx.pool.maxBufferSize = 64 * 1024; // a device with little memory: 13x11x... fits, 128x128x4 channels does not
    const model = tinyModel(ctx);
    const big: Image = { data: randomArray(3 * 128 * 128, 3, 0, 1), width: 128, height: 128 };
    const error = await stylize(ctx, model, big, style, recipe({ iterations: 2 })).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/a \d+(\.\d)? KiB buffer exceeds this device's maxBufferSize \(64\.0 KiB\); try a smaller --size/);
    expect(error.message).not.toMatch(/validation/i);
    ctx.device.destroy();
  });

  it('a lost device (device.destroy()) is a DeviceLostError carrying the last reported image', async () => {
    const ctx = await createContext(ctx0Adapter(await getCtx()));
    const model = tinyModel(ctx);
    const seen: Image[] = [];
    const error = await stylize(ctx, model, content, style, recipe({ iterations: 20 }), {
      onProgress: async (p, preview) => {
        seen.push(await preview());
        if (p.iteration === 3) ctx.device.destroy();
      },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(DeviceLostError);
    expect(error.message).toMatch(/GPU device was lost after iteration [34] .*the image at iteration 3 is kept/);
    expect(allFinite(error.lastGood)).toBe(true);
    expect([error.lastGood.width, error.lastGood.height]).toEqual([W, H]);
    expect(Array.from(error.lastGood.data)).toEqual(Array.from(seen[2].data));
  }, 60_000);
});

/** The adapter kind of a shared context, to open a second device of the same kind. */
function ctx0Adapter(ctx: GpuContext): 'gpu' | 'llvmpipe' | 'swiftshader' {
  return ctx.gpu.adapter.kind as 'gpu' | 'llvmpipe' | 'swiftshader';
}

it('a GPU allocation that fails (out-of-memory error scope) becomes an error naming the size and --size', async () => {
  // A stand-in device whose every createBuffer reports out-of-memory through its error scope, as Dawn does.
  const scopes: string[] = [];
  const device = {
    pushErrorScope: (filter: string) => { scopes.push(filter); },
    popErrorScope: async () => ({ message: 'Out of memory allocating 805306368 bytes' }),
    createBuffer: ({ size, label }: { size: number; label: string }) => ({ size, label, destroy() {} }),
  } as unknown as GPUDevice;
  const failures: Promise<Error | null>[] = [];
  const pool = new BufferPool(device, 2 ** 31, (f) => failures.push(f));
  pool.acquire(600 * 2 ** 20, 'conv2d output');
  expect(scopes).toEqual(['out-of-memory']);
  const error = await failures[0];
  expect(error?.message).toBe('conv2d output: the GPU could not allocate a 768.0 MiB buffer (0 B already in use): Out of memory allocating 805306368 bytes. Try a smaller --size.');
});
