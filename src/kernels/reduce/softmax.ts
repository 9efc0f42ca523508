/**
 * SWAG smoothing (Wang, Li & Vasconcelos, "Rethinking and Improving the Robustness of Image Style
 * Transfer", CVPR 2021): the activations are smoothed before the content and style losses see them.
 *   'softmax'         y[b] = softmax(x[b] / T) over all C·H·W values of batch item b (the paper, Eq. 11)
 *   'channel-softmax' softmax over the C channels at each (b, h, w) (nn.Softmax2d in the first code release)
 *   'scale'           y = α · x (SCALE_ALPHA, the current code release): no kernel, α goes into the loss weights
 * Backward of a softmax over a set S: dx = y ⊙ (dy − Σ_S dy ⊙ y) / T.
 * 'softmax' is a two-stage reduction (per-workgroup (max, Σexp) pairs, then one pair per item) and an
 * elementwise pass, chunked past one storage binding; 'channel-softmax' needs the tensor in one binding.
 */
import source from './softmax.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkRange, elementChunks, elementwiseGrid, uniformBlock, type ElementChunk } from '../launch.js';
import { reduceGroupsFor } from './reduce.js';

import type { Shape4 } from '../shape.js';
/** SWAG's smoothing σ: the one list of modes (presets, options, CLI and demo read it). */
export const SMOOTHING_MODES = ['softmax', 'channel-softmax', 'scale', 'none'] as const;
export type SmoothingMode = (typeof SMOOTHING_MODES)[number];
/** α of 'scale' (σ = α·x, the released code's value); a factor on the loss terms (style/losses.ts), never a kernel. */
export const SCALE_ALPHA = 0.001;
/** The modes that run a kernel: 'scale' is α·x and 'none' is x. */
export type KernelSmoothing = Exclude<SmoothingMode, 'scale' | 'none'>;
export interface SmoothingOptions {
  mode: KernelSmoothing;
  /** Softmax temperature T (default 1): softmax(x / T). */
  temperature?: number;
}

type Variant = 'CHANNEL_FORWARD' | 'CHANNEL_BACKWARD' | 'STATS_PARTIAL' | 'STATS_FINAL' | 'APPLY' | 'DOT_PARTIAL' | 'DOT_FINAL' | 'BACKWARD_APPLY';
const VARIANTS: Variant[] = ['CHANNEL_FORWARD', 'CHANNEL_BACKWARD', 'STATS_PARTIAL', 'STATS_FINAL', 'APPLY', 'DOT_PARTIAL', 'DOT_FINAL', 'BACKWARD_APPLY'];
const REDUCTIONS: Variant[] = ['STATS_PARTIAL', 'STATS_FINAL', 'DOT_PARTIAL', 'DOT_FINAL'];
const NAMES: Record<Variant, string> = {
  CHANNEL_FORWARD: 'channelSoftmax', CHANNEL_BACKWARD: 'channelSoftmaxBackward',
  STATS_PARTIAL: 'softmaxStats', STATS_FINAL: 'softmaxStatsFinal', APPLY: 'softmaxApply',
  DOT_PARTIAL: 'softmaxBackwardDot', DOT_FINAL: 'softmaxBackwardDotFinal', BACKWARD_APPLY: 'softmaxBackwardApply',
};

interface Fields { n: number; rowStride?: number; skip?: number; start?: number; item?: number; partialOffset?: number; batch?: number; factor?: number; hw?: number; channels?: number }

function launch(ctx: GpuContext, variant: Variant, buffers: Array<GPUBuffer | ReturnType<typeof chunkRange>>, f: Fields, workgroups: [number, number?]): void {
  const defines = { ...Object.fromEntries(VARIANTS.map((v) => [v, v === variant])), REDUCTION: REDUCTIONS.includes(variant) };
  const uniforms = uniformBlock([
    { u32: f.n }, { u32: f.rowStride ?? 0 }, { u32: f.skip ?? 0 }, { u32: f.start ?? 0 },
    { u32: f.item ?? 1 }, { u32: f.partialOffset ?? 0 }, { u32: f.batch ?? 0 }, { f32: f.factor ?? 1 },
    { u32: f.hw ?? 1 }, { u32: f.channels ?? 1 },
  ]);
  ctx.launch({ name: NAMES[variant], source, defines }, { buffers, uniforms, workgroups });
}

