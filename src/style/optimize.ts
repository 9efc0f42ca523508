/**
 * Optimisers for the image, entirely on the GPU: no readback per iteration.
 *
 * Adam (Kingma & Ba 2015; torch.optim.Adam semantics): one evaluation per iteration.
 *
 * L-BFGS as torch.optim.LBFGS without line search (what jcjohnson/neural-style and the SWAG code use):
 * one evaluation per iteration, history of m (s, y) pairs, two-loop recursion (Nocedal & Wright,
 * Algorithm 7.4), initial Hessian scale H = sᵀy / yᵀy of the newest accepted pair, step length
 * t = min(1, 1/‖g‖₁)·lr on the first iteration and lr after. Every scalar (sᵀy, ρ, α, t, ...) lives in a
 * small GPU buffer and is computed by scalar-op kernels, so the CPU never waits on the GPU. One
 * difference from torch: a pair failing the curvature test sᵀy > 1e-10 still takes a history slot,
 * with ρ = 0 so it drops out of both loops (torch skips it without using a slot).
 */
import type { GpuContext } from '../gpu/context.js';
import type { Tensor } from '../engine/tensor.js';
import type { Evaluation } from './objective.js';
import { adamStep, axpy, copy, dot, scalarOps, scale, slot, vectorReduce } from '../kernels/optim/optim.js';

