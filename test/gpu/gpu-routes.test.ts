// The hardware-GPU routes end to end on a CPU adapter: the same short stylize (the paper's recipe on ResNet-50, the
// embedded default images, 48x48, 4 iterations) with the 'gpu' route family forced (the tuning table's block-tiled
// gemm, the GPU conv tile, the tiled Gram kernel, ...) and with the adapter's own routes (each kernel checked against
// its float64 reference in test/kernels) must agree: the same losses and the same image, up to float32 rounding.
// .ci/run's second pass (SWAGPU_TUNING=gpu) runs the CLI test below again (the first, forcing by option, ran in the first).
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/node.js';
import { fastestAdapter, FORCED_TUNING } from '../harness.js';
import { swagpu } from '../cli/run.js';

const adapter = fastestAdapter();

describe(`the 'gpu' routes on ${adapter}`, () => {
  it.skipIf(FORCED_TUNING)('a short stylize with the gpu routes forced matches the adapter\'s own routes', async () => {
    const run = async (tuning: 'gpu' | typeof adapter) => {
      const engine = await createEngine({ adapter, tuning });
      try {
        return await engine.stylize({ size: 48, square: true, iterations: 4, reportEvery: 1 });
      } finally {
        engine.dispose();
      }
    };
    const gpu = await run('gpu');
    const own = await run(adapter);
    expect(gpu.adapter.tuning).toBe('gpu');
    expect(gpu.adapter.tuningSource).toBe('option');
    expect(own.adapter.tuning).toBe(adapter);
    // The first evaluation is one forward pass: float32 rounding apart, the same number.
    expect(Math.abs(gpu.loss.start - own.loss.start) / own.loss.start).toBeLessThan(1e-4);
    expect(Math.abs(gpu.loss.end - own.loss.end) / own.loss.end).toBeLessThan(1e-2);
    expect(gpu.loss.end).toBeLessThan(gpu.loss.start);
    for (let l = 0; l < own.layers.length; l++) {
      expect(gpu.layers[l].name).toBe(own.layers[l].name);
      expect(Math.abs(gpu.layers[l].start - own.layers[l].start)).toBeLessThanOrEqual(1e-4 * Math.abs(own.layers[l].start) + 1e-6);
    }
    let maxDiff = 0;
    for (let i = 0; i < own.image.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(gpu.image.data[i] - own.image.data[i]));
    expect(maxDiff).toBeLessThan(2e-2);
  }, 600_000);

  it('swagpu stylize and swagpu info take SWAGPU_TUNING=gpu, and refuse a bad value naming it', async () => {
    const env = { ...process.env, SWAGPU_ADAPTER: adapter, SWAGPU_TUNING: 'gpu' };
    const info = await swagpu(['info', '--json'], env);
    expect(info.code, info.stderr).toBe(0);
    const report = JSON.parse(info.stdout);
    expect([report.tuning, report.tuningSource, report.adapter.kind]).toEqual(['gpu', 'SWAGPU_TUNING', adapter]);
    const r = await swagpu(['stylize', '--size', '48', '--square', '--iters', '3', '--report-every', '1', '--out', '/tmp/swagpu-gpu-routes.png', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.adapter.tuning).toBe('gpu');
    expect(summary.loss.end).toBeLessThan(summary.loss.start);
    const bad = await swagpu(['info'], { ...env, SWAGPU_TUNING: 'fast' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('SWAGPU_TUNING="fast" is not a route family: use one of gpu, llvmpipe, swiftshader');
  }, 600_000);
});
