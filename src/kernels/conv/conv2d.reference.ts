/**
 * Plain-TS conv2d in float64: the reference the GPU kernels are tested and benchmarked against.
 * Layout: x NCHW, w OIHW, y NCHW. The geometry (output size, padding) comes from conv2dGeometry.
 *
 *   y[n,o,oh,ow] = b[o] + Σ_c Σ_kh Σ_kw  w[o,c,kh,kw] · xpad[n, c, oh·s + kh - p, ow·s + kw - p]
 *
 * where xpad reads 0 outside the image ('zeros') or the mirrored pixel ('reflect'). The backward
 * passes below loop over exactly the same terms and scatter instead of gather, so the reflected
 * pixels receive the gradient of every padded position that copied them.
 */
import { sourceIndex, type Conv2dGeometry } from './conv2d-geometry.js';

type Num = ArrayLike<number>;

/** Calls `term(xIndex, wIndex, yIndex)` for every multiply-add of the forward pass. */
function forEachTerm(g: Conv2dGeometry, term: (xi: number, wi: number, yi: number) => void): void {
  const { N, C, H, W, O, KH, KW, stride, pad, padMode, outH, outW } = g;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
    const yi = ((n * O + o) * outH + oh) * outW + ow;
    for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) {
      const ih = sourceIndex(oh * stride + kh - pad, H, padMode);
      if (ih < 0) continue;
      for (let kw = 0; kw < KW; kw++) {
        const iw = sourceIndex(ow * stride + kw - pad, W, padMode);
        if (iw < 0) continue;
        term(((n * C + c) * H + ih) * W + iw, ((o * C + c) * KH + kh) * KW + kw, yi);
      }
    }
  }
}

export function conv2d(g: Conv2dGeometry, x: Num, w: Num, b?: Num | null, relu = false): Float64Array {
  const y = new Float64Array(g.N * g.O * g.outH * g.outW);
  forEachTerm(g, (xi, wi, yi) => { y[yi] += x[xi] * w[wi]; });
  const plane = g.outH * g.outW;
  for (let i = 0; i < y.length; i++) {
    if (b) y[i] += b[Math.floor(i / plane) % g.O];
    if (relu) y[i] = Math.max(y[i], 0);
  }
  return y;
}

/** dx = ∂(Σ y·dy)/∂x for the conv without bias or relu. */
export function conv2dBackwardInput(g: Conv2dGeometry, dy: Num, w: Num): Float64Array {
  const dx = new Float64Array(g.N * g.C * g.H * g.W);
  forEachTerm(g, (xi, wi, yi) => { dx[xi] += dy[yi] * w[wi]; });
  return dx;
}

/** dw = ∂(Σ y·dy)/∂w, summed over the batch. */
export function conv2dBackwardWeight(g: Conv2dGeometry, x: Num, dy: Num): Float64Array {
  const dw = new Float64Array(g.O * g.C * g.KH * g.KW);
  forEachTerm(g, (xi, wi, yi) => { dw[wi] += dy[yi] * x[xi]; });
  return dw;
}

/** db[o] = Σ_n,oh,ow dy[n,o,oh,ow]. */
export function conv2dBackwardBias(g: Conv2dGeometry, dy: Num): Float64Array {
  const db = new Float64Array(g.O);
  const plane = g.outH * g.outW;
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / plane) % g.O] += dy[i];
  return db;
}
