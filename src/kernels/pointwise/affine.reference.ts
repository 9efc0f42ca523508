/** Plain-TS per-channel affine (folded BatchNorm) over NCHW, float64: the reference for src/kernels/pointwise/affine.ts. */
import type { Shape4 } from '../shape.js';

export function affineForward(x: ArrayLike<number>, scale: ArrayLike<number>, shift: ArrayLike<number>, [n, c, h, w]: Shape4, relu = false): Float64Array {
  const y = new Float64Array(n * c * h * w);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) {
    const k = (b * c + ch) * h * w + i;
    const v = x[k] * scale[ch] + shift[ch];
    y[k] = relu ? Math.max(v, 0) : v;
  }
  return y;
}

/** Gradients of Σ y·dy with respect to x, scale and shift. */
export function affineBackward(x: ArrayLike<number>, scale: ArrayLike<number>, shift: ArrayLike<number>, dy: ArrayLike<number>, shape: Shape4, relu = false): { dx: Float64Array; dscale: Float64Array; dshift: Float64Array } {
  const [n, c, h, w] = shape;
  const y = affineForward(x, scale, shift, shape, relu);
  const dx = new Float64Array(y.length);
  const dscale = new Float64Array(c);
  const dshift = new Float64Array(c);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) {
    const k = (b * c + ch) * h * w + i;
    const g = relu && !(y[k] > 0) ? 0 : dy[k];
    dx[k] = g * scale[ch];
    dscale[ch] += g * x[k];
    dshift[ch] += g;
  }
  return { dx, dscale, dshift };
}
