/**
 * The peer: the same conv2d and matmul math through TensorFlow.js's WebGPU backend
 * (@tensorflow/tfjs-backend-webgpu 4.22) on the same kind of adapter, in the same process.
 *
 * tfjs-webgpu looks for `navigator.gpu` when it is imported, so we install a Dawn GPU object opened with
 * the flags swagpu uses for that adapter (src/gpu/device.ts) before importing it. llvmpipe only exists
 * in compatibility mode, so its requestAdapter gets `featureLevel: 'compatibility'` added.
 * tfjs uses NHWC activations and HWIO filters; we build the tensors in that layout, so both libraries do
 * the same multiply-adds. Timing: tfjs batches its commands, so each run ends with the backend's
 * endComputePassEncoder() + submitQueue() and `await device.queue.onSubmittedWorkDone()`, as ours does with ctx.sync().
 */
import type { AdapterKind } from '../src/gpu/device.js';
import type { Conv2dGeometry } from '../src/kernels/conv2d-geometry.js';
import type { Timer } from './timing.js';
import { tfjsEvaluation } from './peer-tfjs-eval.js';
import { idleWait } from '../src/gpu/idle-wait.js';

export type PeerCase =
  | { op: 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'; geometry: Conv2dGeometry }
  | { op: 'matmul'; M: number; N: number; K: number }
  | { op: 'evaluation'; model: 'resnet50' | 'vgg19'; size: number };

type Tf = typeof import('@tensorflow/tfjs-core');
interface TfTensor { dispose(): void }
interface WebGpuBackend { device: GPUDevice; supportTimestampQuery: boolean; commandEncoder: GPUCommandEncoder | null; endComputePassEncoder(): void; submitQueue(): void }

/**
 * One case set up in tfjs: `once(timer)` runs it and returns its time in ms, timed as ours ('gpu': the kernel time
 * of `tf.time`, from timestamp queries; 'wall': to onSubmittedWorkDone); `dispose()` frees its tensors.
 */
export interface PeerRun { once(timer: Timer): Promise<number>; dispose(): void }

export interface TfjsPeer {
  description: string;
  /** Builds the case's inputs; the caller warms up with one `once()` and times the rest (bench/timing.ts, timeAlternating). */
  prepare(c: PeerCase): Promise<PeerRun>;
}

const DAWN_FLAGS: Record<string, string[]> = {
  llvmpipe: ['backend=opengl'],
  swiftshader: ['backend=vulkan', 'adapter=SwiftShader'],
  gpu: ['backend=vulkan'],
};

let peer: { kind: AdapterKind; ready: Promise<TfjsPeer> } | null = null;

/** One tfjs-webgpu backend per process (tfjs registers a single 'webgpu' backend), so on one adapter kind only. */
export function tfjsPeer(kind: AdapterKind): Promise<TfjsPeer> {
  peer ??= { kind, ready: createPeer(kind) };
  if (peer.kind !== kind) return Promise.reject(new Error(`--peer tfjs: this process's TF.js runs on ${peer.kind}; it cannot also run on ${kind} (one process per adapter)`));
  return peer.ready;
}

async function createPeer(kind: AdapterKind): Promise<TfjsPeer> {
  const flags = DAWN_FLAGS[kind];
  if (!flags) throw new Error(`--peer tfjs: no Dawn flags for adapter kind '${kind}'`);
  const moduleName = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ moduleName)) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  for (const [name, value] of Object.entries(dawn.globals)) (globalThis as Record<string, unknown>)[name] ??= value;
  const gpu = dawn.create(flags);
  keepAlive.push(gpu); // a collected Dawn instance takes its devices with it
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  const wrapped = {
    requestAdapter: (options: GPURequestAdapterOptions = {}) =>
      requestAdapter(kind === 'llvmpipe' ? ({ ...options, featureLevel: 'compatibility' } as GPURequestAdapterOptions) : options),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
  const tf: Tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('--peer tfjs: tfjs-backend-webgpu failed to initialise on this adapter');
  await tf.ready();
  const backend = tf.backend() as unknown as WebGpuBackend;
  const device = backend.device;
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return {
    description: `tfjs-backend-webgpu ${tf.version_core} (${info?.description || info?.device || kind})`,
    async prepare(c: PeerCase): Promise<PeerRun> {
      const inputs: TfTensor[] = [];
      const rand = (shape: number[]) => { const t = tf.randomUniform(shape, -0.5, 0.5); inputs.push(t); return t; };
      let op: () => TfTensor;
      if (c.op === 'evaluation') {
        const ev = await tfjsEvaluation(tf, c.model, c.size);
        inputs.push(ev);
        op = ev.run;
      } else if (c.op === 'matmul') {
        const a = rand([c.M, c.K]), b = rand([c.K, c.N]);
        op = () => tf.matMul(a, b);
      } else {
        const g = c.geometry;
        const strides: [number, number] = [g.stride, g.stride];
        const x = rand([g.N, g.H, g.W, g.C]), w = rand([g.KH, g.KW, g.C, g.O]), dy = rand([g.N, g.outH, g.outW, g.O]);
        const attrs = { strides, pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
        if (c.op === 'conv2d') op = () => tf.conv2d(x as never, w as never, strides, g.pad, 'NHWC');
        else if (c.op === 'conv2dBackwardInput') {
          op = () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w } as never, { ...attrs, inputShape: [g.N, g.H, g.W, g.C] } as never) as TfTensor;
        } else {
          op = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy } as never, { ...attrs, filterShape: [g.KH, g.KW, g.C, g.O] } as never) as TfTensor;
        }
      }
      // Both waits as ours (GpuContext): on SwiftShader, dawn.node's polling slowed to 1 ms, so neither side's
      // kernels share the cores with a busy main thread.
      const idle = kind === 'swiftshader';
      const once = async (timer: Timer): Promise<number> => {
        if (timer === 'gpu') {
          // tf.time runs each program in its own timed pass and sums their timestamps (its profiler's kernelMs).
          if (!backend.supportTimestampQuery) throw new Error('--peer tfjs: the timer is timestamp queries but tfjs-backend-webgpu has none on this adapter (try --wall-clock)');
          let y: TfTensor | null = null;
          const info = await idleWait(idle, () => tf.time(() => { y = op(); }));
          y!.dispose();
          if (typeof info.kernelMs !== 'number') throw new Error(`--peer tfjs: tf.time gave no kernel time (${JSON.stringify(info.kernelMs)})`);
          return info.kernelMs;
        }
        const t0 = performance.now();
        const y = op();
        if (backend.commandEncoder) {
          backend.endComputePassEncoder();
          backend.submitQueue();
        }
        await idleWait(idle, () => device.queue.onSubmittedWorkDone());
        const ms = performance.now() - t0;
        y.dispose();
        return ms;
      };
      return { once, dispose: () => { for (const t of inputs) t.dispose(); } };
    },
  };
}

const keepAlive: GPU[] = [];
