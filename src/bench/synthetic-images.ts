/**
 * Procedural test images for the benchmarks (any size, no file to read; the library's defaults are real
 * images, src/style/gallery.ts): a simple landscape as content and a swirling, brush-stroke texture as
 * style. Both are planar RGB in [0, 1].
 */
import type { Image } from '../style/stylize.js';

function clamp01(v: number): number { return Math.min(1, Math.max(0, v)); }

/** A landscape: sky gradient, a sun, two rows of hills, a lake, and a small house. */
export function defaultContent(width = 384, height = 256): Image {
  const data = new Float32Array(3 * width * height);
  const plane = width * height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      let rgb: [number, number, number] = [0.45 + 0.4 * v, 0.65 + 0.25 * v, 0.95]; // sky
      const sun = Math.hypot(u - 0.75, v - 0.22);
      if (sun < 0.07) rgb = [1, 0.9, 0.45];
      const far = 0.55 + 0.06 * Math.sin(u * 9 + 1) + 0.03 * Math.sin(u * 23);
      const near = 0.68 + 0.08 * Math.sin(u * 5 + 2.5);
      if (v > far) rgb = [0.35, 0.5, 0.6];
      if (v > near) rgb = [0.25 + 0.2 * (v - near), 0.55 - 0.2 * (v - near), 0.2];
      if (v > 0.85 && Math.abs(u - 0.3) < 0.25 - (v - 0.85)) rgb = [0.2, 0.4, 0.75 + 0.1 * Math.sin(x * 0.8)]; // lake
      const inWall = u > 0.55 && u < 0.68 && v > 0.62 && v < 0.74;
      const inRoof = v > 0.54 && v <= 0.62 && Math.abs(u - 0.615) < (v - 0.54) * 1.1;
      if (inWall) rgb = (u > 0.6 && u < 0.63 && v > 0.67) ? [0.35, 0.2, 0.1] : [0.92, 0.88, 0.8];
      if (inRoof) rgb = [0.7, 0.15, 0.1];
      for (let c = 0; c < 3; c++) data[c * plane + y * width + x] = clamp01(rgb[c]);
    }
  }
  return { data, width, height };
}

/** A painterly texture: swirls of short strokes in a blue/yellow palette (after Van Gogh, loosely). */
export function defaultStyle(width = 256, height = 256): Image {
  const data = new Float32Array(3 * width * height);
  const plane = width * height;
  const palette: Array<[number, number, number]> = [[0.1, 0.2, 0.5], [0.2, 0.4, 0.8], [0.95, 0.85, 0.3], [0.9, 0.95, 0.9], [0.05, 0.1, 0.25]];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x / width) * 2 - 1;
      const v = (y / height) * 2 - 1;
      const r = Math.hypot(u, v);
      const angle = Math.atan2(v, u) + 3 * r; // swirl
      const stroke = Math.sin(angle * 7 + r * 25) * Math.sin(x * 0.35 + y * 0.12); // brush-stroke stripes
      const t = 0.5 + 0.5 * Math.sin(angle * 2 + stroke * 1.5);
      const i = Math.min(palette.length - 1, Math.floor(t * palette.length));
      const shade = 0.8 + 0.2 * stroke;
      for (let c = 0; c < 3; c++) data[c * plane + y * width + x] = clamp01(palette[i][c] * shade);
    }
  }
  return { data, width, height };
}
