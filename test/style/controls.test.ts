// The controls of src/style (issue 7), each checked by a number: style blends (targets), style scale (the
// size of the image whose features are used), original colours (output chroma = content chroma), style
// colour matching (mean/covariance), region masks (each region nearer its own style), multi-scale (final
// size; lower final loss than single-scale at equal cost in pixel-evaluations), init options, and the schedule helpers.
// A small random-weight network (3 conv layers, strides 1, 2, 2) stands in for ResNet-50; fastest adapter only.
import { describe, expect, it } from 'vitest';
import { getContext, type GpuContext } from '../../src/gpu/context.js';
import { Tensor } from '../../src/engine/tensor.js';
import { keep, noGrad, scope } from '../../src/engine/scope.js';
import * as ops from '../../src/engine/ops.js';
import type { FeatureModel } from '../../src/models/model.js';
import { createObjective, imageTensor, type LossSpec } from '../../src/style/objective.js';
import type { Image } from '../../src/style/image.js';
import { noiseImage, scaleSchedule, stylize, styleSizeAt, type StyleRecipe, type WeightedStyle } from '../../src/style/stylize.js';
import { colorStats, matchColors } from '../../src/style/colors.js';
import { maskRegions, resizeRegions } from '../../src/style/regions.js';
import { RGB_TO_YUV } from '../../src/kernels/image/color.js';
import { assertClose, fastestAdapter, randn, randomArray, rng } from '../harness.js';

const LAYERS = [[8, 3, 1], [12, 8, 2], [16, 12, 2]] as const; // [out, in, stride]
const PARAMS = LAYERS.map(([o, i], k) => ({ w: randn(o * i * 9, 100 + k, Math.sqrt(2 / (i * 9))), b: randomArray(o, 200 + k, -0.05, 0.05) }));

/** Three conv+ReLU layers, taps a (stride 1), b (2), c (4). Records the input shape of every call. */
class TinyNet implements FeatureModel {
  readonly name = 'vgg19';
  readonly taps = ['a', 'b', 'c'];
  readonly preprocess = 'torch' as const;
  readonly inputs: number[][] = [];
  private params: Tensor[];
  constructor(ctx: GpuContext) {
    this.params = PARAMS.flatMap((p, k) => [keep(Tensor.from(ctx, p.w, [LAYERS[k][0], LAYERS[k][1], 3, 3])), keep(Tensor.from(ctx, p.b, [LAYERS[k][0]]))]);
  }
  features(x: Tensor, wanted: readonly string[]): Map<string, Tensor> {
    this.inputs.push([...x.shape]);
    const out = new Map<string, Tensor>();
    let h = x;
    LAYERS.forEach(([, , stride], k) => {
      h = ops.conv2d(h, this.params[2 * k], this.params[2 * k + 1], { stride, padding: 1, relu: true });
      if (wanted.includes(this.taps[k])) out.set(this.taps[k], h);
    });
    return out;
  }
}

const SPEC: LossSpec = {
  contentLayers: ['c'], styleLayers: ['a', 'b', 'c'], styleLayerWeights: [1, 1, 1], smoothing: 'none', smoothLayers: 'all',
  temperature: 1, contentWeight: 1, styleWeight: 100, tvWeight: 0,
};
const recipe = (over: Partial<StyleRecipe>): StyleRecipe => ({ ...SPEC, optimizer: 'adam', learningRate: 0.02, iterations: 10, init: 'content', seed: 1, reportEvery: 1000, ...over });

/** A smooth image: a few random sinusoids per channel, values in [lo, hi]. */
function smoothImage(width: number, height: number, seed: number, lo = 0.1, hi = 0.9, freq = 3): Image {
  const r = rng(seed);
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++) {
    const waves = Array.from({ length: 3 }, () => [r() * freq, r() * freq, r() * 6.28]);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = waves.reduce((a, [fx, fy, ph]) => a + Math.sin((fx * x) / width * 6.28 + (fy * y) / height * 6.28 + ph), 0) / 3;
        data[(c * height + y) * width + x] = lo + ((v + 1) / 2) * (hi - lo);
      }
    }
  }
  return { data, width, height };
}

/** Stripes: a high-frequency texture with its own colours (a style). */
function stripes(width: number, height: number, period: number, colorA: number[], colorB: number[], vertical = false): Image {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[(c * height + y) * width + x] = Math.floor((vertical ? x : y) / period) % 2 ? colorA[c] : colorB[c];
  }
  return { data, width, height };
}

function yuv(image: Image): Float64Array[] {
  const n = image.width * image.height;
  return RGB_TO_YUV.m.map((row) => Float64Array.from({ length: n }, (_, i) => row[0] * image.data[i] + row[1] * image.data[n + i] + row[2] * image.data[2 * n + i]));
}

