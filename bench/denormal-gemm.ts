/**
 * The style (Gram) gradient's gemm at the deepest style tap, alone, on its real inputs: captured during one
 * stylize step (the gemm right after the Gram loss's mseLossBackward at a C×C dG with C >= 1024), then
 * timed in isolation, alternating with the same product on dG scaled by 2^SHIFT (alpha by 2^-SHIFT: the same
 * result up to the final rounding), so both variants see the same machine load. Wall and process CPU time
 * (llvmpipe's threads are this process's), best and median of the rounds.
 *
 *   node --import ./bin/register.mjs bench/denormal-gemm.ts [--preset=swag] [--size=192] [--rounds=5]
 */
import { createEngine } from '../src/node.js';
import type { LaunchArgs } from '../src/gpu/recorder.js';
import type { KernelSpec } from '../src/gpu/pipelines.js';
import { gemm } from '../src/kernels/gemm/gemm.js';
import * as optimK from '../src/kernels/optim/optim.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const preset = opt('preset', 'swag');
const size = Number(opt('size', '192'));
const rounds = Number(opt('rounds', '5'));
const SHIFT = 64;
const engine = await createEngine({ adapter: 'llvmpipe' });
const ctx = engine.context;

let armed = false;
interface Captured { a: GPUBuffer; b: GPUBuffer; aFloats: number; bFloats: number }
let captured: Captured | null = null;
const launch = ctx.launch.bind(ctx);
ctx.launch = (spec: KernelSpec, a: LaunchArgs) => {
  launch(spec, a);
  const [b0, b1] = a.buffers as GPUBuffer[];
  if (spec.name === 'mseLossBackward' && (b0 as GPUBuffer).size >= 1024 * 1024 * 4) armed = true;
  else if (spec.name === 'gemm' && armed && !captured) {
    armed = false;
    const grab = (src: GPUBuffer) => {
      const dst = ctx.device.createBuffer({ size: src.size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      optimK.copy(ctx, { src, dst, n: src.size / 4 });
      return dst;
    };
    captured = { a: grab(b0), b: grab(b1), aFloats: b0.size / 4, bFloats: b1.size / 4 };
  } else armed = false;
};
await engine.stylize({ preset, size, iterations: 1 } as never);
ctx.launch = launch;
if (!captured) throw new Error('no Gram-gradient gemm at C >= 1024 seen');
const { a, b, aFloats, bFloats } = captured as unknown as Captured;
const C = Math.round(Math.sqrt(aFloats));
const read = async (buf: GPUBuffer, n: number) => {
  const r = ctx.device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const e = ctx.device.createCommandEncoder();
  await ctx.sync();
  e.copyBufferToBuffer(buf, 0, r, 0, n * 4);
  ctx.device.queue.submit([e.finish()]);
  await r.mapAsync(GPUMapMode.READ);
  const v = new Float32Array(r.getMappedRange().slice(0));
  r.destroy();
  return v;
};
const stats = (v: Float32Array) => {
  let mn = Infinity, mx = 0, sub = 0;
  for (const x of v) { const ax = Math.abs(x); if (ax === 0) continue; mn = Math.min(mn, ax); mx = Math.max(mx, ax); if (ax < 2 ** -126) sub++; }
  return `min |x| ${mn.toExponential(3)}, max ${mx.toExponential(3)}, ${sub} subnormal`;
};
const dgv = await read(a, aFloats);
// The features F: hw = used columns. The gemm's N is hw; the buffer may be a larger pool class.
const hw = Number(opt('hw', '0')) || (() => { throw new Error('pass --hw=H·W of the tap (e.g. 24 at 192x128)'); })();
const fv = (await read(b, bFloats)).subarray(0, C * hw);
console.log(`${preset} ${size}px: dG [${C}x${C}] ${stats(dgv)}; F [${C}x${hw}] ${stats(fv)}`);
// Products dG_ij·F_jp below 2^-126 are subnormal results of the gemm's FMAs: count them (on the CPU, float64,
// every 8th row of dG), for dG as it is and scaled by 2^s (s = 41 ≈ 1/(2/n·dy) at the default preset: G − A itself).
const fAbs = Array.from(fv, Math.abs);
for (const s of [0, 20, 41, 64]) {
  let tiny = 0, total = 0;
  for (let i = 0; i < C; i += 8) for (let j = 0; j < C; j++) {
    const g = Math.abs(dgv[i * C + j]) * 2 ** s;
    for (let p = 0; p < hw; p++) { const prod = g * fAbs[j * hw + p]; total++; if (prod !== 0 && prod < 2 ** -126) tiny++; }
  }
  console.log(`products dG·2^${s} · F with a subnormal result: ${(100 * tiny / total).toFixed(3)} % (${tiny} of ${total})`);
}
const alpha = 2 / (C * hw);
const shifted = ctx.device.createBuffer({ size: a.size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
optimK.copy(ctx, { src: a, dst: shifted, n: aFloats });
optimK.scale(ctx, { x: shifted, n: aFloats, alpha: 2 ** SHIFT });
const out = ctx.device.createBuffer({ size: C * hw * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const run = (dg: GPUBuffer, al: number) => gemm(ctx, { a: dg, b, c: out, K: C, M: C, N: hw, Z: 1, aStride: C * C, bStride: C * hw, cStride: C * hw, alpha: al });
await ctx.sync();
const variants: Record<string, () => void> = { real: () => run(a, alpha), [`dG·2^${SHIFT}`]: () => run(shifted, alpha * 2 ** -SHIFT) };
const times = new Map<string, Array<[number, number]>>();
for (const f of Object.values(variants)) { f(); await ctx.sync(); } // compile
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of (r % 2 ? Object.entries(variants).reverse() : Object.entries(variants))) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    f(); await ctx.sync();
    const c1 = process.cpuUsage(c0);
    times.set(name, [...(times.get(name) ?? []), [performance.now() - t0, (c1.user + c1.system) / 1000]]);
  }
}
const med = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
for (const [name, t] of times) {
  console.log(`${name}: wall best ${Math.min(...t.map((x) => x[0])).toFixed(0)} ms, median ${med(t.map((x) => x[0])).toFixed(0)} ms; CPU best ${Math.min(...t.map((x) => x[1])).toFixed(0)} ms, median ${med(t.map((x) => x[1])).toFixed(0)} ms`);
}
process.exit(0);
