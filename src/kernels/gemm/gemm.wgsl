// gemm: a batch of matrix products with a register tile per invocation and no workgroup memory,
//   C[z][m][n] = α Σ_k A[z][k][m] · B[z][k][n]   (+ bias[m], + addend[z][m][n], then max(·, 0), for rows m < Mstore)
// the inner loop of Winograd convolution (z = the 16 or 36 positions of a transformed tile), of 1x1
// convolutions (z = the image; A = the transposed weights, shared: aStride 0), of im2col / col2im
// convolutions, of Gram matrices and their gradient (gram.ts), and of matmul (matmul.ts).
//
// Layout (row-major, in vec4 units): A [K][Mp/4] with Mp a multiple of the tile's R rows (A is stored
// k-major, i.e. transposed, so the R values of a row block are R/4 vec4 loads); B [K][N/4] and
// C [Mstore][N/4] with N a multiple of 4. Matrix z starts at z·aStride, z·bStride, z·cStride (vec4s).
// The addend (ADDEND) has C's layout: it fuses a residual connection, relu(W x + b + shortcut), into the
// store, saving ResNet's add and ReLU passes.
// Strided planes (C_PLANES: the backward-input of a 1x1 conv with stride S): C's rows are whole H x W planes
// (f32) and the value of column n = oy·outW + ox goes to pixel (S·oy, S·ox), zeros to the rest of its S x S
// block; outW % 4 == 0, so a vec4's 4 columns share a row. It replaces subsample.wgsl's zero-filling scatter
// after the gemm: 1.1-2.2x faster on llvmpipe, 1.1-1.3x on SwiftShader. (Reading the forward's x the same way,
// 4 strided loads per vec4 inside the k loop, ran slower than its subsample pass on both adapters.)
// Bindings: 0 uniform Params; 1 A; 2 B; [3 bias if BIAS]; [addend if ADDEND]; then C.
// Dispatch: (ceil(CB·Mp/R / WG), 1, Z), workgroup (WG, 1, 1), CB = ceil(N/(4·Q)) column blocks.
// One invocation: R rows × Q vec4 columns, R·Q named vec4 accumulators c{r}_{q}; per k, R/4 + Q vec4
// loads feed R·Q vec4 FMAs. The tile is per adapter (gemm.ts): on llvmpipe every storage load is a
// per-lane gather, so the largest tile that was measured, 32 x 16 (48 loaded floats per 512 FMAs, the
// accumulators spilled to the stack — vector spills are cheaper than gathers), ran 1.6x the 8 x 16 one;
// on SwiftShader 16 x 16 ran 1.05-1.4x 8 x 16 at the F(4x4, 3x3) Winograd and 1x1 shapes. The workgroup
// size WG is chosen per launch (gemm.ts, gemmWorkgroup) so small products still spread over every core.
// WGSL has no unrolling macro and SwiftShader keeps dynamically indexed private arrays in memory, so
// gemm.ts writes the tile's lines out (the placeholders DECLARE: the accumulators; STEP: one k step, i.e. the
// R/4 vec4s u{i} of A and Q vec4s v{q} of B at rows a, b and c{r}_{q} = fma(u{r/4}[r%4], v{q}, c{r}_{q});
// UNROLLED: U such steps at k..k+U-1; STORE: one store() per accumulator; with SUBGROUP_A, STEP's loads of A are
// the R/16 vec4s s{i} and the broadcasts).
// U k steps per loop iteration (then a remainder loop of single steps): SwiftShader merges every loop-carried
// value with the active-lane mask at the end of each iteration (3 vector ops per accumulator lane, as much as
// the FMAs), so U = 4 there shares that among 4 steps (1.2-1.5x); llvmpipe, bound by its loads, keeps U = 1.
// Invocations run over column blocks first, then row blocks: a wide product keeps one row block per
// workgroup (the same A loads in every lane) and a narrow one (an 8x8 map has one column block) still
// fills the workgroup's SIMD lanes with row blocks — with one row block per workgroup llvmpipe ran 8x8
// maps at 1/8 of its lanes. Columns past N are clamped on load and not stored; rows past Mstore are not
// stored. (Interleaving the columns of neighbouring lanes, as the direct conv does on SwiftShader,
// measured the same as consecutive columns on both CPU adapters: not kept.)
// A through subgroups (SUBGROUP_A, SwiftShader): its 4 SIMD lanes are a subgroup, 4 consecutive invocations that
// share a row block (gemm.ts pads the column blocks to whole subgroups). Every storage load there is a masked
// gather, lane by lane, so each lane loads a quarter of the R rows of A, s{i} = A[a + 4i + lane], and takes the
// others from its neighbours, u{4i+l} = subgroupBroadcast(s{i}, l): a few vector ops instead of a gather. The
// loads per k step and lane fall from R/4 + Q vec4s to R/16 + Q, so a taller tile pays: 32 x 8 (16 gathered
// floats per 256 FMAs) ran 1.1-1.3x the 16 x 16 one without subgroups.
// A as a uniform buffer (A_UNIFORM: llvmpipe, one A shared by the batch and small enough for a uniform binding, at
// most 64 KiB there: a 1x1 conv's weights up to K·M = 16384, e.g. ResNet-50's 256 <-> 64 at stage 1). Mesa's llvmpipe
// compiles a storage load at a per-invocation address as a loop over the 8 SIMD lanes with a branch and a bounds
// check per lane, and a uniform-buffer load at such an address as one straight-line gather: 1.2x on the
// 1x1 convs' products at 56x56 (A is 2/3 of the tile's loaded floats; bench/NOTES.md). A_VEC4S = K·Mp/4.
// Compile-time constants: WG, RB (= R/4), Q, U, BINDING_ADDEND, BINDING_C, A_VEC4S. Variants: BIAS, ADDEND, RELU, C_PLANES, REMAINDER (U > 1: the K % U last steps), SUBGROUP_A, A_UNIFORM.

