/** Plain-TS elementwise add / accumulate / fill / copy, the references for src/kernels/pointwise/add.ts. */
export function add(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from(a, (v, i) => v + b[i]);
}

/** Returns dst + src (the value dst holds after `accumulate`). */
export function accumulate(dst: ArrayLike<number>, src: ArrayLike<number>): Float64Array {
  return Float64Array.from(dst, (v, i) => v + src[i]);
}

export function fill(n: number, value: number): Float64Array {
  return new Float64Array(n).fill(value);
}
