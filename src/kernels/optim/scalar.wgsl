// A short program of scalar ops on slots of one float32 buffer, run by a single invocation, so an
// optimiser (L-BFGS: ρ = 1/(y·s), αᵢ = ρᵢ·(sᵢ·q), γ = (y·s)/(y·y), …) never reads scalars back.
// Bindings: 0 uniform {count, ops}; 1 s (read_write): the scalar slots.
// Dispatch (1, 1, 1), workgroup size 1: ops run in order, each seeing the results of the ones before.
// Op i is two vec4u words: (code, out, flags, a), (b, c, 0, 0). Operand k (a, b, c) is s[word] if flag
// bit k is 0, or the float32 constant bitcast<f32>(word) if it is 1.
// Codes: 0 set: a | 1 add: a + b | 2 sub: a − b | 3 mul: a·b | 4 div: a / b | 5 min | 6 max
//        7 greater: 1 if a > b else 0 | 8 where: b if a > 0 else c
struct Params { count: u32, pad0: u32, pad1: u32, pad2: u32, ops: array<vec4u, {{WORDS}}> }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> s: array<f32>;

fn operand(word: u32, isConst: bool) -> f32 {
  if (isConst) { return bitcast<f32>(word); }
  return s[word];
}

@compute @workgroup_size(1)
fn main() {
  for (var i = 0u; i < p.count; i++) {
    let w0 = p.ops[2u * i];
    let w1 = p.ops[2u * i + 1u];
    let a = operand(w0.w, (w0.z & 1u) != 0u);
    let b = operand(w1.x, (w0.z & 2u) != 0u);
    let c = operand(w1.y, (w0.z & 4u) != 0u);
    var r = a;
    switch w0.x {
      case 1u: { r = a + b; }
      case 2u: { r = a - b; }
      case 3u: { r = a * b; }
      case 4u: { r = a / b; }
      case 5u: { r = min(a, b); }
      case 6u: { r = max(a, b); }
      case 7u: { r = select(0.0, 1.0, a > b); }
      case 8u: { r = select(c, b, a > 0.0); }
      default: { r = a; }
    }
    s[w0.y] = r;
  }
}
