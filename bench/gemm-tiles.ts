/**
 * gemm register-tile sweep: the same products with each tile (gemmTuning.override), alternating tile by tile
 * in one process (this host's speed drifts minute to minute), best of the rounds (and their median), GFLOP/s = 2·K·M·N·Z / time.
 *
 *   node --import ./bin/register.mjs bench/gemm-tiles.ts [llvmpipe|swiftshader] [--tiles=8x16,32x16,16x16u4,32x8u4s,...] [--rounds=6] [--reps=1] [--shapes=K,M,N,Z;...] [--wgs=64,32,16,0] [--uniformA=1,0]
 *
 * --wgs: workgroup sizes to alternate as well (gemmTuning.WG; 0 = gemmWorkgroup's per-launch choice); each
 * (tile, workgroup size) pair is one variant.
 *
 * --uniformA: A bound as a uniform buffer where gemm.ts uniformA allows it (1, the default) or always from storage (0);
 * both alternate as variants. A shape's A is shared (aStride 0) when Z is 1.
 *
 * --reps: products per timed submission (each time divided by it), which evens out the timer's and the queue's overhead.
 * Tiles are R rows x C columns (C = 4·Q, Q vec4 columns), optionally uU: U k steps per loop iteration, and a
 * final s: A's loads split among a subgroup's 4 lanes (subgroupA). Shapes: a Winograd product of VGG-19/ResNet-50
 * (128 -> 128 channels, 64x64 outputs: K 128, M 128, N 1024 tiles, 16 products), a ResNet-50 1x1 conv
 * (256 -> 64 at 56x56) and a deep Winograd product (512 -> 512 at 16x16: N 64, 16 products).
 */
import { getContext } from '../src/gpu/context.js';
import { gemm, gemmRows, gemmTuning, type GemmTile } from '../src/kernels/gemm/gemm.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = (args.find((a) => !a.startsWith('--')) ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader';
const tiles: GemmTile[] = (opt('tiles') ?? '8x16,16x16,32x16,16x32,32x32').split(',').map((t) => {
  const [R, C, U = 1] = t.replace(/s$/, '').split(/[xu]/).map(Number);
  return { R, Q: C / 4, U, subgroupA: t.endsWith('s') };
});
const rounds = Number(opt('rounds') ?? 6);
const reps = Number(opt('reps') ?? 1);
const wgs = opt('wgs')?.split(',').map(Number) ?? [0];
const uniformAs = opt('uniformA')?.split(',').map((v) => v === '1') ?? [true];
const shapes = opt('shapes')?.split(';').map((t) => t.split(',').map(Number)) ?? [[128, 128, 1024, 16], [256, 64, 3136, 1], [512, 512, 64, 16]]; // K, M, N, Z
const ctx = await getContext(adapter);
for (const [K, M, N, Z] of shapes) {
  const Mmax = Math.max(...tiles.map((t) => Math.ceil(M / t.R) * t.R));
  const a = ctx.bufferFrom(new Float32Array(Z * K * Mmax).fill(0.5));
  const b = ctx.bufferFrom(new Float32Array(Z * K * N).fill(0.25));
  const c = ctx.pool.acquire(Z * M * N * 4);
  const times = new Map<string, number[]>();
  const variants = tiles.flatMap((tile) => wgs.flatMap((wg) => uniformAs.map((uA) => ({ tile, wg, uA }))));
  for (let round = 0; round < rounds; round++) {
    for (const { tile, wg, uA } of round % 2 ? variants.slice().reverse() : variants) {
      gemmTuning.override = tile;
      gemmTuning.WG = wg;
      gemmTuning.uniformA = uA;
      const Mp = gemmRows(ctx, M);
      const run = () => gemm(ctx, { a, b, c, K, M, N, Z, aStride: Z > 1 ? K * Mp : 0 });
      if (round === 0) { run(); await ctx.sync(); }
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) run();
      await ctx.sync();
      const key = `${tile.R}x${4 * tile.Q}${tile.U && tile.U > 1 ? `u${tile.U}` : ''}${tile.subgroupA ? 's' : ''}${wgs.length > 1 ? ` WG ${wg || 'auto'}` : ''}${uniformAs.length > 1 ? (uA ? ' A uniform' : ' A storage') : ''}`;
      times.set(key, [...(times.get(key) ?? []), (performance.now() - t0) / reps]);
    }
  }
  gemmTuning.override = null;
  gemmTuning.WG = 0;
  gemmTuning.uniformA = true;
  // Best of the rounds, then the median in brackets.
  const gflops = (ms: number) => ((2 * K * M * N * Z) / ms / 1e6).toFixed(1);
  console.log(`${adapter} K${K} M${M} N${N} Z${Z}  ` + [...times].map(([t, ms]) => {
    const sorted = ms.slice().sort((x, y) => x - y);
    return `${t}: ${gflops(sorted[0])} (${gflops(sorted[sorted.length >> 1])})`;
  }).join('  '));
  for (const buf of [a, b, c]) ctx.pool.release(buf);
}
process.exit(0);
