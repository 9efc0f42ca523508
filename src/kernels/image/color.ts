/**
 * Colour transforms of NCHW [N,3,H,W] float32 images, all as one per-pixel affine map y = M·x + b
 * (color.wgsl): preprocess/deprocess for the caffe and torch conventions, their backward passes,
 * and RGB<->YUV (BT.601) for neural-style's original_colors (luminance-only transfer).
 *
 * Preprocess, per output channel c:  y[n,c] = (x[n, perm[c]] · scale[c] − mean[c]) / std[c]
 *   caffe: RGB 0..1 -> BGR, ×255, minus mean [103.939, 116.779, 123.68] (BGR order), std 1
 *   torch: RGB 0..1 -> (x − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
 * As a matrix: M[c][perm[c]] = scale[c]/std[c], b[c] = −mean[c]/std[c]. The backward of any affine
 * map is dx = Mᵀ·dy (the bias drops out), and deprocess is the inverse map x = M⁻¹·(y − b).
 * The optimiser works on the RGB image, so it needs preprocessBackward to turn dL/d(network input)
 * into dL/d(image).
 */
import source from './color.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { elementwiseGrid, uniformBlock } from '../launch.js';

/** The per-channel transform of a preprocessing convention (channel order of the output). */
export interface ChannelTransform {
  /** Output channel c reads input channel perm[c] (a permutation of 0, 1, 2). */
  perm: readonly [number, number, number];
  scale: readonly [number, number, number];
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export type PreprocessConvention = 'caffe' | 'torch';

export const PREPROCESS: Record<PreprocessConvention, ChannelTransform> = {
  // VGG from Caffe (Simonyan & Zisserman; neural-style, Gatys): BGR, 0..255, ImageNet mean subtracted.
  caffe: { perm: [2, 1, 0], scale: [255, 255, 255], mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
  // torchvision models: RGB 0..1, normalised per channel.
  torch: { perm: [0, 1, 2], scale: [1, 1, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

/** y = m·x + b per pixel; m is row-major 3x3. Computed in float64, rounded to float32 on upload. */
export interface ColorAffine { m: readonly number[][]; b: readonly number[] }

/**
 * RGB -> YUV, BT.601 analogue YUV as torch's image.rgb2yuv (used by neural-style's original_colors):
 *   Y =  0.299 R + 0.587 G + 0.114 B;  U = −0.14713 R − 0.28886 G + 0.436 B;  V = 0.615 R − 0.51499 G − 0.10001 B
 */
export const RGB_TO_YUV: ColorAffine = {
  m: [[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]],
  b: [0, 0, 0],
};
/** The exact inverse of RGB_TO_YUV (torch's image.yuv2rgb uses rounded constants 1.13983, 0.39465, … that agree to ~1e-5). */
export const YUV_TO_RGB: ColorAffine = invertAffine(RGB_TO_YUV);

export function preprocessAffine(t: ChannelTransform): ColorAffine {
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const b = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    m[c][t.perm[c]] = t.scale[c] / t.std[c];
    b[c] = -t.mean[c] / t.std[c];
  }
  return { m, b };
}

/** x = M⁻¹·(y − b), by cofactors. */
export function invertAffine({ m, b }: ColorAffine): ColorAffine {
  const cof = (r: number, c: number) => {
    const [r0, r1] = [0, 1, 2].filter((i) => i !== r);
    const [c0, c1] = [0, 1, 2].filter((i) => i !== c);
    return ((r + c) % 2 ? -1 : 1) * (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]);
  };
  const det = m[0][0] * cof(0, 0) + m[0][1] * cof(0, 1) + m[0][2] * cof(0, 2);
  if (Math.abs(det) < 1e-12) throw new Error(`invertAffine: colour matrix is singular (det ${det})`);
  const inv = [0, 1, 2].map((r) => [0, 1, 2].map((c) => cof(c, r) / det));
  return { m: inv, b: inv.map((row) => -(row[0] * b[0] + row[1] * b[1] + row[2] * b[2])) };
}

/** The backward map of an affine transform: dx = Mᵀ·dy. */
export function transposeLinear({ m }: ColorAffine): ColorAffine {
  return { m: [0, 1, 2].map((r) => [0, 1, 2].map((c) => m[c][r])), b: [0, 0, 0] };
}

function checkImage(op: string, ctx: GpuContext, shape: readonly number[]): number {
  if (shape.length !== 4 || shape[1] !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${op}: expected an image [N,3,H,W], got [${shape}]`);
  }
  const elements = shape[0] * 3 * shape[2] * shape[3];
  ctx.checkBinding(op, `image [${shape}]`, elements * 4);
  return elements;
}

/** y = M·x + b for every pixel of x [N,3,H,W]. `x` and `y` may be the same buffer (in place). */
export function colorAffine(ctx: GpuContext, op: string, x: GPUBuffer, y: GPUBuffer, shape: readonly number[], a: ColorAffine): void {
  checkImage(op, ctx, shape);
  const hw = shape[2] * shape[3];
  const pixels = shape[0] * hw;
  const { workgroups, uniforms: grid } = elementwiseGrid(ctx, pixels);
  const row = (r: number) => [...a.m[r], a.b[r]].map((v) => ({ f32: v }));
  const uniforms = uniformBlock([{ u32: grid[0] }, { u32: grid[1] }, { u32: hw }, { u32: 0 }, ...row(0), ...row(1), ...row(2)]);
  const inPlace = x === y;
  ctx.launch({ name: op, source, defines: { INPLACE: inPlace } }, { buffers: inPlace ? [y] : [x, y], uniforms, workgroups });
}

/** Network input from an RGB 0..1 image: y = (x[perm]·scale − mean)/std. */
export function preprocess(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, shape: readonly number[], convention: PreprocessConvention): void {
  colorAffine(ctx, 'preprocess', x, y, shape, preprocessAffine(PREPROCESS[convention]));
}

/** dL/d(RGB image) from dL/d(network input): dx[perm[c]] = dy[c]·scale[c]/std[c]. */
export function preprocessBackward(ctx: GpuContext, dy: GPUBuffer, dx: GPUBuffer, shape: readonly number[], convention: PreprocessConvention): void {
  colorAffine(ctx, 'preprocessBackward', dy, dx, shape, transposeLinear(preprocessAffine(PREPROCESS[convention])));
}

/** RGB 0..1 image from a network input (the inverse of preprocess). */
export function deprocess(ctx: GpuContext, y: GPUBuffer, x: GPUBuffer, shape: readonly number[], convention: PreprocessConvention): void {
  colorAffine(ctx, 'deprocess', y, x, shape, invertAffine(preprocessAffine(PREPROCESS[convention])));
}

export function rgbToYuv(ctx: GpuContext, rgb: GPUBuffer, yuv: GPUBuffer, shape: readonly number[]): void {
  colorAffine(ctx, 'rgbToYuv', rgb, yuv, shape, RGB_TO_YUV);
}

export function rgbToYuvBackward(ctx: GpuContext, dyuv: GPUBuffer, drgb: GPUBuffer, shape: readonly number[]): void {
  colorAffine(ctx, 'rgbToYuvBackward', dyuv, drgb, shape, transposeLinear(RGB_TO_YUV));
}

export function yuvToRgb(ctx: GpuContext, yuv: GPUBuffer, rgb: GPUBuffer, shape: readonly number[]): void {
  colorAffine(ctx, 'yuvToRgb', yuv, rgb, shape, YUV_TO_RGB);
}
