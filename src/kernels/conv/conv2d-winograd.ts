/**
 * conv2d 3x3 stride 1 with zero padding by Winograd F(2x2, 3x3) or F(4x4, 3x3): forward and backward-input
 * (the latter is the forward conv of dy with the flipped, channel-swapped filters). 2.25x (F2) or 4x (F4)
 * fewer multiplies than the direct kernels, as 16 or 36 matrix products on gemm.wgsl's register tile; the
 * transforms and their algebra are in conv2d-winograd.wgsl. route-plan.ts chooses this path (`winogradApplies`); the
 * direct kernels run otherwise.
 */
import source from './conv2d-winograd.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { weightLayout } from './conv2d-weight-cache.js';
import { gemm, gemmRows } from '../gemm/gemm.js';
import type { Conv2dGeometry } from './conv2d-geometry.js';

/**
 * Set by benches and tests: on/off, workgroup size, weight caching, and the output tile r of F(r x r, 3x3): 2, 4,
 * or 0 for winogradTile's per-adapter choice. Where the route applies (its channel and scratch limits, shared with
 * the other gemm routes) is route-plan.ts's winogradApplies.
 */
export const winogradTuning: { enabled: boolean; WG: number; cacheWeights: boolean; tile: 0 | 2 | 4 } = {
  enabled: true, WG: 64, cacheWeights: true, tile: 0,
};

/** One Winograd convolution: input [N][K][H][W] -> output [N][M][outH][outW], 3x3 filters, `pad` zeros. */
export interface WinogradShape { N: number; K: number; H: number; W: number; M: number; outH: number; outW: number; pad: number }

/** The output tile r of F(r x r, 3x3) for this conv: winogradTuning.tile, else TILE_CHOICE below. */
export function winogradTile(ctx: GpuContext, s: WinogradShape): 2 | 4 {
  if (winogradTuning.tile) return winogradTuning.tile;
  return TILE_CHOICE(ctx, s);
}

/**
 * F(4x4, 3x3) wherever it has at least 16 tiles — one full column block of gemm's register tile (4·Q = 16
 * columns on every adapter) — else F(2x2, 3x3). Measured A/B (bench/NOTES.md, "Winograd F(4x4, 3x3)"):
 * F4 1.3-1.7x F2 on llvmpipe and 1.7-2.0x on SwiftShader from 16x16 maps (16 tiles) up, forward and
 * backward-input; at 8x8 (4 tiles, gemm columns three-quarters empty) it runs at half F2's speed on both.
 */
const TILE_CHOICE = (_ctx: GpuContext, s: WinogradShape): 2 | 4 =>
  s.N * Math.ceil(s.outH / 4) * Math.ceil(s.outW / 4) >= 16 ? 4 : 2;

export function winogradPlan(ctx: GpuContext, s: WinogradShape) {
  const r = winogradTile(ctx, s);
  const positions = (r + 2) ** 2;
  const tilesH = Math.ceil(s.outH / r);
  const tilesW = Math.ceil(s.outW / r);
  const T = s.N * tilesH * tilesW;
  const Tp = Math.ceil(T / 4) * 4;
  const Mp = gemmRows(ctx, s.M);
  return { r, positions, tilesH, tilesW, T, Tp, Mp, uElements: positions * s.K * Mp, vElements: positions * s.K * Tp, mElements: positions * Mp * Tp };
}

/** The Winograd shape of a conv's forward or backward-input pass. */
export function winogradShape(g: Conv2dGeometry, pass: 'forward' | 'backwardInput'): WinogradShape {
  return pass === 'forward'
    ? { N: g.N, K: g.C, H: g.H, W: g.W, M: g.O, outH: g.outH, outW: g.outW, pad: g.pad }
    : { N: g.N, K: g.O, H: g.outH, W: g.outW, M: g.C, outH: g.H, outW: g.W, pad: g.KH - 1 - g.pad };
}

export interface WinogradArgs {
  /** input [N][K][H][W] */
  x: GPUBuffer;
  /** forward weights OIHW: [M][K][3][3], or with `flip` (backward-input) the forward conv's [K][M][3][3] */
  w: GPUBuffer;
  y: GPUBuffer;
  shape: WinogradShape;
  flip: boolean;
  bias?: GPUBuffer | null;
  relu?: boolean;
  /** ReLU mask of x (backward-input of a conv with fused ReLU): x is read as x·[mask > 0]. */
  mask?: GPUBuffer;
  weightsKey?: object;
}

export function conv2dWinograd(ctx: GpuContext, { x, w, y, shape: s, flip, bias = null, relu = false, mask, weightsKey }: WinogradArgs): void {
  const plan = winogradPlan(ctx, s);
  const { T, Tp, Mp, tilesH, tilesW, r, positions } = plan;
  const WG = winogradTuning.WG;
  const F4 = r === 4;
  const { wt: U, pooled } = weightLayout(ctx, w, weightsKey, winogradTuning.cacheWeights, `winograd F${r} ${flip ? 'flip ' : ''}${s.K},${s.M},${Mp}`, plan.uElements,
    'conv2d weights (Winograd)', (dst) => {
      const n = s.K * Mp;
      const [gx, gy] = ctx.grid1d(n, WG);
      ctx.launch({ name: 'conv2dWinogradWeights', source, defines: stage('WEIGHTS', WG, F4, { FLIP: flip }) },
        { buffers: [w, dst], uniforms: new Uint32Array([s.K, s.M, Mp, gx * WG]), workgroups: [gx, gy] });
    });
  const V = ctx.pool.acquire(plan.vElements * 4, 'conv2dWinograd V (transformed input)');
  const [ix, iy] = ctx.grid1d(s.K * Tp, WG);
  ctx.launch({ name: 'conv2dWinogradInput', source, defines: stage('INPUT', WG, F4, { MASK: !!mask }) }, {
    buffers: mask ? [x, mask, V] : [x, V],
    uniforms: new Uint32Array([s.K, s.H, s.W, s.pad, tilesH, tilesW, T, Tp, ix * WG]),
    workgroups: [ix, iy],
  });
  const M = ctx.pool.acquire(plan.mElements * 4, 'conv2dWinograd M (products)');
  // One product per position of the transformed tile (16 or 36): M[ξ] = U[ξ]ᵀ V[ξ].
  gemm(ctx, { a: U, b: V, c: M, K: s.K, M: s.M, N: Tp, Z: positions, Mstore: Mp, aStride: s.K * Mp, bStride: s.K * Tp, cStride: Mp * Tp });
  ctx.pool.release(V);
  if (pooled) ctx.pool.release(U);
  const [ox, oy] = ctx.grid1d(s.M * T, WG);
  ctx.launch({ name: 'conv2dWinogradOutput', source, defines: stage('OUTPUT', WG, F4, { BIAS: !!bias, RELU: relu }) }, {
    buffers: bias ? [M, bias, y] : [M, y],
    uniforms: new Uint32Array([s.M, Mp, s.outH, s.outW, tilesH, tilesW, T, Tp, ox * WG]),
    workgroups: [ox, oy],
  });
  ctx.pool.release(M);
}

/** Defines of one stage: its flag on, the others off (the file is three kernels), variant flags off unless given. */
function stage(name: 'WEIGHTS' | 'INPUT' | 'OUTPUT', WG: number, F4: boolean, flags: Record<string, boolean> = {}) {
  return {
    WG, POSITIONS: F4 ? 36 : 16, F4, WEIGHTS: name === 'WEIGHTS', INPUT: name === 'INPUT', OUTPUT: name === 'OUTPUT',
    FLIP: false, MASK: false, BIAS: false, RELU: false, ...flags,
  };
}
