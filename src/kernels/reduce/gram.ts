/**
 * Gram matrices for the style loss: G[b] = F_b F_bᵀ / (C·H·W), F_b the [C, H·W] view of batch item b
 * of an NCHW feature map; backward dF_b = (dG_b + dG_bᵀ) F_b / (C·H·W).
 * When C is small (few 64×64 output tiles) the H·W sum is split into S slices computed by separate
 * workgroups into scratch partials, then summed by a second pass (split-K), so a 64-channel map still
 * spreads over enough workgroups to use every core.
 *
 * Measured (bench/gram.ts, nominal 2·C²·H·W FLOPs, best of 3, 2-core machine shared with other jobs,
 * so figures vary 2-4x with load; quietest runs shown):
 *   llvmpipe:    gram 64×(128×128) 55 ms = 2.4 GFLOP/s, 512×(32×32) 124 ms = 4.3 GFLOP/s;
 *                gramBackward 58 ms = 2.3 GFLOP/s and 247 ms = 2.2 GFLOP/s (no symmetry to exploit).
 *   SwiftShader: gram 64×(128×128) ~430-590 ms = 0.2-0.3 GFLOP/s, 512×(32×32) ~660-730 ms = 0.7-0.8 GFLOP/s.
 * A 32-deep K slab (half the barriers) measured the same as 16 within the noise, so 16 stays.
 *
 * On llvmpipe the Gram and its gradient are mostly gemm products (gemmFits, below), on SwiftShader the
 * gradient; elsewhere on the CPU adapters gram-register.wgsl mostly runs (see gramPath): one 4×4 tile per invocation
 * over the whole H·W (or C) sum, no workgroup memory or barriers. The tiled kernel spent its time there on
 * barriers and, backward at H·W = 16, on 64-wide pixel tiles three-quarters empty with only C/64
 * workgroups. Figures in bench/NOTES.md.
 */
import source from './gram.wgsl';
import registerSource from './gram-register.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { elementwiseGrid, uniformBlock } from '../launch.js';
import { channelBands } from '../conv/banding.js';
import { encodeTranspose } from '../gemm/transpose.js';
import { add } from '../pointwise/add.js';
import { gemm, gemmTile } from '../gemm/gemm.js';
import type { Shape4 } from '../shape.js';


const TILE = 64;
/** Aim for at least this many workgroups per launch before splitting K; no slice shorter than MIN_SLICE. */
const TARGET_WORKGROUPS = 128;
const MIN_SLICE = 128;

/**
 * Which kernel runs (`force` for benches and tests). Measured A/B (bench/NOTES.md): on the CPU adapters the
 * register kernel wins forward at every style-transfer shape (2.2-10x, 64x(128x128) included), and backward on
 * llvmpipe (1.4-7x); SwiftShader's backward wins only with few pixels or few channels (2.8x at 2048x(4x4), 1.6x at
 * 64x(64x64)) and loses 0.75-0.9x at C >= 512 with H·W >= 64, where reading dG twice per 4-pixel column block costs
 * more than the tiled kernel's barriers. Other adapters (real GPUs, unmeasured) keep the tiled kernel past
 * REGISTER_MAX_HW pixels, where workgroup memory is cheap.
 */
export const REGISTER_MAX_HW = 256;
export type GramPath = 'tiled' | 'register' | 'gemm';
export function gramPath(ctx: GpuContext, shape: Shape4, pass: 'forward' | 'backward', force?: GramPath, symmetric = false): GramPath {
  if (force) {
    if (force === 'gemm' && !gemmFits(ctx, shape, pass)) throw new Error(`gram: the gemm path needs C a multiple of ${gemmTile(ctx).R} (and H·W of 4 backward), got [${shape}]`);
    return force;
  }
  const [, c, h, w] = shape;
  const kind = ctx.gpu.adapter.tuning;
  if (gramTuning.gemm && gemmFits(ctx, shape, pass)) {
    // A symmetric dG (the style loss's) needs no transpose-and-sum pass: then the gemm backward wins at every
    // style-transfer shape on both CPU adapters (llvmpipe 1.6-3.3x the register kernel, SwiftShader 2-3.4x).
    if (pass === 'backward' && symmetric && (kind === 'llvmpipe' || kind === 'swiftshader')) return 'gemm';
    // llvmpipe: forward from 128 channels (at 64 the gemm has 8 invocations of 32x16 tiles: one core) and
    // backward from 128 pixels (below, dG's transpose and sum cost more than the product saves). SwiftShader:
    // backward from 64 pixels (1.7-3x the register kernel, 2-6x the tiled one) and forward (0.9-1.4x the register
    // kernel since the gemm's k loop was unrolled for SwiftShader; it had tied).
    if (kind === 'llvmpipe' && (pass === 'forward' ? c >= 128 : h * w >= 128)) return 'gemm';
    if (kind === 'swiftshader' && (pass === 'forward' || h * w >= 64)) return 'gemm';
  }
  if (kind === 'llvmpipe' || (kind === 'swiftshader' && pass === 'forward')) return 'register';
  if (kind === 'swiftshader') return h * w <= 16 || c <= 64 ? 'register' : 'tiled';
  return h * w <= REGISTER_MAX_HW ? 'register' : 'tiled';
}

