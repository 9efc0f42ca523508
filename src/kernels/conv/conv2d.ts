/**
 * conv2d on the GPU: forward (bias and fused ReLU optional), backward-input, backward-weight,
 * backward-bias. Layout: activations NCHW, weights OIHW, float32. All four take the geometry from
 * `conv2dGeometry` (the same helper the float64 reference uses).
 *
 * Forward and backward-input are direct convolutions with a register tile per invocation (4 or 8
 * pixels along a row × 4·G channels, vec4 accumulators) and no workgroup memory; the weights are
 * first re-laid out by a small transpose kernel (conv2d-weight-transpose.wgsl) into a scratch buffer
 * so 4 consecutive channels are one vec4 load. The transpose is O·C·KH·KW elements, negligible
 * against the N·outH·outW times larger convolution, and keeps the caller's OIHW weights untouched.
 */
import forwardSource from './conv2d.wgsl';
import backwardInputSource from './conv2d-backward-input.wgsl';
import backwardWeightSource from './conv2d-backward-weight.wgsl';
import transposeSource from './conv2d-weight-transpose.wgsl';
import foldSource from './conv2d-reflect-fold.wgsl';
import type { BufferRange, GpuContext } from '../../gpu/context.js';
import { fmtBytes } from '../../gpu/buffer-pool.js';
import { elementwiseGrid } from '../launch.js';
import { weightLayout } from './conv2d-weight-cache.js';
import { conv2dWinograd, winogradApplies, winogradShape, winogradTuning } from './conv2d-winograd.js';
import { gemm, gemmRows, gemmTile, type StridedPlanes } from '../gemm/gemm.js';
import { subsample, subsampleBackward } from './subsample.js';
import { col2im, im2col, im2colElements, im2colTransposed, im2colTransposedColumns } from './im2col.js';
import { reluBackward } from '../pointwise/relu.js';
import { accumulate } from '../pointwise/add.js';
import type { Conv2dGeometry } from './conv2d-geometry.js';

export { conv2dWeightCache } from './conv2d-weight-cache.js';
export { conv2dGeometry, sourceIndex, type Conv2dGeometry, type Conv2dGeometryInput, type PadMode } from './conv2d-geometry.js';

/**
 * Register tile of the forward and backward-input kernels: PX pixels × 4·G channels per invocation,
 * the pixels interleaved IL apart (so IL neighbouring invocations cover PX·IL neighbouring pixels),
 * WG invocations per workgroup.
 */
export interface ConvTile { IL: number; G: 1 | 2 | 4 | 8; WG: number; /** pixels per invocation: 4 (default) or 8 */ PX?: 4 | 8 }

/** WGSL defines of a tile: G2, G4, G8 switch on accumulator blocks cumulatively. */
function groupFlags(t: ConvTile) {
  return { G: t.G, G2: t.G >= 2, G4: t.G >= 4, G8: t.G >= 8, IL: t.IL, WG: t.WG, PX: t.PX ?? 4, P8: t.PX === 8 };
}

/**
 * Set by benches to compare tiles (override; null in normal use), weight caching (on), the engine's
 * inline ReLU mask (off), 1x1 convs (stride 1 or more) as gemm products (on), strided 1x1 backward-input's gemm
 * writing whole planes (on), im2col + gemm forward (on), gemm + col2im backward-input (on), backward-weight as
 * gemm (on) and its pixel chunks (weightGemmZ: 0 = weightGemmPlan's choice).
 */
export const convTuning: { override: ConvTile | null; cacheWeights: boolean; fuseReluBackward: boolean; pointwiseGemm: boolean; stridedPlanes: boolean; im2colGemm: boolean; col2imGemm: boolean; weightGemm: boolean; weightGemmZ: number } = {
  // fuseReluBackward off: masking inline re-reads y for every read of dy (9x for a 3x3 conv), which
  // measured slower than one reluBackward pass (bench/RESULTS.md, conv2d, 2026-11-26 per-step overheads).
  override: null, cacheWeights: true, fuseReluBackward: false, pointwiseGemm: true, stridedPlanes: true, im2colGemm: true, col2imGemm: true,
  weightGemm: true, weightGemmZ: 0,
};

/**
 * Per-adapter tile of the forward and backward-input kernels, chosen from bench/kernels-conv.ts measurements
 * (see bench/RESULTS.md): 8 channel groups everywhere; SwiftShader interleaves lanes (IL 4: neighbouring
 * lanes read neighbouring addresses); llvmpipe gains from 8 pixels per invocation, ~1.5x forward and
 * 1.2-1.5x backward-input (re-measured on a quiet machine: the earlier "no gain" backward was load noise).
 * Hardware GPUs take the tuning table's tile (src/gpu/tuning-table.json, filled by bench/gpu-kit.sh).
 */