export const OPTIMIZER_NAMES = ['lbfgs', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface Optimizer {
  /** Evaluate the loss and its gradient (into x.grad) and update x. */
  step(evaluate: () => Evaluation): Evaluation & { evals: number };
  dispose(): void;
}

export interface OptimizerOptions {
  learningRate?: number;
  /** L-BFGS history size m. */
  history?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export function createOptimizer(ctx: GpuContext, name: OptimizerName, x: Tensor, options: OptimizerOptions = {}): Optimizer {
  if (name === 'adam') return new Adam(ctx, x, options);
  if (name === 'lbfgs') return new Lbfgs(ctx, x, options);
  throw new Error(`unknown optimizer '${name}' (known: ${OPTIMIZER_NAMES.join(', ')})`);
}

function gradOf(x: Tensor): GPUBuffer {
  if (!x.grad) throw new Error('optimizer: the evaluation left no gradient on the image (did it call backward?)');
  return x.grad.use('optimizer');
}

/** Zeroed pooled buffer of n floats. */
function zeros(ctx: GpuContext, n: number, label: string): GPUBuffer {
  const b = ctx.pool.acquire(n * 4, label);
  ctx.upload(b, new Float32Array(n));
  return b;
}

class Adam implements Optimizer {
  private m: GPUBuffer;
  private v: GPUBuffer;
  private t = 0;

  constructor(private ctx: GpuContext, private x: Tensor, private options: OptimizerOptions) {
    this.m = zeros(ctx, x.size, 'adam m');
    this.v = zeros(ctx, x.size, 'adam v');
  }

  step(evaluate: () => Evaluation) {
    const result = evaluate();
    this.t += 1;
    adamStep(this.ctx, {
      param: this.x.use('adam'), grad: gradOf(this.x), m: this.m, v: this.v, n: this.x.size,
      lr: this.options.learningRate ?? 0.02, beta1: this.options.beta1 ?? 0.9, beta2: this.options.beta2 ?? 0.999,
      eps: this.options.eps ?? 1e-8, step: this.t,
    });
    return { ...result, evals: 1 };
  }

  dispose(): void {
    this.ctx.pool.release(this.m);
    this.ctx.pool.release(this.v);
  }
}

// Scalar slots of the L-BFGS scalar buffer.
const T = 0, YS = 1, YY = 2, H = 3, OK = 4, TMP = 5, BE = 6, D = 7, G1 = 8, INV = 9, HISTORY_BASE = 16;

class Lbfgs implements Optimizer {
  private readonly m: number;
  private readonly lr: number;
  private readonly n: number;
  private s: GPUBuffer[] = [];
  private y: GPUBuffer[] = [];
  /** Ring order of history slots, oldest first. */
  private order: number[] = [];
  private d: GPUBuffer;
  private q: GPUBuffer;
  private gPrev: GPUBuffer;
  private scalars: GPUBuffer;
  private iteration = 0;

  constructor(private ctx: GpuContext, private x: Tensor, options: OptimizerOptions) {
    this.m = options.history ?? 10;
    this.lr = options.learningRate ?? 1;
    if (!(this.m >= 1 && this.m <= 100)) throw new Error(`lbfgs: history must be 1..100, got ${this.m}`);
    this.n = x.size;
    this.d = ctx.pool.acquire(this.n * 4, 'lbfgs d');
    this.q = ctx.pool.acquire(this.n * 4, 'lbfgs q');
    this.gPrev = ctx.pool.acquire(this.n * 4, 'lbfgs g_prev');
    this.scalars = zeros(ctx, HISTORY_BASE + 2 * this.m, 'lbfgs scalars');
  }

  private rho(i: number): number { return HISTORY_BASE + i; }
  private alpha(i: number): number { return HISTORY_BASE + this.m + i; }

  step(evaluate: () => Evaluation) {
    const result = evaluate();
    const { ctx, n, scalars } = this;
    const g = gradOf(this.x);
    if (this.iteration === 0) {
      // d = −g, H = 1, t = min(1, 1/‖g‖₁)·lr
      copy(ctx, { src: g, dst: this.d, n });
      scale(ctx, { x: this.d, n, alpha: -1 });
      vectorReduce(ctx, { x: g, out: { buffer: scalars, index: G1 }, n, op: 'abssum' });
      scalarOps(ctx, scalars, [
        { op: 'set', out: H, a: 1 },
        { op: 'div', out: INV, a: 1, b: slot(G1) },
        { op: 'min', out: TMP, a: 1, b: slot(INV) },
        { op: 'mul', out: T, a: slot(TMP), b: this.lr },
      ]);
    } else {
      this.pushPair(g);
      this.twoLoop(g);
      scalarOps(ctx, scalars, [{ op: 'set', out: T, a: this.lr }]);
    }
    copy(ctx, { src: g, dst: this.gPrev, n });
    axpy(ctx, { y: this.x.use('lbfgs'), x: this.d, n, alpha: { buffer: scalars, index: T } });
    this.iteration += 1;
    return { ...result, evals: 1 };
  }

  /** y = g − g_prev, s = t·d into the next history slot; ρ and H with the curvature guard. */
  private pushPair(g: GPUBuffer): void {
    const { ctx, n, scalars } = this;
    let k: number;
    if (this.s.length < this.m) {
      k = this.s.length;
      this.s.push(ctx.pool.acquire(n * 4, 'lbfgs s'));
      this.y.push(ctx.pool.acquire(n * 4, 'lbfgs y'));
    } else {
      k = this.order.shift()!; // overwrite the oldest pair
    }
    this.order.push(k);
    copy(ctx, { src: g, dst: this.y[k], n });
    axpy(ctx, { y: this.y[k], x: this.gPrev, n, alpha: -1 });
    copy(ctx, { src: this.d, dst: this.s[k], n });
    scale(ctx, { x: this.s[k], n, alpha: { buffer: scalars, index: T } });
    dot(ctx, { a: this.y[k], b: this.s[k], out: { buffer: scalars, index: YS }, n });
    dot(ctx, { a: this.y[k], b: this.y[k], out: { buffer: scalars, index: YY }, n });
    scalarOps(ctx, scalars, [
      { op: 'greater', out: OK, a: slot(YS), b: 1e-10 },
      { op: 'div', out: TMP, a: 1, b: slot(YS) },
      { op: 'where', out: this.rho(k), a: slot(OK), b: slot(TMP), c: 0 },
      { op: 'div', out: TMP, a: slot(YS), b: slot(YY) },
      { op: 'where', out: H, a: slot(OK), b: slot(TMP), c: slot(H) },
    ]);
  }

  /** d = −H̃·g by the two-loop recursion over the history (newest first, then oldest first). */
  private twoLoop(g: GPUBuffer): void {
    const { ctx, n, scalars } = this;
    copy(ctx, { src: g, dst: this.q, n });
    scale(ctx, { x: this.q, n, alpha: -1 });
    for (const i of [...this.order].reverse()) {
      dot(ctx, { a: this.s[i], b: this.q, out: { buffer: scalars, index: TMP }, n });
      scalarOps(ctx, scalars, [{ op: 'mul', out: this.alpha(i), a: slot(this.rho(i)), b: slot(TMP) }]);
      axpy(ctx, { y: this.q, x: this.y[i], n, alpha: { buffer: scalars, index: this.alpha(i) }, alphaScale: -1 });
    }
    scale(ctx, { x: this.q, n, alpha: { buffer: scalars, index: H } });
    for (const i of this.order) {
      dot(ctx, { a: this.y[i], b: this.q, out: { buffer: scalars, index: TMP }, n });
      scalarOps(ctx, scalars, [
        { op: 'mul', out: BE, a: slot(this.rho(i)), b: slot(TMP) },
        { op: 'sub', out: D, a: slot(this.alpha(i)), b: slot(BE) },
      ]);
      axpy(ctx, { y: this.q, x: this.s[i], n, alpha: { buffer: scalars, index: D } });
    }
    [this.d, this.q] = [this.q, this.d];
  }

  dispose(): void {
    for (const b of [this.d, this.q, this.gPrev, this.scalars, ...this.s, ...this.y]) this.ctx.pool.release(b);
    this.s = [];
    this.y = [];
  }
}
