/**
 * conv2d and matmul throughput: median of RUNS timed runs after one warm-up, each timed to
 * `await ctx.sync()` (queue.onSubmittedWorkDone). GFLOP/s = 2·N·O·outH·outW·C·KH·KW / time for every
 * conv pass (backward-input and backward-weight do the same multiply-adds), 2·M·N·K / time for matmul.
 *
 *   node --import ./bin/register.mjs bench/kernels-conv.ts [llvmpipe|swiftshader ...] [--pass=fwd,bwdx,bwdw,mm] [--shapes=0,1,2] [--tile=IL,G,WG,PX] [--runs=5]
 *   node --import ./bin/register.mjs bench/kernels-conv.ts swiftshader --ab=4,8,64,4/4,8,64,8 --pass=fwd [--rounds=4]
 *   node --import ./bin/register.mjs bench/kernels-conv.ts llvmpipe --ab=cache --pass=fwd   (frozen-weight cache off/on)
 *   node --import ./bin/register.mjs bench/kernels-conv.ts llvmpipe --ab=1,8,64,8/1,4,64,8 --pass=fwd --shape=2   (--shape: index in SHAPES, default 0)
 *
 *   node --import ./bin/register.mjs bench/kernels-conv.ts swiftshader --ab=winograd --pass=bwdx --shape=4   (direct kernels vs Winograd F(2x2,3x3))
 *   node --import ./bin/register.mjs bench/kernels-conv.ts llvmpipe --ab=winograd --geom=1,512,8,8,512   (--geom N,C,H,W,O[,k]: any kxk s1 conv, default 3x3 p1)
 *   node --import ./bin/register.mjs bench/kernels-conv.ts llvmpipe --ab=wtile --geom=1,128,64,64,128   (Winograd F(2x2,3x3) vs F(4x4,3x3))
 *   node --import ./bin/register.mjs bench/kernels-conv.ts llvmpipe --ab=pointwise --geom=1,256,56,56,64,1   (1x1 convs: direct kernel vs gemm)
 *   node --import ./bin/register.mjs bench/kernels-conv.ts swiftshader --ab=im2col --geom=1,3,224,224,64,7,2   (the stem: direct vs im2col + gemm)
 *   node --import ./bin/register.mjs bench/kernels-conv.ts llvmpipe --ab=planes --pass=bwdx --geom=1,256,64,64,128,1,2   (strided 1x1 backward-input: subsample scatter vs whole planes)
 *
 * --ab compares tiles on one shape (--shape, default 0) by alternating them run by run in one process and keeping each one's
 * best time: on this shared machine the load changes by 3x within a minute, and alternating is the only
 * comparison that survives it.
 * Keep runs short: this 2-core machine is shared.
 */
import { getContext, type GpuContext } from '../src/gpu/context.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dGeometry, convTuning, type Conv2dGeometry, type ConvTile } from '../src/kernels/conv/conv2d.js';
import { matmul } from '../src/kernels/gemm/matmul.js';
import { winogradTuning } from '../src/kernels/conv/conv2d-winograd.js';

const args = process.argv.slice(2);
const adapters = args.filter((a) => !a.startsWith('--'));
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const passes = (opt('pass') ?? 'fwd,bwdx,bwdw,mm').split(',');
const tile = opt('tile');
if (tile) {
  convTuning.override = parseTile(tile);
}
const RUNS = Number(opt('runs') ?? 5);

function parseTile(text: string): ConvTile {
  const [IL, G, WG, PX = 4] = text.split(',').map(Number);
  return { IL, G: G as ConvTile['G'], WG, PX: PX as 4 | 8 };
}

/** Median and minimum of RUNS timed runs (ms); the minimum is steadier on this shared machine. */
async function time(ctx: GpuContext, run: () => void): Promise<{ median: number; min: number }> {
  run();
  await ctx.sync(); // warm-up: compiles the pipeline
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    run();
    await ctx.sync();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0] };
}

const SHAPES: Array<{ label: string; g: Conv2dGeometry }> = [
  { label: '1x128x64x64 -> 128, 3x3 s1 p1', g: conv2dGeometry({ inShape: [1, 128, 64, 64], weightShape: [128, 128, 3, 3], stride: 1, padding: 1 }) },
  { label: '1x64x64x64 -> 128, 3x3 s2 p1', g: conv2dGeometry({ inShape: [1, 64, 64, 64], weightShape: [128, 64, 3, 3], stride: 2, padding: 1 }) },
  { label: '1x256x32x32 -> 64, 1x1 s1', g: conv2dGeometry({ inShape: [1, 256, 32, 32], weightShape: [64, 256, 1, 1], stride: 1, padding: 0 }) },
  { label: '1x64x128x128 -> 64, 3x3 s1 p1', g: conv2dGeometry({ inShape: [1, 64, 128, 128], weightShape: [64, 64, 3, 3], stride: 1, padding: 1 }) },
  { label: '1x256x32x32 -> 256, 3x3 s1 p1', g: conv2dGeometry({ inShape: [1, 256, 32, 32], weightShape: [256, 256, 3, 3], stride: 1, padding: 1 }) },
  { label: '1x512x16x16 -> 512, 3x3 s1 p1', g: conv2dGeometry({ inShape: [1, 512, 16, 16], weightShape: [512, 512, 3, 3], stride: 1, padding: 1 }) },
];

