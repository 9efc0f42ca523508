/**
 * Plain-TS matmul in float64, the reference for src/kernels/gemm/matmul.ts.
 * C[M,N] = op(A)·op(B) (+ bias[N] on every row), all row-major; op(A) = A [M,K], or Aᵀ when transA
 * (A stored [K,M]); op(B) = B [K,N], or Bᵀ when transB (B stored [N,K]).
 */
export interface MatmulShape { M: number; N: number; K: number; transA?: boolean; transB?: boolean }

export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, { M, N, K, transA = false, transB = false }: MatmulShape, bias?: ArrayLike<number> | null): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = bias ? bias[j] : 0;
    for (let k = 0; k < K; k++) s += a[transA ? k * M + i : i * K + k] * b[transB ? j * K + k : k * N + j];
    c[i * N + j] = s;
  }
  return c;
}
