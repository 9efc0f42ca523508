/**
 * The tuning sweep: every gemm variant (register tiles, block tiles of workgroup memory, subgroup tiles where the
 * device has 4-lane subgroups) and every direct-conv tile, timed at style-transfer shapes on one device, the
 * winners written as a tuning-table entry (src/gpu/tuning-table.json's format) for the adapter's vendor,
 * architecture, device and description. Browser-safe: the Node script (bench/tuning-sweep-cli.ts, which
 * bench/gpu-kit.sh runs) and the browser bench page (demo/bench.html?sweep=1, or its button) both call sweepTuning.
 * A variant the device cannot run (too many invocations, too much workgroup memory) is skipped and listed.
 * Variants alternate round by round and keep their best time (a GPU's clocks and a shared host drift), and a
 * winner is the variant with the highest geometric mean GFLOP/s over the shapes.
 */
import type { GpuContext } from '../src/gpu/context.js';
import { tableEntry, type ConvTileSpec, type GemmTileSpec, type TuningEntry } from '../src/gpu/tuning-table.js';
import { gemm, gemmRows, gemmTuning } from '../src/kernels/gemm/gemm.js';
import { conv2d, conv2dGeometry, convTuning } from '../src/kernels/conv/conv2d.js';
import { winogradTuning } from '../src/kernels/conv/conv2d-winograd.js';

export interface SweepOptions {
  /** Rounds per op (each variant timed once per round, best kept). Default 3. */
  rounds?: number;
  /** Smaller shapes and fewer variants (checking the sweep itself on a CPU adapter). */
  quick?: boolean;
  log?: (line: string) => void;
}

export interface SweepRow { op: 'gemm' | 'conv'; variant: string; shape: string; ms: number; gflops: number }
export interface SweepResult { entry: TuningEntry; rows: SweepRow[]; skipped: string[]; winners: Record<'gemm' | 'conv', { variant: string; meanGflops: number }> }

export const gemmName = (t: GemmTileSpec): string => t.block
  ? `block ${t.block.WM * t.R}x${t.block.WN * 4 * t.Q} of ${t.R}x${4 * t.Q} BK ${t.block.BK}${t.block.subgroups ? ' subgroups' : ''}`
  : `register ${t.R}x${4 * t.Q}${t.U && t.U > 1 ? ` u${t.U}` : ''}${t.subgroupA ? ' subgroupA' : ''}`;
const convName = (t: ConvTileSpec): string => `IL ${t.IL} G ${t.G} WG ${t.WG} PX ${t.PX ?? 4}`;

/** The gemm variants swept: register tiles, block tiles (64x64 .. 128x128, 4x4 .. 8x8 per invocation, BK 8-32). */
export function gemmVariants(quick = false): GemmTileSpec[] {
  const register: GemmTileSpec[] = [{ R: 8, Q: 4 }, { R: 16, Q: 4 }, { R: 8, Q: 2 }, { R: 16, Q: 4, U: 4 }, { R: 32, Q: 2, U: 4, subgroupA: true }];
  const block: GemmTileSpec[] = [];
  // R x 4Q per invocation, WM x WN invocations.
  for (const [R, Q, WM, WN] of [[4, 1, 16, 16], [8, 1, 16, 16], [8, 1, 8, 16], [4, 2, 16, 8], [8, 2, 16, 16], [8, 2, 8, 8], [4, 1, 8, 8]]) {
    for (const BK of [8, 16, 32]) block.push({ R, Q, block: { WM, WN, BK } });
    // Subgroups sharing A's reads (run where the device has one subgroup size dividing WN; else skipped, and listed).
    if (R === 8) block.push({ R, Q, block: { WM, WN, BK: 16, subgroups: true } });
  }
  return quick ? [register[0], block[1], { R: 4, Q: 2, block: { WM: 8, WN: 8, BK: 8 } }, { R: 8, Q: 1, block: { WM: 8, WN: 8, BK: 8, subgroups: true } }] : [...register, ...block];
}

export function convVariants(quick = false): ConvTileSpec[] {
  const out: ConvTileSpec[] = [];
  for (const IL of [1, 4]) for (const G of [4, 8] as const) for (const WG of [64, 128]) for (const PX of [4, 8] as const) out.push({ IL, G, WG, PX });
  return quick ? out.slice(0, 2) : out;
}

/** Products of the style-transfer networks (K, M, N, Z): Winograd F(4x4,3x3) at 128->128 on 64x64, a 1x1 at 56x56, a deep Winograd, a large square. */
const GEMM_SHAPES = [[128, 128, 1024, 36], [256, 64, 3136, 1], [512, 512, 64, 36], [1024, 1024, 1024, 1]];
const GEMM_QUICK = [[64, 64, 256, 2], [96, 40, 100, 1]];
/** Direct convs (3x3 stride 2, where a GPU's route is im2col off): [N, C, H, W, O]. */
const CONV_SHAPES = [[1, 64, 128, 128, 128], [1, 256, 32, 32, 256]];
const CONV_QUICK = [[1, 8, 16, 16, 16]];

