/**
 * Optimiser vector ops on the GPU, elementwise over n float32s (flat vectors, any n up to the binding
 * limit; 1-D launches fold into y past 65535 workgroups): Adam, axpy, scale, copy (optim.wgsl),
 * reductions to a GPU scalar (dot.wgsl) and short programs of scalar ops on GPU slots (scalar.wgsl).
 *
 * L-BFGS without readbacks. Keep every scalar in one small GPU buffer `s` of named slots and express the
 * two-loop recursion of torch.optim.LBFGS (Nocedal & Wright, Algorithm 7.4) as:
 *
 *   y = g − g_prev:        copy(g → y); axpy(y += −1·g_prev)
 *   s = t·d:               copy(d → s); scale(s, alpha: {buffer: s, index: T})
 *   ys = y·s, yy = y·y:    dot(y, s → YS); dot(y, y → YY)            (a === b uses the Σ a² variant)
 *   curvature guard:       scalarOps: OK = greater(YS, 1e-10); RHO_k = where(OK, 1/YS, 0); H = where(OK, YS/YY, H)
 *                          (a rejected pair gets ρ = 0 and drops out of both loops below, as torch skips it)
 *   q = −g:                copy(g → q); scale(q, −1)
 *   for i newest → oldest: dot(s_i, q → T); scalarOps: AL_i = RHO_i·T; axpy(q += −1·AL_i·y_i)
 *   r = H·q:               scale(q, {H})
 *   for i oldest → newest: dot(y_i, r → T); scalarOps: BE = RHO_i·T, D = AL_i − BE; axpy(r += D·s_i)
 *   step length:           vectorReduce(g, 'abssum' → G1); scalarOps: T = min(1, 1/G1)·lr (first iteration)
 *   convergence tests:     vectorReduce(g, 'absmax' → GMAX), dot(g, d → GTD): read back only when asked.
 *
 * Scalars live in any GPU buffer: pass `{ buffer, index }` (a ScalarRef) wherever a scalar is read or written.
 */
import optimSource from './optim.wgsl';
import dotSource from './dot.wgsl';
import scalarSource from './scalar.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkRange, elementChunks, elementwiseGrid, uniformBlock } from '../launch.js';

/** One float32 in a GPU buffer: element `index` (default 0) of `buffer`. */
export interface ScalarRef { buffer: GPUBuffer; index?: number }

function isScalarRef(v: unknown): v is ScalarRef {
  return typeof v === 'object' && v !== null && 'buffer' in v;
}

function asRef(v: GPUBuffer | ScalarRef): Required<ScalarRef> {
  return isScalarRef(v) ? { buffer: v.buffer, index: v.index ?? 0 } : { buffer: v, index: 0 };
}

