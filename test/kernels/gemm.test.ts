// gemm kernel: gemm.wgsl (batched C[z] = α A[z]ᵀ B[z] + bias, ReLU; A stored k-major) against the float64
// reference, on every adapter's own tile and on the other tiles (gemmTuning.override).
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { gemm, gemmRows, gemmTile, gemmTuning, gemmWorkgroup, launchTile, uniformA, type GemmTile } from '../../src/kernels/gemm/gemm.js';
import * as ref from '../../src/kernels/gemm/gemm.reference.js';

// Tolerance: inputs in [-1,1), A scaled by 1/sqrt(K) so |C| = O(1); float32 rounding over K terms stays
// below ~1e-6·sqrt(K): atol 2e-5.
interface Case { name: string; K: number; M: number; N: number; Z?: number; Mstore?: number; shareA?: boolean; alpha?: number; bias?: boolean; addend?: boolean; relu?: boolean; cPlanes?: { S: number; H: number; W: number } }
const CASES: Case[] = [
  { name: 'odd K, M not a multiple of any tile, N not a multiple of 16', K: 37, M: 13, N: 20 },
  { name: 'one column block, many row blocks (a small map)', K: 64, M: 96, N: 4 },
  { name: 'batch of 3 with its own A each, alpha, bias, ReLU', K: 19, M: 40, N: 36, Z: 3, alpha: 0.5, bias: true, relu: true },
  { name: 'batch of 2 sharing A (1x1 conv), rows stored < M', K: 33, M: 24, N: 52, Z: 2, shareA: true, Mstore: 17 },
  { name: 'K = 1', K: 1, M: 8, N: 16 },
  // 17 blocks of 8 columns (34 of 4): subgroup tiles pad them to whole subgroups of 4 blocks.
  { name: 'wide: batch of 2 sharing A, bias, addend, ReLU, rows stored < M', K: 6, M: 36, N: 136, Z: 2, shareA: true, bias: true, addend: true, relu: true, Mstore: 33 },
  { name: 'wide, odd K', K: 13, M: 70, N: 136 },
  { name: 'batch of 2 sharing A, bias, addend (a residual), ReLU', K: 21, M: 20, N: 24, Z: 2, shareA: true, bias: true, addend: true, relu: true },
  { name: 'addend without bias, rows stored < M', K: 9, M: 40, N: 8, Mstore: 35, addend: true },
  // The backward-input of a 1x1 conv with stride S: C as whole planes, odd sizes cut the last blocks.
  { name: 'C as 9x15 planes, stride 2 (5x8 columns), batch of 2 sharing A, bias, ReLU', K: 4, M: 12, N: 40, Z: 2, shareA: true, bias: true, relu: true, cPlanes: { S: 2, H: 9, W: 15 } },
  { name: 'C as 8x16 planes, stride 2 (4x8 columns), batch of 2 sharing A', K: 7, M: 10, N: 32, Z: 2, shareA: true, cPlanes: { S: 2, H: 8, W: 16 } },
  { name: 'C as 7x11 planes, stride 3 (3x4 columns), rows stored < M', K: 5, M: 9, N: 12, Mstore: 4, cPlanes: { S: 3, H: 7, W: 11 } },
  // A shared and over 64 KiB (K·Mp > 16384): past a uniform binding, so storage on every adapter.
  { name: 'batch of 2 sharing an A of 300 x 64 (past a uniform binding)', K: 300, M: 64, N: 12, Z: 2, shareA: true },
  // Narrow products (llvmpipe narrows its tile for them, launchTile): a 4x4 map's F(2x2, 3x3) products (N 4, an A
  // each), and products with fewer row and column blocks than an 8-lane SIMD row.
  { name: 'N 4, batch of 5 with its own A each (Winograd at a 4x4 map)', K: 23, M: 64, N: 4, Z: 5 },
  { name: 'N 16, M 64, batch of 3 sharing A, bias, ReLU (few invocations per product)', K: 18, M: 64, N: 16, Z: 3, shareA: true, bias: true, relu: true },
];

// SwiftShader compiles a block kernel of 256 invocations for tens of seconds: there the block tiles run the cases
// with the edges (odd K, rows and columns short of a block, a batch with its own A, alpha, bias, ReLU; the store is
// the register tiles' own, tested there);
// llvmpipe, and the forced-GPU pass (SWAGPU_TUNING=gpu, where the table's block tile is the default), run them all.
const SWIFTSHADER_BLOCK_CASES = CASES.filter((_, i) => [0, 2].includes(i));

