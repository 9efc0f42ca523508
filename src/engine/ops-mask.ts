/**
 * mulMask: x ⊙ m for a per-pixel mask m [1,1,H,W] broadcast over the batch and channels of x [N,C,H,W].
 * Spatial style control multiplies a tap's features by each region's mask before its Gram matrix
 * (Gatys et al., "Controlling Perceptual Factors in Neural Style Transfer", CVPR 2017). The mask is a
 * constant: only x gets a gradient, dx = dy ⊙ m.
 */
import * as maskK from '../kernels/pointwise/mask.js';
import { record } from './autograd.js';
import { checkRank, checkSameContext } from './check.js';
import { output } from './ops-basic.js';
import { fmtShape, type Tensor } from './tensor.js';

export function mulMask(x: Tensor, mask: Tensor): Tensor {
  checkRank('mulMask', x, 4, 'input', 'NCHW');
  checkSameContext('mulMask', x, mask);
  if (mask.requiresGrad) throw new Error(`mulMask: the mask ${fmtShape(mask.shape)} must be a constant (requiresGrad is set)`);
  const y = output(x, x.shape, 'mulMask');
  maskK.mulMask(x.ctx, x.use('mulMask'), mask.use('mulMask'), y.use('mulMask'), x.shape, mask.shape);
  return record('mulMask', [x], y, (gy) => {
    const gx = output(x, x.shape, 'mulMask grad');
    maskK.mulMaskBackward(x.ctx, gy.use('mulMaskBackward'), mask.use('mulMaskBackward'), gx.use('mulMaskBackward'), x.shape, mask.shape);
    return [gx];
  });
}