function checkVectors(op: string, ctx: GpuContext, n: number, vectors: Record<string, GPUBuffer>): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${op}: n (${n}) must be a non-negative integer`);
  const seen = new Map<GPUBuffer, string>();
  for (const [name, buffer] of Object.entries(vectors)) {
    const other = seen.get(buffer);
    if (other) throw new Error(`${op}: '${name}' and '${other}' are the same buffer (aliasing is not allowed in one dispatch)`);
    seen.set(buffer, name);
  }
  for (const [name, buffer] of Object.entries(vectors)) {
    if (name.startsWith('scalar')) continue;
    if (buffer.size < n * 4) throw new Error(`${op}: '${name}' has ${buffer.size} bytes, needs ${n * 4} for n = ${n}`);
    ctx.checkBinding(op, `'${name}' (${n} floats)`, n * 4);
  }
}

function checkScalar(op: string, what: string, ref: Required<ScalarRef>): void {
  if (!Number.isInteger(ref.index) || ref.index < 0 || (ref.index + 1) * 4 > ref.buffer.size) {
    throw new Error(`${op}: ${what} index ${ref.index} is outside its ${ref.buffer.size}-byte buffer`);
  }
}

export interface AdamArgs {
  param: GPUBuffer; grad: GPUBuffer; m: GPUBuffer; v: GPUBuffer; n: number;
  lr: number; beta1: number; beta2: number; eps: number;
  /** 1 for the first step (bias correction uses β^step). */
  step: number;
}

/** One Adam step in place on param, m, v (torch.optim.Adam semantics; m and v start at zero). */
export function adamStep(ctx: GpuContext, { param, grad, m, v, n, lr, beta1, beta2, eps, step }: AdamArgs): void {
  checkVectors('adamStep', ctx, n, { param, grad, m, v });
  if (!Number.isInteger(step) || step < 1) throw new Error(`adamStep: step (${step}) must be an integer >= 1`);
  const { workgroups, uniforms: grid } = elementwiseGrid(ctx, n);
  const uniforms = uniformBlock([
    { u32: grid[0] }, { u32: grid[1] }, { f32: lr / (1 - beta1 ** step) }, { f32: Math.sqrt(1 - beta2 ** step) },
    { f32: beta1 }, { f32: beta2 }, { f32: 1 - beta1 }, { f32: 1 - beta2 }, { f32: eps },
  ]);
  ctx.launch({ name: 'adamStep', source: optimSource, defines: { ADAM: true, AXPY: false, SCALE: false, ALPHA_BUFFER: false } },
    { buffers: [param, grad, m, v], uniforms, workgroups });
}

/** A scale factor: a constant, or `alphaScale · buffer[index]` read on the GPU. */
export type Alpha = number | GPUBuffer | ScalarRef;

/** The scalar buffer (or null) and uniform fields {alpha, alphaIndex} of a scale factor. */
function alphaFields(op: string, alpha: Alpha, alphaScale: number) {
  if (typeof alpha === 'number') return { onGpu: null, fields: [{ f32: alpha * alphaScale }, { u32: 0 }] };
  const ref = asRef(alpha);
  checkScalar(op, 'alpha', ref);
  return { onGpu: ref.buffer, fields: [{ f32: alphaScale }, { u32: ref.index }] };
}

/** Shape checks (each vector holds n floats), then one launch per binding-sized chunk of the vectors. */
function launchVectorChunks(ctx: GpuContext, op: 'axpy' | 'scale', vectors: Record<string, GPUBuffer>, n: number, alpha: Alpha, alphaScale: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${op}: n (${n}) must be a non-negative integer`);
  const { onGpu, fields } = alphaFields(op, alpha, alphaScale);
  const all = onGpu ? { ...vectors, scalar: onGpu } : vectors;
  const seen = new Map<GPUBuffer, string>();
  for (const [name, buffer] of Object.entries(all)) {
    const other = seen.get(buffer);
    if (other) throw new Error(`${op}: '${name}' and '${other}' are the same buffer (aliasing is not allowed in one dispatch)`);
    seen.set(buffer, name);
    if (name !== 'scalar' && buffer.size < n * 4) throw new Error(`${op}: '${name}' has ${buffer.size} bytes, needs ${n * 4} for n = ${n}`);
  }
  const defines = { ADAM: false, AXPY: op === 'axpy', SCALE: op === 'scale', ALPHA_BUFFER: !!onGpu };
  for (const c of elementChunks(ctx, 0, n)) {
    const { workgroups, uniforms: grid } = elementwiseGrid(ctx, c.count);
    const uniforms = uniformBlock([{ u32: grid[0] }, { u32: grid[1] }, ...fields, { u32: c.skip }] as Parameters<typeof uniformBlock>[0]);
    const buffers = [...Object.values(vectors).map((b) => chunkRange(b, c)), ...(onGpu ? [onGpu] : [])];
    ctx.launch({ name: op, source: optimSource, defines }, { buffers, uniforms, workgroups });
  }
}

/** y ← y + alphaScale·α·x, α a number or a GPU scalar. Vectors larger than one binding run in chunks. */
export function axpy(ctx: GpuContext, { y, x, n, alpha, alphaScale = 1 }: { y: GPUBuffer; x: GPUBuffer; n: number; alpha: Alpha; alphaScale?: number }): void {
  launchVectorChunks(ctx, 'axpy', { x, y }, n, alpha, alphaScale);
}

