/**
 * The direct kernels' register tile written out (conv2d.wgsl, conv2d-backward-input.wgsl), as gemm.ts writes
 * gemm's: G channel groups × PX pixels of named vec4 accumulators a{g}_{t} (4 channels of pixel t), declared
 * ({{DECLARE}}), updated once per input (forward) or output (backward-input) channel ({{FMAS}}: group g's vec4 of
 * weights w{g}, then fma(pixel t, w{g}, a{g}_{t}) for each pixel), and stored ({{STORE}}).
 */
import { unroll } from '../register-tile.js';
import type { ConvTile } from './route-plan.js';

/** What differs between the two kernels: the weights' array, the pixel values' prefix and one accumulator's store. */
const KERNELS = {
  forward: { weights: 'wt', pixel: 'x', store: (g: number, t: number) => `store(n, o0 + ${4 * g}u, oh, ow0 + ${t}u * IL, a${g}_${t});` },
  backwardInput: { weights: 'wb', pixel: 'v', store: (g: number, t: number) => `store(n, ch + ${4 * g}u, ih, ${t < 4 ? 'iw' : 'iw2'}.${'xyzw'[t % 4]}, a${g}_${t});` },
} as const;

/** The WGSL defines of a tile for one of the two kernels: its constants, the P8 variant and the written-out lines. */
export function directTileDefines(tile: ConvTile, kernel: keyof typeof KERNELS) {
  const { weights, pixel, store } = KERNELS[kernel];
  const PX = tile.PX ?? 4;
  const group = (g: number) => [
    `let w${g} = ${weights}[wi + ${g}u];`,
    unroll(1, PX, (_, t) => `a${g}_${t} = fma(${pixel}${t}, w${g}, a${g}_${t});`, ' '),
  ].join('\n        ');
  return {
    G: tile.G, IL: tile.IL, WG: tile.WG, PX, P8: PX === 8,
    DECLARE: unroll(tile.G, PX, (g, t) => `var a${g}_${t} = vec4f(0.0);`),
    FMAS: Array.from({ length: tile.G }, (_, g) => group(g)).join('\n        '),
    STORE: unroll(tile.G, PX, store),
  };
}
