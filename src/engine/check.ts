/** Shape checks at the op layer: every message names the op and the shapes involved. */
import { type Shape, type Tensor, fmtShape } from './tensor.js';

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws `op: a [..] and b [..] must have the same shape`. */
export function checkSameShape(op: string, a: Tensor, b: Tensor, names = ['a', 'b']): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(`${op}: ${names[0]} ${fmtShape(a.shape)} and ${names[1]} ${fmtShape(b.shape)} must have the same shape`);
  }
}

/** Throws unless `t` has `rank` dimensions, e.g. `maxPool2d: input must be 4-D NCHW, got [3,4]`. */
export function checkRank(op: string, t: Tensor, rank: number, what = 'input', layout = ''): void {
  if (t.shape.length !== rank) throw new Error(`${op}: ${what} must be ${rank}-D${layout ? ` ${layout}` : ''}, got ${fmtShape(t.shape)}`);
}

/** Throws unless every tensor lives on the same GpuContext. */
export function checkSameContext(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.ctx !== ts[0].ctx) throw new Error(`${op}: tensors ${fmtShape(ts[0].shape)} and ${fmtShape(t.shape)} are on different GPU devices`);
}

export function checkScalar(op: string, t: Tensor, what = 'input'): void {
  if (t.size !== 1) throw new Error(`${op}: ${what} must be a scalar (one element), got ${fmtShape(t.shape)}`);
}
