// GPU memory accounting and the --max-memory budget (issue 25).
// - models/memory.ts estimates a style transfer's pooled peak (weights included) with and without
//   recomputed activations; the estimate is checked against the peak the buffer pool measures in real
//   runs (ResNet-50, real weights, SWAG preset, L-BFGS with history 1 so the history is full at the 2nd
//   iteration): it must not be under the measured peak, nor more than 20 % over it. 256 px runs always;
//   512 px and 1024 px are slow (measured 2-5 and 11-35 minutes on the shared 2-core llvmpipe machine) and run with
//   SWAGPU_SLOW=1, as `SWAGPU_SLOW=1 npx vitest run test/models/memory-budget.test.ts`.
//   VGG-19 (seeded random weights) is checked the same way at 128 px.
// - With a budget under the plain estimate the engine recomputes (checkpoints chosen), the measured
//   peak drops and the first loss is the same.
// - Past recomputation a budget keeps the loss targets in CPU memory, caps the backward kernels' temporaries, then shortens the L-BFGS history,
//   each only as far as it must; with the smallest plan (history 1, direct backward kernels) at the
//   default history the measured peak stays under the budget, with the same first loss (512 px: slow). The
//   issue's goal, 512 px under --max-memory 256 (the CLI's default images, 512x341 and square, the default swag
//   preset and resnet50-swag), is checked with SWAGPU_SLOW=1.
// - A budget too small even with recomputation is refused before any GPU work, naming the estimate,
//   the budget and the largest size that fits, and that size is accepted.
import { existsSync, readFileSync } from 'node:fs';
import { memoryTable } from '../../src/api/memory-table.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/node.js';
import { bestPlan, estimatePeak, largestFittingSize, largestSizeWithin, planMemory, runShapeOf, smallestEstimate, weightBytes } from '../../src/models/memory.js';
import { getPreset } from '../../src/style/presets.js';
import { fastestAdapter, randomArray } from '../harness.js';
import { getContext } from '../../src/gpu/context.js';
import { VGG19 } from '../../src/models/vgg19.js';
import { stylize, recipeFromPreset } from '../../src/style/stylize.js';
import { randomVgg19 } from './fixtures.js';
import { findWeightsFile } from '../../src/models/weights-home.js';

/** The ResNet-50 weights wherever the weights rule finds them (the user cache, or a checkout's weights/). */
const RESNET_WEIGHTS = findWeightsFile('resnet50-keras.safetensors');

const hasWeights = existsSync(RESNET_WEIGHTS);
const MiB = 2 ** 20;
const swag = (m = 10) => runShapeOf('resnet50', { ...getPreset('resnet50-swag'), lbfgsHistory: m });