// The block kernel (BLOCK: hardware GPUs, the 'gpu' routes; the layout, epilogue and store are the same): a workgroup
// of WM x WN invocations computes a BM x BN block of C (BM = WM·R rows, BN = WN·4Q columns), each invocation its R x 4Q
// register tile. Per BK k steps the workgroup loads A's BK x BM and B's BK x BN tiles from storage as vec4s (LA and LB
// per invocation, consecutive invocations reading consecutive vec4s: coalesced), into workgroup memory, and every
// invocation reads its R/4 + Q vec4s per k step from there (siboehm's kernels as wgpu-mm ports them, tfjs's
// matmul_packed). Double-buffered: the next tile is loaded into registers (PREFETCH) before the FMAs on the current
// one and written to the other buffer after them, so the storage loads' latency hides behind the FMAs and one
// barrier per tile suffices (a buffer is rewritten only after the barrier that ends the tile that read it). Rows past
// Mp and columns past N, and k past K, load zeros, so edge blocks need no other care; the stores check Mstore and N.
// Dispatch: (ceil(N4 / BN4), ceil(Mp4 / BM4), Z), workgroup (WM·WN, 1, 1). Constants: WM, WN, BK, BM4, BN4, LA, LB.

// BLOCK_SUBGROUPS (where every subgroup has the same, known size S, S divides WN and R/4 <= S): the invocations' places
// in the block follow their subgroups, (subgroup number g) · S + lane, g handed out by a workgroup counter, so the S
// lanes of a subgroup share their rows; then per k step lane l reads A's vec4 l % (R/4) from workgroup memory and the
// others get it by subgroupBroadcast, 1 read instead of R/4. By construction, not by assuming how a driver groups
// invocations into subgroups.

#if ENABLE_SUBGROUPS
enable subgroups;
#endif

// S, H, W, outW: the strided planes (C_PLANES); unused otherwise.
struct Params { K: u32, Mp4: u32, N4: u32, CB: u32, Mstore: u32, aStride: u32, bStride: u32, cStride: u32, alpha: f32, S: u32, H: u32, W: u32, outW: u32 }
@group(0) @binding(0) var<uniform> p: Params;
#if A_UNIFORM
@group(0) @binding(1) var<uniform> A: array<vec4f, {{A_VEC4S}}>;
#else
@group(0) @binding(1) var<storage, read> A: array<vec4f>;
#endif
@group(0) @binding(2) var<storage, read> B: array<vec4f>;
#if BIAS
@group(0) @binding(3) var<storage, read> bias: array<f32>;
#endif
#if ADDEND
@group(0) @binding({{BINDING_ADDEND}}) var<storage, read> addend: array<vec4f>;
#endif
#if C_PLANES
@group(0) @binding({{BINDING_C}}) var<storage, read_write> C: array<f32>;
#else
@group(0) @binding({{BINDING_C}}) var<storage, read_write> C: array<vec4f>;
#endif

const WG = {{WG}}u;
const RB = {{RB}}u;
const Q = {{Q}}u;
const U = {{U}}u;

#if BLOCK
const WN = {{WN}}u;
const BK = {{BK}}u;
const BM4 = {{BM4}}u;
const BN4 = {{BN4}}u;
var<workgroup> As: array<vec4f, 2u * BK * BM4>;
var<workgroup> Bs: array<vec4f, 2u * BK * BN4>;
#if BLOCK_SUBGROUPS
var<workgroup> subgroupCounter: atomic<u32>;
#endif

