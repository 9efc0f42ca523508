/**
 * Tensor: a shape, a pooled GPU buffer (float32, row-major; activations NCHW), and the autograd fields.
 * A tensor owns its buffer until `dispose()` hands it back to the pool; touching a disposed tensor
 * throws an error naming the op that touched it and the op that made the tensor.
 *
 * Every tensor is registered with the innermost open `scope` (see scope.ts), which frees it when the
 * scope closes unless it is returned or kept.
 */
import type { GpuContext } from '../gpu/context.js';
import { fill } from '../kernels/pointwise/add.js';
import { track } from './scope.js';

export type Shape = readonly number[];

function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`tensor: bad shape [${shape}] (dimensions must be integers >= 0)`);
    n *= d;
  }
  return n;
}

export const fmtShape = (shape: Shape): string => `[${shape.join(',')}]`;

/** How an op's output was made, while recording (autograd.ts `record`): what `backward` walks. */
export interface Node {
  /** The op that made the output, e.g. 'conv2d' (errors and debugging). */
  op: string;
  inputs: Tensor[];
  /**
   * dLoss/dInputs from dLoss/dOutput `gy`; `needs[i]` says whether inputs[i] wants a gradient, and the
   * closure returns null for those that don't. It may return `gy` itself, or one tensor for two inputs.
   * `owned`: nothing else holds `gy` (no other tensor's gradient, not a caller's `gradient`), so the closure
   * may overwrite it (a ReLU's mask applied in place: one gradient-sized buffer less).
   */
  backward: (gy: Tensor, needs: boolean[], owned: boolean) => Array<Tensor | null>;
}

export interface TensorOptions { requiresGrad?: boolean; label?: string }

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  /** True for a trainable leaf (an image, a weight) or any result computed from one while recording. */
  requiresGrad: boolean;
  /** For leaves after `backward`: dLoss/dThis, owned by this tensor (accumulates across backward calls). */
  grad: Tensor | null = null;
  /** The op that made this tensor, with its backward closure (null for leaves and under noGrad). */
  node: Node | null = null;
  /** Exempt from scopes: freed only by an explicit dispose(). */
  kept = false;
  private _buffer: GPUBuffer | null;

  /** Wraps a buffer this tensor will own; prefer `Tensor.empty/from/zeros`. `label` names the op that made it. */
  constructor(readonly ctx: GpuContext, readonly shape: Shape, buffer: GPUBuffer, readonly label = 'tensor', requiresGrad = false) {
    this.size = shapeSize(shape);
    if (buffer.size < this.size * 4) throw new Error(`${label}: buffer of ${buffer.size} bytes is too small for shape ${fmtShape(shape)}`);
    this._buffer = buffer;
    this.requiresGrad = requiresGrad;
    track(this);
  }

  /** Uninitialised tensor (a reused pooled buffer holds stale data). */
  static empty(ctx: GpuContext, shape: Shape, opts: TensorOptions = {}): Tensor {
    const label = opts.label ?? 'empty';
    return new Tensor(ctx, shape, ctx.pool.acquire(shapeSize(shape) * 4, label), label, opts.requiresGrad);
  }

  /** Tensor filled with `value` on the GPU (recorded into the current step: no upload, no submit). */
  static full(ctx: GpuContext, shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
    const t = Tensor.empty(ctx, shape, { label: 'full', ...opts });
    fill(ctx, t.use(t.label), t.size, value);
    return t;
  }

  static zeros(ctx: GpuContext, shape: Shape, opts: TensorOptions = {}): Tensor {
    return Tensor.full(ctx, shape, 0, { label: 'zeros', ...opts });
  }

  /** Tensor holding `data` (uploaded now). */
  static from(ctx: GpuContext, data: ArrayLike<number>, shape: Shape, opts: TensorOptions = {}): Tensor {
    const label = opts.label ?? 'from';
    const n = shapeSize(shape);
    if (data.length !== n) throw new Error(`${label}: ${data.length} values do not fill shape ${fmtShape(shape)} (${n} elements)`);
    const t = new Tensor(ctx, shape, ctx.pool.acquire(n * 4, label), label, opts.requiresGrad);
    if (n > 0) ctx.upload(t.buffer, data instanceof Float32Array ? data : Float32Array.from(data));
    return t;
  }

  get disposed(): boolean { return this._buffer === null; }

  /** The buffer; throws if disposed. Ops call `use(opName)` instead so the error names them. */
  get buffer(): GPUBuffer { return this.use('buffer'); }

  /** The buffer for op `op`; throws a clear error if this tensor was disposed. */
  use(op: string): GPUBuffer {
    if (!this._buffer) {
      throw new Error(`${op}: tensor ${fmtShape(this.shape)} (made by ${this.label}) was used after dispose() ` +
        '(freed by its scope or explicitly; return it from the scope or keep() it to use it later)');
    }
    return this._buffer;
  }

  /** Copy the values back to the CPU (submits the pending work). */
  async read(): Promise<Float32Array> {
    return this.ctx.readF32(this.use('read'), this.size);
  }

  /**
   * Hand the buffer back to the pool (and this leaf's grad with it). Disposing twice is a no-op.
   * The node stays, so a backward through a freed tensor fails loudly instead of treating it as a leaf.
   */
  dispose(): void {
    if (!this._buffer) return;
    this.ctx.pool.release(this._buffer);
    this._buffer = null;
    this.grad?.dispose();
    this.grad = null;
  }

  toString(): string { return `Tensor${fmtShape(this.shape)}(${this.label}${this.requiresGrad ? ', requiresGrad' : ''})`; }
}
