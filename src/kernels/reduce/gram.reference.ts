/** Plain-TS Gram matrix over NCHW in float64, the reference for src/kernels/reduce/gram.ts. */
import type { Shape4 } from '../shape.js';

/** G[b,i,j] = Σ_k F[b,i,k]·F[b,j,k] / (C·H·W), k over H·W. */
export function gram(f: ArrayLike<number>, [n, c, h, w]: Shape4): Float64Array {
  const hw = h * w;
  const g = new Float64Array(n * c * c);
  for (let b = 0; b < n; b++) for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) {
    let s = 0;
    for (let k = 0; k < hw; k++) s += f[(b * c + i) * hw + k] * f[(b * c + j) * hw + k];
    g[(b * c + i) * c + j] = s / (c * hw);
  }
  return g;
}

/** dF[b,i,k] = Σ_j (dG[b,i,j] + dG[b,j,i])·F[b,j,k] / (C·H·W). */
export function gramBackward(dg: ArrayLike<number>, f: ArrayLike<number>, [n, c, h, w]: Shape4): Float64Array {
  const hw = h * w;
  const df = new Float64Array(n * c * hw);
  for (let b = 0; b < n; b++) for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) {
    const s = (dg[(b * c + i) * c + j] + dg[(b * c + j) * c + i]) / (c * hw);
    for (let k = 0; k < hw; k++) df[(b * c + i) * hw + k] += s * f[(b * c + j) * hw + k];
  }
  return df;
}
