/**
 * gemm: a batch of Z matrix products C[z] = α A[z]ᵀ·B[z] (A stored k-major) with an optional epilogue of a
 * bias per row, an addend (a residual connection) and ReLU, on a register tile of R rows × 4·Q columns chosen per adapter (gemm.wgsl),
 * or on hardware GPUs (the 'gpu' routes) a block of such tiles sharing A and B through workgroup memory (gemm.wgsl BLOCK). It is the inner loop of the Winograd
 * convolution (conv2d-winograd.ts), of 1x1 and im2col / col2im convolutions (conv2d.ts), of the Gram matrices (gram.ts) and of
 * matmul where it has the rows for it (matmul.ts; matmul.wgsl stays the kernel for any shape, e.g. the classifier's GEMV).
 */
import source from './gemm.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import type { GemmTileSpec } from '../../gpu/tuning-table.js';
import { uniformBlock } from '../launch.js';
import { unroll } from '../register-tile.js';

export interface GemmArgs {
  /** [K][Mp] per batch entry, Mp = gemmRows(ctx, M) (rows past M are padding) */
  a: GPUBuffer;
  /** [K][N] per batch entry */
  b: GPUBuffer;
  /** [Mstore][N] per batch entry */
  c: GPUBuffer;
  K: number;
  M: number;
  /** columns: a multiple of 4 */
  N: number;
  /** batch entries (default 1) */
  Z?: number;
  /** rows of C written (default M; at most Mp) */
  Mstore?: number;
  /** element strides between batch entries, multiples of 4 (a: default 0, one A shared by all) */
  aStride?: number; bStride?: number; cStride?: number;
  /** factor on the products, before bias and ReLU (default 1) */
  alpha?: number;
  bias?: GPUBuffer | null;
  /** added to every stored element before the ReLU: C's layout and strides (a residual connection) */
  addend?: GPUBuffer | null;
  relu?: boolean;
  /**
   * The backward-input of a 1x1 conv with stride S: C's rows are whole H x W planes, the N = ceil(H/S)·ceil(W/S)
   * columns go to their pixels (S·oy, S·ox) and the other pixels get zeros. ceil(W/S) must be a multiple of 4;
   * cStride counts whole planes.
   */
  cPlanes?: StridedPlanes | null;
}

/** Whole H x W planes of which a gemm's columns are every S-th pixel of every S-th row. */
export interface StridedPlanes { S: number; H: number; W: number }

/**
 * Register tile: R rows (a multiple of 4) × Q vec4 columns per invocation; U k steps per loop iteration (default 1);
 * subgroupA: A's loads split among the 4 lanes of a subgroup and broadcast (R a multiple of 16; only where the
 * device's subgroups have exactly 4 lanes, made of consecutive invocations, as SwiftShader's SIMD lanes are).
 * block: the workgroup-memory kernel of hardware GPUs (gemm.wgsl BLOCK): WM x WN invocations of R x 4Q make a
 * (WM·R) x (WN·4Q) block of C, with BK k steps per double-buffered tile (U and subgroupA do not apply); with
 * block.subgroups, a subgroup's lanes share one row group and its A reads (devices with one subgroup size S,
 * S dividing WN, R/4 <= S).
 * The type lives with the tuning table (gpu/tuning-table.ts), which holds the GPUs' tiles.
 */
export type GemmTile = GemmTileSpec;

/**
 * Set by benches and tests: a tile to use instead of the adapter's (null in normal use), workgroup size (0:
 * gemmWorkgroup's choice), whether A may be bound as a uniform buffer where uniformA allows (true in normal use).
 */
export const gemmTuning: { override: GemmTile | null; WG: number; uniformA: boolean } = { override: null, WG: 0, uniformA: true };

