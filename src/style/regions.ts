/**
 * Spatial control: a mask image whose regions choose the style (Gatys et al., "Controlling Perceptual
 * Factors in Neural Style Transfer", CVPR 2017, Sec. 4).
 *
 * Regions. For k styles the mask's k most frequent colours (8-bit RGB; a grey mask is just grey
 * colours) are the regions, ordered dark to light by luma 0.299 R + 0.587 G + 0.114 B (ties: by R, G, B):
 * region i, the i-th darkest, takes style i. Every pixel belongs to the nearest of those k colours, so
 * anti-aliased edges and JPEG noise do not make new regions. A black/white mask with two styles: black
 * → the first style, white → the second.
 *
 * Loss. At each style tap l, m_r is region r's mask area-averaged to the tap's H_l × W_l (the fraction of
 * each feature pixel inside the region), and
 *   G_r = (F ⊙ m_r)(F ⊙ m_r)ᵀ / (C · Σ m_r),   style_l = Σ_r mse(G_r, T_r),   T_r = G(style image r)
 * (the style image's own full Gram). See objective.ts for how it runs on the GPU.
 */
import type { Image } from './image.js';
import { resamplePlanes } from './image.js';

export interface Regions {
  /** One plane per region, values in [0, 1] summing to 1 at every pixel, each width·height. */
  planes: Float32Array[];
  width: number;
  height: number;
  /** The region colours, 0..255 RGB, in region order. */
  colors: Array<[number, number, number]>;
}

const luma = ([r, g, b]: readonly number[]) => 0.299 * r + 0.587 * g + 0.114 * b;

/** Split a mask image into k one-hot region planes (at the mask's size). */
export function maskRegions(mask: Image, k: number): Regions {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`mask: the number of regions must be a positive integer, got ${k}`);
  const n = mask.width * mask.height;
  const byte = (v: number) => Math.min(255, Math.max(0, Math.round(v * 255)));
  const keys = new Int32Array(n);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = (byte(mask.data[i]) << 16) | (byte(mask.data[n + i]) << 8) | byte(mask.data[2 * n + i]);
    keys[i] = key;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (counts.size < k) {
    throw new Error(`mask: ${k} styles need ${k} regions, but the mask has ${counts.size} distinct colour${counts.size === 1 ? '' : 's'}`);
  }
  const colors = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k)
    .map(([key]) => [(key >> 16) & 255, (key >> 8) & 255, key & 255] as [number, number, number])
    .sort((a, b) => luma(a) - luma(b) || a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const planes = colors.map(() => new Float32Array(n));
  const nearest = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let r = nearest.get(keys[i]);
    if (r === undefined) {
      const c = [(keys[i] >> 16) & 255, (keys[i] >> 8) & 255, keys[i] & 255];
      const d = colors.map((p) => (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2);
      r = d.indexOf(Math.min(...d));
      nearest.set(keys[i], r);
    }
    planes[r][i] = 1;
  }
  return { planes, width: mask.width, height: mask.height, colors };
}

/** The region planes area-averaged (or bilinearly enlarged) to width × height. */
export function resizeRegions(regions: Regions, width: number, height: number): Regions {
  if (width === regions.width && height === regions.height) return regions;
  return {
    planes: regions.planes.map((p) => resamplePlanes(p, 1, regions.height, regions.width, height, width)),
    width, height, colors: regions.colors,
  };
}
