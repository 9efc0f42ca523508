/**
 * A fused ReLU's backward two ways, A/B alternating in one process (best of 4 each): a reluBackward pass
 * into a temporary then conv2dBackwardInput, or conv2dBackwardInput masking dy inline (`y`).
 *   node --import ./bin/register.mjs bench/conv-relu-mask.ts llvmpipe|swiftshader
 * Result (bench/RESULTS.md): inline is slower at 3x3 (it re-reads y for each of the KH·KW·C/(4G) reads
 * of every dy value), about even at 1x1, so the engine keeps the pass (convTuning.fuseReluBackward).
 */
import { getContext } from '../src/gpu/context.js';
import { conv2dBackwardInput, conv2dGeometry } from '../src/kernels/conv/conv2d.js';
import { reluBackward } from '../src/kernels/pointwise/relu.js';
const adapter = process.argv[2] as 'llvmpipe';
const ctx = await getContext(adapter);
for (const [xs, ws, pad] of [[[1, 128, 64, 64], [128, 128, 3, 3], 1], [[1, 256, 32, 32], [64, 256, 1, 1], 0]] as const) {
  const g = conv2dGeometry({ inShape: xs, weightShape: ws, padding: pad });
  const fill = (n: number) => ctx.bufferFrom(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5));
  const ny = g.O * g.outH * g.outW;
  const x = fill(g.C * g.H * g.W), w = fill(g.O * g.C * g.KH * g.KW), y = fill(ny), dy = fill(ny), t = fill(ny);
  const key = {};
  const v: Record<string, () => void> = {
    pass: () => { reluBackward(ctx, y, dy, t, ny); conv2dBackwardInput(ctx, { dy: t, w, dx: x, geometry: g, weightsKey: key }); },
    inline: () => conv2dBackwardInput(ctx, { dy, w, dx: x, geometry: g, weightsKey: key, y }),
  };
  const best = new Map<string, number>();
  for (let r = 0; r < 4; r++) for (const [k, run] of (r % 2 ? Object.entries(v).reverse() : Object.entries(v))) {
    if (r === 0) { run(); await ctx.sync(); }
    const t0 = performance.now(); run(); await ctx.sync();
    best.set(k, Math.min(best.get(k) ?? 1e9, performance.now() - t0));
  }
  console.log(adapter, xs.join('x'), '->', ws[0], `${ws[2]}x${ws[3]}`, [...best].map(([k, ms]) => `${k} ${ms.toFixed(1)} ms`).join(', '));
}
process.exit(0);