/**
 * Whether the register kernel reads A from a uniform buffer (gemm.wgsl A_UNIFORM): on llvmpipe, where a
 * uniform load at a per-invocation address is one gather and a storage load a loop over the lanes (1.2x at the
 * ResNet-50 1x1 convs of 56x56, bench/NOTES.md), when one A serves the whole batch, its K·Mp floats fit the
 * device's uniform binding and the buffer was made with UNIFORM usage (the pool's and the weight cache's are).
 */
export function uniformA(ctx: GpuContext, tile: GemmTile, a: GPUBuffer, K: number, Mp: number, Z: number, aStride: number): boolean {
  return gemmTuning.uniformA && ctx.gpu.adapter.tuning === 'llvmpipe' && !tile.block && !tile.subgroupA
    && (aStride === 0 || Z === 1) && K * Mp * 4 <= ctx.limits.maxUniformBufferBindingSize
    && (a.usage & GPUBufferUsage.UNIFORM) !== 0;
}

/**
 * Invocations per workgroup: 64, halved (down to 8, a SIMD row of the CPU adapters)
 * - while half of it would still hold all of a batch entry's invocations: a workgroup is one batch entry's, and
 *   SwiftShader ran Winograd's K64 M64 N64 Z36 product (16 invocations each) 3.7x faster in workgroups of 16 than
 *   of 64 (48 idle), K128 M128 N16 Z36 1.6x (bench/NOTES.md, "Idle invocations");
 * - then until the launch has at least `minGroups` workgroups. The CPU adapters run a workgroup on one thread, so a
 *   product with few output tiles (a 1x1 conv at 8x8 pixels: 64 invocations) ran on one of the two cores at 64: 2x
 *   at 16. On SwiftShader minGroups is 16: a 1x1 conv's backward at 56x56 (200 invocations) made 4 workgroups of 64,
 *   64, 64 and 8, two threads ran 128 and 72 of them, and 16 or 8 invocations per workgroup ran it 1.1x faster
 *   (llvmpipe: no difference).
 */
export function gemmWorkgroup(invocations: number, Z: number, minGroups = 4): number {
  if (gemmTuning.WG) return gemmTuning.WG;
  let wg = 64;
  while (wg > 8 && wg / 2 >= invocations) wg /= 2;
  while (wg > 8 && Z * Math.ceil(invocations / wg) < minGroups) wg /= 2;
  return wg;
}

/**
 * Per-adapter tile (bench/gemm-tiles.ts sweeps, bench/NOTES.md): llvmpipe 32 x 16 (1.4-1.7x the 8 x 16 tile at
 * the Winograd and 1x1 shapes of VGG-19 and ResNet-50; unrolling k ran 0.7-1.05x); SwiftShader 16 x 16 (1.05-1.4x
 * 8 x 16 at the F(4x4, 3x3) Winograd and 1x1 shapes) with 4 k steps per loop iteration (1.2-1.5x one: SwiftShader
 * merges every loop-carried value with the active-lane mask at the end of each iteration, 3 extra vector ops per
 * accumulator lane, so a longer iteration shares that cost among more FMAs), and where its subgroups are its 4 SIMD
 * lanes, 32 x 8 with A's loads shared among them (subgroupA: 16 gathered floats per 256 FMAs per lane where 16 x 16
 * gathers 32; 1.1-1.3x at the 1x1 and Winograd shapes); hardware GPUs (unmeasured) 8 x 16, the smallest
 * register footprint. Hardware GPUs: the tuning table's tile (src/gpu/tuning-table.json; unknown cards its fallback,
 * a 128 x 64 block of 8 x 4 per invocation). The tile's R also sets Mp, the padded rows of every A layout (gemmRows).
 */
export function gemmTile(ctx: GpuContext): GemmTile {
  if (gemmTuning.override) return gemmTuning.override;
  const kind = ctx.gpu.adapter.tuning;
  if (kind === 'swiftshader') return ctx.gpu.subgroupSize === 4 ? { R: 32, Q: 2, U: 4, subgroupA: true } : { R: 16, Q: 4, U: 4 };
  // Hardware GPUs: the tuning table's choice for this card (a block tile in its fallback), bench/gpu-kit.sh measures.
  return kind === 'llvmpipe' ? { R: 32, Q: 4 } : ctx.gpu.adapter.table.gemm;
}

