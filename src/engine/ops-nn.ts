/**
 * Network ops over NCHW activations: per-channel affine (folded BatchNorm), convolution, pooling,
 * matmul/linear. Same pattern as ops.ts: check → allocate → launch → record backward, and each
 * backward launches only the gradient kernels its `needs` ask for (frozen weights cost nothing).
 */
import * as affineK from '../kernels/pointwise/affine.js';
import * as convK from '../kernels/conv/conv2d.js';
import { conv2dGeometry, type PadMode } from '../kernels/conv/conv2d-geometry.js';
import * as gramK from '../kernels/reduce/gram.js';
import * as matmulK from '../kernels/gemm/matmul.js';
import * as poolK from '../kernels/image/pool.js';
import * as reluK from '../kernels/pointwise/relu.js';
import { record } from './autograd.js';
import { checkRank, checkSameContext, sameShape } from './check.js';
import { Tensor, fmtShape } from './tensor.js';
import { output } from './ops-basic.js';
import type { Shape4 } from '../kernels/shape.js';

const shape4 = (t: Tensor): Shape4 => [t.shape[0], t.shape[1], t.shape[2], t.shape[3]];

/**
 * y = x·scale[c] + shift[c] (a BatchNorm folded for inference: scale = γ/√(σ²+ε), shift = β − μ·scale),
 * with an optional fused ReLU. x is NCHW; scale and shift hold C values.
 */
export function affine(x: Tensor, scale: Tensor, shift: Tensor, opts: { relu?: boolean } = {}): Tensor {
  const op = opts.relu ? 'affineRelu' : 'affine';
  checkRank(op, x, 4, 'input', 'NCHW');
  const C = x.shape[1];
  if (scale.size !== C || shift.size !== C) {
    throw new Error(`${op}: scale ${fmtShape(scale.shape)} and shift ${fmtShape(shift.shape)} must hold one value per channel of input ${fmtShape(x.shape)} (${C})`);
  }
  const y = output(x, x.shape, op);
  affineK.affineForward(x.ctx, x.use(op), scale.use(op), shift.use(op), y.use(op), shape4(x), opts.relu);
  return record(op, [x, scale, shift], y, (gy, needs) => {
    const bw = `${op} backward`;
    const mask = opts.relu ? y.use(bw) : undefined;
    let gx: Tensor | null = null;
    let gscale: Tensor | null = null;
    let gshift: Tensor | null = null;
    if (needs[0]) {
      gx = output(x, x.shape, `${op} grad x`);
      affineK.affineBackwardInput(x.ctx, gy.use(bw), scale.use(bw), gx.use(bw), shape4(x), mask);
    }
    if (needs[1] || needs[2]) { // one kernel gives both parameter gradients
      gscale = output(x, scale.shape, `${op} grad scale`);
      gshift = output(x, shift.shape, `${op} grad shift`);
      affineK.affineBackwardParams(x.ctx, x.use(bw), gy.use(bw), gscale.use(bw), gshift.use(bw), shape4(x), mask);
    }
    return [gx, gscale, gshift];
  });
}

export interface Conv2dOptions {
  stride?: number; padding?: number; padMode?: PadMode; relu?: boolean;
  /** added before the ReLU, y = relu(conv(x) + b + residual): a ResNet block's shortcut, shaped like y */
  residual?: Tensor | null;
}