// Vec4 e of the k0 tile: A's (k0 + e / BM4, m4b + e % BM4), B's (k0 + e / BN4, j4b + e % BN4); zeros outside.
fn loadA(aBase: u32, k0: u32, m4b: u32, e: u32) -> vec4f {
  let k = k0 + e / BM4;
  let m4 = m4b + e % BM4;
  if (k >= p.K || m4 >= p.Mp4) { return vec4f(0.0); }
  return A[aBase + k * p.Mp4 + m4];
}
fn loadB(bBase: u32, k0: u32, j4b: u32, e: u32) -> vec4f {
  let k = k0 + e / BN4;
  let j = j4b + e % BN4;
  if (k >= p.K || j >= p.N4) { return vec4f(0.0); }
  return B[bBase + k * p.N4 + j];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32
#if BLOCK_SUBGROUPS
  , @builtin(subgroup_invocation_id) sgLane: u32, @builtin(subgroup_size) sgSize: u32
#endif
) {
  let z = wid.z;
#if BLOCK_SUBGROUPS
  var slot = 0u;
  if (sgLane == 0u) { slot = atomicAdd(&subgroupCounter, 1u); }
  let place = subgroupBroadcast(slot, 0u) * sgSize + sgLane;
  let aLane = sgLane % RB;
#else
  let place = lid;
#endif
  let aBase = z * p.aStride;
  let bBase = z * p.bStride;
  let m4b = wid.y * BM4;
  let j4b = wid.x * BN4;
  // This invocation's tile inside the block: rows (place / WN)·R, vec4 columns (place % WN)·Q.
  let ra = (place / WN) * RB;
  let cb = (place % WN) * Q;
  {{DECLARE}}
  let tiles = (p.K + BK - 1u) / BK;
  // Tile 0 into buffer 0.
  {{FIRST}}
  workgroupBarrier();
  for (var t = 0u; t < tiles; t++) {
    let cur = (t & 1u);
    let k1 = (t + 1u) * BK;
    let more = t + 1u < tiles;
    // The next tile's loads, issued before the FMAs on this one (their values are only needed after them).
    {{PREFETCH}}
    let aOff = cur * BK * BM4 + ra;
    let bOff = cur * BK * BN4 + cb;
    for (var kk = 0u; kk < BK; kk++) {
      let a = aOff + kk * BM4;
      let b = bOff + kk * BN4;
      {{SHARED_STEP}}
    }
    if (more) {
      let nxt = 1u - cur;
      {{PUT}}
    }
    workgroupBarrier();
  }
  let m0 = (m4b + ra) * 4u;
  let j0 = j4b + cb;
  let cBase = z * p.cStride;
  {{STORE}}
}
#else

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u
#if SUBGROUP_A
  , @builtin(subgroup_invocation_id) lane: u32
#endif
) {
  let inv = wid.x * WG + lid.x;
  let m4 = (inv / p.CB) * RB;
#if SUBGROUP_A
  // No early return: every lane of the subgroup takes part in the broadcasts. Invocations past the last row
  // block load the last one and store nothing (their rows are past Mstore).
  let aBase = wid.z * p.aStride + min(m4, p.Mp4 - RB) + lane;
#else
  if (m4 >= p.Mp4) { return; }
  let aBase = wid.z * p.aStride + m4;
#endif
  let j0 = (inv % p.CB) * Q;
  let last = p.N4 - 1u;
  let z = wid.z;
  let bBase = z * p.bStride;
  {{DECLARE}}
  var k = 0u;
  for (; k + U <= p.K; k += U) {
    let a = aBase + k * p.Mp4;
    let b = bBase + k * p.N4;
    {{UNROLLED}}
  }
#if REMAINDER
  for (; k < p.K; k++) {
    let a = aBase + k * p.Mp4;
    let b = bBase + k * p.N4;
    {{STEP}}
  }
#endif
  let m0 = m4 * 4u;
  let cBase = z * p.cStride;
  {{STORE}}
}
#endif

// Row m0 + r, vec4 column j0 + q: α, bias, the addend (a residual connection), ReLU, and stored unless
// past Mstore or N.
fn store(cBase: u32, m: u32, j: u32, v: vec4f) {
  if (m >= p.Mstore || j >= p.N4) { return; }
  let at = cBase + m * p.N4 + j;
  var r = p.alpha * v;
#if BIAS
  r += vec4f(bias[m]);
#endif
#if ADDEND
  r += addend[at];
#endif
#if RELU
  r = max(r, vec4f(0.0));
#endif
#if C_PLANES
  // Each of the 4 pixels' S x S blocks (cut at the plane's edge): the value at its corner, zeros elsewhere.
  let n = 4u * j;
  let y0 = p.S * (n / p.outW);
  let x0 = p.S * (n % p.outW);
  let plane = cBase * 4u + m * p.H * p.W;
  for (var dy = 0u; dy < p.S && y0 + dy < p.H; dy++) {
    let row = plane + (y0 + dy) * p.W;
    for (var i = 0u; i < 4u * p.S && x0 + i < p.W; i++) {
      C[row + x0 + i] = select(0.0, r[i / p.S], dy == 0u && i % p.S == 0u);
    }
  }
#else
  C[at] = r;
#endif
}
