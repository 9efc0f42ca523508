/**
 * One ResNet-50 (or VGG-19, --model) style-transfer evaluation (forward + losses + backward to the image, src/bench/evaluate.ts's
 * styleEvaluation), with the conv2d per-step overheads switched on and off, alternating variant by
 * variant in one process (this shared machine's load swings too much for separate runs); each
 * variant keeps its best time. Prints ms per evaluation, dispatches per evaluation and which kernels
 * differ.
 *
 *   node --import ./bin/register.mjs bench/step-resnet.ts [llvmpipe|swiftshader] [--sizes=128,256] [--rounds=3] [--model=resnet50|vgg19] [--variants=direct,cache]
 *
 * Variants: base (weights transposed every call, separate reluBackward pass), cache (frozen weights'
 * transposed layouts cached), cache+mask (and the ReLU mask applied inside the conv gradient kernels),
 * f2 (cache, Winograd F(2x2, 3x3) everywhere instead of the per-shape F2/F4 choice), direct (cache, every
 * conv on the direct kernels and Grams on the register kernels: no Winograd, no gemm), subsample (cache, strided 1x1
 * convs' backward-input with the subsample scatter after its gemm instead of writing whole planes). Every variant but `direct` uses Winograd and gemm where they apply (the default). The loss of each variant is printed: all agree.
 */
import { getContext } from '../src/gpu/context.js';
import { convTuning, conv2dWeightCache } from '../src/kernels/conv/conv2d.js';
import { winogradTuning } from '../src/kernels/conv/conv2d-winograd.js';
import { gramTuning } from '../src/kernels/reduce/gram.js';
import { styleEvaluation } from '../src/bench/evaluate.js';
import { benchModel } from '../src/bench/suite.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = (args.find((a) => !a.startsWith('--')) ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader';
const sizes = (opt('sizes') ?? '128,256').split(',').map(Number);
const rounds = Number(opt('rounds') ?? 3);
const ctx = await getContext(adapter);
const modelName = (opt('model') ?? 'resnet50') as 'resnet50' | 'vgg19';
const model = await benchModel(ctx, modelName);
// Every variant sets every switch: the defaults first, then its own.
const defaults = () => { convTuning.stridedPlanes = true; };
const allVariants: Record<string, () => void> = {
  subsample: () => { convTuning.cacheWeights = true; winogradTuning.cacheWeights = true; convTuning.fuseReluBackward = false; winogradTuning.enabled = true; winogradTuning.tile = 0; convTuning.pointwiseGemm = true; gramTuning.gemm = true; convTuning.stridedPlanes = false; },
  base: () => { convTuning.cacheWeights = false; winogradTuning.cacheWeights = false; convTuning.fuseReluBackward = false; winogradTuning.enabled = true; winogradTuning.tile = 0; convTuning.pointwiseGemm = true; gramTuning.gemm = true; },
  cache: () => { convTuning.cacheWeights = true; winogradTuning.cacheWeights = true; convTuning.fuseReluBackward = false; winogradTuning.enabled = true; winogradTuning.tile = 0; convTuning.pointwiseGemm = true; gramTuning.gemm = true; },
  'cache+mask': () => { convTuning.cacheWeights = true; winogradTuning.cacheWeights = true; convTuning.fuseReluBackward = true; winogradTuning.enabled = true; winogradTuning.tile = 0; convTuning.pointwiseGemm = true; gramTuning.gemm = true; },
  f2: () => { convTuning.cacheWeights = true; winogradTuning.cacheWeights = true; convTuning.fuseReluBackward = false; winogradTuning.enabled = true; winogradTuning.tile = 2; convTuning.pointwiseGemm = true; gramTuning.gemm = true; },
  direct: () => { convTuning.cacheWeights = true; winogradTuning.cacheWeights = true; convTuning.fuseReluBackward = false; winogradTuning.enabled = false; convTuning.pointwiseGemm = false; gramTuning.gemm = false; },
};
const chosen = (opt('variants') ?? 'base,cache,cache+mask').split(',');
const variants = Object.fromEntries(chosen.map((v) => {
  if (!allVariants[v]) throw new Error(`step-resnet: unknown variant "${v}" (${Object.keys(allVariants).join(', ')})`);
  return [v, allVariants[v]];
}));
for (const size of sizes) {
  const ev = styleEvaluation(ctx, model, size);
  const best = new Map<string, number>();
  const losses = new Map<string, number>();
  const launches = new Map<string, Map<string, number>>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, set] of (r % 2 ? Object.entries(variants).reverse() : Object.entries(variants))) {
      defaults();
      set();
      if (r === 0) { ev.run(); await ctx.sync(); } // compile and fill caches
      const before = new Map(ctx.dispatchCounts);
      const t0 = performance.now();
      ev.run();
      await ctx.sync();
      best.set(name, Math.min(best.get(name) ?? Infinity, performance.now() - t0));
      if (r === 0) losses.set(name, await ev.loss());
      launches.set(name, new Map([...ctx.dispatchCounts].map(([k, v]) => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => (v as number) > 0) as Array<[string, number]>));
    }
  }
  const base = launches.get(chosen[0])!;
  for (const [name, ms] of best) {
    const l = launches.get(name)!;
    const total = [...l.values()].reduce((a, b) => a + b, 0);
    const diff = [...new Set([...base.keys(), ...l.keys()])].filter((k) => (l.get(k) ?? 0) !== (base.get(k) ?? 0)).map((k) => `${k} ${l.get(k) ?? 0}`);
    console.log(`${adapter} ${modelName} ${size}px ${name}: best ${ms.toFixed(0)} ms/evaluation, ${total} dispatches${diff.length ? ` (${diff.join(', ')})` : ''}, loss ${losses.get(name)!.toPrecision(6)}`);
  }
  console.log(`  cached weight layouts ${(conv2dWeightCache.bytes / 2 ** 20).toFixed(0)} MiB; submits ${ctx.submitCount}`);
  ev.dispose();
}
Object.assign(convTuning, { cacheWeights: true, fuseReluBackward: false, pointwiseGemm: true });
Object.assign(winogradTuning, { cacheWeights: true, enabled: true });
process.exit(0);
