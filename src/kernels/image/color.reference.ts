/**
 * Plain-TS colour transforms of NCHW [N,3,H,W] images in float64, written from the formulas (not
 * from the matrices color.ts builds), so the GPU kernels are checked against an independent spec.
 */
import type { ChannelTransform } from './color.js';

type Pixelwise = (v: number[]) => number[];

function perPixel(x: ArrayLike<number>, [n, c, h, w]: readonly number[], f: Pixelwise): Float64Array {
  if (c !== 3) throw new Error(`reference colour op: expected 3 channels, got [${[n, c, h, w]}]`);
  const hw = h * w;
  const out = new Float64Array(n * 3 * hw);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) {
      const base = b * 3 * hw + p;
      const v = f([x[base], x[base + hw], x[base + 2 * hw]]);
      for (let ch = 0; ch < 3; ch++) out[base + ch * hw] = v[ch];
    }
  }
  return out;
}

/** y[c] = (x[perm[c]]·scale[c] − mean[c]) / std[c] */
export function preprocess(x: ArrayLike<number>, shape: readonly number[], t: ChannelTransform): Float64Array {
  return perPixel(x, shape, (v) => [0, 1, 2].map((c) => (v[t.perm[c]] * t.scale[c] - t.mean[c]) / t.std[c]));
}

/** x[perm[c]] = (y[c]·std[c] + mean[c]) / scale[c] */
export function deprocess(y: ArrayLike<number>, shape: readonly number[], t: ChannelTransform): Float64Array {
  return perPixel(y, shape, (v) => {
    const x = [0, 0, 0];
    for (let c = 0; c < 3; c++) x[t.perm[c]] = (v[c] * t.std[c] + t.mean[c]) / t.scale[c];
    return x;
  });
}

/** dx[perm[c]] = dy[c]·scale[c]/std[c] */
export function preprocessBackward(dy: ArrayLike<number>, shape: readonly number[], t: ChannelTransform): Float64Array {
  return perPixel(dy, shape, (g) => {
    const dx = [0, 0, 0];
    for (let c = 0; c < 3; c++) dx[t.perm[c]] += (g[c] * t.scale[c]) / t.std[c];
    return dx;
  });
}

// BT.601 analogue YUV, as torch's image.rgb2yuv.
const YUV = [[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]];

export function rgbToYuv(x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  return perPixel(x, shape, ([r, g, b]) => YUV.map((row) => row[0] * r + row[1] * g + row[2] * b));
}

/** drgb = YUVᵀ·dyuv */
export function rgbToYuvBackward(dy: ArrayLike<number>, shape: readonly number[]): Float64Array {
  return perPixel(dy, shape, (g) => [0, 1, 2].map((c) => YUV[0][c] * g[0] + YUV[1][c] * g[1] + YUV[2][c] * g[2]));
}

/** Solve YUV·rgb = yuv per pixel (Gaussian elimination with partial pivoting). */
export function yuvToRgb(y: ArrayLike<number>, shape: readonly number[]): Float64Array {
  return perPixel(y, shape, (v) => {
    const a = YUV.map((row, i) => [...row, v[i]]);
    for (let col = 0; col < 3; col++) {
      let piv = col;
      for (let r = col + 1; r < 3; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
      [a[col], a[piv]] = [a[piv], a[col]];
      for (let r = col + 1; r < 3; r++) {
        const f = a[r][col] / a[col][col];
        for (let k = col; k < 4; k++) a[r][k] -= f * a[col][k];
      }
    }
    const x = [0, 0, 0];
    for (let r = 2; r >= 0; r--) {
      let s = a[r][3];
      for (let k = r + 1; k < 3; k++) s -= a[r][k] * x[k];
      x[r] = s / a[r][r];
    }
    return x;
  });
}
