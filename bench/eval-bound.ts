/**
 * How fast a ResNet-50 evaluation could be with a faster gemm (issue 23 point 5). One evaluation is recorded; then
 * each round runs the real evaluation twice, alternating, once whole and once with gemm's launches dropped. Prints
 * the medians, gemm's FLOPs (2·K·Mp·N·Z from its uniforms: the products it runs, Winograd's and the padding rows
 * included) and its rate (the difference of the two times), and the evaluation's time if every gemm ran at each of
 * the given rates while the rest stayed as measured. With --products, each distinct product's time alone (each launch
 * replayed 4 times in one submission, median of 5) and its tile; with --alone=K1,K2 every launch of those kernels
 * alone, with its variant and bound bytes. Timing only: without gemm, each gemm's consumers
 * read what the last whole run left in its C (the pool gives a repeated evaluation the same buffers).
 *   node --import ./bin/register.mjs bench/eval-bound.ts [llvmpipe|swiftshader] [--size=128] [--rounds=7] [--rates=25.8,55] [--products] [--alone=mseLoss,reluBackwardInPlace]
 */
import { recordedEvaluation, type RecordedLaunch } from './recorded-evaluation.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = (args.find((a) => !a.startsWith('--')) ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader';
const size = Number(opt('size') ?? 128);
const rounds = Number(opt('rounds') ?? 7);
const rates = (opt('rates') ?? '25.8,55').split(',').map(Number);

const { ctx, ev, launch, recorded } = await recordedEvaluation(adapter, size);

// gemm's uniforms begin K, Mp/4, N/4 (gemm.ts); Z is the grid's z.
function gemmFlops([, a]: RecordedLaunch): number {
  const u = a.uniforms!;
  const [K, Mp4, N4] = new Uint32Array(u.buffer, u.byteOffset, 3);
  return 2 * K * Mp4 * 4 * N4 * 4 * (a.workgroups[2] ?? 1);
}
const isGemm = ([s]: RecordedLaunch) => s.name === 'gemm';
const gemms = recorded.filter(isGemm);
// Each round runs the real evaluation twice, once whole and once with gemm's launches dropped (what gemm would
// have written, the C buffers hold from the last whole run: the pool hands a repeated step the same buffers).
const times = new Map<string, number[]>([['whole', []], ['without gemm', []]]);
const losses: number[] = [];
for (let round = -1; round < rounds; round++) {
  const order = round % 2 ? ['without gemm', 'whole'] : ['whole', 'without gemm'];
  for (const name of order) {
    ctx.launch = name === 'whole' ? launch : (s, a) => { if (s.name !== 'gemm') launch(s, a); };
    const t0 = performance.now();
    ev.run();
    await ctx.sync();
    const t = performance.now() - t0;
    ctx.launch = launch;
    if (round >= 0) times.get(name)!.push(t);
    if (name === 'whole') losses.push(await ev.loss());
  }
}
const median = (v: number[]) => v.slice().sort((x, y) => x - y)[v.length >> 1];
const ms = Object.fromEntries([...times].map(([k, v]) => [k, median(v)]));
const flops = gemms.reduce((s, l) => s + gemmFlops(l), 0);
const gemmMs = ms.whole - ms['without gemm'];
console.log(`${adapter} resnet50 eval ${size}px: ${recorded.length} launches (${gemms.length} gemm), medians of ${rounds} rounds; losses ${[...new Set(losses)].join(', ')}`);
for (const [k, v] of Object.entries(ms)) console.log(`  ${k.padEnd(13)} ${v.toFixed(1)} ms (${times.get(k)!.map((t) => t.toFixed(0)).join(' ')})`);
console.log(`  gemm: ${(flops / 1e9).toFixed(2)} GFLOP in ${gemmMs.toFixed(1)} ms (the difference): ${(flops / gemmMs / 1e6).toFixed(1)} GFLOP/s`);
for (const r of rates) {
  console.log(`  gemm at ${r} GFLOP/s: ${(ms['without gemm'] + flops / r / 1e6).toFixed(1)} ms (the rest as measured + ${(flops / r / 1e6).toFixed(1)} ms of gemm)`);
}
// Each launch alone: replayed 4 times in one submission, median of 5 (replaying a launch rewrites what it wrote).
async function alone([s, a]: RecordedLaunch): Promise<number> {
  const ts: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 4; i++) launch(s, a);
    await ctx.sync();
    ts.push((performance.now() - t0) / 4);
  }
  return median(ts);
}
if (args.includes('--products')) {
  const rows = new Map<string, { ms: number; flops: number; n: number }>();
  for (const l of gemms) {
    const [s, a] = l;
    const u = a.uniforms!;
    const [K, Mp4, N4, , Mstore] = new Uint32Array(u.buffer, u.byteOffset, 5);
    const d = s.defines as Record<string, number | boolean>;
    const key = `K${K} M${Mstore} (Mp ${Mp4 * 4}) N${N4 * 4} Z${a.workgroups[2] ?? 1}: tile ${Number(d.RB) * 4}x${Number(d.Q) * 4}${d.A_UNIFORM ? ' A uniform' : ''}, ${a.workgroups.join('x')} workgroups of ${d.WG}`;
    const row = rows.get(key) ?? { ms: 0, flops: 0, n: 0 };
    row.ms += await alone(l); row.flops += gemmFlops(l); row.n++;
    rows.set(key, row);
  }
  console.log('  products alone (ms in all, launches, GFLOP/s):');
  for (const [k, r] of [...rows].sort((x, y) => y[1].ms - x[1].ms)) {
    console.log(`  ${r.ms.toFixed(1).padStart(7)} ms ${String(r.n).padStart(3)}x ${(r.flops / r.ms / 1e6).toFixed(1).padStart(5)}  ${k}`);
  }
}
// --alone=K1,K2: every launch of those kernels alone, in evaluation order, with its variant and bound bytes.
for (const name of opt('alone')?.split(',') ?? []) {
  for (const l of recorded.filter(([s]) => s.name === name)) {
    const [s, a] = l;
    const variant = Object.entries(s.defines ?? {}).filter(([, v]) => v === true).map(([k]) => k).join(' ');
    const bytes = a.buffers.map((b) => ('buffer' in b ? b.size ?? b.buffer.size : b.size)).join(', ');
    console.log(`  ${(await alone(l)).toFixed(2).padStart(7)} ms  ${name} ${variant}; workgroups ${a.workgroups.join('x')}; bound bytes ${bytes}`);
  }
}
process.exit(0);