/**
 * The gemm path (gemm.wgsl's register tile; on llvmpipe 1.5-3x the register kernel, backward on SwiftShader
 * 1.7-3x; bench/NOTES.md):
 *   forward  G_b = α Fᵀ_bᵀ Fᵀ_b with Fᵀ_b = F_b transposed to [H·W][C] (so both operands are k-major),
 *   backward dF_b = α S_b F_b with S_b = dG_b + dG_bᵀ (symmetric, so it is its own k-major layout).
 * It computes all of G, not one triangle, and needs C a multiple of the tile's rows (every network
 * layer's is) so G needs no padding, and H·W a multiple of 4 backward (vec4 columns of F).
 */
function gemmFits(ctx: GpuContext, shape: Shape4, pass: 'forward' | 'backward'): boolean {
  const [, c, h, w] = shape;
  return c % gemmTile(ctx).R === 0 && (pass === 'forward' || (h * w) % 4 === 0);
}

/**
 * Register tile widths, 8 or 4 (benches and tests set them to compare), and whether llvmpipe takes the gemm path: pixels per invocation of the backward
 * (8: 1.4-1.9x on llvmpipe, 1.1-1.75x on SwiftShader) and Gram columns per invocation of the forward (8: 1.05-1.7x
 * on llvmpipe, 0.9-1.15x on SwiftShader). Figures in bench/NOTES.md.
 */
export const gramTuning: { backwardPixels: 4 | 8; forwardColumns: 4 | 8; gemm: boolean } = { backwardPixels: 8, forwardColumns: 8, gemm: true };

function registerDefines(c: number, hw: number, forward: boolean) {
  return {
    FORWARD: forward, FVEC4: hw % 4 === 0, GVEC4: c % 4 === 0,
    BPX8: !forward && gramTuning.backwardPixels === 8, FC8: forward && gramTuning.forwardColumns === 8,
  };
}

/** gram-register.wgsl's Params (see its header). */
interface RegisterParams {
  c: number; hw: number; scale: number; nkb: number; rowsA: number; rowsB: number; rowBase: number; colBase: number;
  offA: number; offB: number; fStride: number; gStride: number; diag: boolean; accumulate: boolean; gOff: number;
}
const registerUniforms = (q: RegisterParams) => uniformBlock([
  { u32: q.c }, { u32: q.hw }, { f32: q.scale }, { u32: q.nkb }, { u32: q.rowsA }, { u32: q.rowsB }, { u32: q.rowBase }, { u32: q.colBase },
  { u32: q.offA }, { u32: q.offB }, { u32: q.fStride }, { u32: q.gStride }, { u32: q.diag ? 1 : 0 }, { u32: q.accumulate ? 1 : 0 }, { u32: q.gOff },
]);

/** gram-register.wgsl forward grid: 8×8 invocations of 4 rows × forwardColumns columns each. */
const registerGrid = (rowsA: number, rowsB: number, z: number): [number, number, number] =>
  [Math.ceil(Math.ceil(rowsB / gramTuning.forwardColumns) / 8), Math.ceil(Math.ceil(rowsA / 4) / 8), z];

/** Whether a [N,C,H,W] map exceeds one storage binding, so the Gram runs over channel bands. */
const needsBands = (ctx: GpuContext, shape: Shape4) => shape[0] * shape[1] * shape[2] * shape[3] * 4 > ctx.maxBindingBytes;

/** How the H·W sum is split: S slices of kSlice (a multiple of 16) elements. */
export function gramSplit(shape: Shape4): { slices: number; kSlice: number } {
  const [n, c, h, w] = shape;
  const tiles = Math.ceil(c / TILE);
  const upper = (tiles * (tiles + 1)) / 2;
  const want = Math.ceil(TARGET_WORKGROUPS / (upper * n));
  const slices0 = Math.max(1, Math.min(want, Math.ceil((h * w) / MIN_SLICE)));
  const kSlice = Math.ceil(Math.ceil((h * w) / slices0) / 16) * 16;
  return { slices: Math.ceil((h * w) / kSlice), kSlice };
}

