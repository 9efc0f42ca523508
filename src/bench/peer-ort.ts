/**
 * The WebGPU inference peer: ResNet-50 forward (classification, 224 px) in ONNX Runtime Web's WebGPU execution
 * provider, on the same adapter as ours (`classify`, src/models/classify.ts). The model is our weights written as
 * ONNX (src/bench/resnet50-onnx.ts), so both sides do the same math on the same numbers and their logits agree.
 *
 * Browser-safe: the caller hands in an imported ORT module. demo/bench.html imports `onnxruntime-web/webgpu` on the
 * page's navigator.gpu; `swagpu bench --peer ort` imports the same bundle in Node on a Dawn navigator.gpu
 * (src/bench/peer-ort-node.ts).
 *
 * The options (bench/NOTES.md, "ONNX Runtime Web", for what each measured): graph optimization level 'all' (ORT fuses Conv + ReLU and
 * Conv + Add + ReLU); the EP's preferredLayout, NHWC (its default: ORT inserts the transposes and packs the weights
 * once) or NCHW; and the I/O: 'gpu-buffer' binds a GPU input tensor made once and keeps the logits on the GPU
 * (preferredOutputLocation), so a timed run is the network alone, as ours is (our image is uploaded once too); 'cpu'
 * uploads the input and reads the logits back on every run. A run is timed on the wall clock to the device's
 * onSubmittedWorkDone, as ours with the 'wall' timer (src/bench/timing.ts).
 */
import type { PeerRun } from './peer-tfjs.js';
import type { Timer } from './timing.js';
import { ONNX_INPUT, ONNX_OUTPUT } from './resnet50-onnx.js';

export type Ort = typeof import('onnxruntime-web');

export interface OrtOptions {
  /** The WebGPU EP's activation layout. */
  layout: 'NHWC' | 'NCHW';
  /** 'gpu-buffer': input and logits stay on the GPU (io binding); 'cpu': ORT uploads and downloads each run. */
  io: 'gpu-buffer' | 'cpu';
  /** ORT's graph optimization level. */
  optimization: 'all' | 'extended' | 'basic' | 'disabled';
}

/** The fastest options found (bench/NOTES.md, "ONNX Runtime Web"). */
export const ORT_FASTEST: OrtOptions = { layout: 'NHWC', io: 'gpu-buffer', optimization: 'all' };

export interface OrtClassifier extends PeerRun {
  description: string;
  /** One run, timed on the wall clock to the device's onSubmittedWorkDone whatever the timer asked (see above). */
  once(timer?: Timer): Promise<number>;
  /** One run's logits, read back (for the agreement check). */
  logits(): Promise<Float32Array>;
}

/** The device ORT's WebGPU EP opened (set once its first WebGPU session exists). */
async function ortDevice(ort: Ort): Promise<GPUDevice> {
  const device = await (ort.env.webgpu as unknown as { device: GPUDevice | Promise<GPUDevice> }).device;
  if (!device) throw new Error('onnxruntime-web: no WebGPU device after creating a WebGPU session');
  return device;
}

/**
 * A session on ORT's WebGPU EP for the ONNX model `model` (bytes of resnet50Onnx) and one [1,3,size,size] RGB image
 * `image` in 0..1 (planar); the caller warms up with one `once()` and times the rest (timeAlternating).
 */
export async function ortClassifier(ort: Ort, model: Uint8Array, image: Float32Array, size: number, options: OrtOptions = ORT_FASTEST): Promise<OrtClassifier> {
  if (image.length !== 3 * size * size) throw new Error(`ort peer: the image has ${image.length} values, expected 3x${size}x${size}`);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [{ name: 'webgpu', preferredLayout: options.layout }],
    graphOptimizationLevel: options.optimization,
    ...(options.io === 'gpu-buffer' ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
  });
  const device = await ortDevice(ort);
  const dims = [1, 3, size, size];
  let input: InstanceType<Ort['Tensor']>;
  let inputBuffer: GPUBuffer | null = null;
  if (options.io === 'gpu-buffer') {
    inputBuffer = device.createBuffer({ size: image.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(inputBuffer, 0, image.buffer as ArrayBuffer, image.byteOffset, image.byteLength);
    input = ort.Tensor.fromGpuBuffer(inputBuffer, { dataType: 'float32', dims });
  } else {
    input = new ort.Tensor('float32', image, dims);
  }
  let last: InstanceType<Ort['Tensor']> | null = null;
  const run = async () => {
    last?.dispose();
    last = (await session.run({ [ONNX_INPUT]: input }))[ONNX_OUTPUT];
  };
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const on = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : 'WebGPU';
  return {
    description: `onnxruntime-web ${ort.env.versions?.web ?? '?'} WebGPU EP (${options.layout}, ${options.io} I/O, graph optimization '${options.optimization}') on ${on}`,
    async once() {
      const t0 = performance.now();
      await run();
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    },
    async logits() {
      await run();
      const t = last!;
      return Float32Array.from((t.location === 'gpu-buffer' ? await t.getData() : t.data) as Float32Array);
    },
    dispose() {
      last?.dispose();
      last = null;
      void session.release();
      inputBuffer?.destroy();
    },
  };
}
