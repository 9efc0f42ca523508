// The smallest useful launch (src/bench/launch-cost.ts): one workgroup whose first invocation adds a uniform to
// one element of a buffer, so consecutive launches depend on each other, as an evaluation's chain of kernels does.
struct Params { value: f32, index: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { out[params.index] = out[params.index] + params.value; }
}
