// Helpers for the weights tests: hand-made safetensors bytes (including broken ones) and a seeded rng.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedTensors, type LoadedWeights } from '../../src/models/weights.js';
import { randn, randomArray } from '../harness.js';

/** Builds safetensors bytes from any header object, so tests can write files the writer would refuse. */
export function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Bytes of a typed array, for `rawSafetensors` data. */
export const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** mulberry32: a tiny seeded generator in [0, 1), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values in [-1, 1) from a seeded generator. */
export function randomFloats(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rand() * 2 - 1;
  return out;
}

/** A fresh temporary directory and its cleanup. */
export async function tempDir(prefix = 'swagpu-weights-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Exact element-wise equality with the first mismatches in the message. vitest's toEqual walks typed
 * arrays generically and takes minutes on the ~20M values of a network, this takes milliseconds.
 */
export function expectSameFloats(got: Float32Array | undefined, want: Float32Array | undefined, label: string): void {
  if (!got || !want) throw new Error(`${label}: missing array (got ${got?.length}, want ${want?.length})`);
  if (got.length !== want.length) throw new Error(`${label}: length ${got.length} != ${want.length}`);
  const bad: string[] = [];
  let mismatches = 0;
  for (let i = 0; i < got.length; i++) {
    if (Object.is(got[i], want[i])) continue;
    mismatches++;
    if (bad.length < 5) bad.push(`[${i}] ${got[i]} != ${want[i]}`);
  }
  if (mismatches) throw new Error(`${label}: ${mismatches} of ${got.length} values differ: ${bad.join(', ')}`);
}

/** VGG-19 with He-initialised seeded random weights in the torchvision table (activations stay O(1) through 16 convs). */
export function randomVgg19(): LoadedWeights {
  const table = expectedTensors('vgg19');
  const data = new Map<string, Float32Array>();
  let seed = 100;
  for (const [name, shape] of table) {
    const n = shape.reduce((a, b) => a * b, 1);
    data.set(name, name.endsWith('.bias') ? randomArray(n, seed++, -0.05, 0.05) : randn(n, seed++, Math.sqrt(2 / (shape[1] * 9))));
  }
  return {
    metadata: { arch: 'vgg19', variant: 'torchvision', preprocess: 'torch', source: 'random (test)' },
    names: [...table.keys()], get: (name) => data.get(name)!, shape: (name) => table.get(name)!,
  };
}
