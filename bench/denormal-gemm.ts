/**
 * The style (Gram) gradient at the deepest style tap, alone, on its real inputs: G, A (the Gram loss's
 * `difference` launch), F (the gemm after it) and dy (the scale after that) captured during one stylize step
 * at a C×C Gram with C >= 1024, then its two ways timed in isolation, alternating so both see the same load:
 *   before (up to e175205^): dL/dG = 2(G − A)/n·dy (mseLossBackward), then dF = α·dL/dG·F (one gemm);
 *   now: D = G − A, dF = α·D·F (gemm), then dF·2dy/n (scale).
 * Prints the inputs' ranges, the share of the gemm's products that are subnormal floats, wall and process CPU
 * time (llvmpipe's threads are this process's; best and median), and each way's error against float64.
 *
 *   node --import ./bin/register.mjs bench/denormal-gemm.ts [--preset=swag] [--size=192] [--rounds=5] [--adapter=llvmpipe|swiftshader] --hw=H·W
 */
import { createEngine } from '../src/node.js';
import type { LaunchArgs } from '../src/gpu/recorder.js';
import type { KernelSpec } from '../src/gpu/pipelines.js';
import { gemm } from '../src/kernels/gemm/gemm.js';
import * as optimK from '../src/kernels/optim/optim.js';
import * as reduceK from '../src/kernels/reduce/reduce.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const preset = opt('preset', 'swag');
const size = Number(opt('size', '192'));
const rounds = Number(opt('rounds', '5'));
const engine = await createEngine({ adapter: opt('adapter', 'llvmpipe') as 'llvmpipe' });
const ctx = engine.context;
const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const grab = (src: GPUBuffer) => {
  const dst = ctx.device.createBuffer({ size: src.size, usage });
  optimK.copy(ctx, { src, dst, n: src.size / 4 });
  return dst;
};

