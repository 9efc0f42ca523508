/**
 * Re-laid-out copies of frozen conv weights (transposed for the direct kernels, Winograd-transformed for
 * conv2d-winograd), computed once per (weights key, layout) instead of on every call: a ResNet-50 step
 * would otherwise run ~100 weight transforms. The key is an object standing for the weights' values —
 * the engine passes the weight Tensor when it does not require grad; a tensor's buffer never changes and
 * the engine never writes a frozen tensor after upload. The buffers are created here, outside the pool
 * (they live as long as the key, so they would read as a leak in pool statistics), and destroyed after
 * the key is garbage-collected, at the next call after a submit.
 */
import type { GpuContext } from '../../gpu/context.js';

interface CachedLayouts { w: GPUBuffer; layouts: Map<string, GPUBuffer> }
const weightCache = new WeakMap<object, CachedLayouts>();
const orphaned: GPUBuffer[] = [];
const finalizer = new FinalizationRegistry<Map<string, GPUBuffer>>((layouts) => { orphaned.push(...layouts.values()); });

/** Bytes held by cached weight layouts (reported by benches; not part of the pool's statistics). */
export const conv2dWeightCache = { bytes: 0 };

/**
 * The layout `id` of weights w: with a key (and caching on), the cached buffer, made by `encode` on first
 * use; without, a pooled buffer that `encode` fills now and the caller releases (`pooled`).
 */
export function weightLayout(
  ctx: GpuContext, w: GPUBuffer, key: object | undefined, cache: boolean, id: string, elements: number, label: string,
  encode: (dst: GPUBuffer) => void,
): { wt: GPUBuffer; pooled: boolean } {
  if (!key || !cache) {
    const wt = ctx.pool.acquire(elements * 4, label);
    encode(wt);
    return { wt, pooled: true };
  }
  if (orphaned.length) {
    ctx.submit(); // recorded launches may still read them: submit first, then destroy (Dawn frees after the work)
    for (const b of orphaned.splice(0)) { conv2dWeightCache.bytes -= b.size; b.destroy(); }
  }
  let entry = weightCache.get(key);
  if (entry && entry.w !== w) throw new Error(`conv2d: weightsKey was used with two different weight buffers ("${entry.w.label}", "${w.label}")`);
  if (!entry) {
    entry = { w, layouts: new Map() };
    weightCache.set(key, entry);
    finalizer.register(key, entry.layouts);
  }
  let wt = entry.layouts.get(id);
  if (!wt) {
    wt = ctx.device.createBuffer({ size: Math.max(16, elements * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM, label: `${label}, cached` }); // UNIFORM: gemm's uniformA
    conv2dWeightCache.bytes += wt.size;
    encode(wt);
    entry.layouts.set(id, wt);
  }
  return { wt, pooled: false };
}