describe('memory plan (no GPU)', () => {
  it("README's memory table is what the accounting computes", () => {
    expect(readFileSync('README.md', 'utf8')).toContain(memoryTable());
  });

  it('no recomputation when the plain estimate fits or there is no budget; checkpoints when it does not', () => {
    const run = swag();
    const plain = estimatePeak('resnet50', 512, 512, run, null).bytes;
    expect(planMemory('resnet50', 512, 512, run, undefined).checkpoints).toBeNull();
    expect(planMemory('resnet50', 512, 512, run, plain).checkpoints).toBeNull();
    const plan = planMemory('resnet50', 512, 512, run, plain - 1);
    expect(plan.checkpoints).not.toBeNull();
    expect(plan.estimate.bytes).toBeLessThan(plain);
    // The weights term is the folded conv weights + biases in the pool's size classes: 117419776 measured with
    // the FC, less its 8 MiB + 4 KiB classes (the classifier is uploaded only to classify).
    expect(weightBytes('resnet50')).toBe(117419776 - 8 * MiB - 4096);
  });

  it('past recomputation a budget keeps the targets in CPU memory, caps the backward temporaries, then shortens the L-BFGS history, only as far as it must', () => {
    const run = swag(10);
    const recomputed = bestPlan('resnet50', 512, 512, run);
    // Recomputation alone fits: nothing else is given up.
    const a = planMemory('resnet50', 512, 512, run, recomputed.estimate.bytes);
    expect([a.lbfgsHistory, a.backwardScratchBytes, a.targetsOnHost]).toEqual([10, null, false]);
    // Just under it: the targets go to CPU memory first (the Grams and the content target: 37 MiB at 512 px
    // off the deep terms' peak), the history kept.
    const b = planMemory('resnet50', 512, 512, run, recomputed.estimate.bytes - 1);
    expect([b.lbfgsHistory, b.targetsOnHost]).toEqual([10, true]);
    expect(b.estimate.bytes).toBeLessThan(recomputed.estimate.bytes);
    const host = bestPlan('resnet50', 512, 512, run, Infinity, true).estimate.bytes;
    expect(planMemory('resnet50', 512, 512, run, host).backwardScratchBytes).toBeNull();
    // Just under that: the backward temporaries are capped, the history kept.
    const b2 = planMemory('resnet50', 512, 512, run, host - 1);
    expect([b2.lbfgsHistory, b2.targetsOnHost]).toEqual([10, true]);
    expect(b2.backwardScratchBytes).not.toBeNull();
    // Under the best with direct backward kernels: fewer L-BFGS pairs, the most that fit.
    const direct = bestPlan('resnet50', 512, 512, run, 0, true).estimate.bytes;
    const c = planMemory('resnet50', 512, 512, run, direct - 1);
    expect(c.lbfgsHistory).toBeLessThan(10);
    expect(c.estimate.bytes).toBeLessThan(direct);
    expect(bestPlan('resnet50', 512, 512, swag(c.lbfgsHistory + 1), 0, true).estimate.bytes).toBeGreaterThan(direct - 1);
    // Each pair is two image-sized vectors (3 MiB each at 512 px).
    expect(bestPlan('resnet50', 512, 512, swag(9), 0, true).estimate.bytes).toBe(direct - 2 * 3 * MiB);
    // Adam has no history to give up: its smallest estimate is the recomputed one with the targets on the host and direct backward kernels.
    const adam = runShapeOf('resnet50', { ...getPreset('resnet50-swag'), optimizer: 'adam' });
    expect(smallestEstimate('resnet50', 512, 512, adam).bytes).toBe(bestPlan('resnet50', 512, 512, adam, 0, true).estimate.bytes);
    expect(planMemory('resnet50', 512, 512, swag(10), smallestEstimate('resnet50', 512, 512, run).bytes).lbfgsHistory).toBe(1);
  });

  it('a budget too small even with recomputation names the largest size that fits it', () => {
    const run = swag();
    const budget = 256 * MiB;
    const error = (() => { try { planMemory('resnet50', 640, 480, run, budget); } catch (e) { return e as Error; } return null; })();
    const fit = largestSizeWithin('resnet50', 640, 480, run, budget)!;
    expect(error?.message).toMatch(new RegExp(`^output 640x480 needs about [\\d.]+ MiB of GPU memory for resnet50 even with recomputed activations, loss targets in CPU memory, L-BFGS history 1 and direct backward kernels \\([\\d.]+ MiB without\\), over the --max-memory budget of 256.0 MiB; the largest output that fits is ${fit.width}x${fit.height} \\(size ${fit.width}\\)$`));
    expect(() => planMemory('resnet50', fit.width, fit.height, run, budget)).not.toThrow();
    expect(() => planMemory('resnet50', fit.width + 2, Math.round(((fit.width + 2) * 3) / 4), run, budget)).toThrow(/budget/);
    // Both bounds hold: with room to spare in the budget, the device's maxBufferSize names the size (as before).
    expect(largestSizeWithin('resnet50', 1280, 960, run, 64 * 2 ** 30, 20 * MiB)).toEqual(largestFittingSize('resnet50', 1280, 960, 20 * MiB));
    console.log(`resnet50 SWAG in 256 MiB: ${fit.width}x${fit.height}`);
  });
});