/**
 * The tile one launch runs.
 * - A subgroupA tile pads the column blocks to a multiple of 4 (a subgroup's lanes must share their row block), which
 *   wastes invocations on narrow products: with fewer than 16 blocks, not a multiple of 4 (a deep Winograd product
 *   has 2, padded to 4), the same rows run without subgroups as R/2 x 2Q, whose row blocks divide the R-row layout;
 *   from 16 blocks up the padding is at most 3 in 19. (32 x 8 with subgroups at 2 column blocks ran 0.6x 16 x 16.)
 * - The adapter's own register tile (not a bench's or test's override) is no wider than N's vec4 columns: the F(2x2,
 *   3x3) products of a 4x4 map have N 4, and a 16-column tile computed 3 columns of padding for each real one
 *   (32 x 4 ran 1.9x 32 x 16 on llvmpipe, 16 x 4 2.2x 16 x 16 on SwiftShader).
 * - llvmpipe also halves R, down to 16, while a batch entry has fewer invocations than one 8-lane SIMD row: F(4x4,
 *   3x3) at 16x16 with 128 channels has 4 per product at 32 rows, and 16 x 16 ran 1.5x 32 x 16. (SwiftShader's SIMD
 *   rows are 4 lanes: its tiles fill them.) Halving R keeps Mp's layout: its row blocks divide R's.
 * bench/NOTES.md, "Narrow products".
 */
export function launchTile(ctx: GpuContext, tile: GemmTile, N: number, Mp: number): GemmTile {
  if (tile.block) return tile;
  const blocks = (Q: number) => Math.ceil(N / (4 * Q));
  const t = tile.subgroupA && blocks(tile.Q) % 4 !== 0 && blocks(tile.Q) < 16 ? { R: tile.R / 2, Q: tile.Q * 2, U: tile.U } : tile;
  if (gemmTuning.override || t.subgroupA) return t;
  const Q = Math.min(t.Q, blocks(1));
  let R = t.R;
  while (ctx.gpu.adapter.tuning === 'llvmpipe' && R > 16 && (Mp / R) * blocks(Q) < 8) R /= 2;
  return R === t.R && Q === t.Q ? t : { ...t, R, Q };
}

/** Mp: M rounded up to whole row blocks of the adapter's tile (the padding rows of A are zeros). */
export const gemmRows = (ctx: GpuContext, M: number): number => Math.ceil(M / gemmTile(ctx).R) * gemmTile(ctx).R;

/** The R x Q accumulators c{r}_{q} of both kernels: their declarations and stores, and one k step's FMAs (u{r/4}[r%4] x v{q}). */
const accumulators = (R: number, Q: number) => ({
  DECLARE: unroll(R, Q, (r, q) => `var c${r}_${q} = vec4f(0.0);`),
  STORE: unroll(R, Q, (r, q) => `store(cBase, m0 + ${r}u, j0 + ${q}u, c${r}_${q});`),
});
const fmas = (R: number, Q: number, sep: string) => unroll(R, Q, (r, q) => `c${r}_${q} = fma(vec4f(u${r >> 2}[${r & 3}]), v${q}, c${r}_${q});`, sep);

