/**
 * Finite-difference gradient checks on float64 references: the derivative of L(x) = Σ f(x)·dy along
 * a coordinate, by central differences, against an analytic gradient at a few sampled coordinates.
 */
import { rng } from './harness.js';

/** Σ a·b in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Check grad[i] ≈ (L(x + h·e_i) − L(x − h·e_i)) / 2h at `samples` seeded random coordinates, where
 * L = loss(x). Tolerance |fd − grad| <= atol + rtol·|grad| (float64: central differences are O(h²)).
 */
export function checkFiniteDifferences(
  what: string, loss: (x: Float64Array) => number, x: ArrayLike<number>, grad: ArrayLike<number>,
  { samples = 12, h = 1e-5, atol = 1e-7, rtol = 1e-5, seed = 7, coords }: { samples?: number; h?: number; atol?: number; rtol?: number; seed?: number; coords?: number[] } = {},
): void {
  const next = rng(seed);
  const xs = Float64Array.from(x);
  const picks = coords ?? Array.from({ length: samples }, () => Math.floor(next() * xs.length));
  for (const i of picks) {
    const keep = xs[i];
    xs[i] = keep + h;
    const up = loss(xs);
    xs[i] = keep - h;
    const down = loss(xs);
    xs[i] = keep;
    const fd = (up - down) / (2 * h);
    if (!(Math.abs(fd - grad[i]) <= atol + rtol * Math.abs(grad[i]))) {
      throw new Error(`${what}: finite difference at [${i}] is ${fd}, analytic gradient ${grad[i]} (|diff| ${Math.abs(fd - grad[i]).toExponential(2)})`);
    }
  }
}