describe.skipIf(!hasWeights)(`measured peaks against the accounting [${fastestAdapter()}]`, () => {
  let engine: Awaited<ReturnType<typeof createEngine>>;
  beforeAll(async () => { engine = await createEngine({ adapter: fastestAdapter() }); });
  afterAll(() => engine.dispose());
  const options = { preset: 'resnet50-swag', content: 'assets/images/content/chelsea.png', style: 'assets/images/style/starry_night.jpg', square: true, iterations: 2, lbfgsHistory: 1 };

  it('the engine refuses --max-memory 256 at 2048 px before any GPU work, naming the size that fits', async () => {
    const error = await engine.stylize({ ...options, size: 2048, maxMemory: 256 }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^output 2048x2048 needs about .* over the --max-memory budget of 256.0 MiB; the largest output that fits is (\d+)x\1/);
  });

  async function compare(size: number) {
    const plain = await engine.stylize({ ...options, size });
    expect(plain.memory.checkpoints).toBeNull();
    // A budget just over the best recomputation plan's estimate: the engine must recompute.
    const best = bestPlan('resnet50', size, size, swag(1)).estimate.bytes / MiB;
    const budgeted = await engine.stylize({ ...options, size, maxMemory: Math.ceil(best) + 1 });
    expect(budgeted.memory.checkpoints).not.toBeNull();
    for (const r of [plain, budgeted]) {
      expect(r.memory.estimatedBytes, `${size} px, checkpoints ${r.memory.checkpoints?.length ?? 'none'}`).toBeGreaterThanOrEqual(r.peakBytes);
      expect(r.memory.estimatedBytes).toBeLessThanOrEqual(1.2 * r.peakBytes);
    }
    expect(budgeted.peakBytes).toBeLessThan(plain.peakBytes);
    expect(budgeted.peakBytes).toBeLessThanOrEqual((Math.ceil(best) + 1) * MiB);
    expect(budgeted.loss.start).toBe(plain.loss.start);
    console.log(`resnet50 ${size} px: peak ${(plain.peakBytes / MiB).toFixed(1)} MiB (estimate ${(plain.memory.estimatedBytes / MiB).toFixed(1)}), `
      + `with --max-memory ${Math.ceil(best) + 1}: ${(budgeted.peakBytes / MiB).toFixed(1)} MiB (estimate ${(budgeted.memory.estimatedBytes / MiB).toFixed(1)})`);
  }

  it('VGG-19 (random weights) at 128 px: the estimate bounds the measured peak within 20 %, with and without recomputation', async () => {
    const ctx = await getContext(fastestAdapter());
    const vgg = new VGG19(ctx, randomVgg19());
    const size = 128;
    const image = (seed: number) => ({ data: randomArray(3 * size * size, seed, 0, 1), width: size, height: size });
    const preset = getPreset('vgg19');
    const run = runShapeOf('vgg19', { ...preset, lbfgsHistory: 1 });
    const losses: number[] = [];
    for (const checkpoints of [null, bestPlan('vgg19', size, size, run).checkpoints]) {
      await ctx.sync();
      ctx.pool.stats.peakBytes = ctx.pool.stats.bytesInUse; // the weights are in use: they count
      const r = await stylize(ctx, vgg, image(1), image(2), { ...recipeFromPreset(preset), iterations: 2, lbfgsHistory: 1, checkpoints });
      const estimate = estimatePeak('vgg19', size, size, run, checkpoints).bytes;
      expect(estimate, `checkpoints ${checkpoints?.length ?? 'none'}`).toBeGreaterThanOrEqual(ctx.pool.stats.peakBytes);
      expect(estimate).toBeLessThanOrEqual(1.2 * ctx.pool.stats.peakBytes);
      losses.push(r.loss.start);
    }
    expect(losses[1]).toBe(losses[0]);
  }, 300_000);

  /**
   * The smallest plan a budget reaches (recomputation, direct backward kernels, L-BFGS history 1) at the
   * default history: the plan shortens the history, the measured peak stays under the budget and within
   * the estimate, and the first loss is the plain run's.
   */
  async function smallest(size: number) {
    const { lbfgsHistory: _, ...defaults } = options;
    const plain = await engine.stylize({ ...defaults, size });
    const budget = Math.ceil(smallestEstimate('resnet50', size, size, swag(10)).bytes / MiB);
    const r = await engine.stylize({ ...defaults, size, maxMemory: budget });
    // History 1, the targets on the host, and the backward temporaries capped (to none, or just under a size that does not set the peak).
    expect(r.memory.lbfgsHistory).toBe(1);
    expect(r.memory.targetsOnHost).toBe(true);
    expect(r.memory.backwardScratchBytes).not.toBeNull();
    expect(r.memory.checkpoints).not.toBeNull();
    expect(r.peakBytes).toBeLessThanOrEqual(budget * MiB);
    expect(r.memory.estimatedBytes).toBeGreaterThanOrEqual(r.peakBytes);
    expect(r.memory.estimatedBytes).toBeLessThanOrEqual(1.2 * r.peakBytes);
    expect(r.peakBytes).toBeLessThan(plain.peakBytes);
    expect(r.loss.start).toBe(plain.loss.start);
    console.log(`resnet50 ${size} px, default L-BFGS history: peak ${(plain.peakBytes / MiB).toFixed(1)} MiB; with --max-memory ${budget} `
      + `(history 1, backward scratch cap ${r.memory.backwardScratchBytes}): ${(r.peakBytes / MiB).toFixed(1)} MiB (estimate ${(r.memory.estimatedBytes / MiB).toFixed(1)})`);
  }

  it('256 px: the estimate bounds the measured peak within 20 %, with and without recomputation', () => compare(256), 300_000);
  it('256 px: the smallest plan (history 1, direct backward kernels) stays under its budget with the same first loss', () => smallest(256), 300_000);
  it.runIf(process.env.SWAGPU_SLOW)('512 px, the smallest plan (slow)', () => smallest(512), 900_000);
  // The goal, as `swagpu stylize --size 512 --max-memory 256 --iters 2 [--square] [--preset resnet50-swag]` runs it (the
  // embedded default images, 512x341 or 512x512 with --square, default L-BFGS history): under 256 MiB measured, within the
  // estimate, the same first loss as without a budget. (With history 10 and 2 iterations one pair is stored: the estimate
  // counts ten, so it is not checked within 20 % here; compare() does that with history 1.)
  for (const [preset, square] of [['swag', false], ['swag', true], ['resnet50-swag', false]] as const) {
    it.runIf(process.env.SWAGPU_SLOW)(`512 px${square ? ' square' : ''} (${preset}) with --max-memory 256 stays under 256 MiB (slow)`, async () => {
      const plain = await engine.stylize({ preset, size: 512, square, iterations: 2 });
      const r = await engine.stylize({ preset, size: 512, square, iterations: 2, maxMemory: 256 });
      expect(r.peakBytes).toBeLessThanOrEqual(256 * MiB);
      expect(r.memory.estimatedBytes).toBeGreaterThanOrEqual(r.peakBytes);
      expect(r.memory.estimatedBytes).toBeLessThanOrEqual(256 * MiB);
      expect(r.loss.start).toBe(plain.loss.start);
      console.log(`${preset} ${r.image.width}x${r.image.height}: ${(plain.peakBytes / MiB).toFixed(1)} MiB without a budget, ${(r.peakBytes / MiB).toFixed(1)} MiB with --max-memory 256 `
        + `(estimate ${(r.memory.estimatedBytes / MiB).toFixed(1)}, checkpoints ${r.memory.checkpoints?.length}, history ${r.memory.lbfgsHistory}, `
        + `backward scratch cap ${r.memory.backwardScratchBytes}, targets on the host ${r.memory.targetsOnHost}, first loss ${r.loss.start})`);
    }, 900_000);
  }
  it.runIf(process.env.SWAGPU_SLOW)('512 px (slow)', () => compare(512), 900_000);
  it.runIf(process.env.SWAGPU_SLOW)('1024 px (slow)', () => compare(1024), 3_600_000);
});
