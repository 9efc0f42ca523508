/**
 * Engine overhead: `npx tsx bench/engine.ts [adapter]`. Records one optimisation step of a small VGG-like
 * stack (8 convs with fused ReLU, 2 max-pools, 3 Gram + MSE style terms, 1 content MSE, TV, weighted sum,
 * backward into the image only) and reports: launches and submits per step, pool buffers created after
 * warm-up, the CPU time to record the step (ops + backward, no GPU wait), and the time to run it.
 * The recording time is what the engine adds on top of the kernels.
 *
 * Measured (llvmpipe, shared 2-core machine, 64x64 image): 91 → 85 launches per step after weightedSum's
 * backward passed dy on for weight-1 terms; 1 submit per step; 0 buffers created after warm-up;
 * recording 2.7–5.5 ms per step (load-dependent), nearly all of it inside ctx.launch (~55 µs per call:
 * Dawn binding calls and cache keys); the engine's own bookkeeping is a small fraction.
 */
import { getContext } from '../src/gpu/context.js';
import { Tensor } from '../src/engine/tensor.js';
import { keep, noGrad, scope } from '../src/engine/scope.js';
import { backward, zeroGrad } from '../src/engine/autograd.js';
import { counters, since } from '../src/engine/stats.js';
import * as ops from '../src/engine/ops.js';

const adapter = (process.argv[2] ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader' | 'gpu';
const ctx = await getContext(adapter);
const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s);
const widths = [16, 16, 32, 32, 32, 32, 64, 64];
let c = 3;
const weights = widths.map((o) => { const w = Tensor.from(ctx, rand(o * c * 9, 0.3), [o, c, 3, 3]); const b = Tensor.from(ctx, rand(o, 0.1), [o]); c = o; return [w, b]; });
keep(weights.flat()[0]);
const x = Tensor.from(ctx, rand(3 * 64 * 64, 1).map((v) => v + 0.5), [1, 3, 64, 64], { requiresGrad: true });

const features = (img: Tensor): Tensor[] => {
  const taps: Tensor[] = [];
  let h = ops.preprocess(img, 'torch');
  weights.forEach(([w, b], i) => {
    h = ops.conv2d(h, w, b, { padding: 1, relu: true });
    if (i === 1 || i === 3 || i === 7) taps.push(h);
    if (i === 1 || i === 3) h = ops.maxPool2d(h, { kernel: 2 });
  });
  return taps;
};
const targets = noGrad(() => scope(() => features(x).map((t) => keep(ops.gram(t)))));
const content = noGrad(() => scope(() => keep(features(x)[1])));

const step = () => scope(() => {
  const taps = features(x);
  const terms = [...taps.map((t, i) => ops.mseLoss(ops.gram(t), targets[i])), ops.mseLoss(taps[1], content), ops.tvLoss(x)];
  const loss = ops.weightedSum(terms, [1, 1, 1, 0.1, 0.01]);
  backward(loss);
  zeroGrad(x);
});

for (let i = 0; i < 3; i++) { step(); await ctx.sync(); }
const steps = 20;
let record = 0;
const before = counters(ctx);
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const r0 = performance.now();
  step();
  record += performance.now() - r0;
  ctx.submit();
}
await ctx.sync();
const total = performance.now() - t0;
const d = since(ctx, before);
console.log(`${ctx.gpu.adapter.kind}: ${d.dispatches / steps} launches and ${d.submits / steps} submits per step, ` +
  `${d.buffersCreated} buffers created in ${steps} steps; record ${(record / steps).toFixed(2)} ms/step (CPU), ` +
  `total ${(total / steps).toFixed(1)} ms/step; conv2dBackwardWeight launches: ${d.kernels.conv2dBackwardWeight ?? 0}`);
console.log('launches per step by kernel:', Object.entries(d.kernels).map(([k, n]) => `${k} ${n / steps}`).join(', '));
