/**
 * Reads a Keras ResNet-50 saved in the TF.js layers format (model.json + binary shards) and maps it to the
 * canonical torchvision names and layouts. Validation against the expected table happens in weights.ts.
 *
 * TF.js layers format: model.json = { modelTopology: Keras model config, weightsManifest: [{ paths: [shard
 * files], weights: [{ name, shape, dtype }] }] }. Each group's shards are one byte stream cut into pieces;
 * the weights lie in it back to back, in manifest order, as little-endian float32.
 *
 * Keras 2.2.4 ResNet-50 names (keras-applications), stage s = 2..5, block letter a, b, c, ...:
 *   conv1, bn_conv1                     → conv1, bn1
 *   res{s}{b}_branch2{a,b,c}            → layer{s-1}.{b}.conv{1,2,3}   (bn… → bn{1,2,3})
 *   res{s}a_branch1, bn{s}a_branch1     → layer{s-1}.0.downsample.0 / .1
 *   fc1000                              → fc
 * Layouts: conv kernels HWIO → OIHW, Dense kernel [in, out] → [out, in].
 * BatchNorm: gamma, beta, moving_mean, moving_variance → weight, bias, running_mean, running_var.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What the reader found: canonical tensors plus facts read from the model topology. */
export interface KerasResnet50 {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  /** BatchNorm epsilon from the layer configs (all layers must agree). */
  bnEps: number;
  /** e.g. "keras v2.2.4-tf, TensorFlow.js Converter v1.2.6". */
  producer: string;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface KerasLayer {
  name: string;
  class_name: string;
  config: { epsilon?: number; strides?: number[]; data_format?: string };
}

const BN_PARAMS: Record<string, string> = { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' };

/** Keras layer name → canonical module name, or undefined if the name is not part of Keras ResNet-50. */
function canonicalModule(layer: string): string | undefined {
  if (layer === 'conv1') return 'conv1';
  if (layer === 'bn_conv1') return 'bn1';
  if (layer === 'fc1000') return 'fc';
  const m = /^(res|bn)([2-5])([a-f])_branch(2a|2b|2c|1)$/.exec(layer);
  if (!m) return undefined;
  const [, kind, stage, letter, branch] = m;
  const block = `layer${Number(stage) - 1}.${letter.charCodeAt(0) - 97}`;
  if (branch === '1') return `${block}.downsample.${kind === 'res' ? 0 : 1}`;
  const index = { '2a': 1, '2b': 2, '2c': 3 }[branch];
  return `${block}.${kind === 'res' ? 'conv' : 'bn'}${index}`;
}

/** out[o, i, h, w] = kernel[h, w, i, o]. */
export function hwioToOihw(kernel: Float32Array, [h, w, i, o]: readonly number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < i; c++) {
        const src = ((y * w + x) * i + c) * o;
        for (let k = 0; k < o; k++) out[((k * i + c) * h + y) * w + x] = kernel[src + k];
      }
  return out;
}

/** out[o, i] = kernel[i, o]. */
function transpose2d(kernel: Float32Array, [rows, cols]: readonly number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = kernel[r * cols + c];
  return out;
}

/** Maps one Keras weight to its canonical name, shape and layout. */
function toCanonical(entry: ManifestEntry, data: Float32Array, file: string): [string, { shape: number[]; data: Float32Array }] {
  const slash = entry.name.lastIndexOf('/');
  const layer = entry.name.slice(0, slash);
  const param = entry.name.slice(slash + 1).replace(/:0$/, '');
  const module = canonicalModule(layer);
  if (!module) throw new Error(`${file}: weight '${entry.name}' is not part of a Keras ResNet-50 (only keras-applications ResNet50 naming is supported)`);
  if (param === 'kernel' && entry.shape.length === 4) {
    const [h, w, i, o] = entry.shape;
    return [`${module}.weight`, { shape: [o, i, h, w], data: hwioToOihw(data, entry.shape) }];
  }
  if (param === 'kernel' && entry.shape.length === 2) {
    const [i, o] = entry.shape;
    return [`${module}.weight`, { shape: [o, i], data: transpose2d(data, entry.shape) }];
  }
  // Conv and Dense layers have `bias`; BatchNorm layers have gamma, beta, moving_mean, moving_variance.
  const name = param === 'bias' ? 'bias' : BN_PARAMS[param];
  if (!name) throw new Error(`${file}: weight '${entry.name}' has an unknown parameter '${param}'`);
  return [`${module}.${name}`, { shape: [...entry.shape], data }];
}

/** Concatenates a manifest group's shards: the weights run across shard boundaries. */
async function readGroup(paths: string[], dir: string): Promise<Uint8Array> {
  const shards = await Promise.all(paths.map((p) => readFile(join(dir, p))));
  const all = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of shards) {
    all.set(s, at);
    at += s.length;
  }
  return all;
}

