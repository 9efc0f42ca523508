/**
 * Image ops on NCHW float32 RGB images: the network's preprocessing (and its inverse), bilinear resize
 * (multi-scale runs), and clamp. Each is differentiable so the loss reaches the RGB image.
 */
import * as colorK from '../kernels/image/color.js';
import * as imageK from '../kernels/image/image.js';
import * as resizeK from '../kernels/image/resize.js';
import { record } from './autograd.js';
import { checkRank } from './check.js';
import { output } from './ops-basic.js';
import { type Tensor, fmtShape } from './tensor.js';

export type PreprocessConvention = colorK.PreprocessConvention;

function checkImage(op: string, x: Tensor): void {
  checkRank(op, x, 4, 'image', 'NCHW');
  if (x.shape[1] !== 3) throw new Error(`${op}: expected an RGB image [N,3,H,W], got ${fmtShape(x.shape)}`);
}

/** Network input from an RGB image in [0, 1]: channel order, scale, mean and std of `convention`. */
export function preprocess(x: Tensor, convention: PreprocessConvention): Tensor {
  checkImage('preprocess', x);
  const y = output(x, x.shape, 'preprocess');
  colorK.preprocess(x.ctx, x.use('preprocess'), y.use('preprocess'), x.shape, convention);
  return record('preprocess', [x], y, (gy) => {
    const gx = output(x, x.shape, 'preprocess grad');
    colorK.preprocessBackward(x.ctx, gy.use('preprocessBackward'), gx.use('preprocessBackward'), x.shape, convention);
    return [gx];
  });
}

/** RGB image in [0, 1] (unclamped) from a network input: the inverse of preprocess. */
export function deprocess(y: Tensor, convention: PreprocessConvention): Tensor {
  checkImage('deprocess', y);
  const x = output(y, y.shape, 'deprocess');
  colorK.deprocess(y.ctx, y.use('deprocess'), x.use('deprocess'), y.shape, convention);
  return record('deprocess', [y], x, (gx) => {
    // deprocess is x = M⁻¹(y − b): its backward multiplies by (M⁻¹)ᵀ.
    const gy = output(y, y.shape, 'deprocess grad');
    const inverse = colorK.invertAffine(colorK.preprocessAffine(colorK.PREPROCESS[convention]));
    colorK.colorAffine(y.ctx, 'deprocessBackward', gx.use('deprocessBackward'), gy.use('deprocessBackward'), y.shape, colorK.transposeLinear(inverse));
    return [gy];
  });
}

/** Bilinear resize to outH x outW (align_corners = false). */
export function resize(x: Tensor, outH: number, outW: number): Tensor {
  checkRank('resize', x, 4, 'input', 'NCHW');
  const [N, C] = x.shape;
  const y = output(x, [N, C, outH, outW], 'resize');
  resizeK.resizeBilinear(x.ctx, x.use('resize'), y.use('resize'), x.shape, outH, outW);
  return record('resize', [x], y, (gy) => {
    const gx = output(x, x.shape, 'resize grad');
    resizeK.resizeBilinearBackward(x.ctx, gy.use('resizeBilinearBackward'), gx.use('resizeBilinearBackward'), x.shape, outH, outW);
    return [gx];
  });
}

/** min(max(x, lo), hi); the gradient passes where lo <= x <= hi. */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  const y = output(x, x.shape, 'clamp');
  imageK.clamp(x.ctx, x.use('clamp'), y.use('clamp'), x.size, lo, hi);
  return record('clamp', [x], y, (gy) => {
    const gx = output(x, x.shape, 'clamp grad');
    imageK.clampBackward(x.ctx, x.use('clampBackward'), gy.use('clampBackward'), gx.use('clampBackward'), x.size, lo, hi);
    return [gx];
  });
}
