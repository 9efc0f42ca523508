/**
 * Gram kernel throughput: `npx tsx bench/gram.ts [adapter...]`. Counts the nominal 2·C²·H·W FLOPs of
 * F Fᵀ (the kernel computes only the upper tiles, about half of that), and the same for the backward
 * (a [C,C]×[C,HW] product). Short runs: one warm-up, then the best of a few synchronised runs (the
 * machine is shared, so the minimum is the least noisy figure).
 */
import { getContext } from '../src/gpu/context.js';
import { gram, gramBackward, type Shape4 } from '../src/kernels/gram.js';

const adapters = (process.argv.slice(2).length ? process.argv.slice(2) : ['llvmpipe', 'swiftshader']) as Array<'llvmpipe' | 'swiftshader' | 'gpu'>;
const shapes: Shape4[] = [[1, 64, 128, 128], [1, 512, 32, 32]];

for (const adapter of adapters) {
  const ctx = await getContext(adapter);
  for (const shape of shapes) {
    const [n, c, h, w] = shape;
    const f = ctx.bufferFrom(new Float32Array(n * c * h * w).map(() => Math.random() - 0.5));
    const g = ctx.pool.acquire(n * c * c * 4);
    const df = ctx.pool.acquire(n * c * h * w * 4);
    const flops = 2 * n * c * c * h * w;
    for (const [what, run] of [['gram', () => gram(ctx, f, g, shape)], ['gramBackward', () => gramBackward(ctx, g, f, df, shape)]] as const) {
      run();
      await ctx.sync();
      let ms = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        run();
        await ctx.sync();
        ms = Math.min(ms, performance.now() - t0);
      }
      console.log(`${adapter.padEnd(11)} ${what.padEnd(12)} [${shape}]  ${ms.toFixed(1)} ms  ${(flops / ms / 1e6).toFixed(2)} GFLOP/s`);
    }
  }
}
process.exit(0);
