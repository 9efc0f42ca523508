/**
 * conv2d's launchers: forward (bias, fused ReLU and residual optional), backward-input, backward-weight,
 * backward-bias. Layout: activations NCHW, weights OIHW, float32. All four take the geometry from
 * `conv2dGeometry` (the same helper the float64 reference uses), follow the route route-plan.ts chooses
 * (1x1 and im2col / col2im on gemm, Winograd, or the direct kernels) and run tensors past one storage
 * binding over channel bands (banding.ts).
 *
 * The direct forward and backward-input kernels have a register tile per invocation (4 or 8
 * pixels along a row × 4·G channels, vec4 accumulators written out by direct-tile.ts) and no workgroup
 * memory; the weights are first re-laid out by the batched transpose (gemm/transpose.wgsl) into a scratch
 * buffer so 4 consecutive channels are one vec4 load. The transpose is O·C·KH·KW elements, negligible
 * against the N·outH·outW times larger convolution, and keeps the caller's OIHW weights untouched.
 */
import forwardSource from './conv2d.wgsl';
import backwardInputSource from './conv2d-backward-input.wgsl';
import backwardWeightSource from './conv2d-backward-weight.wgsl';
import foldSource from './conv2d-reflect-fold.wgsl';
import type { BufferRange, GpuContext } from '../../gpu/context.js';
import { elementwiseGrid } from '../launch.js';
import { weightLayout } from './conv2d-weight-cache.js';
import { conv2dWinograd, winogradShape } from './conv2d-winograd.js';
import { gemm, gemmRows } from '../gemm/gemm.js';
import { encodeTranspose } from '../gemm/transpose.js';
import { subsample, subsampleBackward } from './subsample.js';
import { col2im, im2col, im2colElements, im2colTransposed } from './im2col.js';
import { reluBackward } from '../pointwise/relu.js';
import { accumulate } from '../pointwise/add.js';
import type { Conv2dGeometry } from './conv2d-geometry.js';
import { bandTile, channelBands, fitsOneBinding } from './banding.js';
import { directTileDefines } from './direct-tile.js';
import {
  col2imApplies, conv2dPlan, convTuning, im2colApplies, pointwiseApplies, stridedPlanes, weightGemmPlan, winogradApplies, type ConvTile,
} from './route-plan.js';

export { conv2dWeightCache } from './conv2d-weight-cache.js';
export { convTuning, type ConvTile } from './route-plan.js';
export { conv2dGeometry, sourceIndex, type Conv2dGeometry, type Conv2dGeometryInput, type PadMode } from './conv2d-geometry.js';

const shapeOf = (s: readonly number[]): string => `[${s.join(',')}]`;

/** Each binding within the device limit, then each caller buffer large enough for its shape. */
function checkBindings(ctx: GpuContext, kernel: string, g: Conv2dGeometry, parts: Array<[string, number, GPUBuffer?]>): void {
  const shapes = `input ${shapeOf(g.inShape)}, weight ${shapeOf(g.weightShape)}`;
  for (const [what, elements] of parts) ctx.checkBinding(kernel, `${what} (${shapes})`, elements * 4);
  for (const [what, elements, buffer] of parts) {
    if (buffer && buffer.size < elements * 4) throw new Error(`${kernel}: buffer ${what} holds ${buffer.size} bytes, needs ${elements * 4} (${shapes})`);
  }
}

/**
 * w viewed as [B][R][S] transposed to [B][S][RP] (R padded with zeros to RP): cached for frozen weights
 * (`key`, see conv2d-weight-cache.ts), else a pooled buffer the caller releases.
 */
function layoutFor(ctx: GpuContext, w: GPUBuffer, key: object | undefined, B: number, R: number, S: number, RP: number): { wt: GPUBuffer; pooled: boolean } {
  return weightLayout(ctx, w, key, convTuning.cacheWeights, `transpose ${B},${R},${S},${RP}`, B * S * RP, 'conv2d weights (transposed)',
    (dst) => encodeTranspose(ctx, w, dst, B, R, S, RP));
}

