/**
 * Plain-TS batched gemm in float64, the reference for src/kernels/gemm/gemm.ts:
 * C[z][m][n] = α Σ_k A[z·aStride + k·Mp + m] · B[z·bStride + k·N + n] (+ bias[m], + the addend at C's own
 * index, then ReLU), m < Mstore.
 */
export interface GemmShape {
  K: number; M: number; N: number; /** rows of A's layout (a multiple of the tile's) */ Mp: number; Z?: number; Mstore?: number;
  aStride?: number; bStride?: number; cStride?: number; alpha?: number; relu?: boolean;
  /** C's rows are H x W planes whose every S-th pixel of every S-th row is a column, zeros elsewhere (as gemm.ts) */
  cPlanes?: { S: number; H: number; W: number } | null;
}

export function gemm(a: ArrayLike<number>, b: ArrayLike<number>, s: GemmShape, bias?: ArrayLike<number> | null, addend?: ArrayLike<number> | null): Float64Array {
  const { K, M, N, Mp, Z = 1, Mstore = M, aStride = 0, alpha = 1, relu = false, cPlanes: planes = null } = s;
  // Column n's offset in a row of C: n itself, or its pixel (S·oy, S·ox) in an H x W plane.
  const outW = planes ? Math.ceil(planes.W / planes.S) : 0;
  const cCol = (n: number) => (planes ? planes.S * (Math.floor(n / outW) * planes.W + (n % outW)) : n);
  const cRow = planes ? planes.H * planes.W : N;
  const bStride = s.bStride ?? K * N;
  const cStride = s.cStride ?? Mstore * cRow;
  const c = new Float64Array((Z - 1) * cStride + Mstore * cRow); // C's pixels between the columns stay 0
  for (let z = 0; z < Z; z++) for (let m = 0; m < Mstore; m++) for (let n = 0; n < N; n++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += a[z * aStride + k * Mp + m] * b[z * bStride + k * N + n];
    const at = z * cStride + m * cRow + cCol(n);
    sum = alpha * sum + (bias ? bias[m] : 0) + (addend ? addend[at] : 0);
    c[at] = relu ? Math.max(sum, 0) : sum;
  }
  return c;
}
