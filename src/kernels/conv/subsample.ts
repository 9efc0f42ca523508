/**
 * subsample: y = x[..., ::S, ::S] over NCHW planes (outH = ceil(H / S), outW = ceil(W / S)), and its
 * backward dx = dy scattered back to every S-th pixel with zeros between. conv2d uses the pair to run 1x1
 * strided convs (ResNet's downsampling) as gemm products.
 */
import source from './subsample.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { elementwiseGrid } from '../launch.js';

export interface SubsampleShape { planes: number; H: number; W: number; S: number }

export const subsampledSize = ({ H, W, S }: SubsampleShape) => ({ outH: Math.ceil(H / S), outW: Math.ceil(W / S) });

function launch(ctx: GpuContext, name: string, gather: boolean, src: GPUBuffer, dst: GPUBuffer, s: SubsampleShape): void {
  const { outH, outW } = subsampledSize(s);
  const small = s.planes * outH * outW, large = s.planes * s.H * s.W;
  const [srcN, dstN] = gather ? [large, small] : [small, large];
  for (const [what, buf, n] of [['source', src, srcN], ['destination', dst, dstN]] as const) {
    ctx.checkBinding(name, `${what} (${s.planes} planes of ${s.H}x${s.W}, stride ${s.S})`, n * 4);
    if (buf.size < n * 4) throw new Error(`${name}: ${what} holds ${buf.size / 4} floats, needs ${n} (${s.planes} planes of ${s.H}x${s.W}, stride ${s.S})`);
  }
  const { workgroups, uniforms } = elementwiseGrid(ctx, dstN, [s.H, s.W, outH, outW, s.S]);
  ctx.launch({ name, source, defines: { GATHER: gather } }, { buffers: [src, dst], uniforms, workgroups });
}

export function subsample(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, s: SubsampleShape): void {
  launch(ctx, 'subsample', true, x, y, s);
}

export function subsampleBackward(ctx: GpuContext, dy: GPUBuffer, dx: GPUBuffer, s: SubsampleShape): void {
  launch(ctx, 'subsampleBackward', false, dy, dx, s);
}