/** Features of an image at the taps, read back (float64 math on the CPU follows). */
async function features(ctx: GpuContext, model: FeatureModel, image: Image, taps: string[]): Promise<Array<{ data: Float32Array; shape: number[] }>> {
  const kept = noGrad(() => scope(() => {
    const f = model.features(ops.preprocess(imageTensor(ctx, image, 'x'), model.preprocess), taps);
    return taps.map((t) => keep(f.get(t)!));
  }));
  const out = await Promise.all(kept.map(async (t) => ({ data: await t.read(), shape: [...t.shape] })));
  kept.forEach((t) => t.dispose());
  return out;
}

/** (F ⊙ m)(F ⊙ m)ᵀ / (C·Σm) in float64 (m = 1 everywhere: the plain Gram). */
function maskedGram({ data, shape: [, C, H, W] }: { data: Float32Array; shape: number[] }, m?: Float32Array): Float64Array {
  const g = new Float64Array(C * C);
  const hw = H * W;
  const msum = m ? m.reduce((a, v) => a + v, 0) : hw;
  for (let i = 0; i < C; i++) {
    for (let j = 0; j < C; j++) {
      let s = 0;
      for (let p = 0; p < hw; p++) s += data[i * hw + p] * data[j * hw + p] * (m ? m[p] * m[p] : 1);
      g[i * C + j] = s / (C * msum);
    }
  }
  return g;
}
const mse = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2; return s / a.length; };

