/**
 * The peer: the same conv2d, matmul and style-evaluation math through TensorFlow.js's WebGPU backend
 * (@tensorflow/tfjs-backend-webgpu 4.22) on the same adapter, in the same process.
 *
 * This file is browser-safe. `tfjsPeerOn` wraps a tfjs whose 'webgpu' backend is ready; two callers open one:
 * src/bench/peer-tfjs-node.ts on a Dawn adapter in Node (`swagpu bench --peer tfjs`), and `browserTfjsPeer` below on
 * the browser's own navigator.gpu (demo/bench.html).
 * tfjs uses NHWC activations and HWIO filters; we build the tensors in that layout, so both libraries do
 * the same multiply-adds. Timing, as ours (src/bench/timing.ts): 'gpu' is the kernel time of `tf.time` (timestamp
 * queries); 'wall' ends each run with the backend's endComputePassEncoder() + submitQueue() and awaits
 * `device.queue.onSubmittedWorkDone()`, as ctx.sync() does.
 */
import type { Conv2dGeometry } from '../kernels/conv/conv2d-geometry.js';
import type { Timer } from './timing.js';
import type { KerasArtifacts } from './keras-resnet50.js';
import type { LoadedWeights } from '../models/weights.js';
import { tfjsEvaluation } from './peer-tfjs-eval.js';
import { idleWait } from '../gpu/idle-wait.js';
import { packageExports } from './package-exports.js';

export type PeerCase =
  | { op: 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'; geometry: Conv2dGeometry }
  | { op: 'matmul'; M: number; N: number; K: number }
  | { op: 'evaluation'; model: 'resnet50' | 'vgg19'; size: number; resnet50Path?: 'ops' | 'layers'; softmax?: 'split' | 'tf' };

export type Tf = typeof import('@tensorflow/tfjs-core');
interface TfTensor { dispose(): void }
interface WebGpuBackend { device: GPUDevice; supportTimestampQuery: boolean; commandEncoder: GPUCommandEncoder | null; endComputePassEncoder(): void; submitQueue(): void }

/**
 * One case set up in tfjs: `once(timer)` runs it and returns its time in ms, timed as ours ('gpu': the kernel time
 * of `tf.time`, from timestamp queries; 'wall': to onSubmittedWorkDone); `dispose()` frees its tensors.
 */
export interface PeerRun { once(timer: Timer): Promise<number>; dispose(): void }

export interface TfjsPeer {
  description: string;
  /** tfjs's device has timestamp queries, so it can be timed with the 'gpu' timer. */
  gpuTimer: boolean;
  /** Builds the case's inputs; the caller warms up with one `once()` and times the rest (src/bench/timing.ts, timeAlternating). */
  prepare(c: PeerCase): Promise<PeerRun>;
}

export interface PeerOptions {
  /** Adapter name for the description when the device does not say. */
  name: string;
  /** Wait for the GPU as GpuContext.idleWaits does (dawn.node on SwiftShader: no busy polling on the main thread). */
  idle: boolean;
  /** The Keras ResNet-50 for the ResNet-50 evaluation (Node reads it from the package on disk); without it, that case is refused. */
  kerasResnet50?: () => Promise<KerasArtifacts>;
  /** Our ResNet-50 weights for the faster 'ops' ResNet-50 evaluation (peer-tfjs-eval.ts; Node reads the file). */
  resnet50Weights?: () => Promise<LoadedWeights>;
}

/** The peer on a tfjs whose current backend is an initialised 'webgpu'. */
export function tfjsPeerOn(tf: Tf, options: PeerOptions): TfjsPeer {
  const backend = tf.backend() as unknown as WebGpuBackend;
  const device = backend.device;
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return {
    description: `tfjs-backend-webgpu ${tf.version_core} (${info?.description || info?.device || info?.architecture || options.name})`,
    gpuTimer: backend.supportTimestampQuery,
    async prepare(c: PeerCase): Promise<PeerRun> {
      const inputs: TfTensor[] = [];
      const rand = (shape: number[]) => { const t = tf.randomUniform(shape, -0.5, 0.5); inputs.push(t); return t; };
      let op: () => TfTensor;
      if (c.op === 'evaluation') {
        const ev = await tfjsEvaluation(tf, c.model, c.size, { kerasResnet50: options.kerasResnet50, resnet50Weights: options.resnet50Weights, resnet50Path: c.resnet50Path, softmax: c.softmax });
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
      const once = async (timer: Timer): Promise<number> => {
        if (timer === 'gpu') {
          // tf.time runs each program in its own timed pass and sums their timestamps (its profiler's kernelMs).
          if (!backend.supportTimestampQuery) throw new Error('tfjs peer: the timer is timestamp queries but tfjs-backend-webgpu has none on this adapter (time with the wall clock)');
          let y: TfTensor | null = null;
          const timing = await idleWait(options.idle, () => tf.time(() => { y = op(); }));
          y!.dispose();
          if (typeof timing.kernelMs !== 'number') throw new Error(`tfjs peer: tf.time gave no kernel time (${JSON.stringify(timing.kernelMs)})`);
          return timing.kernelMs;
        }
        const t0 = performance.now();
        const y = op();
        if (backend.commandEncoder) {
          backend.endComputePassEncoder();
          backend.submitQueue();
        }
        await idleWait(options.idle, () => device.queue.onSubmittedWorkDone());
        const ms = performance.now() - t0;
        y.dispose();
        return ms;
      };
      return { once, dispose: () => { for (const t of inputs) t.dispose(); } };
    },
  };
}

let browserPeer: Promise<TfjsPeer> | null = null;

/**
 * The peer in a browser: tfjs-backend-webgpu on navigator.gpu, as any web page would run it (tfjs requests its
 * own adapter and device). Loaded on first use, so a page that never asks for the peer never downloads tfjs.
 * No Keras ResNet-50 here (it lives in an npm package on disk), so its evaluation has no peer in the browser.
 */
export function browserTfjsPeer(): Promise<TfjsPeer> {
  browserPeer ??= (async () => {
    const tf = packageExports<Tf>(await import('@tensorflow/tfjs-core'), 'setBackend');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs peer: tfjs-backend-webgpu failed to initialise on this browser\'s WebGPU');
    await tf.ready();
    return tfjsPeerOn(tf, { name: 'navigator.gpu', idle: false });
  })();
  browserPeer.catch(() => { browserPeer = null; });
  return browserPeer;
}