async function timeBest(ctx: GpuContext, run: () => void): Promise<number> {
  const t0 = performance.now();
  run();
  await ctx.sync();
  return performance.now() - t0;
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

async function sweepOp<T>(ctx: GpuContext, op: 'gemm' | 'conv', variants: T[], name: (t: T) => string, shapes: number[][],
  prepare: (shape: number[]) => { label: string; flops: number; run: (t: T) => void; release: () => void }, rounds: number, rows: SweepRow[], skipped: string[], log: (l: string) => void) {
  const usable = new Set(variants);
  const best = new Map<T, number[]>();
  for (const shape of shapes) {
    const p = prepare(shape);
    const times = new Map<T, number>();
    for (let round = 0; round <= rounds; round++) {
      const order = [...usable];
      for (const t of round % 2 ? order.reverse() : order) {
        try {
          const ms = await timeBest(ctx, () => p.run(t));
          if (round > 0) times.set(t, Math.min(times.get(t) ?? Infinity, ms)); // round 0: compile and warm up
        } catch (error) {
          usable.delete(t);
          skipped.push(`${op} ${name(t)}: ${(error as Error).message}`);
        }
      }
    }
    for (const [t, ms] of times) {
      if (!usable.has(t)) continue;
      const g = p.flops / ms / 1e6;
      rows.push({ op, variant: name(t), shape: p.label, ms, gflops: g });
      best.set(t, [...(best.get(t) ?? []), g]);
    }
    log(`${op} ${p.label}: ${[...times].filter(([t]) => usable.has(t)).sort((a, b) => a[1] - b[1]).slice(0, 3).map(([t, ms]) => `${name(t)} ${(p.flops / ms / 1e6).toFixed(1)} GFLOP/s`).join(', ')}`);
    p.release();
  }
  let winner: T | null = null, top = 0;
  for (const [t, gs] of best) {
    if (gs.length === shapes.length && geomean(gs) > top) { winner = t; top = geomean(gs); }
  }
  if (!winner) throw new Error(`tuning sweep: no ${op} variant ran at every shape on this device`);
  return { winner, meanGflops: top };
}

/** Sweep both ops on `ctx` and return the adapter's table entry (and every timing, for RESULTS.md). */
export async function sweepTuning(ctx: GpuContext, options: SweepOptions = {}): Promise<SweepResult> {
  const { rounds = 3, quick = false, log = () => {} } = options;
  const rows: SweepRow[] = [];
  const skipped: string[] = [];
  const saved = { gemm: gemmTuning.override, conv: convTuning.override, wino: winogradTuning.enabled, im2col: convTuning.im2colGemm };
  try {
    const g = await sweepOp(ctx, 'gemm', gemmVariants(quick), gemmName, quick ? GEMM_QUICK : GEMM_SHAPES, ([K, M, N, Z]) => {
      const Mmax = Math.ceil(M / 32) * 32;
      const a = ctx.bufferFrom(new Float32Array(Z * K * Mmax).fill(0.5));
      const b = ctx.bufferFrom(new Float32Array(Z * K * N).fill(0.25));
      const c = ctx.pool.acquire(Z * M * N * 4);
      return {
        label: `K${K} M${M} N${N} Z${Z}`, flops: 2 * K * M * N * Z,
        run: (t) => { gemmTuning.override = t; gemm(ctx, { a, b, c, K, M, N, Z, aStride: K * gemmRows(ctx, M) }); },
        release: () => { for (const buf of [a, b, c]) ctx.pool.release(buf); },
      };
    }, rounds, rows, skipped, log);
    gemmTuning.override = saved.gemm;
    // The direct kernel: Winograd and im2col off, so every 3x3 conv takes it.
    winogradTuning.enabled = false;
    convTuning.im2colGemm = false;
    const c = await sweepOp(ctx, 'conv', convVariants(quick), convName, quick ? CONV_QUICK : CONV_SHAPES, ([N, C, H, W, O]) => {
      const geometry = conv2dGeometry({ inShape: [N, C, H, W], weightShape: [O, C, 3, 3], stride: 2, padding: 1 });
      const x = ctx.bufferFrom(new Float32Array(N * C * H * W).fill(0.5));
      const w = ctx.bufferFrom(new Float32Array(O * C * 9).fill(0.1));
      const y = ctx.pool.acquire(N * O * geometry.outH * geometry.outW * 4);
      return {
        label: `${N}x${C}x${H}x${W} -> ${O}, 3x3 s2`, flops: 2 * N * O * geometry.outH * geometry.outW * C * 9,
        run: (t) => { convTuning.override = t as ConvTileSpec; conv2d(ctx, { x, w, y, geometry, weightsKey: w }); },
        release: () => { for (const buf of [x, w, y]) ctx.pool.release(buf); },
      };
    }, rounds, rows, skipped, log);
    const a = ctx.gpu.adapter;
    const winners = { gemm: { variant: gemmName(g.winner), meanGflops: g.meanGflops }, conv: { variant: convName(c.winner), meanGflops: c.meanGflops } };
    const source = `tuning sweep ${new Date().toISOString().slice(0, 10)} on ${a.kind} (${a.backend}): gemm ${winners.gemm.variant} ${winners.gemm.meanGflops.toFixed(1)} GFLOP/s, conv ${winners.conv.variant} ${winners.conv.meanGflops.toFixed(1)} GFLOP/s (geometric means)`;
    return { entry: tableEntry(a, { gemm: g.winner, conv: c.winner }, source), rows, skipped, winners };
  } finally {
    gemmTuning.override = saved.gemm;
    convTuning.override = saved.conv;
    winogradTuning.enabled = saved.wino;
    convTuning.im2colGemm = saved.im2col;
  }
}
