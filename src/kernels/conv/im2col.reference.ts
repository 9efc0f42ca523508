/** Plain-TS im2col and col2im: cols[n][k][p], k = (c·KH + kh)·KW + kw, p = oh·outW + ow (the reference for src/kernels/conv/im2col.ts). */
import { sourceIndex, type Conv2dGeometry } from './conv2d-geometry.js';

export function im2col(x: ArrayLike<number>, g: Conv2dGeometry): Float64Array {
  const K = g.C * g.KH * g.KW, P = g.outH * g.outW;
  const cols = new Float64Array(g.N * K * P);
  for (let n = 0; n < g.N; n++) for (let c = 0; c < g.C; c++) for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) {
    const k = (c * g.KH + kh) * g.KW + kw;
    for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
      const ih = sourceIndex(oh * g.stride + kh - g.pad, g.H, g.padMode);
      const iw = sourceIndex(ow * g.stride + kw - g.pad, g.W, g.padMode);
      cols[(n * K + k) * P + oh * g.outW + ow] = ih < 0 || iw < 0 ? 0 : x[((n * g.C + c) * g.H + ih) * g.W + iw];
    }
  }
  return cols;
}

/** col2im, im2col's adjoint: every entry of dcols added onto the input pixel im2col read it from (none for padding). */
export function col2im(dcols: ArrayLike<number>, g: Conv2dGeometry): Float64Array {
  const K = g.C * g.KH * g.KW, P = g.outH * g.outW;
  const dx = new Float64Array(g.N * g.C * g.H * g.W);
  for (let n = 0; n < g.N; n++) for (let c = 0; c < g.C; c++) for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) {
    const k = (c * g.KH + kh) * g.KW + kw;
    for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
      const ih = sourceIndex(oh * g.stride + kh - g.pad, g.H, g.padMode);
      const iw = sourceIndex(ow * g.stride + kw - g.pad, g.W, g.padMode);
      if (ih >= 0 && iw >= 0) dx[((n * g.C + c) * g.H + ih) * g.W + iw] += dcols[(n * K + k) * P + oh * g.outW + ow];
    }
  }
  return dx;
}
