/** Plain-TS SWAG smoothing over NCHW in float64, the reference for src/kernels/reduce/softmax.ts. */
import type { SmoothingOptions } from './softmax.js';
import type { Shape4 } from '../shape.js';

/** Index sets the softmax runs over: every item's C·H·W block, or each (b, pixel)'s C channels. */
function groups([n, c, h, w]: Shape4, mode: 'softmax' | 'channel-softmax'): number[][] {
  const out: number[][] = [];
  if (mode === 'softmax') {
    for (let b = 0; b < n; b++) out.push(Array.from({ length: c * h * w }, (_, i) => b * c * h * w + i));
  } else {
    for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) out.push(Array.from({ length: c }, (_, ch) => (b * c + ch) * h * w + i));
  }
  return out;
}

export function swagSmoothing(x: ArrayLike<number>, shape: Shape4, opts: SmoothingOptions): Float64Array {
  const t = opts.temperature ?? 1;
  const y = new Float64Array(x.length);
  for (const set of groups(shape, opts.mode)) {
    let m = -Infinity;
    for (const i of set) m = Math.max(m, x[i] / t);
    let s = 0;
    for (const i of set) s += Math.exp(x[i] / t - m);
    for (const i of set) y[i] = Math.exp(x[i] / t - m) / s;
  }
  return y;
}

/** dx = y ⊙ (dy − Σ_set dy ⊙ y) / T. */
export function swagSmoothingBackward(x: ArrayLike<number>, dy: ArrayLike<number>, shape: Shape4, opts: SmoothingOptions): Float64Array {
  const t = opts.temperature ?? 1;
  const y = swagSmoothing(x, shape, opts);
  const dx = new Float64Array(x.length);
  for (const set of groups(shape, opts.mode)) {
    let d = 0;
    for (const i of set) d += dy[i] * y[i];
    for (const i of set) dx[i] = (y[i] * (dy[i] - d)) / t;
  }
  return dx;
}