/**
 * y = conv2d(x, w) + b (+ residual) (then ReLU when `relu`); x NCHW, w OIHW, b [O] or null.
 * Backward: the fused ReLU masks dy (dy·[y > 0]), then bias, input and weight gradients are launched
 * only for the inputs that need them; the residual's gradient is the masked dy itself. Frozen weights
 * (no grad) pass `weightsKey`, so their transposed layouts are computed once, not every step.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const residual = opts.residual ?? null;
  const op = `conv2d${residual ? 'Residual' : ''}${opts.relu ? 'Relu' : ''}`;
  const geometry = conv2dGeometry({ inShape: x.shape, weightShape: w.shape, stride: opts.stride, padding: opts.padding, padMode: opts.padMode });
  if (b && b.size !== geometry.O) throw new Error(`${op}: bias ${fmtShape(b.shape)} must hold one value per output channel (${geometry.O}); weight ${fmtShape(w.shape)}`);
  if (residual) {
    checkSameContext(op, x, residual);
    if (!sameShape(residual.shape, geometry.outShape)) throw new Error(`${op}: residual ${fmtShape(residual.shape)} must have the output's shape ${fmtShape(geometry.outShape)} (input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)})`);
  }
  const ctx = x.ctx;
  const y = output(x, geometry.outShape, op);
  // Frozen weights (no grad) are never written after upload: the kernels cache their transposed layout.
  const weightsKey = w.requiresGrad ? undefined : w;
  convK.conv2d(ctx, { x: x.use(op), w: w.use(op), b: b?.use(op) ?? null, y: y.use(op), geometry, relu: opts.relu, residual: residual?.use(op) ?? null, weightsKey });
  const inputs = [x, w, ...(b ? [b] : []), ...(residual ? [residual] : [])];
  return record(op, inputs, y, (gy, needs, owned) => {
    const bw = `${op} backward`;
    const residualNeeds = !!residual && needs[inputs.length - 1];
    // d(relu)/d(pre-activation) = [y > 0]: one reluBackward pass, or (convTuning.fuseReluBackward) the
    // gradient kernels mask dy inline. The pass is the default: it measured faster (see conv2d.ts). A
    // residual that wants a gradient takes the masked dy itself, so it needs the pass. The pass masks dy in
    // place when this node owns it (autograd's `owned`), else into a new buffer.
    let g = gy;
    let mask: GPUBuffer | undefined;
    if (opts.relu && convK.convTuning.fuseReluBackward && !residualNeeds) mask = y.use(bw);
    else if (opts.relu) {
      if (!owned) g = output(x, y.shape, `${op} grad (masked)`);
      reluK.reluBackward(ctx, y.use(bw), gy.use(bw), g.use(bw), y.size);
    }
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      gx = output(x, x.shape, `${op} grad x`);
      convK.conv2dBackwardInput(ctx, { dy: g.use(bw), w: w.use(bw), dx: gx.use(bw), geometry, weightsKey, y: mask });
    }
    if (needs[1]) {
      gw = output(x, w.shape, `${op} grad w`);
      convK.conv2dBackwardWeight(ctx, { x: x.use(bw), dy: g.use(bw), dw: gw.use(bw), geometry, y: mask });
    }
    if (b && needs[2]) {
      gb = output(x, b.shape, `${op} grad b`);
      convK.conv2dBackwardBias(ctx, { dy: g.use(bw), db: gb.use(bw), geometry, y: mask });
    }
    if (residualNeeds) return [gx, gw, ...(b ? [gb] : []), g]; // autograd frees g after its last use
    if (g !== gy) g.dispose();
    return [gx, gw, ...(b ? [gb] : [])];
  });
}

export interface Pool2dOptions { kernel: number; stride?: number; padding?: number }
const poolParams = (o: Pool2dOptions) => ({ kernel: o.kernel, stride: o.stride ?? o.kernel, padding: o.padding ?? 0 });

/** Max pooling (stride defaults to the kernel size); the argmax of each window is kept for backward. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  checkRank('maxPool2d', x, 4, 'input', 'NCHW');
  const params = poolParams(opts);
  const g = poolK.pool2dGeometry('maxPool2d', shape4(x), params);
  const outShape = [g.n, g.c, g.outH, g.outW];
  const y = output(x, outShape, 'maxPool2d');
  const argmax = output(x, outShape, 'maxPool2d argmax'); // u32 per output, freed with the scope
  poolK.maxPool2d(x.ctx, x.use('maxPool2d'), y.use('maxPool2d'), argmax.use('maxPool2d'), shape4(x), params);
  return record('maxPool2d', [x], y, (gy) => {
    const gx = output(x, x.shape, 'maxPool2d grad');
    poolK.maxPool2dBackward(x.ctx, gy.use('maxPool2dBackward'), argmax.use('maxPool2dBackward'), gx.use('maxPool2dBackward'), shape4(x), params);
    return [gx];
  });
}

/** Average pooling over each window's non-padding cells (count_include_pad = false). */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  checkRank('avgPool2d', x, 4, 'input', 'NCHW');
  const params = poolParams(opts);
  const g = poolK.pool2dGeometry('avgPool2d', shape4(x), params);
  const y = output(x, [g.n, g.c, g.outH, g.outW], 'avgPool2d');
  poolK.avgPool2d(x.ctx, x.use('avgPool2d'), y.use('avgPool2d'), shape4(x), params);
  return record('avgPool2d', [x], y, (gy) => {
    const gx = output(x, x.shape, 'avgPool2d grad');
    poolK.avgPool2dBackward(x.ctx, gy.use('avgPool2dBackward'), gx.use('avgPool2dBackward'), shape4(x), params);
    return [gx];
  });
}

