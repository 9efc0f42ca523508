/**
 * Reductions to a GPU scalar and the losses built on them:
 *   sum(x) = Σ x;   mseLoss(a, b) = mean((a − b)²);
 *   tvLoss(x) = (1 / (N·C·H·W)) · Σ_{n,c,h,w} [(x[h+1,w] − x[h,w])² + (x[h,w+1] − x[h,w])²]
 *     (squared differences of vertical and horizontal neighbours inside each plane, terms past the last
 *     row/column omitted; divided by the element count so its weight does not depend on resolution).
 * Each result goes to out[0] of a 1-element buffer and stays on the GPU; backward kernels read dLoss
 * from a 1-element buffer too. Sum and MSE split tensors larger than one storage binding into chunks
 * (activations reach 256 MB, over llvmpipe's 128 MiB binding limit); TV runs on the image, one binding.
 */
import source from './reduce.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkLaunch, chunkRange, elementChunks, elementwiseGrid, elementwiseTuning, uniformBlock, type ElementChunk } from '../launch.js';
import type { Shape4 } from '../shape.js';

type Variant = 'SUM' | 'MSE' | 'TV' | 'FINAL' | 'MSE_BACKWARD' | 'TV_BACKWARD';
const VARIANTS: Variant[] = ['SUM', 'MSE', 'TV', 'FINAL', 'MSE_BACKWARD', 'TV_BACKWARD'];
const defines = (v: Variant, V4 = false, DIFF = false, IN_PLACE = false, CONTIGUOUS = false) => ({ ...Object.fromEntries(VARIANTS.map((k) => [k, k === v])), V4, DIFF, IN_PLACE, CONTIGUOUS });

/**
 * Whether stage 1 gives each invocation a contiguous run of terms (the CPU adapters: a grid-stride walk there
 * misses the TLB on every load, reduce.wgsl) or strides over the grid (GPUs: coalesced). The partials, and so the
 * rounding of the sum, depend on it; either is tested against the float64 reference.
 */
const contiguousTerms = (ctx: GpuContext) => ctx.gpu.adapter.tuning !== 'gpu';

/**
 * Stage-1 workgroups (of 64 invocations) for `count` terms: at least 64 terms per invocation before another
 * workgroup is added, at most 64 workgroups (4096 partials, summed by the one-workgroup FINAL pass).
 */
export const reduceGroupsFor = (count: number) => Math.max(1, Math.min(64, Math.ceil(count / (64 * 64))));

function params(f: { n: number; skip?: number; partialOffset?: number; h?: number; w?: number; scale?: number; rowStride?: number }): Uint32Array {
  return uniformBlock([
    { u32: f.n }, { u32: f.skip ?? 0 }, { u32: f.partialOffset ?? 0 }, { u32: f.h ?? 0 }, { u32: f.w ?? 0 },
    { f32: f.scale ?? 1 }, { u32: f.rowStride ?? 0 },
  ]);
}

