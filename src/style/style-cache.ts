/**
 * Style targets shared across style transfers (batch: every content against the same style): the Gram
 * matrices of a style image, computed once per (pixels, size, loss spec) and kept on the GPU until
 * `dispose`. Keyed by a hash of the pixels, so the same style read twice (or resized again to the same
 * size for the next content) is a hit; a different spec (layers, smoothing) is a miss.
 */
import type { Tensor } from '../engine/tensor.js';
import { keep } from '../engine/scope.js';
import type { Image } from './image.js';

/** FNV-1a over the float bits (the key of an image's targets). */
function hashPixels(data: Float32Array): string {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return (h >>> 0).toString(16);
}

export class StyleCache {
  private entries = new Map<string, Tensor[]>();
  /** How many times the Grams were computed (tests: once per style). */
  computed = 0;

  /** The Grams of `image` under `spec` (any string naming the loss spec), computed by `compute` on a miss. */
  grams(image: Image, spec: string, compute: () => Tensor[]): Tensor[] {
    const key = `${image.width}x${image.height}:${hashPixels(image.data)}:${spec}`;
    let grams = this.entries.get(key);
    if (!grams) {
      grams = compute().map((g) => keep(g));
      this.computed++;
      this.entries.set(key, grams);
    }
    return grams;
  }

  /** True when `t` is one of the cached tensors (an objective must not free it). */
  owns(t: Tensor): boolean {
    for (const grams of this.entries.values()) if (grams.includes(t)) return true;
    return false;
  }

  dispose(): void {
    for (const grams of this.entries.values()) for (const g of grams) g.dispose();
    this.entries.clear();
  }
}