function topologyLayers(model: Record<string, any>): KerasLayer[] {
  const topology = model.modelTopology ?? {};
  return topology.model_config?.config?.layers ?? topology.config?.layers ?? [];
}

/** Reads facts the weights alone do not carry: BatchNorm epsilon, and that this is ResNet v1 (stride on the 1x1). */
function readTopology(layers: KerasLayer[], file: string): number {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const stride = (name: string) => byName.get(name)?.config.strides?.join('x');
  if (stride('res3a_branch2a') !== '2x2' || stride('res3a_branch2b') !== '1x1') {
    throw new Error(`${file}: expected ResNet v1 strides (res3a_branch2a 2x2, res3a_branch2b 1x1), got ${stride('res3a_branch2a')} and ${stride('res3a_branch2b')}`);
  }
  if (layers.some((l) => l.config.data_format === 'channels_first')) throw new Error(`${file}: channels_first models are not supported`);
  const eps = new Set(layers.filter((l) => l.class_name === 'BatchNormalization').map((l) => l.config.epsilon));
  if (eps.size !== 1) throw new Error(`${file}: BatchNorm layers disagree on epsilon (${[...eps].join(', ')})`);
  return [...eps][0]!;
}

/**
 * Reads a Keras ResNet-50 in TF.js layers format and returns its tensors under canonical names and layouts.
 * @param modelJsonPath path to model.json; shards are looked up beside it.
 * @param onProgress called after each tensor is converted.
 */
export async function readKerasResnet50(modelJsonPath: string, onProgress?: (done: number, total: number) => void): Promise<KerasResnet50> {
  let model: Record<string, any>;
  try {
    model = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`${modelJsonPath}: not a TF.js model.json: ${(e as Error).message}`);
  }
  if (!Array.isArray(model.weightsManifest) || !model.modelTopology) {
    throw new Error(`${modelJsonPath}: not a TF.js layers model (needs modelTopology and weightsManifest)`);
  }
  const bnEps = readTopology(topologyLayers(model), modelJsonPath);
  const total = model.weightsManifest.reduce((n: number, g: { weights: unknown[] }) => n + g.weights.length, 0);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of model.weightsManifest as { paths: string[]; weights: ManifestEntry[] }[]) {
    const bytes = await readGroup(group.paths, dirname(modelJsonPath));
    let offset = 0;
    for (const entry of group.weights) {
      if (entry.dtype !== 'float32' || entry.quantization) {
        throw new Error(`${modelJsonPath}: weight '${entry.name}' is ${entry.quantization ? 'quantized' : entry.dtype}; only float32 is supported`);
      }
      const byteLength = entry.shape.reduce((a, b) => a * b, 1) * 4;
      if (offset + byteLength > bytes.length) {
        throw new Error(`${modelJsonPath}: shards [${group.paths}] hold ${bytes.length} bytes, too few for weight '${entry.name}' at ${offset}`);
      }
      // slice() copies to an aligned buffer: offsets in the shard stream are multiples of 4 but not of the view.
      const data = new Float32Array(bytes.slice(offset, offset + byteLength).buffer);
      offset += byteLength;
      const [name, tensor] = toCanonical(entry, data, modelJsonPath);
      if (tensors.has(name)) throw new Error(`${modelJsonPath}: two weights map to '${name}'`);
      tensors.set(name, tensor);
      onProgress?.(tensors.size, total);
    }
    if (offset !== bytes.length) throw new Error(`${modelJsonPath}: shards [${group.paths}] hold ${bytes.length} bytes but the manifest uses ${offset}`);
  }
  return { tensors, bnEps, producer: [model.generatedBy, model.convertedBy].filter(Boolean).join(', ') };
}