describe(`style controls [${fastestAdapter()}]`, () => {
  const getCtx = () => getContext(fastestAdapter());
  const content = smoothImage(48, 40, 1);
  const styleA = stripes(40, 40, 3, [0.9, 0.2, 0.1], [0.1, 0.1, 0.6]);
  const styleB = smoothImage(36, 44, 2, 0, 1, 12);

  it('style blend: weights (1,0) give style A\'s Grams; (0.5,0.5) and (2,2) their average', async () => {
    const ctx = await getCtx();
    const model = new TinyNet(ctx);
    const targets = async (styles: WeightedStyle[] | Image) => {
      const o = createObjective(ctx, model, content, styles, SPEC);
      const t = await Promise.all(o.styleTargets.map((l) => l[0].read()));
      o.dispose();
      return t;
    };
    const [a, b, a10, half, twos] = await Promise.all([
      targets(styleA), targets(styleB), targets([{ image: styleA, weight: 1 }, { image: styleB, weight: 0 }]),
      targets([{ image: styleA, weight: 0.5 }, { image: styleB, weight: 0.5 }]), targets([{ image: styleA, weight: 2 }, { image: styleB, weight: 2 }]),
    ]);
    a.forEach((g, l) => {
      assertClose(a10[l], g, { atol: 0, rtol: 0, what: `blend (1,0) layer ${SPEC.styleLayers[l]}` });
      const avg = g.map((v, i) => 0.5 * v + 0.5 * b[l][i]);
      // one float32 axpy per style: rounding only.
      assertClose(half[l], avg, { atol: 1e-7, rtol: 1e-5, what: `blend (0.5,0.5) layer ${SPEC.styleLayers[l]}` });
      assertClose(twos[l], half[l], { atol: 0, rtol: 0, what: `blend (2,2) = (0.5,0.5) layer ${SPEC.styleLayers[l]}` });
      expect(mse(a[l], b[l])).toBeGreaterThan(1e-3 * mse(a[l], new Float32Array(a[l].length))); // A and B really differ
    });
  });

  it('style scale: the style features come from an image of long side scale × output long side', async () => {
    const ctx = await getCtx();
    const model = new TinyNet(ctx);
    const r = await stylize(ctx, model, content, styleB, recipe({ iterations: 2, styleScale: 0.5 }));
    // output 48x40 → style long side 24; styleB is 36x44 (portrait) → 20x24.
    expect(r.styleSizes).toEqual([{ width: 20, height: 24 }]);
    expect(model.inputs).toContainEqual([1, 3, 24, 20]);
    expect(model.inputs).not.toContainEqual([1, 3, 44, 36]);
    const m2 = new TinyNet(ctx);
    await stylize(ctx, m2, content, styleB, recipe({ iterations: 2, styleScale: 2, scales: 2 }));
    // two scales (24x20, 48x40): style long side 2·24 = 48 then 2·48 = 96.
    expect(m2.inputs).toContainEqual([1, 3, 48, 39]);
    expect(m2.inputs).toContainEqual([1, 3, 96, 79]);
    expect(styleSizeAt(styleB, 48, 48)).toEqual({ width: 36, height: 44 });
  });

  it('original colours: the output chroma (U, V) is the content\'s; without it, it is not', async () => {
    const ctx = await getCtx();
    const model = new TinyNet(ctx);
    const run = (originalColors: boolean) => stylize(ctx, model, content, styleA, recipe({ iterations: 15, learningRate: 0.03, originalColors }));
    const [kept, free] = [await run(true), await run(false)];
    const [yc, uc, vc] = yuv(content);
    const [yk, uk, vk] = yuv(kept.image);
    const [, uf, vf] = yuv(free.image);
    const n = content.width * content.height;
    const p = kept.image.data;
    // Pixels the final clamp to [0, 1] did not touch (there the identity holds exactly, up to float32).
    const inside = [...Array(n).keys()].filter((i) => [0, 1, 2].every((c) => p[c * n + i] > 0 && p[c * n + i] < 1));
    const maxErr = (a: Float64Array, b: Float64Array, idx: number[]) => Math.max(...idx.map((i) => Math.abs(a[i] - b[i])));
    const all = [...Array(n).keys()];
    const chromaKept = Math.max(maxErr(uk, uc, inside), maxErr(vk, vc, inside));
    const chromaFree = Math.max(maxErr(uf, uc, all), maxErr(vf, vc, all));
    const lumaChange = maxErr(yk, yc, all);
    console.log(`original colours: ${inside.length}/${n} pixels unclamped, max |ΔUV| kept ${chromaKept.toExponential(2)}, without ${chromaFree.toExponential(2)}; max |ΔY| ${lumaChange.toFixed(3)}`);
    expect(inside.length).toBeGreaterThan(0.5 * n); // a strong style: about a third of the pixels leave the RGB cube
    expect(chromaKept).toBeLessThan(1e-5);
    expect(chromaFree).toBeGreaterThan(0.02);
    expect(lumaChange).toBeGreaterThan(0.02); // the luminance did change: the style went in
  });

  it('style colour matching: the recoloured style has the content\'s colour mean and covariance', () => {
    // A bright, busy style with a full-rank colour covariance (styleA's two colours give a singular one).
    const bright = smoothImage(40, 40, 3, 0.5, 1, 8);
    const matched = matchColors(bright, content, { clamp: false });
    const c = colorStats(content);
    const m = colorStats(matched);
    assertClose(m.mean, c.mean, { atol: 1e-6, rtol: 1e-5, what: 'colour mean' });
    // ε = 1e-5 regularises the Cholesky factors: covariances agree to ~1e-5.
    assertClose(m.cov.flat(), c.cov.flat(), { atol: 3e-5, rtol: 1e-3, what: 'colour covariance' });
    const before = colorStats(bright); // and they differed before, by far more than the tolerances
    expect(Math.max(...before.mean.map((v, i) => Math.abs(v - c.mean[i])))).toBeGreaterThan(0.1);
    expect(Math.max(...before.cov.flat().map((v, i) => Math.abs(v - c.cov.flat()[i])))).toBeGreaterThan(3e-3);
  });

  it('region mask: each region\'s Gram loss against its own style is lower than against the other', async () => {
    const ctx = await getCtx();
    const model = new TinyNet(ctx);
    const W = 48;
    const H = 40;
    // Left half black (region 0 → style A), right half white (region 1 → style B).
    const mask: Image = { data: new Float32Array(3 * W * H).map((_, i) => ((i % (W * H)) % W < W / 2 ? 0 : 1)), width: W, height: H };
    const styles = [{ image: styleA, weight: 1 }, { image: styleB, weight: 1 }];
    const r = await stylize(ctx, model, content, styles, recipe({ iterations: 60, learningRate: 0.03, mask, contentWeight: 0.01 }));
    expect(r.layers.filter((l) => l.kind === 'style').map((l) => `${l.name}#${l.region}`)).toEqual(['a#0', 'a#1', 'b#0', 'b#1', 'c#0', 'c#1']);
    const regions = maskRegions(mask, 2);
    const taps = SPEC.styleLayers;
    const [fx, fa, fb] = await Promise.all([features(ctx, model, r.image, taps), features(ctx, model, styleA, taps), features(ctx, model, styleB, taps)]);
    const loss = (region: number, target: typeof fa) => taps.reduce((sum, _, l) => {
      const [, , h, w] = fx[l].shape;
      return sum + mse(maskedGram(fx[l], resizeRegions(regions, w, h).planes[region]), maskedGram(target[l]));
    }, 0);
    const table = [[loss(0, fa), loss(0, fb)], [loss(1, fa), loss(1, fb)]];
    console.log(`region Gram losses (rows: region 0, 1; columns: vs style A, B): ${table.map((row) => row.map((v) => v.toExponential(2)).join(' ')).join(' | ')}`);
    expect(table[0][0]).toBeLessThan(table[0][1]);
    expect(table[1][1]).toBeLessThan(table[1][0]);
  });

  it('multi-scale: the requested final size, and a lower final loss than single-scale at equal cost', async () => {
    const ctx = await getCtx();
    const model = new TinyNet(ctx);
    const c64 = smoothImage(64, 64, 5);
    const s64 = stripes(64, 64, 4, [0.9, 0.8, 0.1], [0.2, 0.1, 0.5], true);
    const base = { init: 'noise' as const, learningRate: 0.03, optimizer: 'adam' as const, reportEvery: 1 };
    const multi = await stylize(ctx, model, c64, s64, recipe({ ...base, iterations: 60, scales: 3 }));
    expect([multi.image.width, multi.image.height]).toEqual([64, 64]);
    expect(multi.scales.map((s) => [s.width, s.height, s.iterations])).toEqual([[16, 16, 20], [32, 32, 20], [64, 64, 20]]);
    // Equal cost in pixel-evaluations: 20·(16² + 32² + 64²)/64² = 26.25 final-size iterations.
    const cost = multi.scales.reduce((a, s) => a + s.evaluations * s.width * s.height, 0) / (64 * 64);
    const single = await stylize(ctx, model, c64, s64, recipe({ ...base, iterations: Math.round(cost) }));
    console.log(`multi-scale ${multi.loss.end.toExponential(3)} (${multi.seconds.toFixed(2)} s) vs single-scale ${single.loss.end.toExponential(3)} at ${Math.round(cost)} iterations (${single.seconds.toFixed(2)} s); start ${single.loss.start.toExponential(3)}`);
    expect(multi.loss.end).toBeLessThan(single.loss.end);
    // Not asserted: equal wall time. At 64 px on a CPU adapter per-launch overhead (and the pipeline compiles
    // the first run pays) dominates the 16 and 32 px scales, so seconds do not follow pixels and a single-scale
    // run given the multi-scale run's seconds (~45 iterations here) ends about level with it.
  });

  it('init: content, seeded noise and an image file start the optimisation from that image', async () => {
    const ctx = await getCtx();
    const model = new TinyNet(ctx);
    const other = smoothImage(48, 40, 9);
    const start = async (init: StyleRecipe['init'], seed = 1) =>
      (await stylize(ctx, model, content, styleA, recipe({ iterations: 1, learningRate: 1e-6, init, seed }))).image.data;
    const close = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    expect(close(await start('content'), content.data)).toBeLessThan(1e-5);
    expect(close(await start(other), other.data)).toBeLessThan(1e-5);
    expect(close(await start('noise', 7), noiseImage(48, 40, 7))).toBeLessThan(1e-5);
    expect(close(await start('noise', 8), noiseImage(48, 40, 7))).toBeGreaterThan(0.5);
  });

  it('schedule, regions and resampling helpers', () => {
    expect(scaleSchedule(512, 384, 100, 3)).toEqual([{ width: 128, height: 96, iterations: 33 }, { width: 256, height: 192, iterations: 33 }, { width: 512, height: 384, iterations: 34 }]);
    expect(scaleSchedule(512, 512, 90, undefined, 128).map((s) => s.width)).toEqual([128, 256, 512]);
    expect(scaleSchedule(512, 512, 90, 2, 128).map((s) => s.width)).toEqual([128, 512]);
    expect(() => scaleSchedule(64, 64, 90, 4)).toThrow(/under 16 px/);
    expect(() => scaleSchedule(64, 64, 2, 3)).toThrow(/2 iterations cannot be split over 3 scales/);
    // Grey mask with an anti-aliased edge: 3 levels, sorted dark to light; the 0.5 edge pixel goes to the nearest.
    const g = [0.8, 0.8, 0.2, 0.2, 0.5, 1, 1, 1, 0.55];
    const regions = maskRegions({ data: Float32Array.from([...g, ...g, ...g]), width: 3, height: 3 }, 3);
    expect(regions.colors.map((c) => c[0])).toEqual([51, 128, 255].map((v, i) => (i === 1 ? 204 : v)));
    expect(() => maskRegions({ data: new Float32Array(12), width: 2, height: 2 }, 2)).toThrow(/2 styles need 2 regions, but the mask has 1 distinct colour/);
    // Area averaging of a 0/1 mask gives the covered fraction.
    const half = resizeRegions({ planes: [Float32Array.from([0, 0, 1, 1])], width: 4, height: 1, colors: [[0, 0, 0]] }, 3, 1);
    assertClose(half.planes[0], [0, 0.5, 1], { atol: 1e-7, rtol: 0, what: 'area 4 -> 3' });
  });
});