/** The tile's written-out lines for gemm.wgsl's {{DECLARE}}, {{UNROLLED}} (U k steps), {{STEP}} (one, for the K % U remainder) and {{STORE}}. */
function tileLines({ R, Q, U = 1, subgroupA = false }: GemmTile): Record<string, string> {
  // One k step: the R/4 + Q loads at row offsets a, b (vec4s) and the R·Q FMAs.
  const loadA = subgroupA
    ? (a: string) => Array.from({ length: R / 16 }, (_, i) => [`let s${i} = A[${a} + ${4 * i}u];`, ...[0, 1, 2, 3].map((l) => `let u${4 * i + l} = subgroupBroadcast(s${i}, ${l}u);`)]).flat()
    : (a: string) => Array.from({ length: R / 4 }, (_, i) => `let u${i} = A[${a} + ${i}u];`);
  const step = (a: string, b: string) => [
    ...loadA(a),
    ...Array.from({ length: Q }, (_, q) => `let v${q} = B[${b} + min(j0 + ${q}u, last)];`),
    fmas(R, Q, '\n    '),
  ].join('\n    ');
  return {
    ...accumulators(R, Q),
    UNROLLED: Array.from({ length: U }, (_, u) => `{\n    ${step(`a + ${u}u * p.Mp4`, `b + ${u}u * p.N4`)}\n    }`).join('\n    '),
    STEP: step('a', 'b'),
  };
}

/**
 * The block kernel's lines: FIRST (tile 0 into buffer 0), PREFETCH (the next tile's LA + LB vec4s into registers),
 * PUT (those into the other buffer), SHARED_STEP (one k step from workgroup memory), DECLARE and STORE as above.
 */
function blockLines(tile: GemmTile, WG: number, BM4: number, BN4: number, BK: number, LA: number, LB: number): Record<string, string> {
  const { R, Q } = tile;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const at = (i: number) => `lid + ${i * WG}u`;
  return {
    ...accumulators(R, Q),
    FIRST: [...range(LA).map((i) => `As[${at(i)}] = loadA(aBase, 0u, m4b, ${at(i)});`), ...range(LB).map((i) => `Bs[${at(i)}] = loadB(bBase, 0u, j4b, ${at(i)});`)].join('\n  '),
    PREFETCH: [...range(LA).map((i) => `let pa${i} = loadA(aBase, k1, m4b, ${at(i)});`), ...range(LB).map((i) => `let pb${i} = loadB(bBase, k1, j4b, ${at(i)});`)].join('\n    '),
    PUT: [...range(LA).map((i) => `As[nxt * ${BK * BM4}u + ${at(i)}] = pa${i};`), ...range(LB).map((i) => `Bs[nxt * ${BK * BN4}u + ${at(i)}] = pb${i};`)].join('\n      '),
    SHARED_STEP: [
      ...(tile.block!.subgroups
        ? ['let s = As[a + aLane];', ...range(R / 4).map((i) => `let u${i} = subgroupBroadcast(s, ${i}u);`)]
        : range(R / 4).map((i) => `let u${i} = As[a + ${i}u];`)),
      ...range(Q).map((q) => `let v${q} = Bs[b + ${q}u];`),
      fmas(R, Q, '\n      '),
    ].join('\n      '),
  };
}

/** The block kernel's shape and what it needs of the device, checked: a clear error naming the limit otherwise. */
function blockPlan(ctx: GpuContext, tile: GemmTile, Mp: number, N: number, Z: number, shape: string) {
  const { WM, WN, BK } = tile.block!;
  const WG = WM * WN, BM4 = (WM * tile.R) / 4, BN4 = WN * tile.Q;
  const name = `block ${WM * tile.R}x${4 * BN4} (${WM}x${WN} invocations of ${tile.R}x${4 * tile.Q}, BK ${BK})`;
  const bytes = 2 * BK * (BM4 + BN4) * 16;
  const lim = ctx.limits;
  if ((BK * BM4) % WG || (BK * BN4) % WG) throw new Error(`gemm: ${name}: the ${BK * BM4} and ${BK * BN4} vec4s of a k tile must divide among the ${WG} invocations (${shape})`);
  if (WG > lim.maxComputeInvocationsPerWorkgroup || WG > lim.maxComputeWorkgroupSizeX) throw new Error(`gemm: ${name} needs ${WG} invocations per workgroup, over this device's ${Math.min(lim.maxComputeInvocationsPerWorkgroup, lim.maxComputeWorkgroupSizeX)} (${shape})`);
  if (bytes > lim.maxComputeWorkgroupStorageSize) throw new Error(`gemm: ${name} needs ${bytes} bytes of workgroup memory, over this device's ${lim.maxComputeWorkgroupStorageSize} (${shape})`);
  if (tile.block!.subgroups) {
    const S = ctx.gpu.subgroupSize;
    if (!S || WN % S || tile.R / 4 > S) throw new Error(`gemm: ${name} with subgroups needs a device whose subgroups all have one size S (this one: ${S ?? 'none or varying'}) dividing WN = ${WN}, and R/4 <= S (${shape})`);
  }
  const groups = [Math.ceil(N / 4 / BN4), Math.ceil(Mp / 4 / BM4), Z];
  if (groups.some((g) => g > lim.maxComputeWorkgroupsPerDimension)) throw new Error(`gemm: ${name} needs [${groups}] workgroups, over this device's ${lim.maxComputeWorkgroupsPerDimension} per dimension (${shape})`);
  return { WG, BM4, BN4, BK, WN, LA: (BK * BM4) / WG, LB: (BK * BN4) / WG, groups };
}

