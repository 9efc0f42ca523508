/**
 * Gram kernel throughput: `node --import ./bin/register.mjs bench/gram.ts [adapter...] [--paths=register,gemm] [--rounds=6]`.
 * Counts the nominal 2·C²·H·W FLOPs of F Fᵀ (the register and tiled kernels compute only the upper tiles,
 * about half of that; the gemm path all of it), and the same for the backward (a [C,C]×[C,HW] product).
 * Shapes: the five ResNet-50 style taps at 256 px, and VGG-19's relu1_1 / relu4_1 at 256 px. With
 * --paths the paths alternate run by run in one process (the host's speed drifts minute to minute) and
 * each keeps its best time; without, the adapter's default path runs. --symmetric=1: the backward is told dG is
 * symmetric (the style loss's case: the gemm path then skips dG's transpose and sum).
 */
import { getContext } from '../src/gpu/context.js';
import { gram, gramBackward, type GramPath } from '../src/kernels/reduce/gram.js';
import type { Shape4 } from '../src/kernels/shape.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const positional = args.filter((a) => !a.startsWith('--'));
const adapters = (positional.length ? positional : ['llvmpipe', 'swiftshader']) as Array<'llvmpipe' | 'swiftshader' | 'gpu'>;
const paths = (opt('paths')?.split(',') ?? [undefined]) as Array<GramPath | undefined>;
const rounds = Number(opt('rounds') ?? 4);
const shapes: Shape4[] = opt('shapes') ? opt('shapes')!.split(';').map((t) => t.split(',').map(Number) as Shape4) : [[1, 64, 128, 128], [1, 256, 64, 64], [1, 512, 32, 32], [1, 1024, 16, 16], [1, 2048, 8, 8], [1, 64, 256, 256], [1, 512, 32, 32]];

for (const adapter of adapters) {
  const ctx = await getContext(adapter);
  for (const shape of shapes.filter((s, i) => shapes.findIndex((t) => t.join() === s.join()) === i)) {
    const [n, c, h, w] = shape;
    const f = ctx.bufferFrom(new Float32Array(n * c * h * w).map(() => Math.random() - 0.5));
    const g = ctx.pool.acquire(n * c * c * 4);
    const df = ctx.pool.acquire(n * c * h * w * 4);
    const flops = 2 * n * c * c * h * w;
    const best = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      for (const path of r % 2 ? paths.slice().reverse() : paths) {
        const symmetric = opt('symmetric') === '1';
        for (const [what, run] of [['gram', () => gram(ctx, f, g, shape, path)], ['gramBackward', () => gramBackward(ctx, g, f, df, shape, path, symmetric)]] as const) {
          if (r === 0) { run(); await ctx.sync(); }
          const t0 = performance.now();
          run();
          await ctx.sync();
          const key = `${what} ${path ?? 'default'}`;
          best.set(key, Math.min(best.get(key) ?? Infinity, performance.now() - t0));
        }
      }
    }
    for (const [key, ms] of best) console.log(`${adapter.padEnd(11)} ${key.padEnd(24)} [${shape}]  ${ms.toFixed(1)} ms  ${(flops / ms / 1e6).toFixed(2)} GFLOP/s`);
    for (const b of [f, g, df]) ctx.pool.release(b);
  }
}
process.exit(0);
