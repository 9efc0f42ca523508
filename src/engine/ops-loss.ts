/**
 * SWAG smoothing, and reductions and losses to GPU scalars ([1] tensors that are never read back unless asked):
 *   sum(x) = Σ x;  mseLoss(a, b) = mean((a − b)²);  tvLoss(x) = mean-normalised squared total variation.
 * Their backward kernels read dLoss from the 1-element gradient buffer, so loss weights and the seed
 * stay on the GPU too.
 */
import * as addK from '../kernels/pointwise/add.js';
import * as gramK from '../kernels/reduce/gram.js';
import * as optimK from '../kernels/optim/optim.js';
import * as reduceK from '../kernels/reduce/reduce.js';
import * as softmaxK from '../kernels/reduce/softmax.js';
import { record } from './autograd.js';
import { checkRank, checkSameShape } from './check.js';
import { scaledCopy, output } from './ops-basic.js';
import { fmtShape, type Tensor } from './tensor.js';
import type { Shape4 } from '../kernels/shape.js';

const shape4 = (t: Tensor): Shape4 => [t.shape[0], t.shape[1], t.shape[2], t.shape[3]];

/** Σ of all elements, a [1] tensor. Backward: dx = dy[0] everywhere (a fill of ones scaled by the GPU scalar). */
export function sum(x: Tensor): Tensor {
  const y = output(x, [1], 'sum');
  reduceK.sum(x.ctx, x.use('sum'), y.use('sum'), x.size);
  return record('sum', [x], y, (gy) => {
    const gx = output(x, x.shape, 'sum grad');
    addK.fill(x.ctx, gx.use('sum backward'), x.size, 1);
    optimK.scale(x.ctx, { x: gx.use('sum backward'), n: x.size, alpha: gy.use('sum backward') });
    return [gx];
  });
}

/** mean((a − b)²) over all elements, a [1] tensor (content and style losses; b is usually a fixed target). */
export function mseLoss(a: Tensor, b: Tensor): Tensor {
  checkSameShape('mseLoss', a, b, ['input', 'target']);
  const y = output(a, [1], 'mseLoss');
  reduceK.mseLoss(a.ctx, a.use('mseLoss'), b.use('mseLoss'), y.use('mseLoss'), a.size);
  return record('mseLoss', [a, b], y, (gy, needs) => {
    // da = 2(a − b)/n · dy;  db = −da
    const bw = 'mseLossBackward';
    const ga = output(a, a.shape, 'mseLoss grad');
    reduceK.mseLossBackward(a.ctx, a.use(bw), b.use(bw), gy.use(bw), ga.use(bw), a.size);
    const gb = needs[1] ? scaledCopy(ga, -1, 'mseLoss grad target') : null;
    if (!needs[0]) { ga.dispose(); return [null, gb]; }
    return [ga, gb];
  });
}

/**
 * mean((G(f) − A)²) over the [N,C,C] Gram matrices (G as gram(f)), a [1] tensor: one layer's style loss as
 * one op, the same value and gradient (to rounding: the backward applies 2·dy/n after its product) as
 * mseLoss(gram(f), A). A must be a Gram matrix — symmetric — as
 * style targets are; then dL/dG = 2(G − A)/n·dy is symmetric too, so the backward multiplies it by F
 * directly (gramBackward's `symmetric`: no transpose-and-sum pass over the C×C gradient, which for
 * ResNet-50's 2048-channel layer is 4 M elements each way, and the gemm path at every Gram shape on the
 * CPU adapters, 2-3.4x the register kernel at layers 3-4; bench/NOTES.md).
 */
