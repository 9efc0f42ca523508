/**
 * Plain-TS bilinear resize (align_corners = false, half-pixel centres) of NCHW tensors in float64,
 * and its backward as the literal transpose: a scatter of each output's four weights.
 */
function tap(d: number, scale: number, inSize: number): [number, number, number] {
  const s = Math.max((d + 0.5) * scale - 0.5, 0);
  const i0 = Math.min(Math.floor(s), inSize - 1);
  return [i0, Math.min(i0 + 1, inSize - 1), s - i0];
}

export function resizeBilinear(x: ArrayLike<number>, [n, c, h, w]: readonly number[], outH: number, outW: number): Float64Array {
  const y = new Float64Array(n * c * outH * outW);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < outH; oy++) {
      const [y0, y1, ly] = tap(oy, h / outH, h);
      for (let ox = 0; ox < outW; ox++) {
        const [x0, x1, lx] = tap(ox, w / outW, w);
        const at = (r: number, col: number) => x[(plane * h + r) * w + col];
        const top = at(y0, x0) * (1 - lx) + at(y0, x1) * lx;
        const bottom = at(y1, x0) * (1 - lx) + at(y1, x1) * lx;
        y[(plane * outH + oy) * outW + ox] = top * (1 - ly) + bottom * ly;
      }
    }
  }
  return y;
}

export function resizeBilinearBackward(dy: ArrayLike<number>, [n, c, h, w]: readonly number[], outH: number, outW: number): Float64Array {
  const dx = new Float64Array(n * c * h * w);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < outH; oy++) {
      const [y0, y1, ly] = tap(oy, h / outH, h);
      for (let ox = 0; ox < outW; ox++) {
        const [x0, x1, lx] = tap(ox, w / outW, w);
        const g = dy[(plane * outH + oy) * outW + ox];
        const add = (r: number, col: number, wt: number) => { dx[(plane * h + r) * w + col] += wt * g; };
        add(y0, x0, (1 - ly) * (1 - lx));
        add(y0, x1, (1 - ly) * lx);
        add(y1, x0, ly * (1 - lx));
        add(y1, x1, ly * lx);
      }
    }
  }
  return dx;
}
