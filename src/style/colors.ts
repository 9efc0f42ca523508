/**
 * Colour controls.
 *
 * Original colours (`originalColors`, jcjohnson/neural-style's -original_colors 1): transfer luminance
 * only. The result and the content go to YUV (BT.601, kernels/image/color.ts), and the output is
 *   RGB = YUV⁻¹(Y of the result, U and V of the content),
 * computed on the GPU once, after the optimisation; then clamped to [0, 1] (so pixels pushed out of the
 * RGB gamut lose a little of the content's chroma).
 *
 * Style colour matching (`matchStyleColors`): Gatys et al., "Controlling Perceptual Factors in Neural
 * Style Transfer" (CVPR 2017), Sec. 5.1, colour histogram matching, linear method: each style pixel
 * x_s becomes x_s' = A (x_s − μ_s) + μ_c with A chosen so the style's colour covariance becomes the
 * content's, A Σ_s Aᵀ = Σ_c. We take A = L_c L_s⁻¹ with Σ = L Lᵀ (Cholesky), one of the paper's two
 * choices; the result is clamped to [0, 1]. Done on the CPU before the style features are computed.
 */
import type { GpuContext } from '../gpu/context.js';
import { rgbToYuv, yuvToRgb } from '../kernels/image/color.js';
import type { Image } from './image.js';

type Mat3 = number[][];

/** Mean (3) and covariance (3×3) of an image's RGB pixels, in float64. */
export function colorStats(image: Image): { mean: number[]; cov: Mat3 } {
  const n = image.width * image.height;
  const mean = [0, 1, 2].map((c) => { let s = 0; for (let i = 0; i < n; i++) s += image.data[c * n + i]; return s / n; });
  const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (image.data[a * n + i] - mean[a]) * (image.data[b * n + i] - mean[b]);
    return s / n;
  }));
  return { mean, cov };
}

/** Lower-triangular L with L Lᵀ = Σ + εI (ε keeps a flat image's singular covariance factorable). */
function cholesky(s: Mat3, eps = 1e-5): Mat3 {
  const l = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j <= i; j++) {
      let v = s[i][j] + (i === j ? eps : 0);
      for (let k = 0; k < j; k++) v -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(Math.max(v, 1e-12)) : v / l[j][j];
    }
  }
  return l;
}

/** Inverse of a lower-triangular 3×3 matrix (forward substitution). */
function invertLower(l: Mat3): Mat3 {
  const inv = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let j = 0; j < 3; j++) {
    for (let i = j; i < 3; i++) {
      let v = i === j ? 1 : 0;
      for (let k = j; k < i; k++) v -= l[i][k] * inv[k][j];
      inv[i][j] = v / l[i][i];
    }
  }
  return inv;
}

const mul = (a: Mat3, b: Mat3): Mat3 => [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j]));

/** The style image recoloured so its colour mean and covariance are the content's (then clamped to [0, 1]). */
export function matchColors(style: Image, content: Image, { clamp = true } = {}): Image {
  const s = colorStats(style);
  const c = colorStats(content);
  const a = mul(cholesky(c.cov), invertLower(cholesky(s.cov)));
  const n = style.width * style.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const d = [0, 1, 2].map((k) => style.data[k * n + i] - s.mean[k]);
    for (let r = 0; r < 3; r++) {
      const v = a[r][0] * d[0] + a[r][1] * d[1] + a[r][2] * d[2] + c.mean[r];
      data[r * n + i] = clamp ? Math.min(1, Math.max(0, v)) : v;
    }
  }
  return { data, width: style.width, height: style.height };
}

/**
 * Luminance of `result`, chrominance of `content` (same size), on the GPU: two rgbToYuv, one copy of
 * the Y plane, one yuvToRgb; read back clamped to [0, 1].
 */
export async function keepContentColors(ctx: GpuContext, result: GPUBuffer, content: Image): Promise<Image> {
  const { width, height } = content;
  const shape = [1, 3, height, width];
  const plane = width * height;
  const resultYuv = ctx.pool.acquire(3 * plane * 4, 'original colors: result yuv');
  const contentYuv = ctx.pool.acquire(3 * plane * 4, 'original colors: content yuv');
  const contentRgb = ctx.bufferFrom(content.data, 'original colors: content');
  const out = ctx.pool.acquire(3 * plane * 4, 'original colors: rgb');
  try {
    rgbToYuv(ctx, result, resultYuv, shape);
    rgbToYuv(ctx, contentRgb, contentYuv, shape);
    ctx.commandEncoder().copyBufferToBuffer(resultYuv, 0, contentYuv, 0, plane * 4); // Y plane (planar, N = 1)
    yuvToRgb(ctx, contentYuv, out, shape);
    const data = await ctx.readF32(out, 3 * plane);
    for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]));
    return { data, width, height };
  } finally {
    for (const b of [resultYuv, contentYuv, contentRgb, out]) ctx.pool.release(b);
  }
}
