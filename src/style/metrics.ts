/**
 * How a stylized image is judged, in numbers (the tests of issue 21, the preset tuning and docs/ANALYSIS.md
 * use these and only these). All in float64 on the CPU, on planar RGB images in [0, 1].
 *
 *   edge correlation  = Pearson correlation of |∇Y| (3x3 Sobel magnitude of the luminance Y = 0.299 R +
 *                       0.587 G + 0.114 B, replicate borders) of the output and of the content at the
 *                       output's size. 1: the content's edges, where they were and as strong; ~0: unrelated.
 *   colour distance   d(a, b) = mean over R, G, B of the 1-D Wasserstein-1 distance between the two images'
 *                       value distributions of that channel (mean |quantile_a − quantile_b| over 256 quantiles);
 *                       sizes may differ. 0: the same colour histograms per channel.
 *   colour transfer   = 1 − d(output, style) / d(content, style). 0: the content's colours kept; 1: the
 *                       style's colour distribution reached (can be < 0 or > 1 only by moving away).
 *   texture transfer  = 1 − style_end / style_start of the normalised style loss of a run started at the
 *                       content (losses.ts): the share of the relative Gram error removed.
 */
import type { Image } from './image.js';

/** Luminance (Rec. 601) per pixel. */
export function luminance(image: Image): Float64Array {
  const n = image.width * image.height;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.299 * image.data[i] + 0.587 * image.data[n + i] + 0.114 * image.data[2 * n + i];
  return y;
}

/** |∇Y| by the 3x3 Sobel operator, borders replicated. */
export function sobelMagnitude(y: Float64Array, width: number, height: number): Float64Array {
  const at = (px: number, py: number) => y[Math.min(height - 1, Math.max(0, py)) * width + Math.min(width - 1, Math.max(0, px))];
  const out = new Float64Array(width * height);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const gx = at(px + 1, py - 1) + 2 * at(px + 1, py) + at(px + 1, py + 1) - at(px - 1, py - 1) - 2 * at(px - 1, py) - at(px - 1, py + 1);
      const gy = at(px - 1, py + 1) + 2 * at(px, py + 1) + at(px + 1, py + 1) - at(px - 1, py - 1) - 2 * at(px, py - 1) - at(px + 1, py - 1);
      out[py * width + px] = Math.hypot(gx, gy);
    }
  }
  return out;
}

/** Pearson correlation of two equal-length series (NaN when one is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Edge correlation of `output` with `content` (same size: resize the content first). */
export function edgeCorrelation(output: Image, content: Image): number {
  if (output.width !== content.width || output.height !== content.height) {
    throw new Error(`edgeCorrelation: output ${output.width}x${output.height} and content ${content.width}x${content.height} differ in size`);
  }
  return pearson(sobelMagnitude(luminance(output), output.width, output.height), sobelMagnitude(luminance(content), content.width, content.height));
}

const QUANTILES = 256;

/** The 256 mid-quantiles of one channel. */
function channelQuantiles(image: Image, channel: number): Float64Array {
  const n = image.width * image.height;
  const sorted = Float64Array.from(image.data.subarray(channel * n, (channel + 1) * n)).sort();
  return Float64Array.from({ length: QUANTILES }, (_, q) => sorted[Math.min(n - 1, Math.floor(((q + 0.5) / QUANTILES) * n))]);
}

/** d(a, b): mean over channels of the Wasserstein-1 distance of the channel histograms (see the header). */
export function colorDistance(a: Image, b: Image): number {
  let total = 0;
  for (let c = 0; c < 3; c++) {
    const qa = channelQuantiles(a, c);
    const qb = channelQuantiles(b, c);
    let s = 0;
    for (let q = 0; q < QUANTILES; q++) s += Math.abs(qa[q] - qb[q]);
    total += s / QUANTILES;
  }
  return total / 3;
}

/** 1 − d(output, style)/d(content, style): how far the colours moved from the content's toward the style's. */
export function colorTransfer(output: Image, content: Image, style: Image): number {
  return 1 - colorDistance(output, style) / colorDistance(content, style);
}
