/**
 * Which route runs each pass of a conv (docs/ARCHITECTURE.md, "One op, several algorithms"), and the direct
 * kernels' register tile and grid. Every choice is a function of the geometry, the adapter's route family
 * (`ctx.gpu.adapter.tuning`) and the limits in `convTuning`, fed by measurements in bench/NOTES.md; the
 * launchers (conv2d.ts) only follow it. Order of the routes: forward 1x1 → Winograd → im2col + gemm → direct;
 * backward-input 1x1 → Winograd → gemm + col2im → direct; backward-weight gemm → direct.
 */
import type { GpuContext } from '../../gpu/context.js';
import { gemmRows, gemmTile, type StridedPlanes } from '../gemm/gemm.js';
import type { Conv2dGeometry } from './conv2d-geometry.js';
import { winogradPlan, winogradShape, winogradTuning } from './conv2d-winograd.js';
import { im2colElements, im2colTransposedColumns } from './im2col.js';
import { fitsOneBinding } from './banding.js';

/**
 * Register tile of the forward and backward-input kernels: PX pixels × 4·G channels per invocation,
 * the pixels interleaved IL apart (so IL neighbouring invocations cover PX·IL neighbouring pixels),
 * WG invocations per workgroup.
 */
export interface ConvTile { IL: number; G: 1 | 2 | 4 | 8; WG: number; /** pixels per invocation: 4 (default) or 8 */ PX?: 4 | 8 }

/**
 * The routes' switches and limits. Benches set them to compare routes in one process; tests lower the limits
 * to reach a route at small shapes.
 */
export const convTuning: {
  /** a tile to use instead of the adapter's (null in normal use) */
  override: ConvTile | null;
  /** transposed / transformed weights of frozen tensors computed once (conv2d-weight-cache.ts) */
  cacheWeights: boolean;
  /**
   * the engine masks dy by a fused ReLU inline instead of one reluBackward pass. Off: masking inline re-reads
   * y for every read of dy (9x for a 3x3 conv), slower than the pass (bench/NOTES.md, conv2d, 2026-11-26).
   */
  fuseReluBackward: boolean;
  /** 1x1 convs (any stride) as gemm products */
  pointwiseGemm: boolean;
  /** a strided 1x1 backward-input's gemm writes dx's whole planes (off: a subsample.wgsl scatter after it) */
  stridedPlanes: boolean;
  /** forward as im2col + gemm */
  im2colGemm: boolean;
  /** backward-input as gemm + col2im */
  col2imGemm: boolean;
  /** backward-weight as one gemm over the pixels */
  weightGemm: boolean;
  /** backward-weight's pixel chunks (gemm's batch): 0 = weightGemmPlan's choice */
  weightGemmZ: number;
  /**
   * The fewest channels (min(C, O); im2col on llvmpipe: C) for which the 1x1, Winograd and im2col routes run
   * on gemm: with fewer, most of gemm's row tile is padding and the direct kernel is faster.
   */
  minGemmChannels: number;
  /**
   * The largest scratch buffer a gemm route may hold (Winograd's transformed input and products, 2.25x or 4x
   * the input and output; im2col / col2im patch matrices; backward-weight's transposed dy and patches): past
   * it the direct kernel runs rather than hold the extra memory.
   */
  maxScratchBytes: number;
} = {
  override: null, cacheWeights: true, fuseReluBackward: false, pointwiseGemm: true, stridedPlanes: true, im2colGemm: true, col2imGemm: true,
  weightGemm: true, weightGemmZ: 0, minGemmChannels: 16, maxScratchBytes: 128 * 2 ** 20,
};

