/** Plain-TS subsample (every S-th pixel of each plane) and its backward (scatter back, zeros between). */
export interface SubsampleShape { planes: number; H: number; W: number; S: number }

export function subsample(x: ArrayLike<number>, { planes, H, W, S }: SubsampleShape): Float64Array {
  const outH = Math.ceil(H / S), outW = Math.ceil(W / S);
  const y = new Float64Array(planes * outH * outW);
  for (let p = 0; p < planes; p++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
    y[(p * outH + oh) * outW + ow] = x[(p * H + oh * S) * W + ow * S];
  }
  return y;
}

export function subsampleBackward(dy: ArrayLike<number>, { planes, H, W, S }: SubsampleShape): Float64Array {
  const outH = Math.ceil(H / S), outW = Math.ceil(W / S);
  const dx = new Float64Array(planes * H * W);
  for (let p = 0; p < planes; p++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
    dx[(p * H + oh * S) * W + ow * S] = dy[(p * outH + oh) * outW + ow];
  }
  return dx;
}
