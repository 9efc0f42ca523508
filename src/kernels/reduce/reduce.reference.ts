/** Plain-TS sum, MSE and total variation in float64, the references for src/kernels/reduce/reduce.ts. */
import type { Shape4 } from '../shape.js';

export function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/** mean((a − b)²) */
export function mseLoss(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/** ∂/∂a of mseLoss · dLoss */
export function mseLossBackward(a: ArrayLike<number>, b: ArrayLike<number>, dLoss: number): Float64Array {
  return Float64Array.from(a, (v, i) => (2 * (v - b[i]) * dLoss) / a.length);
}

/** a − b, each difference rounded to float32 (the kernel's one rounding). */
export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  return Float32Array.from(a, (v, i) => v - b[i]);
}

/** (1/(N·C·H·W)) Σ (x[h+1,w] − x[h,w])² + (x[h,w+1] − x[h,w])², neighbours inside each plane. */
export function tvLoss(x: ArrayLike<number>, [n, c, h, w]: Shape4): number {
  let s = 0;
  for (let p = 0; p < n * c; p++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
    const k = (p * h + i) * w + j;
    if (i + 1 < h) s += (x[k + w] - x[k]) ** 2;
    if (j + 1 < w) s += (x[k + 1] - x[k]) ** 2;
  }
  return s / (n * c * h * w);
}

/** ∂tv/∂x · dLoss: each squared difference (u − v)² adds 2(u − v) to u's gradient and −2(u − v) to v's. */
export function tvLossBackward(x: ArrayLike<number>, shape: Shape4, dLoss: number): Float64Array {
  const [n, c, h, w] = shape;
  const scale = (2 * dLoss) / (n * c * h * w);
  const dx = new Float64Array(x.length);
  for (let p = 0; p < n * c; p++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
    const k = (p * h + i) * w + j;
    if (i + 1 < h) { const d = x[k + w] - x[k]; dx[k + w] += scale * d; dx[k] -= scale * d; }
    if (j + 1 < w) { const d = x[k + 1] - x[k]; dx[k + 1] += scale * d; dx[k] -= scale * d; }
  }
  return dx;
}
