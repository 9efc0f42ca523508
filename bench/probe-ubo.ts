/**
 * Probe (bench/NOTES.md, "llvmpipe's loads"): the register gemm of gemm.wgsl for one product, written out in five
 * variants and timed alternating in one process on llvmpipe, to see what each way of loading costs there:
 *   0 ssbo: A and B from storage buffers (the kernel as it was);
 *   1 ubo: A from a uniform buffer (what gemm.ts uniformA now does where A fits one binding);
 *   2 ubo+tex: A uniform, B an rgba32float texture read with textureLoad;
 *   3 free: both loads replaced by values computed from k (timing only: the FMAs and the accumulators' cost);
 *   4 ubo-const: the k loop fully unrolled so A's address is a compile-time constant (timing only: every row block
 *     reads the first one's rows); llvmpipe then takes a scalar load and a broadcast. Slow to compile (minutes).
 * Variants 0-2 are checked against a float64 sum at four points of C.
 *   [PROBE_ADAPTER=swiftshader] node --import ./bin/register.mjs bench/probe-ubo.ts [K,M,N] [tiles RxC,...] [rounds] [modes 0,1,2,3,4]
 */
import { getContext } from '../src/gpu/context.js';
const ctx = await getContext((process.env.PROBE_ADAPTER ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader');
const dev = ctx.device;
console.log('maxUBO', ctx.gpu.limits.maxUniformBufferBindingSize, dev.limits.maxUniformBufferBindingSize);
const args = process.argv.slice(2);
const [K, M, N] = (args[0] ?? '256,64,3136').split(',').map(Number);
const tiles = (args[1] ?? '32x16,16x16,32x8,32x4,64x8').split(',').map((t) => t.split('x').map(Number));
const Mp4 = M / 4, N4 = N / 4;
function src(R: number, C: number, mode: number) {
  const ubo = mode >= 1;
  const RB = R / 4, Q = C / 4;
  const L: string[] = [];
  for (let r = 0; r < R; r++) for (let q = 0; q < Q; q++) L.push(`var c${r}_${q} = vec4f(0.0);`);
  const step: string[] = [];
  for (let i = 0; i < RB; i++) step.push(mode === 3 ? `let u${i} = vec4f(f32(a + ${i}u));` : `let u${i} = A[a + ${i}u];`);
  for (let q = 0; q < Q; q++) step.push(mode === 2 ? `let v${q} = textureLoad(Bt, vec2u(min(j0 + ${q}u, last), k), 0);` : mode === 3 ? `let v${q} = vec4f(f32(k + ${q}u));` : `let v${q} = B[b + min(j0 + ${q}u, last)];`);
  for (let r = 0; r < R; r++) for (let q = 0; q < Q; q++) step.push(`c${r}_${q} = fma(vec4f(u${r >> 2}[${r & 3}]), v${q}, c${r}_${q});`);
  const st: string[] = [];
  for (let r = 0; r < R; r++) for (let q = 0; q < Q; q++) st.push(`if (j0 + ${q}u < ${N4}u) { C[(m0 + ${r}u) * ${N4}u + j0 + ${q}u] = c${r}_${q}; }`);
  return `
${ubo ? `@group(0) @binding(0) var<uniform> A: array<vec4f, ${K * Mp4}>;` : `@group(0) @binding(0) var<storage, read> A: array<vec4f>;`}
${mode === 2 ? '@group(0) @binding(3) var Bt: texture_2d<f32>;' : ''}
@group(0) @binding(1) var<storage, read> B: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> C: array<vec4f>;
const CB = ${Math.ceil(N4 / Q)}u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let inv = gid.x;
  let m4 = (inv / CB) * ${RB}u;
  if (m4 >= ${Mp4}u) { return; }
  let j0 = (inv % CB) * ${Q}u;
  let last = ${N4 - 1}u;
  ${L.join('\n  ')}
  ${mode === 4 ? Array.from({ length: K }, (_, k) => `{ let k = ${k}u; let a = ${k * Mp4}u; let b = ${k * N4}u;\n    ${step.join('\n    ')} }`).join('\n  ') : `for (var k = 0u; k < ${K}u; k++) {
    let a = m4 + k * ${Mp4}u;
    let b = k * ${N4}u;
    ${step.join('\n    ')}
  }`}
  let m0 = m4 * 4u;
  ${st.join('\n  ')}
}`;
}
const aData = new Float32Array(K * M).map(() => Math.random());
const bData = new Float32Array(K * N).map(() => Math.random());
const aS = dev.createBuffer({ size: K * M * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
dev.queue.writeBuffer(aS, 0, aData);
const bS = dev.createBuffer({ size: K * N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
dev.queue.writeBuffer(bS, 0, bData);
const cS = dev.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const rd = dev.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
type V = { name: string; run: () => void };
const variants: V[] = [];
const modes = (args[3] ?? '0,1,2,3').split(',').map(Number);
const tex = dev.createTexture({ size: [N4, K], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
dev.queue.writeTexture({ texture: tex }, bData, { bytesPerRow: N * 4 }, [N4, K]);
for (const [R, C] of tiles) for (const mode of modes) {
  const ubo = mode;
  const mod = dev.createShaderModule({ code: src(R, C, mode) });
  const pipe = dev.createComputePipeline({ layout: 'auto', compute: { module: mod, entryPoint: 'main' } });
  const bg = dev.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [...[aS, bS, cS].map((buffer, binding) => ({ binding, resource: { buffer } as GPUBindingResource })).filter((e) => e.binding === 2 || (e.binding === 0 && mode !== 3) || (e.binding === 1 && (mode < 2 || mode === 4))), ...(mode === 2 ? [{ binding: 3, resource: tex.createView() }] : [])] });
  const inv = (M / R) * Math.ceil(N4 / (C / 4));
  variants.push({ name: `${R}x${C} ${['ssbo', 'ubo', 'ubo+tex', 'free', 'ubo-const'][mode]}`, run: () => {
    const enc = dev.createCommandEncoder(); const p = enc.beginComputePass(); p.setPipeline(pipe); p.setBindGroup(0, bg); p.dispatchWorkgroups(Math.ceil(inv / 64)); p.end(); dev.queue.submit([enc.finish()]);
  } });
}
// check one ubo result
async function check(v: V) {
  v.run();
  const enc = dev.createCommandEncoder(); enc.copyBufferToBuffer(cS, 0, rd, 0, M * N * 4); dev.queue.submit([enc.finish()]);
  await rd.mapAsync(GPUMapMode.READ); const c = new Float32Array(rd.getMappedRange().slice(0)); rd.unmap();
  let err = 0;
  for (const [m, n] of [[0, 0], [M - 1, N - 1], [5, 77], [M >> 1, N >> 1]]) { let s = 0; for (let k = 0; k < K; k++) s += aData[k * M + m] * bData[k * N + n]; err = Math.max(err, Math.abs(s - c[m * N + n]) / Math.abs(s)); }
  return err;
}
for (const v of variants) if (!v.name.includes('free') && !v.name.includes('const')) console.log(v.name, 'relerr', (await check(v)).toExponential(1));
const times = new Map<string, number[]>();
const runsN = Number(args[2] ?? 7);
for (let round = 0; round < runsN; round++) for (const v of round % 2 ? variants.slice().reverse() : variants) {
  const t0 = performance.now(); v.run(); v.run(); await dev.queue.onSubmittedWorkDone();
  times.set(v.name, [...(times.get(v.name) ?? []), (performance.now() - t0) / 2]);
}

const gf = (ms: number) => (2 * K * M * N / ms / 1e6).toFixed(1);
console.log(ctx.gpu.adapter.kind);
for (const [n, t] of times) { const s = t.slice().sort((a, b) => a - b); console.log(n.padEnd(12), 'median', s[s.length >> 1].toFixed(2), 'ms', gf(s[s.length >> 1]), 'GFLOP/s  best', gf(s[0])); }
process.exit(0);