function check(op: string, shape: Shape4, f: GPUBuffer, g: GPUBuffer, fWhat: string, gWhat: string): void {
  const [n, c, h, w] = shape;
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: shape must be [N,C,H,W] of positive integers, got [${shape}]`);
  if (f.size < n * c * h * w * 4) throw new Error(`${op}: ${fWhat} holds ${f.size / 4} floats, needs ${n * c * h * w} for features [${shape}]`);
  if (g.size < n * c * c * 4) throw new Error(`${op}: ${gWhat} holds ${g.size / 4} floats, needs ${n * c * c} for Gram [${n},${c},${c}]`);
}

/** G[b] = F_b F_bᵀ / (C·H·W); g is [N, C, C]. Uses a pooled scratch buffer when it splits H·W. */
export function gram(ctx: GpuContext, f: GPUBuffer, g: GPUBuffer, shape: Shape4, force?: GramPath): void {
  const [n, c, h, w] = shape;
  check('gram', shape, f, g, 'features', 'gram');
  ctx.checkBinding('gram', `Gram [${n},${c},${c}]`, n * c * c * 4);
  const scale = 1 / (c * h * w);
  const hw = h * w;
  const kernel = { name: 'gramRegister', source: registerSource, defines: registerDefines(c, hw, true) };
  const base = { c, hw, scale, nkb: 0, rowBase: 0, colBase: 0, offA: 0, offB: 0, accumulate: false, gOff: 0 };
  if (needsBands(ctx, shape)) {
    // Tiles of G from each pair of channel bands I <= J (the pair J, I is the mirror, written with it).
    for (let b = 0; b < n; b++) {
      const bands = channelBands(ctx, 'gram', `features [${shape}]`, f, b, c, hw, 4);
      bands.forEach((A, i) => bands.slice(i).forEach((B) => {
        const uniforms = registerUniforms({
          ...base, rowsA: A.count, rowsB: B.count, rowBase: A.c0, colBase: B.c0, offA: A.off, offB: B.off,
          fStride: 0, gStride: 0, diag: A === B, gOff: b * c * c,
        });
        ctx.launch(kernel, { buffers: [A.range, B.range, g], uniforms, workgroups: registerGrid(A.count, B.count, 1) });
      }));
    }
    return;
  }
  const path = gramPath(ctx, shape, 'forward', force);
  if (path === 'gemm') {
    const ft = ctx.pool.acquire(n * hw * c * 4, 'gram features transposed');
    encodeTranspose(ctx, f, ft, n, c, hw, c);
    gemm(ctx, { a: ft, b: ft, c: g, K: hw, M: c, N: c, Z: n, aStride: hw * c, bStride: hw * c, cStride: c * c, alpha: scale });
    ctx.pool.release(ft);
    return;
  }
  if (path === 'register') {
    const uniforms = registerUniforms({ ...base, rowsA: c, rowsB: c, fStride: c * hw, gStride: c * c, diag: true });
    ctx.launch(kernel, { buffers: [f, f, g], uniforms, workgroups: registerGrid(c, c, n) });
    return;
  }
  const { slices, kSlice } = gramSplit(shape);
  const tiles = Math.ceil(c / TILE);
  const defines = { FORWARD: true, SPLIT_REDUCE: false };
  const uniforms = (s: number, extra: number[] = [0, 0]) =>
    uniformBlock([{ u32: c }, { u32: h * w }, { u32: kSlice }, { u32: slices }, { f32: s }, { u32: extra[0] }, { u32: extra[1] }]);
  if (slices === 1) {
    ctx.launch({ name: 'gram', source, defines }, { buffers: [f, g], uniforms: uniforms(scale), workgroups: [tiles, tiles, n] });
    return;
  }
  const partialBytes = n * slices * c * c * 4;
  ctx.checkBinding('gram', `split-K partials [${n}·${slices},${c},${c}]`, partialBytes);
  const partials = ctx.pool.acquire(partialBytes, 'gram partials');
  ctx.launch({ name: 'gram', source, defines }, { buffers: [f, partials], uniforms: uniforms(1), workgroups: [tiles, tiles, n * slices] });
  const grid = elementwiseGrid(ctx, n * c * c);
  ctx.launch(
    { name: 'gramSplitReduce', source, defines: { FORWARD: false, SPLIT_REDUCE: true } },
    { buffers: [partials, g], uniforms: uniforms(scale, [n * c * c, grid.workgroups[0] * 256]), workgroups: grid.workgroups },
  );
  // The launches above are recorded in order; a later acquire reuses the buffer only in later launches.
  ctx.pool.release(partials);
}

/**
 * dF_b = (dG_b + dG_bᵀ) F_b / (C·H·W). `symmetric`: the caller guarantees dG_b = dG_bᵀ (the gradient of a
 * loss on G itself, such as the style loss's mean((G − A)²) with A a Gram matrix), so the gemm path skips the
 * transpose and the sum and multiplies 2·dG_b by F_b directly; the other paths read dG as usual.
 */
export function gramBackward(ctx: GpuContext, dg: GPUBuffer, f: GPUBuffer, df: GPUBuffer, shape: Shape4, force?: GramPath, symmetric = false): void {
  const [n, c, h, w] = shape;
  check('gramBackward', shape, f, dg, 'features', 'dG');
  if (df.size < n * c * h * w * 4) throw new Error(`gramBackward: dF holds ${df.size / 4} floats, needs ${n * c * h * w} for features [${shape}]`);
  if (df === f || df === dg) throw new Error('gramBackward: dF must not alias F or dG');
  ctx.checkBinding('gramBackward', `dG [${n},${c},${c}]`, n * c * c * 4);
  const hw = h * w;
  const nkb = Math.ceil(hw / gramTuning.backwardPixels);
  const kernel = { name: 'gramRegisterBackward', source: registerSource, defines: registerDefines(c, hw, false) };
  const base = { c, hw, scale: 1 / (c * hw), nkb, offA: 0, offB: 0, rowBase: 0, colBase: 0, diag: false, accumulate: false, gOff: 0 };
  const workgroups = (rows: number, z: number): [number, number, number] => [Math.ceil((Math.ceil(rows / 4) * nkb) / 64), 1, z];
  if (needsBands(ctx, shape)) {
    // dF band I = Σ_J S[I, J] F_J: one launch per (I, J), the first writing, the others adding.
    for (let b = 0; b < n; b++) {
      const what = `features [${shape}]`;
      const fBands = channelBands(ctx, 'gramBackward', what, f, b, c, hw, 4);
      const dfBands = channelBands(ctx, 'gramBackward', what, df, b, c, hw, 4);
      dfBands.forEach((O) => fBands.forEach((B, j) => {
        const uniforms = registerUniforms({
          ...base, rowsA: O.count, rowsB: B.count, rowBase: O.c0, colBase: B.c0, offA: O.off, offB: B.off,
          fStride: 0, gStride: 0, accumulate: j > 0, gOff: b * c * c,
        });
        ctx.launch(kernel, { buffers: [dg, B.range, O.range], uniforms, workgroups: workgroups(O.count, 1) });
      }));
    }
    return;
  }
  const path = gramPath(ctx, shape, 'backward', force, symmetric);
  if (path === 'gemm' && symmetric) {
    gemm(ctx, { a: dg, b: f, c: df, K: c, M: c, N: hw, Z: n, aStride: c * c, bStride: c * hw, cStride: c * hw, alpha: 2 / (c * hw) });
    return;
  }
  if (path === 'gemm') {
    const t = ctx.pool.acquire(n * c * c * 4, 'gramBackward dGᵀ');
    encodeTranspose(ctx, dg, t, n, c, c, c);
    const sym = ctx.pool.acquire(n * c * c * 4, 'gramBackward dG + dGᵀ');
    add(ctx, dg, t, sym, n * c * c);
    ctx.pool.release(t);
    gemm(ctx, { a: sym, b: f, c: df, K: c, M: c, N: hw, Z: n, aStride: c * c, bStride: c * hw, cStride: c * hw, alpha: 1 / (c * hw) });
    ctx.pool.release(sym);
    return;
  }
  if (path === 'register') {
    const uniforms = registerUniforms({ ...base, rowsA: c, rowsB: c, fStride: c * hw, gStride: c * c });
    ctx.launch(kernel, { buffers: [dg, f, df], uniforms, workgroups: workgroups(c, n) });
    return;
  }
  const uniforms = uniformBlock([{ u32: c }, { u32: h * w }, { u32: 0 }, { u32: 1 }, { f32: 1 / (c * h * w) }, { u32: 0 }, { u32: 0 }]);
  ctx.launch(
    { name: 'gramBackward', source, defines: { FORWARD: false, SPLIT_REDUCE: false } },
    { buffers: [dg, f, df], uniforms, workgroups: [Math.ceil((h * w) / TILE), Math.ceil(c / TILE), n] },
  );
}
