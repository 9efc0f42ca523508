/**
 * A/B of gemm's narrow-product tiles (gemm.ts launchTile) inside whole ResNet-50 evaluations: alternating in one
 * process, the adapter's tile as an override (which launchTile runs as given: the choice before narrowing) against
 * the normal choice. Prints both medians, old / new, the ratio pair by pair and both losses (equal: narrowing keeps
 * each output's summation order).
 *   node --import ./bin/register.mjs bench/narrow-ab.ts [size=128] [rounds=9] [llvmpipe|swiftshader]
 */
import { getContext } from '../src/gpu/context.js';
import { benchModel } from '../src/bench/suite.js';
import { styleEvaluation } from '../src/bench/evaluate.js';
import { gemmTile, gemmTuning } from '../src/kernels/gemm/gemm.js';

const size = Number(process.argv[2] ?? 128);
const rounds = Number(process.argv[3] ?? 9);
const ctx = await getContext((process.argv[4] ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader');
const own = gemmTile(ctx);
const ev = styleEvaluation(ctx, await benchModel(ctx, 'resnet50'), size);
const times: Record<'old' | 'new', number[]> = { old: [], new: [] };
const loss: Record<string, number> = {};
for (let round = -1; round < rounds; round++) {
  for (const k of round % 2 ? ['old', 'new'] as const : ['new', 'old'] as const) {
    gemmTuning.override = k === 'old' ? own : null;
    const t0 = performance.now();
    ev.run();
    await ctx.sync();
    if (round >= 0) times[k].push(performance.now() - t0);
    loss[k] = await ev.loss();
  }
}
gemmTuning.override = null;
const median = (v: number[]) => v.slice().sort((a, b) => a - b)[v.length >> 1];
console.log(`${ctx.gpu.adapter.kind} ${size}px: old ${median(times.old).toFixed(1)} ms, new ${median(times.new).toFixed(1)} ms, old/new ${(median(times.old) / median(times.new)).toFixed(3)}; pairs ${times.old.map((o, i) => (o / times.new[i]).toFixed(2)).join(' ')}; losses ${loss.old} ${loss.new}`);
process.exit(0);
