/** Plain-TS ReLU, the reference the GPU kernel is tested against. */
export function reluForward(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => Math.max(v, 0));
}

export function reluBackward(y: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  return Float64Array.from(dy, (g, i) => (y[i] > 0 ? g : 0));
}
