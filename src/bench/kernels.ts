/**
 * Kernel cases at the shapes the networks use. Each case owns its buffers (seeded data), records one
 * launch of the kernel in `run`, and carries its napkin FLOP count (or, for memory-bound kernels, the
 * bytes it must move):
 *   conv2d (each of forward, backward-input, backward-weight): 2·N·O·outH·outW·C·KH·KW
 *   matmul: 2·M·N·K;  gram and its backward: 2·C²·H·W (the math, not the halved symmetric work)
 *   softmax / MSE: bytes read + written once, as GB/s (their FLOPs are negligible).
 * `quick` marks the reduced set of `swagpu bench --quick`.
 */
import type { GpuContext } from '../gpu/context.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from '../kernels/conv/conv2d.js';
import { conv2dGeometry, type Conv2dGeometry } from '../kernels/conv/conv2d-geometry.js';
import { matmul } from '../kernels/gemm/matmul.js';
import { gram, gramBackward } from '../kernels/reduce/gram.js';
import { swagSmoothing, swagSmoothingBackward } from '../kernels/reduce/softmax.js';
import { mseLoss, mseLossBackward } from '../kernels/reduce/reduce.js';
import type { PeerCase, TfjsPeer } from './peer-tfjs.js';
import { launchCases } from './launch-cost.js';
import { gflops, timeAlternating, timeGpu, type Timer, type Timing } from './timing.js';
import type { Shape4 } from '../kernels/shape.js';


/** `only` (swagpu bench --only, the browser page's field): comma-separated alternatives, each a case-insensitive substring of "name shape". */
export const matchesOnly = (only: string | null, name: string, shape: string): boolean =>
  !only || only.split(',').some((o) => `${name} ${shape}`.toLowerCase().includes(o.trim().toLowerCase()));

export interface KernelCase {
  name: string;
  shape: string;
  flops: number | null;
  bytes: number | null;
  quick: boolean;
  peer?: PeerCase;
  setup(ctx: GpuContext): { run(): void; dispose(): void };
}

/** A case's report row (the CLI's and the browser page's): its timing, GFLOP/s or GB/s from its napkin counts, % of the FMA peak, and the peer's ratio. */
export function kernelRow(c: KernelCase, t: Timing, peakGflops: number, peerMs: number | null = null) {
  const gf = c.flops ? gflops(c.flops, t.ms) : null;
  return {
    name: c.name, shape: c.shape, ...t, gflops: gf, gbps: c.bytes ? c.bytes / t.ms / 1e6 : null,
    peakPercent: gf ? (100 * gf) / peakGflops : null, peerMs, speedup: peerMs ? peerMs / t.ms : null,
  };
}

/**
 * Time one case as `swagpu bench` and demo/bench.html do: one warm-up, then `runs` timed runs; given a peer (and
 * the case has a peer form), alternating run by run with the peer's.
 */
export async function timeKernelCase(ctx: GpuContext, c: KernelCase, runs: number, timer: Timer, peakGflops: number, peer: TfjsPeer | null = null): Promise<ReturnType<typeof kernelRow>> {
  const { run, dispose } = c.setup(ctx);
  try {
    if (peer && c.peer) {
      const peerRun = await peer.prepare(c.peer);
      try {
        const both = await timeAlternating(ctx, run, () => peerRun.once(timer), runs, 1, timer);
        return kernelRow(c, both.ours, peakGflops, both.peer.ms);
      } finally {
        peerRun.dispose();
      }
    }
    return kernelRow(c, await timeGpu(ctx, run, runs, 1, timer), peakGflops);
  } finally {
    dispose();
  }
}

/** Seeded values in [-0.5, 0.5) (a cheap LCG: the values do not matter, only that they are finite). */
function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

function buffers(ctx: GpuContext, sizes: Record<string, number>, filled: string[]): Record<string, GPUBuffer> {
  const out: Record<string, GPUBuffer> = {};
  let seed = 1;
  for (const [k, n] of Object.entries(sizes)) out[k] = filled.includes(k) ? ctx.bufferFrom(data(n, seed++), `bench ${k}`) : ctx.pool.acquire(n * 4, `bench ${k}`);
  return out;
}
const release = (ctx: GpuContext, b: Record<string, GPUBuffer>) => () => { for (const v of Object.values(b)) ctx.pool.release(v); };

