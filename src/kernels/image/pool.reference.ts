/** Plain-TS pooling over NCHW in float64, the reference for src/kernels/image/pool.ts (same geometry helper). */
import { pool2dGeometry, type Pool2dParams } from './pool-geometry.js';
import type { Shape4 } from '../shape.js';

export function maxPool2d(x: ArrayLike<number>, shape: Shape4, params: Pool2dParams): { y: Float64Array; argmax: Uint32Array } {
  const g = pool2dGeometry('maxPool2d', shape, params);
  const y = new Float64Array(g.n * g.c * g.outH * g.outW);
  const argmax = new Uint32Array(y.length);
  for (let plane = 0; plane < g.n * g.c; plane++) for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
    let best = -Infinity;
    let at = -1;
    for (let ih = oh * g.s - g.pad; ih < oh * g.s - g.pad + g.k; ih++) for (let iw = ow * g.s - g.pad; iw < ow * g.s - g.pad + g.k; iw++) {
      if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue; // padding: −∞
      const v = x[plane * g.h * g.w + ih * g.w + iw];
      if (at < 0 || v > best) { best = v; at = ih * g.w + iw; }
    }
    const o = (plane * g.outH + oh) * g.outW + ow;
    y[o] = best;
    argmax[o] = at;
  }
  return { y, argmax };
}

/** Scatter: each window's dy goes to its argmax. */
export function maxPool2dBackward(dy: ArrayLike<number>, argmax: ArrayLike<number>, shape: Shape4, params: Pool2dParams): Float64Array {
  const g = pool2dGeometry('maxPool2dBackward', shape, params);
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  const outPlane = g.outH * g.outW;
  for (let o = 0; o < dy.length; o++) dx[Math.floor(o / outPlane) * g.h * g.w + argmax[o]] += dy[o];
  return dx;
}

function windows(shape: Shape4, params: Pool2dParams, visit: (plane: number, o: number, cells: number[]) => void): void {
  const g = pool2dGeometry('avgPool2d', shape, params);
  for (let plane = 0; plane < g.n * g.c; plane++) for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
    const cells: number[] = [];
    for (let ih = oh * g.s - g.pad; ih < oh * g.s - g.pad + g.k; ih++) for (let iw = ow * g.s - g.pad; iw < ow * g.s - g.pad + g.k; iw++) {
      if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) cells.push(plane * g.h * g.w + ih * g.w + iw);
    }
    visit(plane, (plane * g.outH + oh) * g.outW + ow, cells);
  }
}

/** Mean over the non-padding cells of each window (count_include_pad = false). */
export function avgPool2d(x: ArrayLike<number>, shape: Shape4, params: Pool2dParams): Float64Array {
  const g = pool2dGeometry('avgPool2d', shape, params);
  const y = new Float64Array(g.n * g.c * g.outH * g.outW);
  windows(shape, params, (_, o, cells) => { y[o] = cells.reduce((s, i) => s + x[i], 0) / cells.length; });
  return y;
}

export function avgPool2dBackward(dy: ArrayLike<number>, shape: Shape4, params: Pool2dParams): Float64Array {
  const dx = new Float64Array(shape[0] * shape[1] * shape[2] * shape[3]);
  windows(shape, params, (_, o, cells) => { for (const i of cells) dx[i] += dy[o] / cells.length; });
  return dx;
}

export function globalAvgPool(x: ArrayLike<number>, [n, c, h, w]: Shape4): Float64Array {
  const y = new Float64Array(n * c);
  for (let i = 0; i < n * c * h * w; i++) y[Math.floor(i / (h * w))] += x[i] / (h * w);
  return y;
}

export function globalAvgPoolBackward(dy: ArrayLike<number>, [n, c, h, w]: Shape4): Float64Array {
  return Float64Array.from({ length: n * c * h * w }, (_, i) => dy[Math.floor(i / (h * w))] / (h * w));
}