/**
 * Per-adapter tile of the forward and backward-input kernels, chosen from bench/kernels-conv.ts measurements
 * (see bench/NOTES.md): 8 channel groups everywhere; SwiftShader interleaves lanes (IL 4: neighbouring
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

/** How the direct kernels of forward and backward-input are launched for a geometry (exported so tests can check the grid). */
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
 * gathered by subsample.wgsl, and backward-input written back as whole planes, see stridedPlanes): outH·outW a
 * multiple of 4 (gemm's vec4 columns), convTuning.minGemmChannels, and every tensor within one binding.
 * Backward-input with an inline ReLU mask stays on the direct kernel.
 */
export function pointwiseApplies(ctx: GpuContext, g: Conv2dGeometry): boolean {
  if (!convTuning.pointwiseGemm || g.KH !== 1 || g.KW !== 1 || g.pad !== 0 || (g.outH * g.outW) % 4) return false;
  if (Math.min(g.C, g.O) < convTuning.minGemmChannels) return false;
  const cp = gemmRows(ctx, g.C), op = gemmRows(ctx, g.O);
  return fitsOneBinding(ctx, g.N * g.C * g.H * g.W, g.N * g.O * g.outH * g.outW, cp * g.O, op * g.C);
}

/**
 * The backward-input of a strided 1x1 conv: its gemm writes dx as whole planes (every S-th pixel of every S-th
 * row, zeros between) instead of a subsample.wgsl scatter after it, when outW is a multiple of 4 and the planes'
 * batch stride is whole vec4s (convTuning.stridedPlanes; off: the scatter). 1.1-2.2x on llvmpipe, 1.1-1.3x on
 * SwiftShader at ResNet-50's downsampling shapes. The forward keeps its subsample pass: reading x the same way
 * inside the gemm's k loop ran slower (bench/NOTES.md, session 5).
 */
export function stridedPlanes(g: Conv2dGeometry): StridedPlanes | null {
  if (g.stride === 1 || !convTuning.stridedPlanes || g.outW % 4 || (g.C * g.H * g.W) % 4) return null;
  return { S: g.stride, H: g.H, W: g.W };
}

/**
 * Whether this pass runs by Winograd (conv2d-winograd.ts): 3x3, stride 1, zero padding of at most 2
 * (backward-input pads by 2 - pad), convTuning.minGemmChannels, every buffer within one storage binding (larger
 * tensors take the direct kernels' channel bands) and the temporaries within convTuning.maxScratchBytes and the
 * pool's maxBufferSize (backward-input: and its backwardScratchBytes, a memory budget's), so that a model's
 * largest buffer stays its largest activation (src/models/memory.ts).
 */
export function winogradApplies(ctx: GpuContext, g: Conv2dGeometry, pass: 'forward' | 'backwardInput'): boolean {
  if (!winogradTuning.enabled || g.KH !== 3 || g.KW !== 3 || g.stride !== 1 || g.padMode !== 'zeros' || g.pad > 2) return false;
  if (Math.min(g.C, g.O) < convTuning.minGemmChannels) return false;
  const s = winogradShape(g, pass);
  const plan = winogradPlan(ctx, s);
  const max = ctx.maxBindingBytes / 4;
  const temp = Math.min(max, convTuning.maxScratchBytes / 4, ctx.pool.maxBufferSize / 4, (pass === 'forward' ? Infinity : ctx.pool.backwardScratchBytes) / 4);
  return [plan.uElements, s.N * s.K * s.H * s.W, s.N * s.M * s.outH * s.outW].every((e) => e <= max) && Math.max(plan.vElements, plan.mElements) <= temp;
}

/**
 * Whether the forward of a conv that neither the 1x1 nor the Winograd route takes runs as im2col + gemm:
 * outH·outW a multiple of 4 and the patch matrix (C·KH·KW x outH·outW per image) within one binding, the pool's
 * maxBufferSize and convTuning.maxScratchBytes. On SwiftShader 1.6x the direct kernel for ResNet's 7x7/2 stem
 * and VGG's first conv, 1.07x for a strided 3x3 (bench/NOTES.md).
 */
export function im2colApplies(ctx: GpuContext, g: Conv2dGeometry): boolean {
  if (!convTuning.im2colGemm || g.KH * g.KW === 1 || (g.outH * g.outW) % 4) return false;
  // llvmpipe: only with enough channels (its direct kernel ran the 3-channel stem and first VGG conv 1.2-1.5x faster).
  if (ctx.gpu.adapter.tuning === 'llvmpipe' && g.C < convTuning.minGemmChannels) return false;
  const bytes = im2colElements(g) * 4;
  return bytes <= Math.min(ctx.maxBindingBytes, ctx.pool.maxBufferSize, convTuning.maxScratchBytes)
    && fitsOneBinding(ctx, g.N * g.O * g.outH * g.outW, gemmRows(ctx, g.O) * g.C * g.KH * g.KW);
}

/**
 * Whether backward-input runs as gemm + col2im (dcols = Wᵀ dy, then summed back onto the input) where the
 * 1x1 and Winograd routes do not apply: zero padding, outH·outW a multiple of 4, the patch-gradient matrix
 * within the same limits as im2col's and the pool's backwardScratchBytes (a memory budget's). Measured in bench/NOTES.md ("backward-input by gemm + col2im").
 */
export function col2imApplies(ctx: GpuContext, g: Conv2dGeometry): boolean {
  if (!convTuning.col2imGemm || g.KH * g.KW === 1 || g.padMode !== 'zeros' || (g.outH * g.outW) % 4) return false;
  const bytes = im2colElements(g) * 4;
  return bytes <= Math.min(ctx.maxBindingBytes, ctx.pool.maxBufferSize, convTuning.maxScratchBytes, ctx.pool.backwardScratchBytes)
    && fitsOneBinding(ctx, g.N * g.O * g.outH * g.outW, g.N * g.C * g.H * g.W, gemmRows(ctx, g.C * g.KH * g.KW) * g.O);
}

/**
 * Backward-weight's pixel chunks per route family: the pixels are halved into more chunks (gemm's batch), at most
 * `maxChunks`, while the product has fewer than `targetTiles` output tiles. On llvmpipe up to 8 chunks toward 1024
 * tiles (1.2-1.4x one chunk where the product has 32-288 tiles; past ~1000, more chunks ran slower); SwiftShader
 * one (every split ran 0.75-1x); GPUs up to 16 toward 4096 tiles (unmeasured).
 */
const WEIGHT_GEMM_CHUNKING = {
  llvmpipe: { targetTiles: 1024, maxChunks: 8 },
  swiftshader: { targetTiles: 0, maxChunks: 1 },
  gpu: { targetTiles: 4096, maxChunks: 16 },
} as const;
/** The fewest pixels in one chunk: smaller chunks cost more in the summing pass than they gain. */
const MIN_CHUNK_PIXELS = 256;

/**
 * Backward-weight as one gemm over the pixels (conv2dBackwardWeight): dy transposed to [pixels][Mp] and the
 * patches to [pixels][K4] (im2colTransposed), both k-major as gemm reads them. It replaced a direct kernel (one tap
 * x 4 output channels per invocation, 0.6-2.3 GFLOP/s) that stays for the shapes this returns null for:
 * convTuning.weightGemm off, or a scratch matrix past one binding, the pool's largest buffer,
 * convTuning.maxScratchBytes or the pool's backwardScratchBytes. 6-12x the direct kernel on llvmpipe, 5.5-9x on
 * SwiftShader at the bench's shapes. Z: the pixels split into chunks (a power of two dividing them, see
 * WEIGHT_GEMM_CHUNKING), the partial results summed by conv2d-backward-weight.wgsl (PARTIALS).
 */
export function weightGemmPlan(ctx: GpuContext, g: Conv2dGeometry): { Z: number; K4: number; Mp: number; pixels: number } | null {
  if (!convTuning.weightGemm) return null;
  const pixels = g.N * g.outH * g.outW;
  const K4 = im2colTransposedColumns(g), Mp = gemmRows(ctx, g.O);
  const tile = gemmTile(ctx);
  const tiles = (Mp / tile.R) * Math.ceil(K4 / (4 * tile.Q));
  const { targetTiles, maxChunks } = WEIGHT_GEMM_CHUNKING[ctx.gpu.adapter.tuning];
  let Z = convTuning.weightGemmZ;
  if (!Z) {
    Z = 1;
    while (Z < maxChunks && tiles * Z < targetTiles && pixels % (2 * Z) === 0 && pixels / (2 * Z) >= MIN_CHUNK_PIXELS) Z *= 2;
  }
  if (pixels % Z) return null;
  const cap = Math.min(ctx.maxBindingBytes, ctx.pool.maxBufferSize, convTuning.maxScratchBytes, ctx.pool.backwardScratchBytes);
  return Math.max(pixels * Mp, pixels * K4, Z * g.O * K4) * 4 <= cap ? { Z, K4, Mp, pixels } : null;
}
