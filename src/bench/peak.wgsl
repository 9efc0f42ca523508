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
// chains the same as 4 of 16 on both (exp probe, bench/NOTES.md session 6).
// peak.ts writes the lines out (WGSL has no unrolling macro): DECLARE the 16 accumulators acc{i}, STEP one FMA
// per chain (repeated 4 times in the loop), SUM their sum.
struct Params { a: vec4<f32>, b: vec4<f32>, iters: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size({{WG}})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let a = params.a;
  let b = params.b;
  let s = f32(gid.x) * 1e-7;
  {{DECLARE}}
  for (var i = 0u; i < params.iters; i++) {
    {{STEP}}
    {{STEP}}
    {{STEP}}
    {{STEP}}
  }
  out[gid.x] = {{SUM}};
}
