/**
 * Network ops over NCHW activations: per-channel affine (folded BatchNorm), convolution, pooling,
 * matmul/linear. Same pattern as ops.ts: check → allocate → launch → record backward, and each
 * backward launches only the gradient kernels its `needs` ask for (frozen weights cost nothing).
 */
import * as affineK from '../kernels/affine.js';
import { record } from './autograd.js';
import { checkRank } from './check.js';
import { type Tensor, fmtShape } from './tensor.js';
import { output } from './ops.js';

type Shape4 = [number, number, number, number];
const shape4 = (t: Tensor): Shape4 => [t.shape[0], t.shape[1], t.shape[2], t.shape[3]];

/**
 * y = x·scale[c] + shift[c] (a BatchNorm folded for inference: scale = γ/√(σ²+ε), shift = β − μ·scale),
 * with an optional fused ReLU. x is NCHW; scale and shift hold C values.
 */
export function affine(x: Tensor, scale: Tensor, shift: Tensor, opts: { relu?: boolean } = {}): Tensor {
  const op = opts.relu ? 'affineRelu' : 'affine';
  checkRank(op, x, 4, 'input', 'NCHW');
  const C = x.shape[1];
  if (scale.size !== C || shift.size !== C) {
    throw new Error(`${op}: scale ${fmtShape(scale.shape)} and shift ${fmtShape(shift.shape)} must hold one value per channel of input ${fmtShape(x.shape)} (${C})`);
  }
  const y = output(x, x.shape, op);
  affineK.affineForward(x.ctx, x.use(op), scale.use(op), shift.use(op), y.use(op), shape4(x), opts.relu);
  return record(op, [x, scale, shift], y, (gy, needs) => {
    const bw = `${op} backward`;
    const mask = opts.relu ? y.use(bw) : undefined;
    let gx: Tensor | null = null;
    let gscale: Tensor | null = null;
    let gshift: Tensor | null = null;
    if (needs[0]) {
      gx = output(x, x.shape, `${op} grad x`);
      affineK.affineBackwardInput(x.ctx, gy.use(bw), scale.use(bw), gx.use(bw), shape4(x), mask);
    }
    if (needs[1] || needs[2]) { // one kernel gives both parameter gradients
      gscale = output(x, scale.shape, `${op} grad scale`);
      gshift = output(x, shift.shape, `${op} grad shift`);
      affineK.affineBackwardParams(x.ctx, x.use(bw), gy.use(bw), gscale.use(bw), gshift.use(bw), shape4(x), mask);
    }
    return [gx, gscale, gshift];
  });
}
