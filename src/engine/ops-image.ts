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

/**
 * A colour map of an RGB image, same shape in and out, whose backward needs only the output's gradient:
 * `forward(x, y)` and `backward(dy, dx)` launch the kernels.
 */
function colourMap(op: 'preprocess' | 'deprocess', x: Tensor, forward: (x: GPUBuffer, y: GPUBuffer) => void, backward: (gy: GPUBuffer, gx: GPUBuffer) => void): Tensor {
  checkImage(op, x);
  const y = output(x, x.shape, op);
  forward(x.use(op), y.use(op));
  return record(op, [x], y, (gy) => {
    const gx = output(x, x.shape, `${op} grad`);
    backward(gy.use(`${op}Backward`), gx.use(`${op}Backward`));
    return [gx];
  });
}

/** Network input from an RGB image in [0, 1]: channel order, scale, mean and std of `convention`. */
export function preprocess(x: Tensor, convention: PreprocessConvention): Tensor {
  return colourMap('preprocess', x,
    (xb, yb) => colorK.preprocess(x.ctx, xb, yb, x.shape, convention),
    (gyb, gxb) => colorK.preprocessBackward(x.ctx, gyb, gxb, x.shape, convention));
}

/** RGB image in [0, 1] (unclamped) from a network input: the inverse of preprocess. */
export function deprocess(y: Tensor, convention: PreprocessConvention): Tensor {
  // deprocess is x = M⁻¹(y − b): its backward multiplies by (M⁻¹)ᵀ.
  const inverseT = () => colorK.transposeLinear(colorK.invertAffine(colorK.preprocessAffine(colorK.PREPROCESS[convention])));
  return colourMap('deprocess', y,
    (yb, xb) => colorK.deprocess(y.ctx, yb, xb, y.shape, convention),
    (gxb, gyb) => colorK.colorAffine(y.ctx, 'deprocessBackward', gxb, gyb, y.shape, inverseT()));
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
