/**
 * The ONNX Runtime Web peer (src/bench/peer-ort.ts): the ONNX writer (src/bench/onnx-writer.ts) against a plain-TS
 * reference on a small graph; our ResNet-50 written as ONNX (src/bench/resnet50-onnx.ts) gives ORT the logits we get
 * from `classify`'s forward on a real photo (ORT's wasm CPU EP: an independent implementation of every op), and the
 * same through ORT's WebGPU EP on llvmpipe in Node; `swagpu bench --peer ort` reports the row with the ratio.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeOnnx } from '../../src/bench/onnx-writer.js';
import { resnet50Onnx } from '../../src/bench/resnet50-onnx.js';
import { ortClassifier } from '../../src/bench/peer-ort.js';
import { ortOnNode, readOnnx, resnet50OnnxFile, RESNET50_ONNX } from '../../src/bench/peer-ort-node.js';
import { classifyCase } from '../../src/bench/classify.js';
import { getContext } from '../../src/gpu/context.js';
import { findWeightsFile } from '../../src/models/weights-home.js';
import { loadWeights } from '../../src/models/weights.js';
import { ResNet50 } from '../../src/models/resnet50.js';
import { loadImage } from '../../src/io/image.js';
import { run } from '../../src/cli/bench.js';

const WEIGHTS = findWeightsFile('resnet50-keras.safetensors');
const hasWeights = existsSync(WEIGHTS);
const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

it('onnx-writer: a Conv (pads, stride, bias) + Relu + Flatten + Gemm (transB) graph runs in ORT as the plain-TS reference computes it', async () => {
  const ort = await ortOnNode('llvmpipe');
  // x [1,2,5,5], w [3,2,3,3] stride 2 pad 1 -> [1,3,3,3], ReLU, flatten 27, fc [4,27].
  const seq = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const x = seq(50, (i) => Math.sin(i) * 2), w = seq(54, (i) => Math.cos(i * 0.7)), b = seq(3, (i) => i - 1);
  const fw = seq(108, (i) => ((i * 37) % 11) / 11 - 0.5), fb = seq(4, (i) => i * 0.25);
  const bytes = encodeOnnx({
    name: 'small', producer: 'test', opset: 17, inputs: [{ name: 'x', dims: [1, 2, 5, 5] }], outputs: [{ name: 'y', dims: [1, 4] }],
    initializers: [{ name: 'w', dims: [3, 2, 3, 3], values: w }, { name: 'b', dims: [3], values: b }, { name: 'fw', dims: [4, 27], values: fw }, { name: 'fb', dims: [4], values: fb }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Flatten', inputs: ['r'], outputs: ['f'], attributes: { axis: 1 } },
      { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['y'], attributes: { transB: 1 } },
    ],
  });
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const y = (await session.run({ x: new ort.Tensor('float32', x, [1, 2, 5, 5]) })).y.data as Float32Array;
  await session.release();
  const r = new Float64Array(27);
  for (let o = 0; o < 3; o++) for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 3; ox++) {
    let s = b[o];
    for (let c = 0; c < 2; c++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
      if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) s += x[(c * 5 + iy) * 5 + ix] * w[((o * 2 + c) * 3 + ky) * 3 + kx];
    }
    r[(o * 3 + oy) * 3 + ox] = Math.max(0, s);
  }
  const expected = Float32Array.from({ length: 4 }, (_, j) => r.reduce((s, v, i) => s + v * fw[j * 27 + i], fb[j]));
  expect(r.some((v) => v === 0) && r.some((v) => v > 0)).toBe(true); // the ReLU clips some, keeps some
  expect(maxAbsDiff(y, expected)).toBeLessThan(1e-4);
}, 60_000);

describe.skipIf(!hasWeights)('ResNet-50 as ONNX (our weights)', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  async function oursAndImage() {
    const weights = await loadWeights(WEIGHTS);
    const image = await loadImage('assets/images/content/chelsea.png', { kind: 'exact', width: 224, height: 224 });
    const ctx = await getContext('llvmpipe');
    const ours = classifyCase(ctx, new ResNet50(ctx, weights), image.data);
    const logits = await ours.logits();
    ours.dispose();
    return { weights, image, logits };
  }

  it('ORT (wasm CPU EP) gives our logits on a photo: same top-1, logits within 1e-3; the WebGPU EP on llvmpipe too', async () => {
    const { weights, image, logits } = await oursAndImage();
    const ort = await ortOnNode('llvmpipe');
    const model = resnet50Onnx(weights);
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const cpu = (await session.run({ image: new ort.Tensor('float32', image.data, [1, 3, 224, 224]) })).logits.data as Float32Array;
    await session.release();
    // chelsea.png is a cat: our top-1 is a cat class (281-285), and ORT's is the same class.
    expect(argmax(logits)).toBeGreaterThanOrEqual(281);
    expect(argmax(logits)).toBeLessThanOrEqual(285);
    expect(argmax(cpu)).toBe(argmax(logits));
    expect(maxAbsDiff(cpu, logits), 'ORT wasm vs ours').toBeLessThan(1e-3);
    const gpu = await ortClassifier(ort, model, image.data, 224);
    try {
      const l = await gpu.logits();
      expect(argmax(l)).toBe(argmax(logits));
      expect(maxAbsDiff(l, logits), 'ORT WebGPU vs ours').toBeLessThan(1e-3);
      expect(await gpu.once()).toBeGreaterThan(0);
    } finally {
      gpu.dispose();
    }
  }, 300_000);

  it('the ONNX file is cached in the weights folder and rewritten only when older than the weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swagpu-onnx-'));
    dirs.push(dir);
    const path = await resnet50OnnxFile({ dir });
    expect(path).toBe(join(dir, RESNET50_ONNX));
    const first = statSync(path).mtimeMs;
    expect(readOnnx(path).length).toBeGreaterThan(100e6); // 25.6 M float32 weights
    expect(await resnet50OnnxFile({ dir })).toBe(path);
    expect(statSync(path).mtimeMs).toBe(first);
  }, 120_000);

  it('swagpu bench --peer ort: the resnet50 classify 224px row with ORT\'s time and the ratio', async () => {
    const out: string[] = [];
    const log = console.log, error = console.error;
    console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
    console.error = () => {};
    try {
      expect(await run(['--json', '--peer', 'ort', '--only', 'resnet50 classify', '--runs', '1', '--adapter', 'llvmpipe'])).toBe(0);
    } finally {
      console.log = log;
      console.error = error;
    }
    const report = JSON.parse(out.join('\n'));
    expect(report.peer).toMatch(/^onnxruntime-web 1\.31\.\d+ WebGPU EP \(NHWC, gpu-buffer I\/O, graph optimization 'all'\) on .* \(src\/bench\/peer-ort\.ts\)$/);
    expect(report.timer).toBe('wall');
    const [r] = report.results;
    expect(r).toMatchObject({ name: 'resnet50 classify', shape: '224px', runs: 1 });
    expect(r.ms > 0 && r.peerMs > 0 && r.gflops > 0).toBe(true);
    expect(r.speedup).toBeCloseTo(r.peerMs / r.ms, 9);
  }, 300_000);
});
