/**
 * One ResNet-50 style-transfer evaluation (forward + losses + backward to the image, bench/evaluate.ts's
 * styleEvaluation), with the conv2d per-step overheads switched on and off, alternating variant by
 * variant in one process (this shared machine's load swings too much for separate runs); each
 * variant keeps its best time. Prints ms per evaluation, dispatches per evaluation and which kernels
 * differ.
 *
 *   node --import ./bin/register.mjs bench/step-resnet.ts [llvmpipe|swiftshader] [--sizes=128,256] [--rounds=3]
 *
 * Variants: base (weights transposed every call, separate reluBackward pass), cache (frozen weights'
 * transposed layouts cached), cache+mask (and the ReLU mask applied inside the conv gradient kernels).
 */
import { getContext } from '../src/gpu/context.js';
import { convTuning, conv2dWeightCache } from '../src/kernels/conv2d.js';
import { benchModel, styleEvaluation } from './evaluate.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = (args.find((a) => !a.startsWith('--')) ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader';
const sizes = (opt('sizes') ?? '128,256').split(',').map(Number);
const rounds = Number(opt('rounds') ?? 3);
const ctx = await getContext(adapter);
const model = await benchModel(ctx, 'resnet50');
const variants: Record<string, () => void> = {
  base: () => { convTuning.cacheWeights = false; convTuning.fuseReluBackward = false; },
  cache: () => { convTuning.cacheWeights = true; convTuning.fuseReluBackward = false; },
  'cache+mask': () => { convTuning.cacheWeights = true; convTuning.fuseReluBackward = true; },
};
for (const size of sizes) {
  const ev = styleEvaluation(ctx, model, size);
  const best = new Map<string, number>();
  const launches = new Map<string, Map<string, number>>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, set] of (r % 2 ? Object.entries(variants).reverse() : Object.entries(variants))) {
      set();
      if (r === 0) { ev.run(); await ctx.sync(); } // compile and fill caches
      const before = new Map(ctx.dispatchCounts);
      const t0 = performance.now();
      ev.run();
      await ctx.sync();
      best.set(name, Math.min(best.get(name) ?? Infinity, performance.now() - t0));
      launches.set(name, new Map([...ctx.dispatchCounts].map(([k, v]) => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => (v as number) > 0) as Array<[string, number]>));
    }
  }
  const loss = await ev.loss();
  const base = launches.get('base')!;
  for (const [name, ms] of best) {
    const l = launches.get(name)!;
    const total = [...l.values()].reduce((a, b) => a + b, 0);
    const diff = [...new Set([...base.keys(), ...l.keys()])].filter((k) => (l.get(k) ?? 0) !== (base.get(k) ?? 0)).map((k) => `${k} ${l.get(k) ?? 0}`);
    console.log(`${adapter} resnet50 ${size}px ${name}: best ${ms.toFixed(0)} ms/evaluation, ${total} dispatches${diff.length ? ` (${diff.join(', ')})` : ''}`);
  }
  console.log(`  loss ${loss.toPrecision(6)} (finite: ${Number.isFinite(loss)}); cached transposed weights ${(conv2dWeightCache.bytes / 2 ** 20).toFixed(0)} MiB; submits ${ctx.submitCount}`);
  ev.dispose();
}
Object.assign(convTuning, { cacheWeights: true, fuseReluBackward: false });
process.exit(0);