/** [N,C,H,W] → [N,C]: the mean of each plane. */
export function globalAvgPool(x: Tensor): Tensor {
  checkRank('globalAvgPool', x, 4, 'input', 'NCHW');
  const y = output(x, [x.shape[0], x.shape[1]], 'globalAvgPool');
  poolK.globalAvgPool(x.ctx, x.use('globalAvgPool'), y.use('globalAvgPool'), shape4(x));
  return record('globalAvgPool', [x], y, (gy) => {
    const gx = output(x, x.shape, 'globalAvgPool grad');
    poolK.globalAvgPoolBackward(x.ctx, gy.use('globalAvgPoolBackward'), gx.use('globalAvgPoolBackward'), shape4(x));
    return [gx];
  });
}

/** C = A·B for A [M,K], B [K,N]. Backward: dA = dC·Bᵀ, dB = Aᵀ·dC (each only when needed). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkRank('matmul', a, 2, 'A');
  checkRank('matmul', b, 2, 'B');
  const [M, K] = a.shape;
  const N = b.shape[1];
  if (b.shape[0] !== K) throw new Error(`matmul: inner dimensions differ: A ${fmtShape(a.shape)}, B ${fmtShape(b.shape)}`);
  const c = output(a, [M, N], 'matmul');
  matmulK.matmul(a.ctx, { a: a.use('matmul'), b: b.use('matmul'), c: c.use('matmul'), M, N, K });
  return record('matmul', [a, b], c, (gc, needs) => {
    const bw = 'matmul backward';
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) { // [M,N]·[K,N]ᵀ
      ga = output(a, a.shape, 'matmul grad A');
      matmulK.matmul(a.ctx, { a: gc.use(bw), b: b.use(bw), c: ga.use(bw), M, N: K, K: N, transB: true });
    }
    if (needs[1]) { // [M,K]ᵀ·[M,N]
      gb = output(a, b.shape, 'matmul grad B');
      matmulK.matmul(a.ctx, { a: a.use(bw), b: gc.use(bw), c: gb.use(bw), M: K, N, K: M, transA: true });
    }
    return [ga, gb];
  });
}

/**
 * y = x·Wᵀ + b for x [M,K], W [N,K] (PyTorch's Linear layout), b [N] or null. The bias gradient
 * Σ_m dy[m,:] is a matmul with a row of ones.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  checkRank('linear', x, 2, 'input');
  checkRank('linear', w, 2, 'weight');
  const [M, K] = x.shape;
  const N = w.shape[0];
  if (w.shape[1] !== K) throw new Error(`linear: input features (${K}) != weight in-features (${w.shape[1]}); input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}`);
  if (b && b.size !== N) throw new Error(`linear: bias ${fmtShape(b.shape)} must hold ${N} values; weight ${fmtShape(w.shape)}`);
  const y = output(x, [M, N], 'linear');
  matmulK.matmul(x.ctx, { a: x.use('linear'), b: w.use('linear'), c: y.use('linear'), M, N, K, transB: true, bias: b?.use('linear') ?? null });
  return record('linear', b ? [x, w, b] : [x, w], y, (gy, needs) => {
    const bw = 'linear backward';
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) { // dy [M,N] · W [N,K]
      gx = output(x, x.shape, 'linear grad x');
      matmulK.matmul(x.ctx, { a: gy.use(bw), b: w.use(bw), c: gx.use(bw), M, N: K, K: N });
    }
    if (needs[1]) { // dyᵀ [N,M] · x [M,K]
      gw = output(x, w.shape, 'linear grad w');
      matmulK.matmul(x.ctx, { a: gy.use(bw), b: x.use(bw), c: gw.use(bw), M: N, N: K, K: M, transA: true });
    }
    if (b && needs[2]) { // ones [1,M] · dy [M,N]
      const ones = Tensor.full(x.ctx, [1, M], 1, { label: 'linear ones' });
      gb = output(x, b.shape, 'linear grad b');
      matmulK.matmul(x.ctx, { a: ones.use(bw), b: gy.use(bw), c: gb.use(bw), M: 1, N, K: M });
      ones.dispose();
    }
    return [gx, gw, gb];
  });
}

/** Gram matrices G[n] = F_n F_nᵀ / (C·H·W) of NCHW features: [N,C,H,W] → [N,C,C]. */
export function gram(f: Tensor): Tensor {
  checkRank('gram', f, 4, 'features', 'NCHW');
  const [N, C] = f.shape;
  const g = output(f, [N, C, C], 'gram');
  gramK.gram(f.ctx, f.use('gram'), g.use('gram'), shape4(f));
  return record('gram', [f], g, (gg) => {
    const gf = output(f, f.shape, 'gram grad');
    gramK.gramBackward(f.ctx, gg.use('gramBackward'), f.use('gramBackward'), gf.use('gramBackward'), shape4(f));
    return [gf];
  });
}