export interface Conv2dArgs {
  x: GPUBuffer;
  w: GPUBuffer;
  b?: GPUBuffer | null;
  y: GPUBuffer;
  geometry: Conv2dGeometry;
  relu?: boolean;
  /**
   * Added before the ReLU, y = relu(conv(x) + b + residual): ResNet's shortcut, in y's layout. The 1x1 route
   * adds it in the gemm's store; the others with one accumulate pass after the conv.
   */
  residual?: GPUBuffer | null;
  /**
   * An object standing for w's values (e.g. the frozen weight tensor): the same key promises the same
   * values, so the transposed layout is computed once and cached. Omit it for weights that change.
   */
  weightsKey?: object;
}

/** y = conv2d(x, w) + b (+ residual), then max(·, 0) when `relu`. */
export function conv2d(ctx: GpuContext, args: Conv2dArgs): void {
  const { x, w, b = null, y, geometry: g, residual = null } = args;
  const { forward: f } = conv2dPlan(ctx, g);
  const xSize = g.N * g.C * g.H * g.W;
  const ySize = g.N * g.O * g.outH * g.outW;
  for (const [what, n, buffer] of [['x', xSize, x], ['y', ySize, y], ...(residual ? [['residual', ySize, residual] as const] : [])] as const) {
    if (buffer.size < n * 4) throw new Error(`conv2d: buffer ${what} holds ${buffer.size} bytes, needs ${n * 4} (input ${shapeOf(g.inShape)}, weight ${shapeOf(g.weightShape)})`);
  }
  checkBindings(ctx, 'conv2d', g, [
    ['w', g.O * g.C * g.KH * g.KW, w], ['transposed weights', g.C * g.KH * g.KW * f.O4 * 4],
    ...(b ? [['b', g.O, b] as [string, number, GPUBuffer]] : []),
  ]);
  if (pointwiseApplies(ctx, g)) {
    // y[n] (O x outH·outW) = W x[n], W [O][C]: A = w transposed to [C][Op], B = x[n] (every S-th pixel when strided).
    const Op = gemmRows(ctx, g.O);
    const { wt, pooled } = layoutFor(ctx, w, args.weightsKey, 1, g.O, g.C, Op);
    const hw = g.outH * g.outW;
    const xs = g.stride > 1 ? ctx.pool.acquire(g.N * g.C * hw * 4, 'conv2d subsampled x') : x;
    if (g.stride > 1) subsample(ctx, x, xs, { planes: g.N * g.C, H: g.H, W: g.W, S: g.stride });
    gemm(ctx, { a: wt, b: xs, c: y, K: g.C, M: g.O, N: hw, Z: g.N, bStride: g.C * hw, cStride: g.O * hw, bias: b, addend: residual, relu: args.relu });
    if (xs !== x) ctx.pool.release(xs);
    if (pooled) ctx.pool.release(wt);
  } else if (residual) {
    // The other routes have no addend in their epilogue: the conv, then y = relu(y + residual) in one pass.
    conv2d(ctx, { ...args, relu: false, residual: null });
    accumulate(ctx, y, residual, ySize, { relu: args.relu });
  } else if (winogradApplies(ctx, g, 'forward')) {
    conv2dWinograd(ctx, { x, w, y, shape: winogradShape(g, 'forward'), flip: false, bias: b, relu: args.relu, weightsKey: args.weightsKey });
  } else if (im2colApplies(ctx, g)) {
    // y[n] (O x outH·outW) = W cols[n], W [O][C·KH·KW]: A = w transposed to [C·KH·KW][Op], B = the patch matrix.
    const K = g.C * g.KH * g.KW, P = g.outH * g.outW;
    const { wt, pooled } = layoutFor(ctx, w, args.weightsKey, 1, g.O, K, gemmRows(ctx, g.O));
    const cols = ctx.pool.acquire(im2colElements(g) * 4, 'conv2d im2col patches');
    im2col(ctx, x, cols, g);
    gemm(ctx, { a: wt, b: cols, c: y, K, M: g.O, N: P, Z: g.N, bStride: K * P, cStride: g.O * P, bias: b, relu: args.relu });
    ctx.pool.release(cols);
    if (pooled) ctx.pool.release(wt);
  } else if (fitsOneBinding(ctx, xSize, ySize)) conv2dWhole(ctx, args, f);
  else conv2dBanded(ctx, args);
}

function forwardDefines(g: Conv2dGeometry, tile: ConvTile, bias: boolean, relu: boolean, accum: boolean) {
  return { KH: g.KH, KW: g.KW, S: g.stride, ...directTileDefines(tile, 'forward'), BIAS: bias, RELU: relu, REFLECT: g.padMode === 'reflect', ACCUM: accum };
}

