/**
 * Elementwise, shape and scalar ops. Every op reads the same way:
 *   check shapes (errors name the op and the shapes) → allocate the output from the pool → launch the
 *   kernel → `record` the backward closure, written right under the forward it differentiates.
 * Backward closures allocate fresh gradients (or pass dy on) and launch only for inputs in `needs`.
 * Network ops (conv, pools, matmul) live in ops-nn.ts; losses and SWAG smoothing in ops-loss.ts;
 * image ops in ops-image.ts. `ops.ts` re-exports them all.
 */
import * as addK from '../kernels/pointwise/add.js';
import * as optimK from '../kernels/optim/optim.js';
import * as reluK from '../kernels/pointwise/relu.js';
import { record } from './autograd.js';
import { checkSameContext, checkSameShape, checkScalar } from './check.js';
import { Tensor, type Shape } from './tensor.js';

/** A fresh output of `shape` from the pool, labelled with the op that makes it. */
export function output(like: Tensor, shape: Shape, op: string): Tensor {
  return Tensor.empty(like.ctx, shape, { label: op });
}

/** y = max(x, 0). */
export function relu(x: Tensor): Tensor {
  const y = output(x, x.shape, 'relu');
  reluK.reluForward(x.ctx, x.use('relu'), y.use('relu'), x.size);
  return record('relu', [x], y, (gy, _needs, owned) => {
    // dx = dy · [y > 0]: the output has the input's sign pattern, so the input need not be kept. In place
    // when this node owns dy.
    const gx = owned ? gy : output(x, x.shape, 'relu grad');
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

/** A fresh copy of `x`'s buffer scaled by α (a number, or alphaScale·x[0] of a GPU scalar): 2 launches. */
export function scaledCopy(x: Tensor, alpha: number | Tensor, op: string, alphaScale = 1): Tensor {
  const y = output(x, x.shape, op);
  addK.copy(x.ctx, x.use(op), y.use(op), x.size);
  optimK.scale(x.ctx, { x: y.use(op), n: x.size, alpha: typeof alpha === 'number' ? alpha : alpha.use(op), alphaScale });
  return y;
}

/** y = c·x for a constant c (e.g. weighting a loss term). */
export function mulScalar(x: Tensor, c: number): Tensor {
  const y = scaledCopy(x, c, 'mulScalar');
  return record('mulScalar', [x], y, (gy) => [scaledCopy(gy, c, 'mulScalar backward')]);
}

/**
 * The total loss Σ wᵢ·termsᵢ of scalar terms, on the GPU (no readback): a zero fill, then one axpy per
 * term. Backward: dtermᵢ = wᵢ·dy (a copy and a scale; none for wᵢ = 1). Weights default to 1 (addScalars).
 */
export function weightedSum(terms: Tensor[], weights: number[] = terms.map(() => 1)): Tensor {
  if (terms.length === 0) throw new Error('weightedSum: no terms');
  if (weights.length !== terms.length) throw new Error(`weightedSum: ${terms.length} terms but ${weights.length} weights`);
  terms.forEach((t, i) => checkScalar('weightedSum', t, `term ${i}`));
  weights.forEach((w, i) => { if (!Number.isFinite(w)) throw new Error(`weightedSum: weight ${i} is ${w}`); });
  const ctx = terms[0].ctx;
  const y = Tensor.zeros(ctx, [1], { label: 'weightedSum' });
  terms.forEach((t, i) => optimK.axpy(ctx, { y: y.use('weightedSum'), x: t.use('weightedSum'), n: 1, alpha: weights[i] }));
  // dtermᵢ = wᵢ·dy; a weight of 1 passes dy on with no launch.
  return record('weightedSum', terms, y, (gy, needs) =>
    terms.map((_, i) => (!needs[i] ? null : weights[i] === 1 ? gy : scaledCopy(gy, weights[i], 'weightedSum backward'))));
}

/** Σ terms (scalars): the total of already-weighted loss terms. */
export function addScalars(...terms: Tensor[]): Tensor {
  return weightedSum(terms);
}