export function convTile(ctx: GpuContext): ConvTile {
  if (convTuning.override) return convTuning.override;
  const tuning = ctx.gpu.adapter.tuning;
  if (tuning === 'swiftshader') return { IL: 4, G: 8, WG: 64, PX: 4 };
  // Hardware GPUs: the tuning table's choice for this card (its fallback where no entry matches).
  return tuning === 'gpu' ? ctx.gpu.adapter.table.conv : { IL: 1, G: 8, WG: 64, PX: 8 };
}

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
 * Channel bands: activations larger than one storage binding (VGG-19's relu1_1 at 1024² is 256 MiB;
 * llvmpipe and SwiftShader bind at most 128 MiB) are split into runs of whole channel planes of one
 * image, [c0, c0 + count) — contiguous in NCHW — each bound as a byte range of the same buffer. The
 * range starts at the band's first element aligned down to minStorageBufferOffsetAlignment and `off`
 * is that first element's index inside it. `multiple`: band sizes are a multiple of it (except the last).
 */
export interface ChannelBand { c0: number; count: number; range: BufferRange; off: number }

export function channelBands(ctx: GpuContext, kernel: string, what: string, buffer: GPUBuffer, image: number, channels: number, plane: number, multiple = 1, boundPlane = plane): ChannelBand[] {
  const align = ctx.limits.minStorageBufferOffsetAlignment / 4;
  // Room for the worst-case alignment skip, then whole planes (sized by boundPlane: a padded scratch may be larger).
  const fit = Math.floor((Math.floor(ctx.maxBindingBytes / 4) - (align - 1)) / boundPlane);
  const per = channels <= fit ? channels : Math.floor(fit / multiple) * multiple;
  if (per < 1) {
    const largest = Math.floor(Math.sqrt((Math.floor(ctx.maxBindingBytes / 4) - (align - 1)) / Math.max(1, multiple)));
    throw new Error(`${kernel}: ${what} needs ${fmtBytes(multiple * boundPlane * 4)} for ${multiple} channel plane(s), over the storage binding limit (${fmtBytes(ctx.maxBindingBytes)}); the largest plane that fits is about ${largest}x${largest}`);
  }
  const bands: ChannelBand[] = [];
  for (let c0 = 0; c0 < channels; c0 += per) {
    const count = Math.min(per, channels - c0);
    const start = (image * channels + c0) * plane;
    const bindStart = Math.floor(start / align) * align;
    bands.push({ c0, count, off: start - bindStart, range: { buffer, offset: bindStart * 4, size: (start - bindStart + count * plane) * 4 } });
  }
  return bands;
}

/** Whether every listed tensor (elements) fits one binding of ctx.maxBindingBytes: then one dispatch does it all. */
const fitsOneBinding = (ctx: GpuContext, ...elements: number[]): boolean => elements.every((e) => e * 4 <= ctx.maxBindingBytes);

/** The tile with G lowered until 4·G channels fit one band (only for bands of very large planes). */
function bandTile(ctx: GpuContext, tile: ConvTile, plane: number): ConvTile {
  const align = ctx.limits.minStorageBufferOffsetAlignment / 4;
  const fit = Math.floor((Math.floor(ctx.maxBindingBytes / 4) - (align - 1)) / plane);
  let G = tile.G;
  while (G > 1 && 4 * G > fit) G = (G / 2) as ConvTile['G'];
  return { ...tile, G };
}

