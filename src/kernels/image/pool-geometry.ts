/** Pooling's window geometry, shared by the launchers (pool.ts) and the float64 reference (pool.reference.ts): plain TS, no GPU code. */
import type { Shape4 } from '../shape.js';

export interface Pool2dParams { kernel: number; stride: number; padding?: number }
export interface Pool2dGeometry { n: number; c: number; h: number; w: number; k: number; s: number; pad: number; outH: number; outW: number }

/** Output size floor((H + 2p − k)/s) + 1; shared by the kernels and the reference. */
export function pool2dGeometry(op: string, shape: Shape4, { kernel: k, stride: s, padding: pad = 0 }: Pool2dParams): Pool2dGeometry {
  const [n, c, h, w] = shape;
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: input shape must be [N,C,H,W] of positive integers, got [${shape}]`);
  if (!(k >= 1 && s >= 1 && pad >= 0) || ![k, s, pad].every(Number.isInteger)) throw new Error(`${op}: kernel ${k}, stride ${s}, padding ${pad} must be integers, kernel and stride >= 1`);
  // Every window then holds at least one real cell (PyTorch's rule too).
  if (pad > Math.floor(k / 2)) throw new Error(`${op}: padding ${pad} exceeds half the kernel ${k}`);
  const outH = Math.floor((h + 2 * pad - k) / s) + 1;
  const outW = Math.floor((w + 2 * pad - k) / s) + 1;
  if (outH < 1 || outW < 1) throw new Error(`${op}: input [${shape}] is smaller than the ${k}x${k} window (padding ${pad})`);
  return { n, c, h, w, k, s, pad, outH, outW };
}