const ab = opt('ab');
for (const adapter of adapters.length ? adapters : ['llvmpipe', 'swiftshader']) {
  const ctx = await getContext(adapter as 'llvmpipe' | 'swiftshader');
  if (ab) {
    const geom = opt('geom')?.split(',').map(Number); // N,C,H,W,O[,k[,stride]]: a kxk (default 3) conv, pad (k-1)/2
    const k = geom?.[5] ?? 3, st = geom?.[6] ?? 1;
    const { g, label } = geom
      ? { g: conv2dGeometry({ inShape: geom.slice(0, 4), weightShape: [geom[4], geom[1], k, k], stride: st, padding: (k - 1) / 2 }), label: `${geom.slice(0, 4).join('x')} -> ${geom[4]}, ${k}x${k} s${st} p${(k - 1) / 2}` }
      : SHAPES[Number(opt('shape') ?? 0)];
    const fill = (n: number) => ctx.bufferFrom(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5));
    const x = fill(g.N * g.C * g.H * g.W), w = fill(g.O * g.C * g.KH * g.KW), y = fill(g.N * g.O * g.outH * g.outW);
    const best = new Map<string, number>();
    for (let round = 0; round < Number(opt('rounds') ?? 4); round++) {
      const variants = ab === 'cache' ? ['transpose every call', 'cached'] : ab === 'winograd' ? ['direct', 'winograd'] : ab === 'wtile' ? ['F2', 'F4'] : ab === 'planes' ? ['subsample', 'planes'] : ab === 'pointwise' || ab === 'im2col' || ab === 'col2im' ? ['direct', 'gemm'] : ab.split('/');
      for (const t of round % 2 ? variants.slice().reverse() : variants) {
        if (ab === 'cache') convTuning.cacheWeights = t === 'cached';
        else if (ab === 'winograd') winogradTuning.enabled = t === 'winograd';
        else if (ab === 'wtile') winogradTuning.tile = t === 'F4' ? 4 : 2;
        else if (ab === 'pointwise') convTuning.pointwiseGemm = t === 'gemm';
        else if (ab === 'im2col') convTuning.im2colGemm = t === 'gemm';
        else if (ab === 'col2im') convTuning.col2imGemm = t === 'gemm';
        else if (ab === 'planes') convTuning.stridedPlanes = t === 'planes';
        else convTuning.override = parseTile(t);
        // weightsKey: the weights are frozen, as the engine's are (the layout cache is on unless --ab=cache turns it off)
        const run = () => (passes[0] === 'bwdx' ? conv2dBackwardInput(ctx, { dy: y, w, dx: x, geometry: g, weightsKey: w }) : conv2d(ctx, { x, w, y, geometry: g, weightsKey: w }));
        if (round === 0) { run(); await ctx.sync(); }
        const t0 = performance.now();
        run();
        await ctx.sync();
        best.set(t, Math.min(best.get(t) ?? Infinity, performance.now() - t0));
      }
    }
    for (const [t, ms] of best) console.log(`${adapter} ${label} ${passes[0]} tile ${t}: best ${(g.flops / ms / 1e6).toFixed(2)} GFLOP/s`);
    continue;
  }
  console.log(`# ${adapter} (${ctx.gpu.adapter.description || ctx.gpu.adapter.device})${tile ? ` tile ${tile}` : ''}`);
  const only = opt('shapes')?.split(',').map(Number);
  for (const { label, g } of SHAPES.filter((_, i) => !only || only.includes(i))) {
    const fill = (n: number) => ctx.bufferFrom(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5));
    const x = fill(g.N * g.C * g.H * g.W), w = fill(g.O * g.C * g.KH * g.KW), dy = fill(g.N * g.O * g.outH * g.outW);
    const y = ctx.pool.acquire(g.N * g.O * g.outH * g.outW * 4), dx = ctx.pool.acquire(g.N * g.C * g.H * g.W * 4), dw = ctx.pool.acquire(g.O * g.C * g.KH * g.KW * 4);
    const line: string[] = [];
    const gf = ({ median, min }: { median: number; min: number }) =>
      `${(g.flops / median / 1e6).toFixed(2)} GFLOP/s (median ${median.toFixed(1)} ms; best ${(g.flops / min / 1e6).toFixed(2)})`;
    // weightsKey: frozen weights, as in the engine (transposed once, in the warm-up run)
    if (passes.includes('fwd')) line.push(`fwd ${gf(await time(ctx, () => conv2d(ctx, { x, w, y, geometry: g, weightsKey: w })))}`);
    if (passes.includes('bwdx')) line.push(`bwd-input ${gf(await time(ctx, () => conv2dBackwardInput(ctx, { dy, w, dx, geometry: g, weightsKey: w })))}`);
    if (passes.includes('bwdw')) line.push(`bwd-weight ${gf(await time(ctx, () => conv2dBackwardWeight(ctx, { x, dy, dw, geometry: g })))}`);
    console.log(`${label}: ${line.join(' | ')}`);
    for (const b of [x, w, dy, y, dx, dw]) ctx.pool.release(b);
  }
  if (passes.includes('mm')) {
    const [M, N, K] = [1, 1000, 2048];
    const a = ctx.bufferFrom(new Float32Array(M * K).fill(0.5)), b = ctx.bufferFrom(new Float32Array(K * N).fill(0.25)), c = ctx.pool.acquire(M * N * 4);
    const { median } = await time(ctx, () => matmul(ctx, { a, b, c, M, N, K }));
    console.log(`matmul ${M}x${K} · ${K}x${N}: ${((2 * M * N * K) / median / 1e6).toFixed(2)} GFLOP/s (median ${median.toFixed(2)} ms)`);
  }
}
process.exit(0);