interface ConvShape { label: string; inShape: Shape4; weightShape: Shape4; stride: number; padding: number; quick: boolean }

const CONV_SHAPES: ConvShape[] = [
  { label: '3x3', inShape: [1, 64, 128, 128], weightShape: [64, 64, 3, 3], stride: 1, padding: 1, quick: false },
  { label: '3x3', inShape: [1, 128, 64, 64], weightShape: [128, 128, 3, 3], stride: 1, padding: 1, quick: true },
  { label: '3x3', inShape: [1, 256, 32, 32], weightShape: [256, 256, 3, 3], stride: 1, padding: 1, quick: true },
  { label: '3x3', inShape: [1, 512, 16, 16], weightShape: [512, 512, 3, 3], stride: 1, padding: 1, quick: false },
  { label: '1x1', inShape: [1, 256, 56, 56], weightShape: [64, 256, 1, 1], stride: 1, padding: 0, quick: true },
  { label: '1x1', inShape: [1, 64, 56, 56], weightShape: [256, 64, 1, 1], stride: 1, padding: 0, quick: false },
  { label: '7x7/2', inShape: [1, 3, 224, 224], weightShape: [64, 3, 7, 7], stride: 2, padding: 3, quick: false },
];

const convShapeText = (g: Conv2dGeometry) => `${g.H}x${g.W} ${g.C}->${g.O}`;

function convCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  for (const s of CONV_SHAPES) {
    const g = conv2dGeometry({ inShape: s.inShape, weightShape: s.weightShape, stride: s.stride, padding: s.padding });
    const sizes = { x: g.N * g.C * g.H * g.W, w: g.O * g.C * g.KH * g.KW, y: g.N * g.O * g.outH * g.outW };
    const base = { shape: convShapeText(g), flops: g.flops, bytes: null, quick: s.quick };
    cases.push({
      ...base, name: `conv2d ${s.label} fwd`, peer: { op: 'conv2d', geometry: g },
      // weightsKey: frozen weights, as the engine runs every conv of a style transfer (their transposed layout is
      // made once, in the warm-up run, and cached); TF.js reads its HWIO filters as they are.
      setup: (ctx) => { const b = buffers(ctx, sizes, ['x', 'w']); return { run: () => conv2d(ctx, { x: b.x, w: b.w, y: b.y, geometry: g, weightsKey: b.w }), dispose: release(ctx, b) }; },
    });
    cases.push({
      ...base, name: `conv2d ${s.label} bwd-input`, peer: { op: 'conv2dBackwardInput', geometry: g },
      setup: (ctx) => { const b = buffers(ctx, sizes, ['y', 'w']); return { run: () => conv2dBackwardInput(ctx, { dy: b.y, w: b.w, dx: b.x, geometry: g, weightsKey: b.w }), dispose: release(ctx, b) }; },
    });
    cases.push({
      ...base, name: `conv2d ${s.label} bwd-weight`, peer: { op: 'conv2dBackwardWeight', geometry: g },
      // Style transfer never needs it (frozen weights); measured for completeness, not in --quick.
      quick: false,
      setup: (ctx) => { const b = buffers(ctx, sizes, ['x', 'y']); return { run: () => conv2dBackwardWeight(ctx, { x: b.x, dy: b.y, dw: b.w, geometry: g }), dispose: release(ctx, b) }; },
    });
  }
  return cases;
}

function matmulCase(n: number, quick: boolean): KernelCase {
  return {
    name: 'matmul', shape: `${n}x${n}x${n}`, flops: 2 * n * n * n, bytes: null, quick, peer: { op: 'matmul', M: n, N: n, K: n },
    setup: (ctx) => {
      const b = buffers(ctx, { a: n * n, b: n * n, c: n * n }, ['a', 'b']);
      return { run: () => matmul(ctx, { a: b.a, b: b.b, c: b.c, M: n, N: n, K: n }), dispose: release(ctx, b) };
    },
  };
}

