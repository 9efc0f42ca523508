/**
 * Which launches of a stylize step compute on subnormal (denormal) floats. x86 CPUs take a microcode assist on
 * every subnormal operand or result (~20-100x slower per FMA), so on the CPU adapters a launch whose inputs are
 * subnormal can take seconds (bench/RESULTS.md, "Subnormal Gram gradients").
 *
 *   node --import ./bin/register.mjs bench/denormal-scan.ts [--preset=swag] [--size=192] [--iters=1] [--adapter=llvmpipe]
 *
 * After every launch it records a small scan kernel over each storage buffer the launch bound (inputs and
 * outputs, after the launch): the count of subnormal floats and the smallest non-zero |x|, accumulated with
 * atomics on the GPU (no readback until the end). Prints every launch that bound a buffer holding subnormals.
 * Integer buffers (pooling indices, counts) would show up as "subnormal" too: small integers' bit patterns are
 * subnormal floats; the kernel names tell them apart.
 */
import { createEngine } from '../src/node.js';
import type { LaunchArgs } from '../src/gpu/recorder.js';
import type { KernelSpec } from '../src/gpu/pipelines.js';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const preset = opt('preset', 'swag');
const size = Number(opt('size', '192'));
const iters = Number(opt('iters', '1'));
/** Also print every launch of kernels matching this pattern, subnormal or not (e.g. --show=gemm). */
const show = new RegExp(opt('show', '^$'));
/** Only launches whose bindings include one of this many floats (e.g. --floats=4194304: a 2048² Gram). */
const floats = Number(opt('floats', '0'));
const engine = await createEngine({ adapter: opt('adapter', 'llvmpipe') as 'llvmpipe' });
const ctx = engine.context;

const SLOTS = 1 << 16;
const stats = ctx.device.createBuffer({ size: SLOTS * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
const init = new Uint32Array(SLOTS * 4);
for (let i = 0; i < SLOTS; i++) init[i * 4 + 1] = 0x7f800000; // min |nonzero| starts at +inf
ctx.device.queue.writeBuffer(stats, 0, init);
const scanSource = /* wgsl */ `
struct P { n: u32, slot: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> s: array<atomic<u32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  var sub = 0u; var mn = 0x7f800000u; var nz = 0u; var mx = 0u;
  for (var i = gid.x; i < p.n; i += 256u * 64u) {
    let b = x[i] & 0x7fffffffu;
    if (b != 0u && b < 0x7f800000u) { nz += 1u; mn = min(mn, b); mx = max(mx, b); if (b < 0x00800000u) { sub += 1u; } }
  }
  atomicAdd(&s[p.slot * 4u], sub);
  atomicMin(&s[p.slot * 4u + 1u], mn);
  atomicAdd(&s[p.slot * 4u + 2u], nz);
  atomicMax(&s[p.slot * 4u + 3u], mx);
}`;
interface Slot { seq: number; kernel: string; binding: number; n: number }
const slots: Slot[] = [];
let seq = 0;
let scanning = true;
const launch = ctx.launch.bind(ctx);
ctx.launch = (spec: KernelSpec, a: LaunchArgs) => {
  launch(spec, a);
  if (!scanning) return;
  seq += 1;
  a.buffers.forEach((b, i) => {
    const bytes = 'buffer' in b ? b.size ?? b.buffer.size - (b.offset ?? 0) : b.size;
    const n = Math.floor(bytes / 4);
    if (n === 0 || slots.length >= SLOTS) return;
    slots.push({ seq, kernel: spec.name, binding: i, n });
    launch({ name: 'denormalScan', source: scanSource, defines: {} }, {
      buffers: [b, stats], uniforms: new Uint32Array([n, slots.length - 1, 0, 0]), workgroups: [64, 1, 1],
    });
  });
};

const out = await engine.stylize({ preset, size, iterations: iters, seed: 1 } as never);
scanning = false;
const s = new Uint32Array(await ctx.readBytes(stats, SLOTS * 16));
const f32 = new Float32Array(s.buffer);
const hits = new Map<number, string[]>();
slots.forEach((sl, i) => {
  const sub = s[i * 4];
  const shown = show.test(sl.kernel) && (!floats || slots.some((o) => o.seq === sl.seq && o.n === floats));
  if (sub === 0 && !shown) return;
  const line = `  binding ${sl.binding} (${sl.n} floats): ${sub} subnormal of ${s[i * 4 + 2]} non-zero, min |x| ${f32[i * 4 + 1].toExponential(3)}, max ${f32[i * 4 + 3].toExponential(3)}`;
  hits.set(sl.seq, [...(hits.get(sl.seq) ?? [`launch ${sl.seq} ${sl.kernel}`]), line]);
});
console.log(`${preset} ${size}px, ${iters} iteration(s): ${seq} launches scanned (${slots.length} bindings), ${hits.size} with subnormals; loss.start ${out.loss?.start ?? JSON.stringify(Object.keys(out))}`);
const byKernel = new Map<string, number>();
for (const [, lines] of hits) byKernel.set(lines[0].split(' ')[2], (byKernel.get(lines[0].split(' ')[2]) ?? 0) + 1);
console.log('by kernel:', [...byKernel].map(([k, v]) => `${k} ${v}`).join(', ') || 'none');
for (const [, lines] of hits) console.log(lines.join('\n'));
engine.dispose?.();
process.exit(0);
