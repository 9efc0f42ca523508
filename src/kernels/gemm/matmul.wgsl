// matmul: C = op(A)·op(B) (+ bias on every row), f32, row-major, register-tiled, no workgroup memory.
//
// Layout: C [M,N]; A [M,K] (or [K,M] with TRANS_A: op(A) = Aᵀ); B [K,N] (or [N,K] with TRANS_B);
// bias [N] with BIAS.
// Bindings: 0 uniform Params; 1 A; 2 B; [3 bias if BIAS]; then C.
// Dispatch: (ceil(ceil(N/4) / 64), ceil(M / 4), 1), workgroup (64, 1, 1). The 4 rows of an
// invocation come from workgroup_id.y, so every invocation of a workgroup reads the same A values
// (broadcast loads on llvmpipe); lanes differ in their 4 columns.
// One invocation: a 4x4 tile, acc[r] = Σ_k A[i0+r, k] · B[k, j0..j0+3] (4 vec4 accumulators).
// Reads past M, N are clamped in bounds and their results never stored.

struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
#if BIAS
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> Cm: array<f32>;
#else
@group(0) @binding(3) var<storage, read_write> Cm: array<f32>;
#endif

fn a(i: u32, k: u32) -> f32 {
#if TRANS_A
  return A[k * p.M + i];
#else
  return A[i * p.K + k];
#endif
}

fn b(k: u32, j: u32) -> f32 {
#if TRANS_B
  return B[j * p.K + k];
#else
  return B[k * p.N + j];
#endif
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let j0 = (wid.x * 64u + lid.x) * 4u;
  if (j0 >= p.N) { return; }
  let i0 = wid.y * 4u;
  let rows = min(vec4u(i0, i0 + 1u, i0 + 2u, i0 + 3u), vec4u(p.M - 1u));
  let cols = min(vec4u(j0, j0 + 1u, j0 + 2u, j0 + 3u), vec4u(p.N - 1u));
  var acc: array<vec4f, 4>;
  for (var k = 0u; k < p.K; k++) {
    let bv = vec4f(b(k, cols.x), b(k, cols.y), b(k, cols.z), b(k, cols.w));
    acc[0] = fma(vec4f(a(rows.x, k)), bv, acc[0]);
    acc[1] = fma(vec4f(a(rows.y, k)), bv, acc[1]);
    acc[2] = fma(vec4f(a(rows.z, k)), bv, acc[2]);
    acc[3] = fma(vec4f(a(rows.w, k)), bv, acc[3]);
  }
#if BIAS
  let bb = vec4f(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]);
#else
  let bb = vec4f(0.0);
#endif
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + r;
    if (i >= p.M) { break; }
    let v = acc[r] + bb;
    for (var e = 0u; e < 4u; e++) {
      if (j0 + e < p.N) { Cm[i * p.N + j0 + e] = v[e]; }
    }
  }
}
