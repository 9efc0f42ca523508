// Device peak: a vec4 FMA microbenchmark (bench/peak.ts).
// Layout: out is array<vec4<f32>>, one element per invocation; seeds is a uniform (a, b, iterations).
// Bindings: 0 uniform Params, 1 storage out (read_write).
// Dispatch: workgroups (X, 1, 1) of WG invocations; one invocation runs ITERS iterations of 4 steps of 16
// independent vec4 FMA chains (acc_i = acc_i * a + b), i.e. ITERS·64·4 FMAs = ITERS·512 FLOPs.
// Independent chains hide FMA latency; the uniform seeds and the stored sum keep the compiler from
// folding or removing the loop. The result is meaningless; only the time matters.
// Several steps per iteration: the CPU adapters merge every loop-carried value with the active-lane mask once
// per iteration (SwiftShader: 3 vector ops per lane), which with one step per iteration is most of the loop's
// work. 4 steps measured 2.6x one on SwiftShader (18 against 7 GFLOP/s) and 1.6-1.9x on llvmpipe; 8 steps of 4
// chains the same as 4 of 16 on both (exp probe, bench/RESULTS.md session 6).
struct Params { a: vec4<f32>, b: vec4<f32>, iters: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let a = params.a;
  let b = params.b;
  let s = f32(gid.x) * 1e-7;
  var acc0 = vec4<f32>(s, s + 0.1, s + 0.2, s + 0.3);
  var acc1 = acc0 + 0.01;
  var acc2 = acc0 + 0.02;
  var acc3 = acc0 + 0.03;
  var acc4 = acc0 + 0.04;
  var acc5 = acc0 + 0.05;
  var acc6 = acc0 + 0.06;
  var acc7 = acc0 + 0.07;
  var acc8 = acc0 + 0.08;
  var acc9 = acc0 + 0.09;
  var acc10 = acc0 + 0.10;
  var acc11 = acc0 + 0.11;
  var acc12 = acc0 + 0.12;
  var acc13 = acc0 + 0.13;
  var acc14 = acc0 + 0.14;
  var acc15 = acc0 + 0.15;
  for (var i = 0u; i < params.iters; i++) {
    acc0 = fma(acc0, a, b);
    acc1 = fma(acc1, a, b);
    acc2 = fma(acc2, a, b);
    acc3 = fma(acc3, a, b);
    acc4 = fma(acc4, a, b);
    acc5 = fma(acc5, a, b);
    acc6 = fma(acc6, a, b);
    acc7 = fma(acc7, a, b);
    acc8 = fma(acc8, a, b);
    acc9 = fma(acc9, a, b);
    acc10 = fma(acc10, a, b);
    acc11 = fma(acc11, a, b);
    acc12 = fma(acc12, a, b);
    acc13 = fma(acc13, a, b);
    acc14 = fma(acc14, a, b);
    acc15 = fma(acc15, a, b);
    acc0 = fma(acc0, a, b);
    acc1 = fma(acc1, a, b);
    acc2 = fma(acc2, a, b);
    acc3 = fma(acc3, a, b);
    acc4 = fma(acc4, a, b);
    acc5 = fma(acc5, a, b);
    acc6 = fma(acc6, a, b);
    acc7 = fma(acc7, a, b);
    acc8 = fma(acc8, a, b);
    acc9 = fma(acc9, a, b);
    acc10 = fma(acc10, a, b);
    acc11 = fma(acc11, a, b);
    acc12 = fma(acc12, a, b);
    acc13 = fma(acc13, a, b);
    acc14 = fma(acc14, a, b);
    acc15 = fma(acc15, a, b);
    acc0 = fma(acc0, a, b);
    acc1 = fma(acc1, a, b);
    acc2 = fma(acc2, a, b);
    acc3 = fma(acc3, a, b);
    acc4 = fma(acc4, a, b);
    acc5 = fma(acc5, a, b);
    acc6 = fma(acc6, a, b);
    acc7 = fma(acc7, a, b);
    acc8 = fma(acc8, a, b);
    acc9 = fma(acc9, a, b);
    acc10 = fma(acc10, a, b);
    acc11 = fma(acc11, a, b);
    acc12 = fma(acc12, a, b);
    acc13 = fma(acc13, a, b);
    acc14 = fma(acc14, a, b);
    acc15 = fma(acc15, a, b);
    acc0 = fma(acc0, a, b);
    acc1 = fma(acc1, a, b);
    acc2 = fma(acc2, a, b);
    acc3 = fma(acc3, a, b);
    acc4 = fma(acc4, a, b);
    acc5 = fma(acc5, a, b);
    acc6 = fma(acc6, a, b);
    acc7 = fma(acc7, a, b);
    acc8 = fma(acc8, a, b);
    acc9 = fma(acc9, a, b);
    acc10 = fma(acc10, a, b);
    acc11 = fma(acc11, a, b);
    acc12 = fma(acc12, a, b);
    acc13 = fma(acc13, a, b);
    acc14 = fma(acc14, a, b);
    acc15 = fma(acc15, a, b);
  }
  out[gid.x] = acc0 + acc1 + acc2 + acc3 + acc4 + acc5 + acc6 + acc7 + acc8 + acc9 + acc10 + acc11 + acc12 + acc13 + acc14 + acc15;
}