/** dst[b][s][r] = src[b][r][s] (r < R; zeros up to RP): the weights' layout transform, also used by gram.ts. */
export function encodeTranspose(ctx: GpuContext, w: GPUBuffer, dst: GPUBuffer, B: number, R: number, S: number, RP: number): void {
  const { workgroups, uniforms } = elementwiseGrid(ctx, B * S * RP, [R, S, RP]);
  ctx.launch({ name: 'conv2dWeightTranspose', source: transposeSource }, { buffers: [w, dst], uniforms, workgroups });
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

/** How forward and backward-input are launched for a geometry (exported so tests can check the grid). */
export function conv2dPlan(ctx: GpuContext, g: Conv2dGeometry) {
  // Few channels (the 3 of an image): fewer groups per invocation, so little work is padding.
  const fit = (tile: ConvTile, channels: number): ConvTile =>
    ({ ...tile, G: Math.min(tile.G, 2 ** Math.ceil(Math.log2(Math.ceil(channels / 4)))) as ConvTile['G'] });
  const fTile = fit(convTile(ctx), g.O);
  const bTile = fit(convTile(ctx), g.C);
  const S = g.stride;
  // Transposed weight rows are padded with zeros to whole groups of 4·G channels.
  const oGroups = Math.ceil(g.O / (4 * fTile.G));
  const fTilesW = Math.ceil(g.outW / ((fTile.PX ?? 4) * fTile.IL)) * fTile.IL;
  const fTiles = g.outH * fTilesW;
  // Backward-input with reflect padding works on the padded image, with pad 0.
  const reflect = g.padMode === 'reflect';
  const H = reflect ? g.H + 2 * g.pad : g.H;
  const W = reflect ? g.W + 2 * g.pad : g.W;
  const cGroups = Math.ceil(g.C / (4 * bTile.G));
  const bTilesW = Math.ceil(Math.ceil(W / S) / ((bTile.PX ?? 4) * bTile.IL)) * bTile.IL;
  const bTiles = Math.ceil(H / S) * bTilesW;
  return {
    forward: {
      tile: fTile, O4: oGroups * fTile.G, tilesW: fTilesW, tiles: fTiles,
      workgroups: [Math.ceil(fTiles / fTile.WG), oGroups, g.N] as [number, number, number],
    },
    backwardInput: {
      tile: bTile, H, W, pad: reflect ? 0 : g.pad, C4: cGroups * bTile.G, tilesW: bTilesW, tiles: bTiles,
      workgroups: [Math.ceil(bTiles / bTile.WG), cGroups, g.N * S * S] as [number, number, number],
    },
    backwardWeight: { workgroups: [Math.ceil((g.C * g.KH * g.KW) / 64), Math.ceil(g.O / 4), 1] as [number, number, number] },
  };
}

/**
 * Whether a 1x1 conv without padding runs as gemm products (one per image; strided: of every S-th pixel,
 * gathered by subsample.wgsl, and backward-input written back as whole planes, see stridedPlanes): outH·outW a multiple of 4 (gemm's vec4 columns), enough channels for its row tile
 * (winogradTuning.minChannels, the same trade-off), and every tensor within one binding. Backward-input with
 * an inline ReLU mask stays on the direct kernel.
 */
export function pointwiseApplies(ctx: GpuContext, g: Conv2dGeometry): boolean {
  if (!convTuning.pointwiseGemm || g.KH !== 1 || g.KW !== 1 || g.pad !== 0 || (g.outH * g.outW) % 4) return false;
  if (Math.min(g.C, g.O) < winogradTuning.minChannels) return false;
  const cp = gemmRows(ctx, g.C), op = gemmRows(ctx, g.O);
  return fitsOneBinding(ctx, g.N * g.C * g.H * g.W, g.N * g.O * g.outH * g.outW, cp * g.O, op * g.C);
}

/**
 * The backward-input of a strided 1x1 conv: its gemm writes dx as whole planes (every S-th pixel of every S-th
 * row, zeros between) instead of a subsample.wgsl scatter after it, when outW is a multiple of 4 and the planes'
 * batch stride is whole vec4s (convTuning.stridedPlanes; off: the scatter). 1.1-2.2x on llvmpipe, 1.1-1.3x on
 * SwiftShader at ResNet-50's downsampling shapes. The forward keeps its subsample pass: reading x the same way
 * inside the gemm's k loop ran slower (bench/RESULTS.md, session 5).
 */
function stridedPlanes(g: Conv2dGeometry): StridedPlanes | null {
  if (g.stride === 1 || !convTuning.stridedPlanes || g.outW % 4 || (g.C * g.H * g.W) % 4) return null;
  return { S: g.stride, H: g.H, W: g.W };
}

/**
 * Whether the forward of a conv that neither the 1x1 nor the Winograd route takes runs as im2col + gemm:
 * outH·outW a multiple of 4 and the patch matrix (C·KH·KW x outH·outW per image) within one binding, the pool's
 * maxBufferSize and winogradTuning.maxTempBytes (the same cap on scratch). On SwiftShader 1.6x the direct
 * kernel for ResNet's 7x7/2 stem and VGG's first conv, 1.07x for a strided 3x3 (bench/RESULTS.md).
 */
export function im2colApplies(ctx: GpuContext, g: Conv2dGeometry): boolean {
  if (!convTuning.im2colGemm || g.KH * g.KW === 1 || (g.outH * g.outW) % 4) return false;
  // llvmpipe: only with enough channels (its direct kernel ran the 3-channel stem and first VGG conv 1.2-1.5x faster).
  if (ctx.gpu.adapter.tuning === 'llvmpipe' && g.C < winogradTuning.minChannels) return false;
  const bytes = im2colElements(g) * 4;
  return bytes <= Math.min(ctx.maxBindingBytes, ctx.pool.maxBufferSize, winogradTuning.maxTempBytes)
    && fitsOneBinding(ctx, g.N * g.O * g.outH * g.outW, gemmRows(ctx, g.O) * g.C * g.KH * g.KW);
}

/**
 * Whether backward-input runs as gemm + col2im (dcols = Wᵀ dy, then summed back onto the input) where the
 * 1x1 and Winograd routes do not apply: zero padding, outH·outW a multiple of 4, the patch-gradient matrix
 * within the same limits as im2col's and the pool's backwardScratchBytes (a memory budget's). Measured in bench/RESULTS.md ("backward-input by gemm + col2im").
 */
export function col2imApplies(ctx: GpuContext, g: Conv2dGeometry): boolean {
  if (!convTuning.col2imGemm || g.KH * g.KW === 1 || g.padMode !== 'zeros' || (g.outH * g.outW) % 4) return false;
  const bytes = im2colElements(g) * 4;
  return bytes <= Math.min(ctx.maxBindingBytes, ctx.pool.maxBufferSize, winogradTuning.maxTempBytes, ctx.pool.backwardScratchBytes)
    && fitsOneBinding(ctx, g.N * g.O * g.outH * g.outW, g.N * g.C * g.H * g.W, gemmRows(ctx, g.C * g.KH * g.KW) * g.O);
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
  return { KH: g.KH, KW: g.KW, S: g.stride, ...groupFlags(tile), BIAS: bias, RELU: relu, REFLECT: g.padMode === 'reflect', ACCUM: accum };
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
  return { KH: g.KH, KW: g.KW, S: g.stride, ...groupFlags(tile), MASK: mask, ACCUM: accum };
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

/**
 * Backward-weight as one gemm over the pixels (conv2dBackwardWeight): dy transposed to [pixels][Mp] and the
 * patches to [pixels][K4] (im2colTransposed), both k-major as gemm reads them. It replaced a direct kernel (one tap
 * x 4 output channels per invocation, 0.6-2.3 GFLOP/s) that stays for the shapes this returns null for:
 * convTuning.weightGemm off, or a scratch matrix past one binding, the pool's largest buffer or
 * winogradTuning.maxTempBytes or the pool's backwardScratchBytes. 6-12x the direct kernel on llvmpipe, 5.5-9x on SwiftShader at the bench's shapes.
 * Z: the pixels split into chunks (gemm's batch; a power of two dividing them, chunks of at least 256 pixels) until
 * the product has `target` output tiles, the partial results summed by conv2d-backward-weight.wgsl (PARTIALS). On
 * llvmpipe up to 8 chunks toward 1024 tiles (1.2-1.4x one chunk where the product has 32-288 tiles; past ~1000, more
 * chunks ran slower); SwiftShader one (every split ran 0.75-1x); GPUs up to 16 toward 4096 tiles (unmeasured).
 */
export function weightGemmPlan(ctx: GpuContext, g: Conv2dGeometry): { Z: number; K4: number; Mp: number; pixels: number } | null {
  if (!convTuning.weightGemm) return null;
  const pixels = g.N * g.outH * g.outW;
  const K4 = im2colTransposedColumns(g), Mp = gemmRows(ctx, g.O);
  const tile = gemmTile(ctx);
  const tiles = (Mp / tile.R) * Math.ceil(K4 / (4 * tile.Q));
  const tuning = ctx.gpu.adapter.tuning;
  const [target, maxZ] = tuning === 'swiftshader' ? [0, 1] : tuning === 'llvmpipe' ? [1024, 8] : [4096, 16];
  let Z = convTuning.weightGemmZ;
  if (!Z) {
    Z = 1;
    while (Z < maxZ && tiles * Z < target && pixels % (2 * Z) === 0 && pixels / (2 * Z) >= 256) Z *= 2;
  }
  if (pixels % Z) return null;
  const cap = Math.min(ctx.maxBindingBytes, ctx.pool.maxBufferSize, winogradTuning.maxTempBytes, ctx.pool.backwardScratchBytes);
  return Math.max(pixels * Mp, pixels * K4, Z * g.O * K4) * 4 <= cap ? { Z, K4, Mp, pixels } : null;
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
