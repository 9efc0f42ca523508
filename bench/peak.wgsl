// Device peak: a vec4 FMA microbenchmark (bench/peak.ts).
// Layout: out is array<vec4<f32>>, one element per invocation; seeds is a uniform (a, b, iterations).
// Bindings: 0 uniform Params, 1 storage out (read_write).
// Dispatch: workgroups (X, 1, 1) of WG invocations; one invocation runs ITERS iterations of ACC
// independent vec4 FMA chains (acc_i = acc_i * a + b), i.e. ITERS·ACC·4 FMAs = ITERS·ACC·8 FLOPs.
// Independent chains hide FMA latency; the uniform seeds and the stored sum keep the compiler from
// folding or removing the loop. The result is meaningless; only the time matters.
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
  for (var i = 0u; i < params.iters; i++) {
    acc0 = fma(acc0, a, b);
    acc1 = fma(acc1, a, b);
    acc2 = fma(acc2, a, b);
    acc3 = fma(acc3, a, b);
    acc4 = fma(acc4, a, b);
    acc5 = fma(acc5, a, b);
    acc6 = fma(acc6, a, b);
    acc7 = fma(acc7, a, b);
  }
  out[gid.x] = acc0 + acc1 + acc2 + acc3 + acc4 + acc5 + acc6 + acc7;
}
