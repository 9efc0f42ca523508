/**
 * Plain-TS optimiser vector ops in float64: the references for optim.wgsl, dot.wgsl and scalar.wgsl,
 * and the L-BFGS two-loop recursion exactly as torch.optim.LBFGS writes it (used to test that the GPU
 * ops compose into the same search direction).
 */
import type { ScalarOp, ScalarArg, VectorReduction } from './optim.js';

/** torch.optim.Adam, in place: m, v start at zero; step counts from 1. */
export function adamStep(
  param: Float64Array, grad: ArrayLike<number>, m: Float64Array, v: Float64Array,
  { lr, beta1, beta2, eps, step }: { lr: number; beta1: number; beta2: number; eps: number; step: number },
): void {
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  for (let i = 0; i < param.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
    v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
    const mHat = m[i] / bc1;
    const vHat = v[i] / bc2;
    param[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

export function axpy(y: ArrayLike<number>, x: ArrayLike<number>, alpha: number): Float64Array {
  return Float64Array.from(y, (v, i) => v + alpha * x[i]);
}

export function scale(x: ArrayLike<number>, alpha: number): Float64Array {
  return Float64Array.from(x, (v) => alpha * v);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function vectorReduce(x: ArrayLike<number>, op: VectorReduction): number {
  let r = 0;
  for (let i = 0; i < x.length; i++) {
    if (op === 'sumsq') r += x[i] * x[i];
    else if (op === 'abssum') r += Math.abs(x[i]);
    else r = Math.max(r, Math.abs(x[i]));
  }
  return r;
}

/** Interpret scalar ops on `s` in place, in order. */
export function scalarOps(s: Float64Array, ops: ScalarOp[]): void {
  const val = (arg: ScalarArg | undefined) => (arg === undefined ? 0 : typeof arg === 'number' ? arg : s[arg.slot]);
  for (const { op, out, a: ra, b: rb, c: rc } of ops) {
    const [a, b, c] = [val(ra), val(rb), val(rc)];
    s[out] = {
      set: a, add: a + b, sub: a - b, mul: a * b, div: a / b, min: Math.min(a, b), max: Math.max(a, b),
      greater: a > b ? 1 : 0, where: a > 0 ? b : c,
    }[op];
  }
}

/**
 * The L-BFGS direction d = −H·g from torch.optim.LBFGS's two-loop recursion, for history pairs
 * (s_i, y_i) oldest first, and H_diag = (y·s)/(y·y) of the newest accepted pair.
 */
export function lbfgsDirection(g: ArrayLike<number>, olds: ArrayLike<number>[], oldy: ArrayLike<number>[], hDiag: number): Float64Array {
  const k = olds.length;
  const ro = oldy.map((y, i) => 1 / dot(y, olds[i]));
  const al = new Array<number>(k);
  let q: Float64Array = Float64Array.from(g, (v) => -v);
  for (let i = k - 1; i >= 0; i--) {
    al[i] = dot(olds[i], q) * ro[i];
    q = axpy(q, oldy[i], -al[i]);
  }
  let r: Float64Array = scale(q, hDiag);
  for (let i = 0; i < k; i++) {
    const be = dot(oldy[i], r) * ro[i];
    r = axpy(r, olds[i], al[i] - be);
  }
  return r;
}