function checkSizes(op: string, n: number, buffers: Record<string, [GPUBuffer, number]>): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${op}: element count must be a positive integer, got ${n}`);
  for (const [what, [b, floats]] of Object.entries(buffers)) {
    if (b.size < floats * 4) throw new Error(`${op}: ${what} holds ${b.size / 4} floats, needs ${floats}`);
  }
  const all = Object.values(buffers).map(([b]) => b);
  if (new Set(all).size !== all.length) throw new Error(`${op}: the same buffer is bound twice`);
}

/**
 * Stage 1 over each chunk (inputs bound as chunk ranges), then stage 2: out[0] = scale · Σ partials.
 * `whole` launches stage 1 once over unchunked inputs (TV needs its neighbours).
 */
function reduceToScalar(ctx: GpuContext, name: string, variant: Variant, inputs: GPUBuffer[], out: GPUBuffer, n: number, scale: number, extra: { h?: number; w?: number; whole?: boolean } = {}): void {
  const chunks: ElementChunk[] = extra.whole ? [{ start: 0, count: n, bindStart: 0, skip: 0 }] : elementChunks(ctx, 0, n);
  const groups = chunks.map((c) => reduceGroupsFor(c.count));
  const total = groups.reduce((s, g) => s + g, 0);
  const partials = ctx.pool.acquire(total * 64 * 4, `${name} partials`);
  let offset = 0;
  chunks.forEach((c, k) => {
    const buffers = extra.whole ? [...inputs, partials] : [...inputs.map((b) => chunkRange(b, c)), partials];
    // V4 (SUM and MSE in contiguous runs): vec4 loads where the chunk's count and skip are whole vec4s.
    const contiguous = contiguousTerms(ctx);
    const V4 = contiguous && variant !== 'TV' && elementwiseTuning.vec4 && c.count % 4 === 0 && c.skip % 4 === 0;
    ctx.launch({ name, source, defines: defines(variant, V4, false, false, contiguous) }, {
      buffers, uniforms: params({ n: c.count, skip: c.skip, partialOffset: offset, h: extra.h, w: extra.w }), workgroups: [groups[k]],
    });
    offset += groups[k] * 64;
  });
  ctx.launch({ name: `${name}Final`, source, defines: defines('FINAL') }, { buffers: [partials, out], uniforms: params({ n: total * 64, scale }), workgroups: [1] });
  // Launches run in recording order, so a later acquire of this buffer only affects later launches.
  ctx.pool.release(partials);
}

/** out[0] = Σ x[0..n). Any n (chunked past one storage binding). */
export function sum(ctx: GpuContext, x: GPUBuffer, out: GPUBuffer, n: number): void {
  checkSizes('sum', n, { x: [x, n], out: [out, 1] });
  reduceToScalar(ctx, 'sum', 'SUM', [x], out, n, 1);
}

/** out[0] = mean((a − b)²) over n elements (the content loss). */
export function mseLoss(ctx: GpuContext, a: GPUBuffer, b: GPUBuffer, out: GPUBuffer, n: number): void {
  checkSizes('mseLoss', n, { a: [a, n], b: [b, n], out: [out, 1] });
  reduceToScalar(ctx, 'mseLoss', 'MSE', [a, b], out, n, 1 / n);
}

/** da = 2(a − b)/n · dLoss[0] (the target b is a constant; db would be −da). */
export function mseLossBackward(ctx: GpuContext, a: GPUBuffer, b: GPUBuffer, dLoss: GPUBuffer, da: GPUBuffer, n: number): void {
  checkSizes('mseLossBackward', n, { a: [a, n], b: [b, n], dLoss: [dLoss, 1], da: [da, n] });
  residual(ctx, 'mseLossBackward', [a, b, dLoss], da, n, false);
}

/**
 * d = a − b (rounded once: the same as mseLossBackward's before its factors). For a backward that applies the
 * factor 2·dLoss/n after a product instead of before it (engine/ops-loss.ts gramLoss): a tiny factor on the
 * product's input makes its products subnormal floats, which x86 computes ~25x slower. `d` may be `a` (written
 * in place: the Gram loss's G − A over its own Gram, one buffer less).
 */
export function difference(ctx: GpuContext, a: GPUBuffer, b: GPUBuffer, d: GPUBuffer, n: number): void {
  const inPlace = d === a;
  checkSizes('difference', n, { a: [a, n], b: [b, n], ...(inPlace ? {} : { d: [d, n] }) });
  residual(ctx, inPlace ? 'differenceInPlace' : 'difference', [a, b], inPlace ? null : d, n, true);
}

/**
 * The MSE_BACKWARD launches (one per binding-sized chunk); `diff`: the bare a − b, no dLoss binding; `out`
 * null: written over a.
 */
function residual(ctx: GpuContext, name: string, inputs: GPUBuffer[], out: GPUBuffer | null, n: number, diff: boolean): void {
  for (const c of elementChunks(ctx, 0, n)) {
    const l = chunkLaunch(ctx, c);
    const [a, b, dLoss] = inputs;
    ctx.launch({ name, source, defines: defines('MSE_BACKWARD', l.V4, diff, out === null) }, {
      buffers: [chunkRange(a, c), chunkRange(b, c), ...(dLoss ? [dLoss] : []), ...(out ? [chunkRange(out, c)] : [])],
      uniforms: params({ n: l.n, skip: l.skip, scale: 1 / n, rowStride: l.rowStride }), workgroups: l.workgroups,
    });
  }
}

function tvShape(op: string, shape: Shape4): number {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: shape must be [N,C,H,W] of positive integers, got [${shape}]`);
  return shape[0] * shape[1] * shape[2] * shape[3];
}

/** out[0] = tv(x), the mean-normalised squared total variation defined above. */
export function tvLoss(ctx: GpuContext, x: GPUBuffer, out: GPUBuffer, shape: Shape4): void {
  const n = tvShape('tvLoss', shape);
  checkSizes('tvLoss', n, { x: [x, n], out: [out, 1] });
  ctx.checkBinding('tvLoss', `image [${shape}]`, n * 4);
  reduceToScalar(ctx, 'tvLoss', 'TV', [x], out, n, 1 / n, { h: shape[2], w: shape[3], whole: true });
}

/** dx = ∂tv/∂x · dLoss[0]. */
export function tvLossBackward(ctx: GpuContext, x: GPUBuffer, dLoss: GPUBuffer, dx: GPUBuffer, shape: Shape4): void {
  const n = tvShape('tvLossBackward', shape);
  checkSizes('tvLossBackward', n, { x: [x, n], dLoss: [dLoss, 1], dx: [dx, n] });
  ctx.checkBinding('tvLossBackward', `image [${shape}]`, n * 4);
  const { workgroups } = elementwiseGrid(ctx, n);
  ctx.launch({ name: 'tvLossBackward', source, defines: defines('TV_BACKWARD') }, {
    buffers: [x, dLoss, dx], uniforms: params({ n, h: shape[2], w: shape[3], scale: 1 / n, rowStride: workgroups[0] * 256 }), workgroups,
  });
}