/** The register kernel's defines per tile, workgroup size and variant (see gemm()). */
const registerDefines = new Map<string, Readonly<Record<string, number | boolean | string>>>();

export function gemm(ctx: GpuContext, args: GemmArgs): void {
  const { a, b, c, K, M, N, Z = 1, Mstore = M, aStride = 0, alpha = 1, bias = null, addend = null, relu = false, cPlanes: planes = null } = args;
  const Mp = gemmRows(ctx, M);
  const tile = launchTile(ctx, gemmTile(ctx), N, Mp);
  const bStride = args.bStride ?? K * N;
  const cStride = args.cStride ?? Mstore * N;
  const shape = `K=${K} M=${M} N=${N} Z=${Z}`;
  for (const [name, v] of [['K', K], ['M', M], ['N', N], ['Z', Z]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`gemm: ${name} must be a positive integer (${shape})`);
  }
  if (N % 4 || aStride % 4 || bStride % 4 || cStride % 4) throw new Error(`gemm: N and the batch strides must be multiples of 4 (${shape}; strides ${aStride}, ${bStride}, ${cStride})`);
  if (Mstore > Mp) throw new Error(`gemm: Mstore ${Mstore} > Mp ${Mp} (${shape})`);
  if (tile.subgroupA && (ctx.gpu.subgroupSize !== 4 || tile.R % 16)) throw new Error(`gemm: tile ${tile.R}x${4 * tile.Q} shares A's loads among 4-lane subgroups: it needs R a multiple of 16 and a device with 4-lane subgroups (this one: ${ctx.gpu.subgroupSize ?? 'none'}) (${shape})`);
  const outW = planes ? Math.ceil(planes.W / planes.S) : 0;
  if (planes) {
    const p = `planes of ${planes.H}x${planes.W}, stride ${planes.S}`;
    if (N !== Math.ceil(planes.H / planes.S) * outW) throw new Error(`gemm: N = ${N} is not the ${Math.ceil(planes.H / planes.S)}x${outW} pixels of the ${p} (${shape})`);
    if (outW % 4) throw new Error(`gemm: strided planes need ceil(W/S) a multiple of 4, got ${outW} (${p}, ${shape})`);
    if (addend) throw new Error(`gemm: an addend with C's strided planes is not supported (${shape})`);
  }
  const cElements = (Z - 1) * cStride + Mstore * (planes ? planes.H * planes.W : N);
  const bindings = [['A', (Z - 1) * aStride + K * Mp, a], ['B', (Z - 1) * bStride + K * N, b], ['C', cElements, c], ...(addend ? [['addend', cElements, addend] as const] : [])] as const;
  for (const [what, elements] of bindings) ctx.checkBinding('gemm', `${what} (${shape})`, elements * 4);
  for (const [what, elements, buffer] of bindings) {
    if (buffer.size < elements * 4) throw new Error(`gemm: buffer ${what} holds ${buffer.size} bytes, needs ${elements * 4} (${shape})`);
  }
  const aUniform = uniformA(ctx, tile, a, K, Mp, Z, aStride);
  // A uniform binding is exactly A's K·Mp floats (the buffer may be larger: a pool size class).
  const buffers = [aUniform ? { buffer: a, offset: 0, size: K * Mp * 4 } : a, b, ...(bias ? [bias] : []), ...(addend ? [addend] : []), c];
  const uniforms = (columnBlocks: number) => uniformBlock([
    ...[K, Mp / 4, N / 4, columnBlocks, Mstore, aStride / 4, bStride / 4, cStride / 4].map((u32) => ({ u32 })), { f32: alpha },
    ...[planes?.S ?? 1, planes?.H ?? 0, planes?.W ?? 0, outW].map((u32) => ({ u32 })),
  ]);
  const variants = { BIAS: !!bias, ADDEND: !!addend, RELU: relu, C_PLANES: !!planes, BINDING_ADDEND: buffers.length - 1, BINDING_C: buffers.length };
  if (tile.block) {
    const plan = blockPlan(ctx, tile, Mp, N, Z, shape);
    const defines = {
      BLOCK: true, SUBGROUP_A: false, A_UNIFORM: false, A_VEC4S: 0, BLOCK_SUBGROUPS: !!tile.block.subgroups, ENABLE_SUBGROUPS: !!tile.block.subgroups, REMAINDER: false, WG: plan.WG, RB: tile.R / 4, Q: tile.Q, U: 1, WN: plan.WN, BK: plan.BK, BM4: plan.BM4, BN4: plan.BN4,
      ...variants, ...blockLines(tile, plan.WG, plan.BM4, plan.BN4, plan.BK, plan.LA, plan.LB), UNROLLED: '', STEP: '',
    };
    ctx.launch({ name: 'gemm', source, defines }, { buffers, uniforms: uniforms(0), workgroups: plan.groups as [number, number, number] });
    return;
  }
  // subgroupA: whole subgroups of 4 column blocks (the extra blocks load clamped columns and store nothing).
  const columnBlocks = tile.subgroupA ? Math.ceil(N / (16 * tile.Q)) * 4 : Math.ceil(N / (4 * tile.Q));
  const WG = gemmWorkgroup((columnBlocks * Mp) / tile.R, Z, ctx.gpu.adapter.tuning === 'swiftshader' ? 16 : 4);
  const aVec4s = aUniform ? (K * Mp) / 4 : 0;
  const definesKey = `${tile.R},${tile.Q},${tile.U ?? 1},${!!tile.subgroupA},${WG},${aVec4s},${Object.values(variants).join(',')}`;
  let defines = registerDefines.get(definesKey);
  if (!defines) {
    // Frozen and reused: the written-out tile is kilobytes of text, built and keyed once, not per launch (pipelines.ts).
    defines = Object.freeze({ BLOCK: false, BLOCK_SUBGROUPS: false, ENABLE_SUBGROUPS: !!tile.subgroupA, WG, RB: tile.R / 4, Q: tile.Q, U: tile.U ?? 1, SUBGROUP_A: !!tile.subgroupA, REMAINDER: (tile.U ?? 1) > 1, A_UNIFORM: aUniform, A_VEC4S: aVec4s, ...variants, ...tileLines(tile),
      // The block kernel's placeholders (its branch is dropped, but every {{NAME}} needs a value).
      WN: 0, BK: 0, BM4: 0, BN4: 0, FIRST: '', PREFETCH: '', PUT: '', SHARED_STEP: '' });
    registerDefines.set(definesKey, defines);
  }
  ctx.launch({ name: 'gemm', source, defines }, { buffers, uniforms: uniforms(columnBlocks), workgroups: [Math.ceil((columnBlocks * Mp) / tile.R / WG), 1, Z] });
}
