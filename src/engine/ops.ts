/**
 * Elementwise and scalar ops. Every op reads the same way:
 *   check shapes (errors name the op and the shapes) → allocate the output from the pool → launch the
 *   kernel → `record` the backward closure, written right under the forward it differentiates.
 * Backward closures allocate fresh gradients (or pass dy on) and launch only for inputs in `needs`.
 * Network ops (conv, pools, matmul) live in ops-nn.ts; losses and SWAG smoothing in ops-loss.ts.
 */
import * as addK from '../kernels/add.js';
import * as reluK from '../kernels/relu.js';
import { record } from './autograd.js';
import { checkSameContext, checkSameShape } from './check.js';
import { Tensor, type Shape } from './tensor.js';

/** A fresh output of `shape` from the pool, labelled with the op that makes it. */
export function output(like: Tensor, shape: Shape, op: string): Tensor {
  return Tensor.empty(like.ctx, shape, { label: op });
}

/** y = max(x, 0). */
export function relu(x: Tensor): Tensor {
  const y = output(x, x.shape, 'relu');
  reluK.reluForward(x.ctx, x.use('relu'), y.use('relu'), x.size);
  return record('relu', [x], y, (gy) => {
    // dx = dy · [y > 0]: the output has the input's sign pattern, so the input need not be kept.
    const gx = output(x, x.shape, 'relu grad');
    reluK.reluBackward(x.ctx, y.use('relu backward'), gy.use('relu backward'), gx.use('relu backward'), x.size);
    return [gx];
  });
}

/** y = a + b (same shapes; residual connections). */
export function add(a: Tensor, b: Tensor): Tensor {
  checkSameShape('add', a, b);
  checkSameContext('add', a, b);
  const y = output(a, a.shape, 'add');
  if (a === b) { // x + x: the kernel refuses to bind one buffer twice
    addK.copy(a.ctx, a.use('add'), y.use('add'), a.size);
    addK.accumulate(a.ctx, y.use('add'), a.use('add'), a.size);
  } else addK.add(a.ctx, a.use('add'), b.use('add'), y.use('add'), a.size);
  // da = db = dy: pass dy on; autograd sums it where a tensor is reached twice.
  return record('add', [a, b], y, (gy) => [gy, gy]);
}

/** A copy of x that does not require grad and has no history (like torch's detach().clone()). */
export function detach(x: Tensor): Tensor {
  const y = output(x, x.shape, 'detach');
  addK.copy(x.ctx, x.use('detach'), y.use('detach'), x.size);
  return y;
}

/** A copy of x with a new shape of the same size (a free reshape would need buffer views). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const y = output(x, shape, 'reshape');
  if (y.size !== x.size) {
    y.dispose();
    throw new Error(`reshape: cannot reshape [${x.shape}] (${x.size} elements) to [${shape}] (${y.size} elements)`);
  }
  addK.copy(x.ctx, x.use('reshape'), y.use('reshape'), x.size);
  return record('reshape', [x], y, (gy) => {
    const gx = output(x, x.shape, 'reshape grad');
    addK.copy(x.ctx, gy.use('reshape backward'), gx.use('reshape backward'), x.size);
    return [gx];
  });
}