function check(op: string, shape: Shape4, opts: SmoothingOptions, buffers: Record<string, GPUBuffer>): { total: number; factor: number } {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: shape must be [N,C,H,W] of positive integers, got [${shape}]`);
  const total = shape[0] * shape[1] * shape[2] * shape[3];
  for (const [what, b] of Object.entries(buffers)) {
    if (b.size < total * 4) throw new Error(`${op}: ${what} holds ${b.size / 4} floats, needs ${total} for shape [${shape}]`);
  }
  const all = Object.values(buffers);
  if (new Set(all).size !== all.length) throw new Error(`${op}: the same buffer is bound twice`);
  if (opts.mode !== 'softmax' && opts.mode !== 'channel-softmax') throw new Error(`${op}: no kernel for mode '${opts.mode as string}' (softmax | channel-softmax)`);
  const t = opts.temperature ?? 1;
  if (!(t > 0)) throw new Error(`${op}: temperature must be > 0, got ${t}`);
  return { total, factor: 1 / t };
}

/** Elementwise launch over chunks of the whole tensor. */
function eachChunk(ctx: GpuContext, start: number, end: number, body: (c: ElementChunk, workgroups: [number, number]) => void): void {
  for (const c of elementChunks(ctx, start, end)) body(c, elementwiseGrid(ctx, c.count).workgroups);
}

/**
 * Per-item reduction over chunks: `partial` for each chunk of item b writes G partials; then `final`
 * merges item b's partials into its slot of `stats` (`pairs` floats per partial). Scratch comes from the pool.
 */
function reducePerItem(ctx: GpuContext, shape: Shape4, partial: Variant, final: Variant, big: GPUBuffer[], stats: GPUBuffer, pairs: number, factor: number): void {
  const [n, c, h, w] = shape;
  const item = c * h * w;
  const plan = Array.from({ length: n }, (_, b) => elementChunks(ctx, b * item, (b + 1) * item).map((ch) => ({ ch, groups: reduceGroupsFor(ch.count) })));
  const totalGroups = plan.flat().reduce((s, x) => s + x.groups, 0);
  const partials = ctx.pool.acquire(totalGroups * 64 * pairs * 4, 'softmax partials');
  let offset = 0;
  plan.forEach((chunks, b) => {
    const first = offset;
    for (const { ch, groups } of chunks) {
      launch(ctx, partial, [...big.map((buf) => chunkRange(buf, ch)), partials], { n: ch.count, skip: ch.skip, partialOffset: offset, factor }, [groups]);
      offset += groups * 64; // one partial per invocation
    }
    launch(ctx, final, [partials, stats], { n: offset - first, partialOffset: first, batch: b }, [1]);
  });
  ctx.pool.release(partials); // launches run in recording order: later users of this buffer come after
}

/** y = SWAG smoothing of x (NCHW), per `opts`. */
export function swagSmoothing(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, shape: Shape4, opts: SmoothingOptions): void {
  const { total, factor } = check('swagSmoothing', shape, opts, { x, y });
  const [n, c, h, w] = shape;
  if (opts.mode === 'channel-softmax') {
    ctx.checkBinding('channelSoftmax', `activation [${shape}]`, total * 4);
    const { workgroups } = elementwiseGrid(ctx, n * h * w);
    launch(ctx, 'CHANNEL_FORWARD', [x, y], { n: n * h * w, rowStride: workgroups[0] * 256, factor, hw: h * w, channels: c }, workgroups);
  } else {
    const stats = ctx.pool.acquire(n * 2 * 4, 'softmax stats');
    reducePerItem(ctx, shape, 'STATS_PARTIAL', 'STATS_FINAL', [x], stats, 2, factor);
    eachChunk(ctx, 0, total, (ch, workgroups) => launch(ctx, 'APPLY', [chunkRange(x, ch), stats, chunkRange(y, ch)], { n: ch.count, rowStride: workgroups[0] * 256, skip: ch.skip, start: ch.start, item: c * h * w, factor }, workgroups));
    ctx.pool.release(stats);
  }
}

/** dx from dy; `y` is the forward output. */
export function swagSmoothingBackward(ctx: GpuContext, y: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, shape: Shape4, opts: SmoothingOptions): void {
  const { total, factor } = check('swagSmoothingBackward', shape, opts, { y, dy, dx });
  const [n, c, h, w] = shape;
  if (opts.mode === 'channel-softmax') {
    ctx.checkBinding('channelSoftmaxBackward', `activation [${shape}]`, total * 4);
    const { workgroups } = elementwiseGrid(ctx, n * h * w);
    launch(ctx, 'CHANNEL_BACKWARD', [y, dy, dx], { n: n * h * w, rowStride: workgroups[0] * 256, factor, hw: h * w, channels: c }, workgroups);
  } else {
    const dots = ctx.pool.acquire(n * 4, 'softmax backward dots');
    reducePerItem(ctx, shape, 'DOT_PARTIAL', 'DOT_FINAL', [y, dy], dots, 1, factor);
    eachChunk(ctx, 0, total, (ch, workgroups) => launch(ctx, 'BACKWARD_APPLY', [chunkRange(y, ch), chunkRange(dy, ch), dots, chunkRange(dx, ch)], { n: ch.count, rowStride: workgroups[0] * 256, skip: ch.skip, start: ch.start, item: c * h * w, factor }, workgroups));
    ctx.pool.release(dots);
  }
}