function conv2dWhole(ctx: GpuContext, { x, w, b = null, y, geometry: g, relu = false, weightsKey }: Conv2dArgs, f: ReturnType<typeof conv2dPlan>['forward']): void {
  const { wt, pooled } = layoutFor(ctx, w, weightsKey, 1, g.O, g.C * g.KH * g.KW, f.O4 * 4);
  ctx.launch(
    { name: 'conv2d', source: forwardSource, defines: forwardDefines(g, f.tile, !!b, relu, false) },
    {
      buffers: b ? [x, wt, b, y] : [x, wt, y],
      uniforms: new Uint32Array([g.C, g.H, g.W, g.O, g.outH, g.outW, g.pad, f.O4, f.tilesW, f.tiles, 0, 0, 0, 0, 0, 0]),
      workgroups: f.workgroups,
    },
  );
  if (pooled) ctx.pool.release(wt);
}

/**
 * Forward over channel bands, per image: for each band of output channels (whole groups of 4·G), the
 * bands of input channels in turn — the first writes its partial sum, the others add theirs (ACCUM),
 * and the last also adds the bias and applies the ReLU.
 */
function conv2dBanded(ctx: GpuContext, { x, w, b = null, y, geometry: g, relu = false, weightsKey }: Conv2dArgs): void {
  const plan = conv2dPlan(ctx, g).forward;
  const tile = bandTile(ctx, plan.tile, g.outH * g.outW);
  const O4 = Math.ceil(g.O / (4 * tile.G)) * tile.G;
  const { wt, pooled } = layoutFor(ctx, w, weightsKey, 1, g.O, g.C * g.KH * g.KW, O4 * 4);
  for (let n = 0; n < g.N; n++) {
    const xBands = channelBands(ctx, 'conv2d', `input [${g.inShape}]`, x, n, g.C, g.H * g.W);
    const yBands = channelBands(ctx, 'conv2d', `output [${g.outShape}]`, y, n, g.O, g.outH * g.outW, 4 * tile.G);
    for (const yb of yBands) {
      xBands.forEach((xb, i) => {
        const last = i === xBands.length - 1;
        ctx.launch(
          { name: 'conv2d', source: forwardSource, defines: forwardDefines(g, tile, !!b && last, relu && last, i > 0) },
          {
            buffers: b && last ? [xb.range, wt, b, yb.range] : [xb.range, wt, yb.range],
            uniforms: new Uint32Array([
              xb.count, g.H, g.W, yb.c0 + yb.count, g.outH, g.outW, g.pad, O4, plan.tilesW, plan.tiles,
              xb.off, yb.off, xb.c0 * g.KH * g.KW * O4, yb.c0 / 4, yb.c0, 0,
            ]),
            workgroups: [Math.ceil(plan.tiles / tile.WG), Math.ceil(yb.count / (4 * tile.G)), 1],
          },
        );
      });
    }
  }
  if (pooled) ctx.pool.release(wt);
}

export interface Conv2dBackwardInputArgs {
  dy: GPUBuffer; w: GPUBuffer; dx: GPUBuffer; geometry: Conv2dGeometry;
  /** As in Conv2dArgs: caches the transposed weights of frozen w. */
  weightsKey?: object;
  /** The forward output of a conv with fused ReLU: dy is masked inline, dy·[y > 0]. */
  y?: GPUBuffer;
}

/**
 * dx = ∂(Σ y·dy)/∂x of the conv without bias; with `y` (the output of a conv with fused ReLU) dy is
 * first masked inline, dy·[y > 0], so the ReLU's backward needs no pass of its own.
 * Reflect padding: the gradient of each padded pixel is added onto the pixel it mirrored.
 */
