/**
 * Channel bands: activations larger than one storage binding (VGG-19's relu1_1 at 1024² is 256 MiB;
 * llvmpipe and SwiftShader bind at most 128 MiB) are split into runs of whole channel planes of one
 * image, [c0, c0 + count) — contiguous in NCHW — each bound as a byte range of the same buffer. The direct
 * conv kernels (conv2d.ts) and the Gram matrix (gram.ts) run over such bands.
 */
import type { BufferRange, GpuContext } from '../../gpu/context.js';
import { fmtBytes } from '../../gpu/buffer-pool.js';

/**
 * One band: channels [c0, c0 + count) of one image. The range starts at the band's first element aligned down to
 * minStorageBufferOffsetAlignment and `off` is that first element's index inside it.
 */
export interface ChannelBand { c0: number; count: number; range: BufferRange; off: number }

/** Whole planes of `boundPlane` floats that fit one binding, after room for the worst-case alignment skip. */
function planesPerBinding(ctx: GpuContext, boundPlane: number): number {
  const align = ctx.limits.minStorageBufferOffsetAlignment / 4;
  return Math.floor((Math.floor(ctx.maxBindingBytes / 4) - (align - 1)) / boundPlane);
}

/**
 * The bands of `channels` planes of `plane` floats of image `image` in `buffer`. `multiple`: band sizes are a
 * multiple of it (except the last); `boundPlane`: the plane size that must fit (a padded scratch may be larger).
 */
export function channelBands(ctx: GpuContext, kernel: string, what: string, buffer: GPUBuffer, image: number, channels: number, plane: number, multiple = 1, boundPlane = plane): ChannelBand[] {
  const align = ctx.limits.minStorageBufferOffsetAlignment / 4;
  const fit = planesPerBinding(ctx, boundPlane);
  const per = channels <= fit ? channels : Math.floor(fit / multiple) * multiple;
  if (per < 1) {
    const largest = Math.floor(Math.sqrt((Math.floor(ctx.maxBindingBytes / 4) - (align - 1)) / Math.max(1, multiple)));
    throw new Error(`${kernel}: ${what} needs ${fmtBytes(multiple * boundPlane * 4)} for ${multiple} channel plane(s), over the storage binding limit (${fmtBytes(ctx.maxBindingBytes)}); the largest plane that fits is about ${largest}x${largest}`);
  }
  const bands: ChannelBand[] = [];
  for (let c0 = 0; c0 < channels; c0 += per) {
    const count = Math.min(per, channels - c0);
    const start = (image * channels + c0) * plane;
    const bindStart = Math.floor(start / align) * align;
    bands.push({ c0, count, off: start - bindStart, range: { buffer, offset: bindStart * 4, size: (start - bindStart + count * plane) * 4 } });
  }
  return bands;
}

/** Whether every listed tensor (elements) fits one binding of ctx.maxBindingBytes: then one dispatch does it all. */
export const fitsOneBinding = (ctx: GpuContext, ...elements: number[]): boolean => elements.every((e) => e * 4 <= ctx.maxBindingBytes);

/** A direct kernel's tile (route-plan.ts ConvTile) with G lowered until 4·G channels fit one band (only for bands of very large planes). */
export function bandTile<Tile extends { G: 1 | 2 | 4 | 8 }>(ctx: GpuContext, tile: Tile, plane: number): Tile {
  const fit = planesPerBinding(ctx, plane);
  let G = tile.G;
  while (G > 1 && 4 * G > fit) G = (G / 2) as Tile['G'];
  return { ...tile, G };
}
