/**
 * Pretrained weights in the project's canonical form, and converters into it.
 *
 * Canonical = torchvision's state-dict names, conv weights OIHW, fully connected weights [out, in], all
 * float32, stored as safetensors with string metadata:
 *   arch       'resnet50' | 'vgg19'
 *   variant    'keras-v1' (ResNet-50 v1: stride 2 on a stage's first 1x1 conv, convs have biases)
 *              'torchvision-v1.5' (stride 2 on the 3x3 conv, no conv biases) | 'torchvision' (VGG-19)
 *   preprocess 'caffe' (BGR, 0..255 minus [103.939, 116.779, 123.68]) | 'torch' (RGB/255, ImageNet mean/std)
 *   bn_eps     BatchNorm epsilon (ResNet only): '0.001' for Keras, '1e-05' for torchvision
 *   source     where the numbers came from
 *
 * The expected-tensor tables below are the single source of truth for names and shapes; converters and
 * loaders validate against them, and the models can read them to build their layers.
 *
 * Browser-safe to import: the Node-only parts (file reading, the TF.js reader) are imported lazily.
 */
import { assertFinite, openSafetensors, parseSafetensors, SafetensorsError, type SafetensorsHeader, type TensorToWrite } from './safetensors.js';

export type Arch = 'resnet50' | 'vgg19';
export type Variant = 'keras-v1' | 'torchvision-v1.5' | 'torchvision';
export type Preprocess = 'caffe' | 'torch';
export const ARCHS: readonly Arch[] = ['resnet50', 'vgg19'];

/** Typed view of the canonical metadata strings. */
export interface WeightsMetadata {
  arch: Arch;
  variant: Variant;
  preprocess: Preprocess;
  /** BatchNorm epsilon; ResNet only. */
  bnEps?: number;
  source: string;
}

/** Tensors in canonical order plus the metadata strings to store with them. */
export interface ConvertedWeights {
  metadata: Record<string, string>;
  tensors: TensorToWrite[];
}

/** Blocks per stage and bottleneck widths of ResNet-50 (torchvision `layer1..layer4`). */
export const RESNET50_STAGES = [
  { blocks: 3, width: 64 },
  { blocks: 4, width: 128 },
  { blocks: 6, width: 256 },
  { blocks: 3, width: 512 },
] as const;

/** VGG-19 `features` layout: conv output channels, 'M' for a max pool (torchvision cfg 'E'). */
export const VGG19_CONFIG = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'] as const;

const BN_SUFFIXES = ['weight', 'bias', 'running_mean', 'running_var'] as const;

function resnet50Table(convBias: boolean): Map<string, number[]> {
  const table = new Map<string, number[]>();
  const conv = (name: string, out: number, inC: number, k: number) => {
    table.set(`${name}.weight`, [out, inC, k, k]);
    if (convBias) table.set(`${name}.bias`, [out]);
  };
  const bn = (name: string, channels: number) => {
    for (const s of BN_SUFFIXES) table.set(`${name}.${s}`, [channels]);
  };
  conv('conv1', 64, 3, 7);
  bn('bn1', 64);
  let inC = 64;
  RESNET50_STAGES.forEach(({ blocks, width }, s) => {
    for (let b = 0; b < blocks; b++) {
      const p = `layer${s + 1}.${b}`;
      conv(`${p}.conv1`, width, inC, 1);
      bn(`${p}.bn1`, width);
      conv(`${p}.conv2`, width, width, 3);
      bn(`${p}.bn2`, width);
      conv(`${p}.conv3`, 4 * width, width, 1);
      bn(`${p}.bn3`, 4 * width);
      if (b === 0) {
        conv(`${p}.downsample.0`, 4 * width, inC, 1);
        bn(`${p}.downsample.1`, 4 * width);
      }
      inC = 4 * width;
    }
  });
  table.set('fc.weight', [1000, 2048]);
  table.set('fc.bias', [1000]);
  return table;
}

/** The `features.N` index of each VGG-19 conv: every conv is followed by a ReLU, so indices skip by 2, or 3 over a pool. */
export function vgg19ConvIndices(): number[] {
  const indices: number[] = [];
  let i = 0;
  for (const c of VGG19_CONFIG) {
    if (c === 'M') i += 1;
    else {
      indices.push(i);
      i += 2;
    }
  }
  return indices;
}

function vgg19Table(): Map<string, number[]> {
  const table = new Map<string, number[]>();
  let inC = 3;
  const channels = VGG19_CONFIG.filter((c): c is 64 | 128 | 256 | 512 => c !== 'M');
  vgg19ConvIndices().forEach((index, k) => {
    table.set(`features.${index}.weight`, [channels[k], inC, 3, 3]);
    table.set(`features.${index}.bias`, [channels[k]]);
    inC = channels[k];
  });
  return table;
}