/** x ← alphaScale·α·x, α a number or a GPU scalar. Vectors larger than one binding run in chunks. */
export function scale(ctx: GpuContext, { x, n, alpha, alphaScale = 1 }: { x: GPUBuffer; n: number; alpha: Alpha; alphaScale?: number }): void {
  launchVectorChunks(ctx, 'scale', { x }, n, alpha, alphaScale);
}

/** dst[dstOffset + i] ← src[srcOffset + i] for i < n (offsets in elements). */
export function copy(ctx: GpuContext, { src, dst, n, srcOffset = 0, dstOffset = 0 }: { src: GPUBuffer; dst: GPUBuffer; n: number; srcOffset?: number; dstOffset?: number }): void {
  checkVectors('copy', ctx, 0, { src, dst });
  if ((srcOffset + n) * 4 > src.size || (dstOffset + n) * 4 > dst.size) {
    throw new Error(`copy: ${n} floats at src offset ${srcOffset} / dst offset ${dstOffset} overrun src (${src.size} bytes) or dst (${dst.size} bytes)`);
  }
  ctx.checkBinding('copy', `src (${src.size} bytes)`, src.size);
  ctx.checkBinding('copy', `dst (${dst.size} bytes)`, dst.size);
  const { workgroups, uniforms: grid } = elementwiseGrid(ctx, n);
  ctx.launch({ name: 'copy', source: optimSource, defines: { ADAM: false, AXPY: false, SCALE: false, ALPHA_BUFFER: false } },
    { buffers: [src, dst], uniforms: new Uint32Array([grid[0], grid[1], srcOffset, dstOffset]), workgroups });
}

export type VectorReduction = 'sumsq' | 'abssum' | 'absmax';
/** At most this many stage-1 workgroups of 64 invocations (one partial each: <= 4096 partials). */
const MAX_GROUPS = 64;
const PARTIAL_WORKGROUP = 64;
/** Elements per invocation before another workgroup is added (up to MAX_GROUPS workgroups). */
const ITEMS_PER_THREAD = 64;

function reduce(ctx: GpuContext, kind: 'dot' | VectorReduction, a: GPUBuffer, b: GPUBuffer | null, n: number, out: GPUBuffer | ScalarRef): void {
  const op = kind === 'dot' ? 'dot' : `vectorReduce(${kind})`;
  const target = asRef(out);
  checkScalar(op, 'out', target);
  checkVectors(op, ctx, n, b ? { a, b } : { a });
  if (target.buffer === a || target.buffer === b) throw new Error(`${op}: out must not be an input buffer`);
  const defines = { DOT: kind === 'dot', SUMSQ: kind === 'sumsq', ABSMAX: kind === 'absmax' };
  const groups = Math.max(1, Math.min(MAX_GROUPS, Math.ceil(n / (PARTIAL_WORKGROUP * ITEMS_PER_THREAD))));
  const count = groups * PARTIAL_WORKGROUP;
  const partials = ctx.pool.acquire(count * 4, `${op} partials`);
  ctx.launch({ name: `${kind}Partial`, source: dotSource, defines: { ...defines, PARTIAL: true } },
    { buffers: b ? [a, b, partials] : [a, partials], uniforms: new Uint32Array([n, count]), workgroups: [groups] });
  ctx.launch({ name: `${kind}Final`, source: dotSource, defines: { ...defines, PARTIAL: false } },
    { buffers: [partials, target.buffer], uniforms: new Uint32Array([count, target.index]), workgroups: [1] });
  // Safe to hand back at once: later launches that reuse it are recorded (and run) after these two.
  ctx.pool.release(partials);
}

