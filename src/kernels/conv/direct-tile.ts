/**
 * The direct kernels' register tile written out (conv2d.wgsl, conv2d-backward-input.wgsl), as gemm.ts writes
 * gemm's: G channel groups × PX pixels of named vec4 accumulators a{g}_{t} (4 channels of pixel t), declared
 * (DECLARE), updated once per input (forward) or output (backward-input) channel (STEP: the PX pixel values, each
 * splatted to a vec4, then per group g its vec4 of weights w{g} and fma(pixel t, w{g}, a{g}_{t}) for each pixel,
 * then the row offsets move on to the next channel), and stored (STORE).
 */
import { unroll } from '../register-tile.js';
import type { ConvTile } from './route-plan.js';

/**
 * What differs between the two kernels: how a pixel value is read at a row offset (the forward's x, the
 * backward's dy through its optional ReLU mask) and the step to the next channel's row, the weights' array, the pixel
 * values' names, one accumulator's store.
 */
const KERNELS = {
  forward: {
    read: (i: string) => `x[xi + ${i}]`, weights: 'wt', pixel: 'x', next: 'xi += HW;',
    store: (g: number, t: number) => `store(n, o0 + ${4 * g}u, oh, ow0 + ${t}u * IL, a${g}_${t});`,
  },
  backwardInput: {
    read: (i: string) => `dyAt(yi + ${i})`, weights: 'wb', pixel: 'v', next: 'yi += outHW;',
    store: (g: number, t: number) => `store(n, ch + ${4 * g}u, ih, ${t < 4 ? 'iw' : 'iw2'}.${'xyzw'[t % 4]}, a${g}_${t});`,
  },
} as const;

/** The WGSL defines of a tile for one of the two kernels: its constants, the P8 variant and the written-out lines. */
export function directTileDefines(tile: ConvTile, kernel: keyof typeof KERNELS) {
  const { read, weights, pixel, next, store } = KERNELS[kernel];
  const PX = tile.PX ?? 4;
  const sep = '\n        ';
  // Pixels 4h..4h+3 at the columns col (h = 0) or col2 (h = 1, P8), zero where the mask `inside` is off.
  const quad = (h: number) => {
    const [col, inside] = h ? ['col2', 'inside2'] : ['col', 'inside'];
    return [
      `let ${pixel}s${h} = select(vec4f(0.0), vec4f(${[...'xyzw'].map((e) => read(`${col}.${e}`)).join(', ')}), ${inside});`,
      unroll(1, 4, (_, e) => `let ${pixel}${4 * h + e} = vec4f(${pixel}s${h}.${'xyzw'[e]});`, ' '),
    ];
  };
  const group = (g: number) => [
    `let w${g} = ${weights}[wi + ${g}u];`,
    unroll(1, PX, (_, t) => `a${g}_${t} = fma(${pixel}${t}, w${g}, a${g}_${t});`, ' '),
  ];
  return {
    G: tile.G, IL: tile.IL, WG: tile.WG, PX, P8: PX === 8,
    DECLARE: unroll(tile.G, PX, (g, t) => `var a${g}_${t} = vec4f(0.0);`),
    STEP: [...Array.from({ length: PX / 4 }, (_, h) => quad(h)), ...Array.from({ length: tile.G }, (_, g) => group(g)), [next, 'wi += wStep;']].flat().join(sep),
    STORE: unroll(tile.G, PX, store),
  };
}
