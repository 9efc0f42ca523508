/** Plain-TS mulMask: y[n,c,h,w] = x[n,c,h,w] · m[h,w] (mask [1,1,H,W] broadcast over N and C). */
export function mulMask(x: ArrayLike<number>, m: ArrayLike<number>, [N, C, H, W]: readonly number[]): Float64Array {
  const y = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < H * W; p++) {
        const i = (n * C + c) * H * W + p;
        y[i] = x[i] * m[p];
      }
    }
  }
  return y;
}

/** dx = dy · m: the backward of mulMask wrt x. */
export function mulMaskBackward(dy: ArrayLike<number>, m: ArrayLike<number>, shape: readonly number[]): Float64Array {
  return mulMask(dy, m, shape);
}
