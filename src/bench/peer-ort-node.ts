/**
 * The ONNX Runtime Web peer in Node (`swagpu bench --peer ort`): ORT's WebGPU execution provider asks
 * `navigator.gpu` for its adapter, so we install a Dawn one on the bench's adapter (src/bench/dawn-navigator.ts, with
 * its fix for writes from ORT's shared wasm heap) and import the `onnxruntime-web/webgpu` bundle, as a page would. Its
 * model is our ResNet-50 written as ONNX (src/bench/resnet50-onnx.ts), cached beside the weights.
 */
import { existsSync, renameSync, statSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AdapterKind } from '../gpu/device.js';
import { weightsFile } from '../models/load.js';
import { loadWeights } from '../models/weights.js';
import { weightsDir } from '../models/weights-home.js';
import { installDawnNavigator } from './dawn-navigator.js';
import { resnet50Onnx } from './resnet50-onnx.js';
import type { Ort } from './peer-ort.js';

/** The cached ONNX file's name, beside resnet50-keras.safetensors. */
export const RESNET50_ONNX = 'resnet50-keras-224.onnx';

/**
 * The path of our ResNet-50 as ONNX (224 px input), written to the weights folder (src/models/weights-home.ts) from
 * the weights file when it is missing or older than the weights.
 */
export async function resnet50OnnxFile(options: { log?: (line: string) => void; dir?: string } = {}): Promise<string> {
  const weights = await weightsFile('resnet50', { log: () => {} });
  const path = join(options.dir ?? weightsDir(), RESNET50_ONNX);
  if (existsSync(path) && statSync(path).mtimeMs >= statSync(weights).mtimeMs) return path;
  options.log?.(`writing ${path} from ${weights} (src/bench/resnet50-onnx.ts)`);
  const bytes = resnet50Onnx(await loadWeights(weights), 224);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path); // never a half-written file under the real name
  return path;
}

export const readOnnx = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

let ort: { kind: AdapterKind; ready: Promise<Ort> } | null = null;

/** onnxruntime-web's WebGPU bundle on `kind`'s adapter (one per process: navigator.gpu is global). */
export function ortOnNode(kind: AdapterKind): Promise<Ort> {
  ort ??= { kind, ready: importOrt(kind) };
  if (ort.kind !== kind) return Promise.reject(new Error(`--peer ort: this process's ONNX Runtime runs on ${ort.kind}; it cannot also run on ${kind}`));
  return ort.ready;
}

async function importOrt(kind: AdapterKind): Promise<Ort> {
  await installDawnNavigator(kind, '--peer ort');
  let mod: Ort;
  try {
    mod = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new Error('--peer ort needs ONNX Runtime Web beside swagpu: npm install onnxruntime-web@1.31');
  }
  // One wasm thread: the work is the WebGPU EP's; a thread pool would only take a core from the GPU's (llvmpipe's) threads.
  mod.env.wasm.numThreads = 1;
  return mod;
}