export function conv2dBackwardInput(ctx: GpuContext, args: Conv2dBackwardInputArgs): void {
  const { dy, w, dx, geometry: g, y } = args;
  const { backwardInput: p } = conv2dPlan(ctx, g);
  const dySize = g.N * g.O * g.outH * g.outW;
  const dxSize = g.N * g.C * g.H * g.W;
  const padded = g.N * g.C * p.H * p.W;
  for (const [what, n, buffer] of [['dy', dySize, dy], ['dx', dxSize, dx], ...(y ? [['y (ReLU mask)', dySize, y] as const] : [])] as const) {
    if (buffer.size < n * 4) throw new Error(`conv2dBackwardInput: buffer ${what} holds ${buffer.size} bytes, needs ${n * 4} (input ${shapeOf(g.inShape)}, weight ${shapeOf(g.weightShape)})`);
  }
  checkBindings(ctx, 'conv2dBackwardInput', g, [['w', g.O * g.C * g.KH * g.KW, w], ['transposed weights', g.O * g.KH * g.KW * p.C4 * 4]]);
  if (!y && pointwiseApplies(ctx, g)) {
    // dx[n] = Wᵀ dy[n]: A = w [O][C] with rows padded to Cp (a transpose of [O][C][1]), B = dy[n]; strided:
    // into the subsampled grid, then scattered back with zeros between.
    const Cp = gemmRows(ctx, g.C);
    const { wt, pooled } = layoutFor(ctx, w, args.weightsKey, g.O, g.C, 1, Cp);
    const hw = g.outH * g.outW;
    const planes = stridedPlanes(g);
    const dxs = g.stride > 1 && !planes ? ctx.pool.acquire(g.N * g.C * hw * 4, 'conv2dBackwardInput subsampled dx') : dx;
    gemm(ctx, { a: wt, b: dy, c: dxs, K: g.O, M: g.C, N: hw, Z: g.N, bStride: g.O * hw, cStride: g.C * (planes ? g.H * g.W : hw), cPlanes: planes });
    if (dxs !== dx) {
      subsampleBackward(ctx, dxs, dx, { planes: g.N * g.C, H: g.H, W: g.W, S: g.stride });
      ctx.pool.release(dxs);
    }
    if (pooled) ctx.pool.release(wt);
  } else if (winogradApplies(ctx, g, 'backwardInput')) {
    conv2dWinograd(ctx, { x: dy, w, y: dx, shape: winogradShape(g, 'backwardInput'), flip: true, mask: y, weightsKey: args.weightsKey });
  } else if (col2imApplies(ctx, g)) {
    // dcols[n] (C·KH·KW x outH·outW) = Wᵀ dy[n]: A = w [O][C·KH·KW] with rows padded to Kp (a transpose of
    // [O][K][1]), B = dy[n], masked first by a fused ReLU's output; col2im then sums the patches onto dx.
    const K = g.C * g.KH * g.KW, P = g.outH * g.outW;
    const { wt, pooled } = layoutFor(ctx, w, args.weightsKey, g.O, K, 1, gemmRows(ctx, K));
    const dyMasked = y ? ctx.pool.acquire(dySize * 4, 'conv2dBackwardInput masked dy') : dy;
    if (y) reluBackward(ctx, y, dy, dyMasked, dySize);
    const dcols = ctx.pool.acquire(im2colElements(g) * 4, 'conv2dBackwardInput patch gradients');
    gemm(ctx, { a: wt, b: dyMasked, c: dcols, K: g.O, M: K, N: P, Z: g.N, bStride: g.O * P, cStride: K * P });
    if (y) ctx.pool.release(dyMasked);
    col2im(ctx, dcols, dx, g);
    ctx.pool.release(dcols);
    if (pooled) ctx.pool.release(wt);
  } else if (fitsOneBinding(ctx, dySize, dxSize, padded)) backwardInputWhole(ctx, args, p);
  else backwardInputBanded(ctx, args);
}

function backwardInputDefines(g: Conv2dGeometry, tile: ConvTile, mask: boolean, accum: boolean) {
  return { KH: g.KH, KW: g.KW, S: g.stride, ...directTileDefines(tile, 'backwardInput'), MASK: mask, ACCUM: accum };
}