function gramCases(shape: Shape4, quick: boolean): KernelCase[] {
  const [n, c, h, w] = shape;
  const base = { shape: `${c}x(${h}x${w})`, flops: 2 * n * c * c * h * w, bytes: null, quick };
  const sizes = { f: n * c * h * w, g: n * c * c, df: n * c * h * w };
  return [
    { ...base, name: 'gram', setup: (ctx) => { const b = buffers(ctx, sizes, ['f']); return { run: () => gram(ctx, b.f, b.g, shape), dispose: release(ctx, b) }; } },
    { ...base, name: 'gram bwd', setup: (ctx) => { const b = buffers(ctx, sizes, ['f', 'g']); return { run: () => gramBackward(ctx, b.g, b.f, b.df, shape), dispose: release(ctx, b) }; } },
  ];
}

function softmaxCases(shape: Shape4, quick: boolean): KernelCase[] {
  const [n, c, h, w] = shape;
  const total = n * c * h * w;
  const sizes = { x: total, y: total, dy: total, dx: total };
  const cases: KernelCase[] = [];
  for (const mode of ['softmax', 'channel-softmax'] as const) {
    const label = mode === 'softmax' ? 'whole-map' : 'channel';
    // Whole-map: reads x twice (stats, apply) + writes y; channel: one read, one write. Backward: y, dy twice / once + dx.
    const fwdBytes = (mode === 'softmax' ? 3 : 2) * total * 4;
    const bwdBytes = (mode === 'softmax' ? 5 : 3) * total * 4;
    const base = { shape: `${c}x${h}x${w}`, flops: null, quick };
    cases.push({
      ...base, name: `swag softmax ${label}`, bytes: fwdBytes,
      setup: (ctx) => { const b = buffers(ctx, sizes, ['x']); return { run: () => swagSmoothing(ctx, b.x, b.y, shape, { mode }), dispose: release(ctx, b) }; },
    });
    cases.push({
      ...base, name: `swag softmax ${label} bwd`, bytes: bwdBytes,
      setup: (ctx) => {
        const b = buffers(ctx, sizes, ['x', 'dy']);
        swagSmoothing(ctx, b.x, b.y, shape, { mode });
        return { run: () => swagSmoothingBackward(ctx, b.y, b.dy, b.dx, shape, { mode }), dispose: release(ctx, b) };
      },
    });
  }
  return cases;
}

function mseCases(shape: Shape4, quick: boolean): KernelCase[] {
  const [n, c, h, w] = shape;
  const total = n * c * h * w;
  const sizes = { a: total, b: total, da: total, out: 1, dl: 1 };
  const base = { shape: `${c}x${h}x${w}`, flops: null, quick };
  return [
    { ...base, name: 'mse', bytes: 2 * total * 4, setup: (ctx) => { const b = buffers(ctx, sizes, ['a', 'b']); return { run: () => mseLoss(ctx, b.a, b.b, b.out, total), dispose: release(ctx, b) }; } },
    { ...base, name: 'mse bwd', bytes: 3 * total * 4, setup: (ctx) => { const b = buffers(ctx, sizes, ['a', 'b', 'dl']); return { run: () => mseLossBackward(ctx, b.a, b.b, b.dl, b.da, total), dispose: release(ctx, b) }; } },
  ];
}

/** Every kernel case, in print order. */
export function kernelCases(): KernelCase[] {
  return [
    ...convCases(),
    matmulCase(1024, false),
    matmulCase(512, true),
    ...gramCases([1, 64, 128, 128], true),
    ...gramCases([1, 512, 32, 32], false),
    // The deep ResNet-50 taps at 128 px (stage 4: a 2048² Gram over 16 pixels; stage 3).
    ...gramCases([1, 2048, 4, 4], true),
    ...gramCases([1, 1024, 8, 8], false),
    ...softmaxCases([1, 1024, 16, 16], true),
    ...softmaxCases([1, 256, 64, 64], false),
    ...mseCases([1, 64, 64, 64], true),
    ...mseCases([1, 256, 64, 64], false),
    // The style loss over a stage-4 Gram (2048 x 2048 entries).
    ...mseCases([1, 1, 2048, 2048], false),
    // The fixed cost of a launch (src/bench/launch-cost.ts).
    ...launchCases(),
  ];
}
