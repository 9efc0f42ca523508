/**
 * SWAG smoothing, and reductions and losses to GPU scalars ([1] tensors that are never read back unless asked):
 *   sum(x) = Σ x;  mseLoss(a, b) = mean((a − b)²);  tvLoss(x) = mean-normalised squared total variation.
 * Their backward kernels read dLoss from the 1-element gradient buffer, so loss weights and the seed
 * stay on the GPU too.
 */
import * as addK from '../kernels/add.js';
import * as gramK from '../kernels/gram.js';
import * as optimK from '../kernels/optim.js';
import * as reduceK from '../kernels/reduce.js';
import * as softmaxK from '../kernels/softmax.js';
import { record } from './autograd.js';
import { checkRank, checkSameShape } from './check.js';
import { scaledCopy, output } from './ops-basic.js';
import { fmtShape, type Tensor } from './tensor.js';

type Shape4 = [number, number, number, number];
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
 * one op, the same value and gradient as mseLoss(gram(f), A). A must be a Gram matrix — symmetric — as
 * style targets are; then dL/dG = 2(G − A)/n·dy is symmetric too, so the backward multiplies it by F
 * directly (gramBackward's `symmetric`: no transpose-and-sum pass over the C×C gradient, which for
 * ResNet-50's 2048-channel layer is 4 M elements each way, and the gemm path at every Gram shape on the
 * CPU adapters, 2-3.4x the register kernel at layers 3-4; bench/RESULTS.md).
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
    const bw = 'gramLossBackward';
    // 2(G − A)/n · dy, written over G (this op's own, read by nothing else): one C×C buffer less (16 MiB for
    // ResNet-50's stage 4), so the graph takes one backward pass.
    if (backwardRan) throw new Error('gramLoss: backward ran twice over one graph (its Gram was overwritten by the first)');
    backwardRan = true;
    const dg = g;
    reduceK.mseLossBackward(f.ctx, g.use(bw), targetGram.use(bw), gy.use(bw), dg.use(bw), g.size);
    let gf: Tensor | null = null;
    if (needs[0]) {
      gf = output(f, f.shape, 'gramLoss grad');
      gramK.gramBackward(f.ctx, dg.use(bw), f.use(bw), gf.use(bw), shape4f, undefined, true);
    }
    const gt = needs[1] ? scaledCopy(dg, -1, 'gramLoss grad target') : null;
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

export interface SmoothOptions extends softmaxK.SmoothingOptions {
  /**
   * k in y = k·σ(x) (default 1). The style losses use k ≈ 1/mean(σ) so float32 Gram entries of a
   * whole-map softmax (~1e-6 each) do not underflow; see src/style/losses.ts.
   */
  outputScale?: number;
}

/**
 * SWAG smoothing σ of NCHW activations (Wang et al., CVPR 2021): 'softmax' over each item's C·H·W
 * values, 'channel-softmax' over C at each pixel, or 'scale' (α·x); with temperature T and an output
 * scale k: y = k·σ(x). Backward: dx = k·Jσᵀ·dy, where the softmax Jacobian needs σ itself = y/k.
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
    const s = k !== 1 && opts.mode !== 'scale' ? scaledCopy(y, 1 / k, `${op} σ`) : y;
    const gx = output(x, x.shape, `${op} grad`);
    softmaxK.swagSmoothingBackward(ctx, s.use(bw), gy.use(bw), gx.use(bw), shape4(x), kernelOpts);
    if (k !== 1) optimK.scale(ctx, { x: gx.use(bw), n: gx.size, alpha: k });
    if (s !== y) s.dispose();
    return [gx];
  });
}
