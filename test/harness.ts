/**
 * Test harness: seeded random data, tolerance checks that print the first mismatches, and a way to
 * run a suite on every WebGPU adapter this machine has (absent ones are skipped, and say so).
 */
import { describe } from 'vitest';
import { getContext, type GpuContext } from '../src/gpu/context.js';
import { listNodeAdapters, tuningFromEnv, type AdapterChoice } from '../src/gpu/device.js';

/** Mulberry32: a tiny seeded PRNG, so every test input is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` uniform values in [lo, hi), seeded. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** Standard normal values (Box–Muller), seeded. */
export function randn(n: number, seed: number, std = 1): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-12);
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return out;
}

export interface CloseOptions { atol?: number; rtol?: number; what?: string }

/**
 * Throws unless |actual - expected| <= atol + rtol·|expected| everywhere, with a message naming the op,
 * the shape, the max error and the first mismatches with their indices.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions & { shape?: number[] } = {}): void {
  const { atol = 1e-5, rtol = 1e-4, what = 'result', shape } = opts;
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} != expected ${expected.length}${shape ? ` (shape [${shape}])` : ''}`);
  }
  let maxErr = 0;
  let maxAt = -1;
  const bad: string[] = [];
  let badCount = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      badCount++;
      if (bad.length < 8) bad.push(`  [${indexOf(i, shape)}] got ${a}, expected ${e} (|diff| ${err.toExponential(2)})`);
    }
    if (!(err <= maxErr)) { maxErr = err; maxAt = i; }
  }
  if (badCount > 0) {
    throw new Error(
      `${what}${shape ? ` shape [${shape}]` : ''}: ${badCount}/${actual.length} elements outside ` +
      `|gpu - ref| <= ${atol} + ${rtol}·|ref|; max error ${maxErr.toExponential(3)} at [${indexOf(maxAt, shape)}]\n${bad.join('\n')}`,
    );
  }
}

function indexOf(flat: number, shape?: number[]): string {
  if (!shape || flat < 0) return String(flat);
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return idx.join(',');
}

const adapters = await listNodeAdapters();
/** CPU adapters found here; kernel suites run on each (their shader compilers differ, so do their bugs). */
export const AVAILABLE_ADAPTERS = adapters.map((a) => a.kind) as Exclude<AdapterChoice, 'auto'>[];

/** SWAGPU_TUNING: the route family forced on every adapter (null: each adapter's own). */
export const FORCED_TUNING = tuningFromEnv();

/**
 * `describe` a suite once per available adapter, passing its context. Suites for absent adapters are
 * skipped with their name saying so. SWAGPU_TEST_ADAPTERS=llvmpipe,... restricts the set.
 * With SWAGPU_TUNING=gpu every adapter runs the hardware-GPU routes (.ci/run's second pass: llvmpipe), and the
 * suite's name says so: `gemm [llvmpipe, gpu routes]`.
 */
export function describeEachAdapter(name: string, body: (getCtx: () => Promise<GpuContext>, adapter: string) => void): void {
  const only = process.env.SWAGPU_TEST_ADAPTERS?.split(',');
  for (const kind of ['gpu', 'llvmpipe', 'swiftshader'] as const) {
    const present = AVAILABLE_ADAPTERS.includes(kind) && (!only || only.includes(kind));
    const routes = FORCED_TUNING && FORCED_TUNING !== kind ? `, ${FORCED_TUNING} routes` : '';
    (present ? describe : describe.skip)(`${name} [${kind}${routes}${present ? '' : ': not available'}]`, () => body(() => getContext(kind), kind));
  }
}

/** The fastest adapter here, for heavier model tests. */
export function fastestAdapter(): Exclude<AdapterChoice, 'auto'> {
  const first = AVAILABLE_ADAPTERS[0];
  if (!first) throw new Error('no WebGPU adapter available; see README for the packages to install');
  return first;
}

/** Upload `data` to a fresh pooled buffer. */
export function upload(ctx: GpuContext, data: Float32Array | Uint32Array): GPUBuffer {
  return ctx.bufferFrom(data);
}