function backwardInputWhole(ctx: GpuContext, { dy, w, dx, geometry: g, weightsKey, y }: Conv2dBackwardInputArgs, p: ReturnType<typeof conv2dPlan>['backwardInput']): void {
  const reflect = g.padMode === 'reflect';
  const { wt: wb, pooled } = layoutFor(ctx, w, weightsKey, g.O, g.C, g.KH * g.KW, p.C4 * 4);
  // Reflect: first the gradient of the padded image (pad 0), then fold it onto the mirrored pixels.
  const target = reflect ? ctx.pool.acquire(g.N * g.C * p.H * p.W * 4, 'conv2dBackwardInput padded dx') : dx;
  ctx.launch(
    { name: 'conv2dBackwardInput', source: backwardInputSource, defines: backwardInputDefines(g, p.tile, !!y, false) },
    {
      buffers: y ? [dy, y, wb, target] : [dy, wb, target],
      uniforms: new Uint32Array([g.C, p.H, p.W, g.O, g.outH, g.outW, p.pad, p.C4, p.tilesW, p.tiles, 0, 0, 0, 0, 0, 0]),
      workgroups: p.workgroups,
    },
  );
  if (pooled) ctx.pool.release(wb);
  if (reflect) {
    const { workgroups, uniforms } = elementwiseGrid(ctx, g.N * g.C * g.H * g.W, [g.H, g.W, g.pad, 0]);
    ctx.launch({ name: 'conv2dReflectFold', source: foldSource }, { buffers: [target, dx], uniforms, workgroups });
    ctx.pool.release(target);
  }
}

/**
 * Backward-input over channel bands, per image: for each band of input channels (whole groups of 4·G)
 * the bands of output channels in turn, the first writing its share of dx, the others adding theirs.
 * Reflect padding: each dx band is first computed padded, into a scratch buffer, then folded into dx.
 */
function backwardInputBanded(ctx: GpuContext, { dy, w, dx, geometry: g, weightsKey, y }: Conv2dBackwardInputArgs): void {
  const reflect = g.padMode === 'reflect';
  const plan = conv2dPlan(ctx, g).backwardInput;
  const tile = bandTile(ctx, plan.tile, plan.H * plan.W);
  const C4 = Math.ceil(g.C / (4 * tile.G)) * tile.G;
  const S = g.stride;
  const { wt: wb, pooled } = layoutFor(ctx, w, weightsKey, g.O, g.C, g.KH * g.KW, C4 * 4);
  for (let n = 0; n < g.N; n++) {
    const dxBands = channelBands(ctx, 'conv2dBackwardInput', `input gradient [${g.inShape}]`, dx, n, g.C, g.H * g.W, 4 * tile.G, plan.H * plan.W);
    const dyBands = channelBands(ctx, 'conv2dBackwardInput', `output gradient [${g.outShape}]`, dy, n, g.O, g.outH * g.outW);
    for (const xb of dxBands) {
      const scratch = reflect ? ctx.pool.acquire(xb.count * plan.H * plan.W * 4, 'conv2dBackwardInput padded dx band') : null;
      // The kernel addresses dx channel c at dxOff + (c - cBase)·plane: a scratch band holds channels from cBase = c0 at 0.
      const target: BufferRange = scratch ? { buffer: scratch, offset: 0, size: xb.count * plan.H * plan.W * 4 } : xb.range;
      const dxOff = scratch ? 0 : xb.off;
      dyBands.forEach((yb, i) => {
        const mask = y ? [{ ...yb.range, buffer: y }] : [];
        ctx.launch(
          { name: 'conv2dBackwardInput', source: backwardInputSource, defines: backwardInputDefines(g, tile, !!y, i > 0) },
          {
            buffers: [yb.range, ...mask, wb, target],
            uniforms: new Uint32Array([
              xb.c0 + xb.count, plan.H, plan.W, yb.count, g.outH, g.outW, plan.pad, C4, plan.tilesW, plan.tiles,
              yb.off, dxOff, yb.c0 * g.KH * g.KW * C4, xb.c0 / 4, xb.c0, 0,
            ]),
            workgroups: [Math.ceil(plan.tiles / tile.WG), Math.ceil(xb.count / (4 * tile.G)), S * S],
          },
        );
      });
      if (scratch) {
        const { workgroups, uniforms } = elementwiseGrid(ctx, xb.count * g.H * g.W, [g.H, g.W, g.pad, xb.off]);
        ctx.launch({ name: 'conv2dReflectFold', source: foldSource }, { buffers: [target, xb.range], uniforms, workgroups });
        ctx.pool.release(scratch);
      }
    }
  }
  if (pooled) ctx.pool.release(wb);
}

export interface Conv2dBackwardWeightArgs {
  x: GPUBuffer; dy: GPUBuffer; dw: GPUBuffer; geometry: Conv2dGeometry;
  /** The forward output of a conv with fused ReLU: dy is masked inline, dy·[y > 0]. */
  y?: GPUBuffer;
}