/** out ← a·b (Σ a[i]·b[i] over n), written on the GPU. With a === b it computes Σ a² without aliasing. */
export function dot(ctx: GpuContext, { a, b, out, n }: { a: GPUBuffer; b: GPUBuffer; out: GPUBuffer | ScalarRef; n: number }): void {
  if (a === b) reduce(ctx, 'sumsq', a, null, n, out);
  else reduce(ctx, 'dot', a, b, n, out);
}

/** out ← Σ x², Σ |x| or max |x| over n elements, written on the GPU. */
export function vectorReduce(ctx: GpuContext, { x, out, n, op }: { x: GPUBuffer; out: GPUBuffer | ScalarRef; n: number; op: VectorReduction }): void {
  reduce(ctx, op, x, null, n, out);
}

/** A scalar operand: a constant, or `slot(i)` for element i of the scalar buffer. */
export type ScalarArg = number | { slot: number };
export const slot = (index: number): { slot: number } => ({ slot: index });

export const SCALAR_OP_CODES = { set: 0, add: 1, sub: 2, mul: 3, div: 4, min: 5, max: 6, greater: 7, where: 8 } as const;
export type ScalarOpName = keyof typeof SCALAR_OP_CODES;
/**
 * s[out] ← op(a, b, c). set: a; add/sub/mul/div/min/max: a ∘ b; greater: 1 if a > b else 0;
 * where: b if a > 0 else c.
 */
export interface ScalarOp { op: ScalarOpName; out: number; a: ScalarArg; b?: ScalarArg; c?: ScalarArg }

const MAX_SCALAR_OPS = 16;

/** Run `ops` in order on slots of `scalars` (one dispatch per 16 ops), with no readback. */
export function scalarOps(ctx: GpuContext, scalars: GPUBuffer, ops: ScalarOp[]): void {
  const slots = Math.floor(scalars.size / 4);
  const f32Bits = new Uint32Array(new Float32Array(1).buffer);
  const word = (arg: ScalarArg | undefined, what: string, i: number): [number, boolean] => {
    if (arg === undefined) return [0, false];
    if (typeof arg === 'number') { new Float32Array(f32Bits.buffer)[0] = arg; return [f32Bits[0], true]; }
    if (!Number.isInteger(arg.slot) || arg.slot < 0 || arg.slot >= slots) throw new Error(`scalarOps: op ${i} (${ops[i].op}) ${what} slot ${arg.slot} is outside the ${slots}-slot buffer`);
    return [arg.slot, false];
  };
  for (let start = 0; start < ops.length; start += MAX_SCALAR_OPS) {
    const chunk = ops.slice(start, start + MAX_SCALAR_OPS);
    const data = new Uint32Array(4 + 8 * MAX_SCALAR_OPS);
    data[0] = chunk.length;
    chunk.forEach((o, k) => {
      const i = start + k;
      if (!(o.op in SCALAR_OP_CODES)) throw new Error(`scalarOps: op ${i} has unknown code '${o.op}'`);
      if (!Number.isInteger(o.out) || o.out < 0 || o.out >= slots) throw new Error(`scalarOps: op ${i} (${o.op}) out slot ${o.out} is outside the ${slots}-slot buffer`);
      const needs = o.op === 'set' ? 1 : o.op === 'where' ? 3 : 2;
      if ((needs >= 2 && o.b === undefined) || (needs === 3 && o.c === undefined)) throw new Error(`scalarOps: op ${i} (${o.op}) needs ${needs} operands`);
      const [a, ca] = word(o.a, 'a', i);
      const [b, cb] = word(o.b, 'b', i);
      const [c, cc] = word(o.c, 'c', i);
      data.set([SCALAR_OP_CODES[o.op], o.out, (ca ? 1 : 0) | (cb ? 2 : 0) | (cc ? 4 : 0), a, b, c, 0, 0], 4 + 8 * k);
    });
    ctx.launch({ name: 'scalarOps', source: scalarSource, defines: { WORDS: 2 * MAX_SCALAR_OPS } }, { buffers: [scalars], uniforms: data, workgroups: [1] });
  }
}