export function gramLoss(f: Tensor, targetGram: Tensor): Tensor {
  checkRank('gramLoss', f, 4, 'features', 'NCHW');
  const [N, C] = f.shape;
  if (targetGram.shape.join() !== [N, C, C].join()) {
    throw new Error(`gramLoss: target Gram ${fmtShape(targetGram.shape)} does not match features ${fmtShape(f.shape)} (needs [${N},${C},${C}])`);
  }
  const shape4f = shape4(f);
  const g = output(f, [N, C, C], 'gramLoss gram');
  gramK.gram(f.ctx, f.use('gramLoss'), g.use('gramLoss'), shape4f);
  const y = output(f, [1], 'gramLoss');
  reduceK.mseLoss(f.ctx, g.use('gramLoss'), targetGram.use('gramLoss'), y.use('gramLoss'), g.size);
  let backwardRan = false;
  return record('gramLoss', [f, targetGram], y, (gy, needs) => {
    // dL/dG = 2(G − A)/n·dy, and dF = 2·dL/dG·F/(C·H·W) (gramBackward). The factor 2·dy/n is applied to dF
    // after the product, not to dL/dG before it: n = C² (4 M at 2048 channels) and dy (a term weight × the
    // loss scale, 1e-6 to 1e-13 in the presets) made dL/dG 1e-8 down to 1e-38 (to 1e-45 in resnet50-swag),
    // so 97 % of the products with the smoothed features were subnormal floats, which x86 computes ~25x slower:
    // 0.7 s of CPU for one 2048-channel gemm at 192 px instead of 27 ms (bench/NOTES.md, "Subnormal Gram
    // gradients"). G − A itself keeps the Grams' magnitudes: its products with F stay normal.
    const bw = 'gramLossBackward';
    // G − A written over G (this op's own, read by nothing else): one C×C buffer less (16 MiB for ResNet-50's
    // stage 4), so the graph takes one backward pass.
    if (backwardRan) throw new Error('gramLoss: backward ran twice over one graph (its Gram was overwritten by the first)');
    backwardRan = true;
    const d = g;
    reduceK.difference(f.ctx, g.use(bw), targetGram.use(bw), d.use(bw), g.size);
    let gf: Tensor | null = null;
    if (needs[0]) {
      gf = output(f, f.shape, 'gramLoss grad');
      gramK.gramBackward(f.ctx, d.use(bw), f.use(bw), gf.use(bw), shape4f, undefined, true);
      optimK.scale(f.ctx, { x: gf.use(bw), n: gf.size, alpha: gy.use(bw), alphaScale: 2 / g.size });
    }
    const gt = needs[1] ? scaledCopy(d, gy, 'gramLoss grad target', -2 / g.size) : null;
    g.dispose();
    return [gf, gt];
  });
}

/** Total-variation loss of an NCHW image (see the tvLoss kernel for the exact normalisation), a [1] tensor. */
export function tvLoss(x: Tensor): Tensor {
  checkRank('tvLoss', x, 4, 'image', 'NCHW');
  const y = output(x, [1], 'tvLoss');
  reduceK.tvLoss(x.ctx, x.use('tvLoss'), y.use('tvLoss'), shape4(x));
  return record('tvLoss', [x], y, (gy) => {
    const gx = output(x, x.shape, 'tvLoss grad');
    reduceK.tvLossBackward(x.ctx, x.use('tvLossBackward'), gy.use('tvLossBackward'), gx.use('tvLossBackward'), shape4(x));
    return [gx];
  });
}

/** The smoothing modes and α, from the kernel's file, for the layers above. */
export { SMOOTHING_MODES, SCALE_ALPHA, type SmoothingMode } from '../kernels/reduce/softmax.js';

export interface SmoothOptions extends softmaxK.SmoothingOptions {
  /**
   * k in y = k·σ(x) (default 1). The style losses use k ≈ 1/mean(σ) so float32 Gram entries of a
   * whole-map softmax (~1e-6 each) do not underflow; see src/style/losses.ts.
   */
  outputScale?: number;
}

/**
 * SWAG smoothing σ of NCHW activations (Wang et al., CVPR 2021): 'softmax' over each item's C·H·W
 * values or 'channel-softmax' over C at each pixel (the modes with a kernel; style/losses.ts handles
 * 'scale' and 'none'), with temperature T and an output scale k: y = k·σ(x).
 * Backward: dx = k·Jσᵀ·dy, where the softmax Jacobian needs σ itself = y/k.
 */
export function smooth(x: Tensor, opts: SmoothOptions): Tensor {
  checkRank('smooth', x, 4, 'input', 'NCHW');
  const { outputScale: k = 1, ...kernelOpts } = opts;
  if (!(Number.isFinite(k) && k !== 0)) throw new Error(`smooth: outputScale must be a finite non-zero number, got ${k}`);
  const op = `smooth(${opts.mode})`;
  const ctx = x.ctx;
  const y = output(x, x.shape, op);
  softmaxK.swagSmoothing(ctx, x.use(op), y.use(op), shape4(x), kernelOpts);
  if (k !== 1) optimK.scale(ctx, { x: y.use(op), n: y.size, alpha: k });
  return record(op, [x], y, (gy) => {
    const bw = `${op} backward`;
    const s = k !== 1 ? scaledCopy(y, 1 / k, `${op} σ`) : y;
    const gx = output(x, x.shape, `${op} grad`);
    softmaxK.swagSmoothingBackward(ctx, s.use(bw), gy.use(bw), gx.use(bw), shape4(x), kernelOpts);
    if (k !== 1) optimK.scale(ctx, { x: gx.use(bw), n: gx.size, alpha: k });
    if (s !== y) s.dispose();
    return [gx];
  });
}