function weightParams(g: Conv2dGeometry): Uint32Array {
  return new Uint32Array([g.N, g.C, g.H, g.W, g.O, g.outH, g.outW, g.pad, g.KH, g.KW, g.stride, 0]);
}

/** dw = ∂(Σ y·dy)/∂w, summed over the batch; written, not accumulated. */
export function conv2dBackwardWeight(ctx: GpuContext, { x, dy, dw, geometry: g, y }: Conv2dBackwardWeightArgs): void {
  const dySize = g.N * g.O * g.outH * g.outW;
  checkBindings(ctx, 'conv2dBackwardWeight', g, [
    ['x', g.N * g.C * g.H * g.W, x], ['dy', dySize, dy], ['dw', g.O * g.C * g.KH * g.KW, dw],
    ...(y ? [['y (ReLU mask)', dySize, y] as [string, number, GPUBuffer]] : []),
  ]);
  const plan = weightGemmPlan(ctx, g);
  if (plan) {
    // dw[o][k] = Σ_p dyᵀ[p][o] · colsT[p][k] over the N·outH·outW pixels p, in Z chunks of pixels (gemm's batch).
    const { Z, K4, Mp, pixels } = plan;
    const K = g.C * g.KH * g.KW, chunk = pixels / Z;
    const dyMasked = y ? ctx.pool.acquire(dySize * 4, 'conv2dBackwardWeight masked dy') : dy;
    if (y) reluBackward(ctx, y, dy, dyMasked, dySize);
    const dyT = ctx.pool.acquire(pixels * Mp * 4, 'conv2dBackwardWeight dy transposed');
    encodeTranspose(ctx, dyMasked, dyT, g.N, g.O, g.outH * g.outW, Mp);
    if (y) ctx.pool.release(dyMasked);
    const colsT = ctx.pool.acquire(pixels * K4 * 4, 'conv2dBackwardWeight transposed patches');
    im2colTransposed(ctx, x, colsT, g);
    const direct = Z === 1 && K4 === K; // the product is dw itself
    const part = direct ? dw : ctx.pool.acquire(Z * g.O * K4 * 4, 'conv2dBackwardWeight partial sums');
    gemm(ctx, { a: dyT, b: colsT, c: part, K: chunk, M: g.O, N: K4, Z, aStride: chunk * Mp, bStride: chunk * K4, cStride: g.O * K4 });
    ctx.pool.release(dyT);
    ctx.pool.release(colsT);
    if (!direct) {
      const { workgroups, uniforms } = elementwiseGrid(ctx, g.O * K, [K, K4, Z]);
      ctx.launch({ name: 'conv2dBackwardWeightPartials', source: backwardWeightSource, defines: { PARTIALS: true, BIAS: false, REFLECT: false, MASK: false } }, { buffers: [part, dw], uniforms, workgroups });
      ctx.pool.release(part);
    }
    return;
  }
  ctx.launch(
    { name: 'conv2dBackwardWeight', source: backwardWeightSource, defines: { PARTIALS: false, BIAS: false, REFLECT: g.padMode === 'reflect', MASK: !!y } },
    { buffers: y ? [x, dy, y, dw] : [x, dy, dw], uniforms: weightParams(g), workgroups: conv2dPlan(ctx, g).backwardWeight.workgroups },
  );
}

export interface Conv2dBackwardBiasArgs {
  dy: GPUBuffer; db: GPUBuffer; geometry: Conv2dGeometry;
  /** The forward output of a conv with fused ReLU: dy is masked inline, dy·[y > 0]. */
  y?: GPUBuffer;
}

/** db[o] = Σ_n,oh,ow dy[n,o,oh,ow]. */
export function conv2dBackwardBias(ctx: GpuContext, { dy, db, geometry: g, y }: Conv2dBackwardBiasArgs): void {
  checkBindings(ctx, 'conv2dBackwardBias', g, [
    ['dy', g.N * g.O * g.outH * g.outW, dy], ['db', g.O, db], ...(y ? [['y (ReLU mask)', g.N * g.O * g.outH * g.outW, y] as [string, number, GPUBuffer]] : []),
  ]);
  ctx.launch(
    { name: 'conv2dBackwardBias', source: backwardWeightSource, defines: { PARTIALS: false, BIAS: true, REFLECT: false, MASK: !!y } },
    { buffers: y ? [dy, y, db] : [dy, db], uniforms: weightParams(g), workgroups: [Math.ceil(g.O / 64)] },
  );
}