interface Captured { g: GPUBuffer; a: GPUBuffer; f?: GPUBuffer; fFloats?: number; dy?: GPUBuffer; n: number; stage: number }
let cap: Captured | null = null;
const launch = ctx.launch.bind(ctx);
ctx.launch = (spec: KernelSpec, l: LaunchArgs) => {
  const bufs = l.buffers as GPUBuffer[];
  // G and A are copied before the launch: the Gram loss writes G − A over G ('differenceInPlace').
  const first = spec.name.startsWith('difference') && bufs[0].size >= 1024 * 1024 * 4 && !cap;
  if (first) cap = { g: grab(bufs[0]), a: grab(bufs[1]), n: bufs[0].size / 4, stage: 1 };
  launch(spec, l);
  if (first) return;
  if (cap?.stage === 1 && spec.name === 'gemm') Object.assign(cap, { f: grab(bufs[1]), fFloats: bufs[1].size / 4, stage: 2 });
  else if (cap?.stage === 2 && spec.name === 'scale') Object.assign(cap, { dy: grab(bufs[1]), stage: 3 });
};
await engine.stylize({ preset, size, iterations: 1 } as never);
ctx.launch = launch;
const c = cap as unknown as Captured;
if (c?.stage !== 3) throw new Error('no Gram-loss gradient at C >= 1024 seen');
const C = Math.round(Math.sqrt(c.n));
const read = async (buf: GPUBuffer, n: number) => new Float32Array(await ctx.readBytes(buf, n * 4));
const range = (v: ArrayLike<number>) => {
  let mn = Infinity, mx = 0, sub = 0;
  for (let i = 0; i < v.length; i++) { const ax = Math.abs(v[i]); if (ax === 0) continue; mn = Math.min(mn, ax); mx = Math.max(mx, ax); if (ax < 2 ** -126) sub++; }
  return `|x| ${mn.toExponential(2)} .. ${mx.toExponential(2)}, ${sub} subnormal`;
};
const hw = Number(opt('hw', '0')) || (() => { throw new Error('pass --hw=H·W of the tap (e.g. 24 at 192x128)'); })();
const [gv, av, fv, [dy]] = [await read(c.g, c.n), await read(c.a, c.n), (await read(c.f!, c.fFloats!)).subarray(0, C * hw), await read(c.dy!, 1)];
const factor = (2 * dy) / c.n; // 2·dy/n
const alpha = 2 / (C * hw);
console.log(`${preset} ${size}px, Gram [${C}x${C}], F [${C}x${hw}], dy ${dy.toExponential(4)}, 2dy/n ${factor.toExponential(3)}`);
console.log(`  G ${range(gv)}; A ${range(av)}; F ${range(fv)}`);
// Reference dF in float64 from the same float32 G, A, F.
const ref = new Float64Array(C * hw);
for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) {
  const d = gv[i * C + j] - av[i * C + j];
  if (d !== 0) for (let p = 0; p < hw; p++) ref[i * hw + p] += d * fv[j * hw + p];
}
for (let k = 0; k < ref.length; k++) ref[k] *= alpha * factor;
// The two ways on the GPU.
const dgOld = ctx.device.createBuffer({ size: c.n * 4, usage });
const d = ctx.device.createBuffer({ size: c.n * 4, usage });
const out = ctx.device.createBuffer({ size: C * hw * 4, usage });
const product = (lhs: GPUBuffer) => gemm(ctx, { a: lhs, b: c.f!, c: out, K: C, M: C, N: hw, Z: 1, aStride: C * C, bStride: C * hw, cStride: C * hw, alpha });
const ways: Record<string, () => void> = {
  before: () => { reduceK.mseLossBackward(ctx, c.g, c.a, c.dy!, dgOld, c.n); product(dgOld); },
  now: () => { reduceK.difference(ctx, c.g, c.a, d, c.n); product(d); optimK.scale(ctx, { x: out, n: C * hw, alpha: c.dy!, alphaScale: 2 / c.n }); },
};
for (const [name, f] of Object.entries(ways)) {
  f();
  const lhs = await read(name === 'before' ? dgOld : d, c.n);
  const got = await read(out, C * hw);
  let tiny = 0, total = 0;
  for (let i = 0; i < C; i += 8) for (let j = 0; j < C; j++) {
    const g = Math.abs(lhs[i * C + j]);
    for (let p = 0; p < hw; p++) { const prod = g * Math.abs(fv[j * hw + p]); total++; if (prod !== 0 && prod < 2 ** -126) tiny++; }
  }
  let e2 = 0, r2 = 0, worst = 0;
  for (let k = 0; k < ref.length; k++) { e2 += (got[k] - ref[k]) ** 2; r2 += ref[k] ** 2; if (Math.abs(ref[k]) > 1e-30) worst = Math.max(worst, Math.abs(got[k] - ref[k]) / Math.abs(ref[k])); }
  console.log(`  ${name}: gemm input ${range(lhs)}; products with a subnormal result ${(100 * tiny / total).toFixed(2)} % (every 8th row); dF ${range(got)}; error vs float64 ‖·‖ ${Math.sqrt(e2 / r2).toExponential(2)}, worst (|ref| > 1e-30) ${worst.toExponential(2)}`);
}
const times = new Map<string, Array<[number, number]>>();
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of (r % 2 ? Object.entries(ways).reverse() : Object.entries(ways))) {
    await ctx.sync();
    const c0 = process.cpuUsage(); const t0 = performance.now();
    f(); await ctx.sync();
    const c1 = process.cpuUsage(c0);
    times.set(name, [...(times.get(name) ?? []), [performance.now() - t0, (c1.user + c1.system) / 1000]]);
  }
}
const med = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
for (const [name, t] of times) {
  console.log(`  ${name}: wall best ${Math.min(...t.map((x) => x[0])).toFixed(0)} ms, median ${med(t.map((x) => x[0])).toFixed(0)} ms; CPU best ${Math.min(...t.map((x) => x[1])).toFixed(0)} ms, median ${med(t.map((x) => x[1])).toFixed(0)} ms (${rounds} rounds, alternating)`);
}
process.exit(0);