/**
 * The canonical tensors of an architecture, name → shape, in canonical (file) order.
 * ResNet-50 `keras-v1` has conv biases; `torchvision-v1.5` has none. VGG-19 ignores `variant`
 * and has no classifier (style transfer only needs `features`).
 */
export function expectedTensors(arch: Arch, variant?: Variant): Map<string, number[]> {
  if (arch === 'vgg19') return vgg19Table();
  if (arch === 'resnet50') return resnet50Table(variant === 'keras-v1');
  throw new Error(`unknown arch '${arch}' (known: ${ARCHS.join(', ')})`);
}

/** Thrown when a set of tensors does not match the expected table; lists every difference. */
class WeightsMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsMismatchError';
  }
}

const LIST_LIMIT = 12;
const listed = (lines: string[]) =>
  lines.slice(0, LIST_LIMIT).map((l) => `    ${l}`).concat(lines.length > LIST_LIMIT ? [`    ... and ${lines.length - LIST_LIMIT} more`] : []);

/**
 * Checks tensor names and shapes against `expectedTensors(arch, variant)`.
 * @param got name → shape of the tensors present.
 * @param source the file or model, for the message.
 * @throws WeightsMismatchError listing missing tensors (with expected shapes), extra tensors, and shape
 *   mismatches (expected vs got), all at once.
 */
export function validateWeights(arch: Arch, variant: Variant | undefined, got: ReadonlyMap<string, readonly number[]>, source: string): void {
  const expected = expectedTensors(arch, variant);
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const [name, shape] of expected) {
    const actual = got.get(name);
    if (!actual) missing.push(`${name} [${shape}]`);
    else if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) wrong.push(`${name}: expected [${shape}], got [${actual}]`);
  }
  const extra = [...got].filter(([name]) => !expected.has(name)).map(([name, shape]) => `${name} [${shape}]`);
  if (missing.length + wrong.length + extra.length === 0) return;
  const lines = [`${source}: tensors do not match ${arch}${variant ? ` (${variant})` : ''}:`];
  if (missing.length) lines.push(`  ${missing.length} missing:`, ...listed(missing));
  if (extra.length) lines.push(`  ${extra.length} unexpected:`, ...listed(extra));
  if (wrong.length) lines.push(`  ${wrong.length} with the wrong shape:`, ...listed(wrong));
  if (missing.length === expected.size) lines.push(`  (no expected name is present: is this a ${arch} file with torchvision names?)`);
  throw new WeightsMismatchError(lines.join('\n'));
}

/** Parses and checks the metadata strings of a canonical file. */
export function parseWeightsMetadata(meta: Record<string, string>, source: string): WeightsMetadata {
  const fail = (problem: string) => new SafetensorsError(source, `${problem} (not a swagpu weights file? convert it with \`swagpu weights convert\`)`);
  const arch = meta.arch as Arch;
  if (!ARCHS.includes(arch)) throw fail(`metadata arch is ${JSON.stringify(meta.arch)}, expected one of ${ARCHS.join(', ')}`);
  const variant = meta.variant as Variant;
  const variants: Variant[] = arch === 'resnet50' ? ['keras-v1', 'torchvision-v1.5'] : ['torchvision'];
  if (!variants.includes(variant)) throw fail(`metadata variant is ${JSON.stringify(meta.variant)}, expected one of ${variants.join(', ')} for ${arch}`);
  const preprocess = meta.preprocess as Preprocess;
  if (preprocess !== 'caffe' && preprocess !== 'torch') throw fail(`metadata preprocess is ${JSON.stringify(meta.preprocess)}, expected caffe or torch`);
  const bnEps = meta.bn_eps === undefined ? undefined : Number(meta.bn_eps);
  if (arch === 'resnet50' && !(bnEps !== undefined && bnEps > 0 && bnEps < 1)) throw fail(`metadata bn_eps is ${JSON.stringify(meta.bn_eps)}, expected a small positive number`);
  return { arch, variant, preprocess, bnEps, source: meta.source ?? '' };
}

/** Options of `convertTorchvisionSafetensors`. */
export interface TorchvisionConvertOptions {
  /** Default 'torch'. Use 'caffe' for Caffe-trained weights in torchvision naming (e.g. the Gatys VGG-19). */
  preprocess?: Preprocess;
  /** Default: the file name. */
  source?: string;
}

/** Tensors a torchvision or timm state dict carries that style transfer does not use. */
function isUnused(name: string, arch: Arch): boolean {
  if (name.endsWith('num_batches_tracked')) return true;
  // torchvision VGG: classifier.*; timm VGG: pre_logits.* and head.*
  return arch === 'vgg19' && /^(classifier|pre_logits|head)\./.test(name);
}

/**
 * Converts a torchvision (or timm `*.tv_in1k`, same names) state dict stored as safetensors to canonical
 * tensors: drops `num_batches_tracked` and the VGG classifier, strips a DataParallel `module.` prefix,
 * converts F16/BF16/F64 to F32, then validates names, shapes and finiteness.
 */