// Workgroup sizes (gemmWorkgroup): no larger than a batch entry's invocations (down to 8), then halved for enough
// workgroups.
it('gemm workgroups hold no more invocations than a batch entry has, and are halved for enough workgroups', () => {
  expect(gemmWorkgroup(16, 36, 16)).toBe(16); // Winograd at 32x32, 64 channels: 16 invocations per product
  expect(gemmWorkgroup(17, 36, 16)).toBe(32);
  expect(gemmWorkgroup(4, 36, 4)).toBe(8); // never below a SIMD row
  expect(gemmWorkgroup(3136, 1, 4)).toBe(64);
  expect(gemmWorkgroup(200, 1, 16)).toBe(8); // a 1x1 conv's backward at 56x56 on SwiftShader: 25 workgroups
  expect(gemmWorkgroup(64, 1, 4)).toBe(16);
});

describeEachAdapter('gemm', (getCtx) => {
  const run = async (c: Case) => {
    const ctx = await getCtx();
    const Z = c.Z ?? 1;
    const Mp = gemmRows(ctx, c.M);
    const Mstore = c.Mstore ?? c.M;
    const aStride = c.shareA ? 0 : c.K * Mp;
    const aLen = c.shareA ? c.K * Mp : Z * c.K * Mp;
    // A's padding rows (m >= M) hold zeros, as every caller's layout does.
    const a = randomArray(aLen, 1).map((v, i) => ((i % Mp) < c.M ? v / Math.sqrt(c.K) : 0));
    const cRow = c.cPlanes ? c.cPlanes.H * c.cPlanes.W : c.N;
    const b = randomArray(Z * c.K * c.N, 2);
    const bias = randomArray(c.M, 3);
    const addend = randomArray(Z * Mstore * c.N, 4);
    const out = ctx.pool.acquire(Z * Mstore * cRow * 4);
    // C's pixels between the columns must be written (zeros): start from garbage.
    ctx.upload(out, new Float32Array(Z * Mstore * cRow).fill(7));
    gemm(ctx, {
      a: ctx.bufferFrom(a), b: ctx.bufferFrom(b), c: out, K: c.K, M: c.M, N: c.N, Z, Mstore, aStride,
      bStride: c.K * c.N, cStride: Mstore * cRow, cPlanes: c.cPlanes,
      alpha: c.alpha, bias: c.bias ? ctx.bufferFrom(bias) : null, addend: c.addend ? ctx.bufferFrom(addend) : null, relu: c.relu,
    });
    const expected = ref.gemm(a, b, { K: c.K, M: c.M, N: c.N, Mp, Z, Mstore, aStride, alpha: c.alpha, relu: c.relu, cPlanes: c.cPlanes }, c.bias ? bias : null, c.addend ? addend : null);
    assertClose(await ctx.readF32(out, Z * Mstore * cRow), expected, { atol: 2e-5, what: `gemm ${c.name}`, shape: [Z, Mstore, cRow] });
    ctx.pool.release(out);
  };

  for (const c of CASES) it(`${c.name}: matches the reference`, () => run(c));

  // A as a uniform buffer (llvmpipe's default for a shared A that fits one): the cases above ran it there; here the
  // choice itself, and the same cases with A forced through storage.
  it('A is bound as a uniform buffer exactly where uniformA allows it (llvmpipe, shared A within the uniform binding), and storage gives the same products', async () => {
    const ctx = await getCtx();
    const buf = ctx.pool.acquire(4096 * 16);
    const tile = gemmTile(ctx);
    const llvmpipe = ctx.gpu.adapter.tuning === 'llvmpipe';
    expect(uniformA(ctx, tile, buf, 256, 64, 1, 0)).toBe(llvmpipe); // ResNet-50's 1x1 256 -> 64: 64 KiB
    expect(uniformA(ctx, tile, buf, 256, 64, 4, 0)).toBe(llvmpipe); // a batch sharing it
    expect(uniformA(ctx, tile, buf, 257, 64, 1, 0)).toBe(false); // past 64 KiB
    expect(uniformA(ctx, tile, buf, 64, 64, 2, 64 * 64)).toBe(false); // an A per batch entry
    ctx.pool.release(buf);
    gemmTuning.uniformA = false;
    try {
      for (const c of CASES.filter((c) => c.shareA || !c.Z)) await run(c);
    } finally {
      gemmTuning.uniformA = true;
    }
  });

  it("the adapter's own register tile is narrowed for narrow products (launchTile), an override is not", async () => {
    const ctx = await getCtx();
    const tile = gemmTile(ctx);
    const narrowed = (N: number, Mp: number) => launchTile(ctx, tile, N, Mp);
    if (tile.block) return; // the 'gpu' routes' block tiles run as they are
    if (ctx.gpu.adapter.tuning === 'llvmpipe') {
      expect(tile).toEqual({ R: 32, Q: 4 });
      expect(narrowed(4, 512)).toEqual({ R: 32, Q: 1 }); // ResNet-50 at 128 px, stage 4's F(2x2, 3x3): 16 row blocks
      expect(narrowed(8, 512)).toEqual({ R: 32, Q: 2 });
      expect(narrowed(16, 128)).toEqual({ R: 16, Q: 4 }); // stage 2's F(4x4, 3x3): 4 invocations at 32 rows, 8 at 16
      expect(narrowed(4, 32)).toEqual({ R: 16, Q: 1 }); // never below 16 rows
      expect(narrowed(64, 64)).toBe(tile); // 2 x 4 blocks: a SIMD row already
    } else if (tile.subgroupA) {
      expect(tile).toEqual({ R: 32, Q: 2, U: 4, subgroupA: true }); // SwiftShader
      expect(narrowed(4, 512)).toEqual({ R: 16, Q: 1, U: 4 }); // 1 block: no subgroups, 16 x 16, then 4 columns
      expect(narrowed(16, 128)).toEqual({ R: 16, Q: 4, U: 4 }); // 2 blocks: no subgroups; no row halving
      expect(narrowed(64, 128)).toBe(tile); // 8 blocks: whole subgroups
    } else {
      expect(narrowed(4, 512)).toEqual({ ...tile, Q: 1 });
    }
    expect(narrowed(3136, 64)).toBe(tile);
    gemmTuning.override = tile; // a bench's or test's tile runs as given (a subgroup tile still leaves subgroups where it must)
    try {
      expect(launchTile(ctx, tile, 4, 512)).toEqual(tile.subgroupA ? { R: 16, Q: 4, U: 4 } : tile);
    } finally {
      gemmTuning.override = null;
    }
  });

  // U > 1: K steps unrolled in the loop, the cases' K (1, 4, 5, 6, 7, 9, 13, 19, 21, 33, 37, 64) cover remainders 0-3.
  // subgroupA (devices with 4-lane subgroups: SwiftShader): cases with 4·k column blocks, with more than 16 padded
  // to whole subgroups, and narrower ones that run the R/2 x 2Q tile instead.
  for (const tile of [{ R: 8, Q: 4 }, { R: 16, Q: 4 }, { R: 32, Q: 4 }, { R: 4, Q: 2 }, { R: 16, Q: 8 }, { R: 16, Q: 4, U: 4 }, { R: 8, Q: 2, U: 3 }, { R: 32, Q: 2, U: 4, subgroupA: true }, { R: 16, Q: 1, U: 3, subgroupA: true },
    // Block tiles (workgroup memory, double-buffered; the 'gpu' routes): the table's fallback 128x64 of 8x4, 64x64 of 4x4,
    // 32x64 of 4x8 with BK 8, 64x128 of 8x8. Every case is smaller than one block in some dimension (edge blocks), and
    // K = 1, 5, 37 leave part of the last k tile empty.
    { R: 8, Q: 1, block: { WM: 16, WN: 16, BK: 16 } }, { R: 4, Q: 1, block: { WM: 16, WN: 16, BK: 16 } },
    { R: 4, Q: 2, block: { WM: 8, WN: 8, BK: 8 } }, { R: 8, Q: 2, block: { WM: 8, WN: 16, BK: 8 } },
    // Block tiles whose subgroups share A's reads (devices with one subgroup size: SwiftShader's 4).
    { R: 8, Q: 1, block: { WM: 8, WN: 8, BK: 8, subgroups: true } }, { R: 16, Q: 1, block: { WM: 8, WN: 8, BK: 16, subgroups: true } }] as GemmTile[]) {
    const blockName = tile.block ? `, block ${tile.block.WM * tile.R}x${tile.block.WN * 4 * tile.Q} BK ${tile.block.BK}${tile.block.subgroups ? ' with subgroups' : ''}` : '';
    it(`tile ${tile.R}x${4 * tile.Q}${tile.U ? ` unrolled ${tile.U}` : ''}${tile.subgroupA ? ', A through subgroups' : ''}${blockName}: every case matches the reference`, async (test) => {
      const ctx = await getCtx();
      if (tile.subgroupA && ctx.gpu.subgroupSize !== 4) test.skip();
      if (tile.block?.subgroups && !ctx.gpu.subgroupSize) test.skip();
      gemmTuning.override = tile;
      try {
        for (const c of tile.block && ctx.gpu.adapter.kind === 'swiftshader' ? SWIFTSHADER_BLOCK_CASES : CASES) await run(c);
      } finally {
        gemmTuning.override = null;
      }
    });
  }

  it('refuses N or strides not a multiple of 4, too-small buffers, Mstore past the padded rows', async () => {
    const ctx = await getCtx();
    const small = ctx.pool.acquire(64);
    const big = ctx.pool.acquire(1 << 16);
    expect(() => gemm(ctx, { a: big, b: big, c: big, K: 4, M: 8, N: 6 })).toThrow(/gemm: N and the batch strides must be multiples of 4 \(K=4 M=8 N=6 Z=1/);
    expect(() => gemm(ctx, { a: small, b: big, c: big, K: 64, M: 8, N: 8 })).toThrow(/gemm: buffer A holds \d+ bytes, needs \d+ \(K=64 M=8 N=8 Z=1\)/);
    expect(() => gemm(ctx, { a: big, b: big, c: big, K: 4, M: 8, N: 8, Mstore: 999 })).toThrow(/gemm: Mstore 999 > Mp/);
    expect(() => gemm(ctx, { a: big, b: big, c: big, K: 0, M: 8, N: 8 })).toThrow(/gemm: K must be a positive integer/);
    expect(() => gemm(ctx, { a: big, b: big, c: big, K: 4, M: 8, N: 12, cPlanes: { S: 2, H: 8, W: 6 } })).toThrow(/gemm: strided planes need ceil\(W\/S\) a multiple of 4, got 3/);
    expect(() => gemm(ctx, { a: big, b: big, c: big, K: 4, M: 8, N: 16, cPlanes: { S: 2, H: 6, W: 8 } })).toThrow(/gemm: N = 16 is not the 3x4 pixels of the planes of 6x8, stride 2/);
    expect(() => gemm(ctx, { a: big, b: big, c: big, addend: small, K: 4, M: 8, N: 8, Z: 2, aStride: 0, cStride: 64 })).toThrow(/gemm: buffer addend holds \d+ bytes, needs 512 \(K=4 M=8 N=8 Z=2\)/);
    // A subgroup tile where the subgroups are not 4 lanes (llvmpipe has none), or with R not a multiple of 16.
    for (const tile of [{ R: 32, Q: 2, U: 4, subgroupA: true }, { R: 8, Q: 1, subgroupA: true }]) {
      if (ctx.gpu.subgroupSize === 4 && tile.R % 16 === 0) continue;
      gemmTuning.override = tile;
      try {
        expect(() => gemm(ctx, { a: big, b: big, c: big, K: 4, M: 8, N: 64 })).toThrow(/gemm: tile \d+x\d+ shares A's loads among 4-lane subgroups/);
      } finally {
        gemmTuning.override = null;
      }
    }
    // Block tiles the device cannot run, or whose k tile does not divide among the invocations.
    for (const [tile, message] of [
      [{ R: 4, Q: 1, block: { WM: 16, WN: 16, BK: 8 } }, /gemm: block 64x64 \(16x16 invocations of 4x4, BK 8\): the 128 and 128 vec4s of a k tile must divide among the 256 invocations/],
      [{ R: 8, Q: 4, block: { WM: 16, WN: 16, BK: 32 } }, /gemm: block 128x256 .* needs 98304 bytes of workgroup memory, over this device's \d+/],
      [{ R: 4, Q: 1, block: { WM: 64, WN: 32, BK: 64 } }, /gemm: block 256x128 .* needs 2048 invocations per workgroup, over this device's \d+/],
      // Subgroups: none (llvmpipe), or more rows per invocation than a 4-lane subgroup shares (SwiftShader).
      [{ R: 32, Q: 1, block: { WM: 4, WN: 16, BK: 8, subgroups: true } }, /gemm: block 128x64 .* with subgroups needs a device whose subgroups all have one size S \(this one: (none or varying|4)\) dividing WN = 16, and R\/4 <= S/],
    ] as const) {
      gemmTuning.override = tile;
      try {
        expect(() => gemm(ctx, { a: big, b: big, c: big, K: 4, M: 8, N: 64 })).toThrow(message);
      } finally {
        gemmTuning.override = null;
      }
    }
    ctx.pool.release(small);
    ctx.pool.release(big);
  });
});
