/**
 * The one conv2d geometry helper: forward, both backward kernels and the float64 reference all take
 * what this returns, so they can never disagree about output size or padding.
 *
 * Layout: input NCHW, weights OIHW (out-channels, in-channels, kernel rows, kernel columns).
 * Output size per axis (PyTorch / TF 'explicit' padding): out = floor((in + 2·pad - k) / stride) + 1.
 * Padding is symmetric; 'reflect' mirrors the input without repeating the edge (PyTorch's
 * ReflectionPad2d: for pad 2, [a b c d] -> [c b a b c d c b]), which needs pad < in on both axes.
 */
import type { Shape4 } from '../shape.js';

export type PadMode = 'zeros' | 'reflect';

export interface Conv2dGeometryInput {
  inShape: readonly number[];
  weightShape: readonly number[];
  stride?: number;
  padding?: number;
  padMode?: PadMode;
}

export interface Conv2dGeometry {
  N: number; C: number; H: number; W: number;
  O: number; KH: number; KW: number;
  stride: number;
  pad: number;
  padMode: PadMode;
  outH: number; outW: number;
  inShape: Shape4;
  weightShape: Shape4;
  outShape: Shape4;
  /** 2·N·O·outH·outW·C·KH·KW: multiply-adds of the forward pass, counted as two FLOPs each. */
  flops: number;
}

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

export function conv2dGeometry({ inShape, weightShape, stride = 1, padding = 0, padMode = 'zeros' }: Conv2dGeometryInput): Conv2dGeometry {
  const shapes = `input ${fmt(inShape)}, weight ${fmt(weightShape)}`;
  const fail = (why: string): never => { throw new Error(`conv2d: ${why}; ${shapes}`); };
  if (inShape.length !== 4) fail(`input must be 4-D NCHW, got ${inShape.length}-D`);
  if (weightShape.length !== 4) fail(`weight must be 4-D OIHW, got ${weightShape.length}-D`);
  for (const d of [...inShape, ...weightShape]) if (!Number.isInteger(d) || d < 1) fail(`every dimension must be a positive integer`);
  const [N, C, H, W] = inShape;
  const [O, CW, KH, KW] = weightShape;
  if (C !== CW) fail(`input channels (${C}) != weight in-channels (${CW})`);
  if (!Number.isInteger(stride) || stride < 1) fail(`stride must be a positive integer, got ${stride}`);
  if (!Number.isInteger(padding) || padding < 0) fail(`padding must be a non-negative integer, got ${padding}`);
  if (padMode !== 'zeros' && padMode !== 'reflect') fail(`padMode must be 'zeros' or 'reflect', got '${padMode as string}'`);
  if (padMode === 'reflect' && (padding >= H || padding >= W)) {
    fail(`reflect padding (${padding}) must be smaller than the input height and width (${H}x${W})`);
  }
  const outH = Math.floor((H + 2 * padding - KH) / stride) + 1;
  const outW = Math.floor((W + 2 * padding - KW) / stride) + 1;
  if (outH <= 0 || outW <= 0) {
    fail(`output size ${outH}x${outW} <= 0 (kernel ${KH}x${KW}, stride ${stride}, padding ${padding})`);
  }
  return {
    N, C, H, W, O, KH, KW, stride, pad: padding, padMode, outH, outW,
    inShape: [N, C, H, W], weightShape: [O, C, KH, KW], outShape: [N, O, outH, outW],
    flops: 2 * N * O * outH * outW * C * KH * KW,
  };
}

/** Where padded coordinate `i` (already shifted by -pad) reads from, or -1 for a zero. */
export function sourceIndex(i: number, size: number, padMode: PadMode): number {
  if (i >= 0 && i < size) return i;
  if (padMode === 'zeros') return -1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}