export async function convertTorchvisionSafetensors(path: string, arch: Arch, options: TorchvisionConvertOptions = {}): Promise<ConvertedWeights> {
  const file = await openSafetensors(path);
  try {
    const variant: Variant = arch === 'resnet50' ? 'torchvision-v1.5' : 'torchvision';
    const canonicalName = (name: string) => name.replace(/^module\./, '');
    const kept = new Map<string, string>(); // canonical → name in file
    for (const name of file.tensors.keys()) if (!isUnused(canonicalName(name), arch)) kept.set(canonicalName(name), name);
    validateWeights(arch, variant, new Map([...kept].map(([c, n]) => [c, file.tensors.get(n)!.shape])), path);
    const tensors: TensorToWrite[] = [];
    for (const [name, shape] of expectedTensors(arch, variant)) {
      const data = await file.read(kept.get(name)!);
      assertFinite(data, name, path, shape);
      tensors.push({ name, shape, data });
    }
    const metadata: Record<string, string> = { arch, variant, preprocess: options.preprocess ?? 'torch', source: options.source ?? path };
    if (arch === 'resnet50') metadata.bn_eps = '1e-05';
    return { metadata, tensors };
  } finally {
    await file.close();
  }
}

/** Options of `convertTfjsLayers`. */
export interface TfjsConvertOptions {
  /** Default: the path and the producer named in model.json. */
  source?: string;
  /** Called after each tensor is converted. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Converts a Keras ResNet-50 in TF.js layers format (model.json + shards, Keras 2.2.4 names) to canonical
 * tensors (`variant` keras-v1, `preprocess` caffe, `bn_eps` read from the layer configs), then validates
 * names, shapes and finiteness.
 */
export async function convertTfjsLayers(modelJsonPath: string, options: TfjsConvertOptions = {}): Promise<ConvertedWeights> {
  const { readKerasResnet50 } = await import('./weights-tfjs.js');
  const keras = await readKerasResnet50(modelJsonPath, options.onProgress);
  const variant: Variant = 'keras-v1';
  validateWeights('resnet50', variant, new Map([...keras.tensors].map(([n, t]) => [n, t.shape])), modelJsonPath);
  const tensors: TensorToWrite[] = [];
  for (const [name, shape] of expectedTensors('resnet50', variant)) {
    const { data } = keras.tensors.get(name)!;
    assertFinite(data, name, modelJsonPath, shape);
    tensors.push({ name, shape, data });
  }
  const source = options.source ?? `${modelJsonPath} (${keras.producer})`;
  return { metadata: { arch: 'resnet50', variant, preprocess: 'caffe', bn_eps: String(keras.bnEps), source }, tensors };
}

/** Canonical weights in memory. */
export interface LoadedWeights {
  metadata: WeightsMetadata;
  names: string[];
  /** @throws if the tensor does not exist. */
  get(name: string): Float32Array;
  shape(name: string): number[];
}

/** Checks a canonical file's metadata and tensor table before any tensor is read. */
function checkHeader(header: SafetensorsHeader, source: string): WeightsMetadata {
  const metadata = parseWeightsMetadata(header.metadata, source);
  validateWeights(metadata.arch, metadata.variant, new Map([...header.tensors].map(([n, t]) => [n, t.shape])), source);
  return metadata;
}

function loadedWeights(metadata: WeightsMetadata, data: Map<string, { shape: number[]; values: Float32Array }>, source: string): LoadedWeights {
  const tensor = (name: string) => {
    const t = data.get(name);
    if (!t) throw new SafetensorsError(source, `no tensor named '${name}' in these ${metadata.arch} weights`);
    return t;
  };
  return {
    metadata,
    names: [...data.keys()],
    get: (name) => tensor(name).values,
    shape: (name) => [...tensor(name).shape],
  };
}

/**
 * Opens a canonical weights file: checks metadata (arch, variant, preprocess, bn_eps), the tensor table for
 * the arch, and that every value is finite, then loads every tensor into memory (~100 MB for ResNet-50).
 */
export async function loadWeights(path: string): Promise<LoadedWeights> {
  const file = await openSafetensors(path);
  try {
    const metadata = checkHeader(file, path);
    const data = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [name, { shape }] of file.tensors) {
      const values = await file.read(name);
      assertFinite(values, name, path, shape);
      data.set(name, { shape, values });
    }
    return loadedWeights(metadata, data, path);
  } finally {
    await file.close();
  }
}

/** Same as `loadWeights` for a file already in memory (the browser: `new Uint8Array(await res.arrayBuffer())`). */
export function loadWeightsFromBytes(bytes: Uint8Array, source = '<bytes>'): LoadedWeights {
  const file = parseSafetensors(bytes, source);
  const metadata = checkHeader(file, source);
  const data = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, { shape }] of file.tensors) {
    const values = file.read(name);
    assertFinite(values, name, source, shape);
    data.set(name, { shape, values });
  }
  return loadedWeights(metadata, data, source);
}
