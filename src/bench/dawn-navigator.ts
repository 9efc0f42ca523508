/**
 * A `navigator.gpu` for libraries written for the browser's WebGPU (TF.js's WebGPU backend, ONNX Runtime Web's WebGPU
 * execution provider) when a peer runs them in Node: a Dawn GPU object (npm `webgpu`) opened with the flags swagpu
 * uses for that adapter (src/gpu/device.ts), installed before the library is imported (tfjs looks for navigator.gpu at
 * import). llvmpipe only exists in compatibility mode, so its requestAdapter gets `featureLevel: 'compatibility'`.
 *
 * One fix for dawn.node 0.6: `queue.writeBuffer` with a view into a SharedArrayBuffer crashes the process (a
 * segmentation fault; reproduced with a 32-byte view of a shared WebAssembly.Memory). ONNX Runtime Web's wasm heap is
 * such a memory (its threaded build), and it uploads weights and uniforms straight from it, so those writes go through
 * a copy into an ordinary ArrayBuffer.
 */
import type { AdapterKind } from '../gpu/device.js';

const DAWN_FLAGS: Record<string, string[]> = {
  llvmpipe: ['backend=opengl'],
  swiftshader: ['backend=vulkan', 'adapter=SwiftShader'],
  gpu: ['backend=vulkan'],
};

const keepAlive: GPU[] = [];

/** Install a navigator.gpu on `kind`'s adapter in this Node process (the first call wins; later calls must agree). */
export async function installDawnNavigator(kind: AdapterKind, who: string): Promise<void> {
  const flags = DAWN_FLAGS[kind];
  if (!flags) throw new Error(`${who}: no Dawn flags for adapter kind '${kind}'`);
  const installed = (globalThis as { navigator?: { gpu?: { swagpuKind?: string } } }).navigator?.gpu?.swagpuKind;
  if (installed) {
    if (installed !== kind) throw new Error(`${who}: this process's navigator.gpu is on ${installed}; it cannot also be on ${kind} (one process per adapter)`);
    return;
  }
  // As src/gpu/device.ts: Mesa's EGL needs no display server with the surfaceless platform.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const dawn = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  for (const [name, value] of Object.entries(dawn.globals)) (globalThis as Record<string, unknown>)[name] ??= value;
  const gpu = dawn.create(flags);
  keepAlive.push(gpu); // a collected Dawn instance takes its devices with it
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  const wrapped = {
    swagpuKind: kind,
    requestAdapter: async (options: GPURequestAdapterOptions = {}) => {
      const adapter = await requestAdapter(kind === 'llvmpipe' ? ({ ...options, featureLevel: 'compatibility' } as GPURequestAdapterOptions) : options);
      if (adapter) {
        const requestDevice = adapter.requestDevice.bind(adapter);
        adapter.requestDevice = async (descriptor?: GPUDeviceDescriptor) => copySharedWrites(await requestDevice(descriptor));
      }
      return adapter;
    },
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
}

/** The device, with writeBuffer copying data that lives in a SharedArrayBuffer (see the file header). */
function copySharedWrites(device: GPUDevice): GPUDevice {
  const queue = device.queue;
  const writeBuffer = queue.writeBuffer.bind(queue);
  queue.writeBuffer = ((buffer: GPUBuffer, offset: GPUSize64, data: AllowSharedBufferSource, dataOffset = 0, size?: GPUSize64) => {
    const view = ArrayBuffer.isView(data) ? data : null;
    const backing = view ? view.buffer : (data as ArrayBufferLike);
    if (!(typeof SharedArrayBuffer !== 'undefined' && backing instanceof SharedArrayBuffer)) return writeBuffer(buffer, offset, data, dataOffset, size);
    // dataOffset and size count elements of a typed array, bytes otherwise (WebGPU's writeBuffer).
    const element = view && 'BYTES_PER_ELEMENT' in view ? (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 1;
    const start = (view?.byteOffset ?? 0) + dataOffset * element;
    const bytes = size !== undefined ? size * element : (view?.byteLength ?? backing.byteLength) - dataOffset * element;
    return writeBuffer(buffer, offset, new Uint8Array(backing, start, bytes).slice());
  }) as GPUQueue['writeBuffer'];
  return device;
}
