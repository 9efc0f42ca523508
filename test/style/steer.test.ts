// The content weight steers (issue 21, point 3), measured on the repo's images with the real ResNet-50 at 128 px
// and 40 L-BFGS iterations from the content, with the metrics of src/style/metrics.ts:
// - the default preset (swag) keeps the content's edges (edge correlation >= 0.45) while carrying the painting's
//   colours (colour transfer >= 0.25) and texture (the normalised style loss at least a third lower);
// - content weight 0.1 → 10 raises the edge correlation by >= 0.1 and lowers the colour transfer.
// Also: planStylize's defaults (the swag preset, normalised, 256 px over 3 scales on CPU adapters).
import { describe, expect, it } from 'vitest';
import { getContext, type GpuContext } from '../../src/gpu/context.js';
import { loadModel } from '../../src/models/load.js';
import { loadImage } from '../../src/io/image.js';
import type { FeatureModel } from '../../src/models/model.js';
import { recipeFromPreset, stylize } from '../../src/style/stylize.js';
import { DEFAULT_PRESET, getPreset } from '../../src/style/presets.js';
import { colorTransfer, edgeCorrelation } from '../../src/style/metrics.js';
import { planStylize } from '../../src/api/options.js';
import { fastestAdapter } from '../harness.js';

const A = 'assets/images';

async function run(ctx: GpuContext, model: FeatureModel, contentWeight?: number) {
  const content = await loadImage(`${A}/content/chelsea.png`, { kind: 'long-side', size: 128 });
  const style = await loadImage(`${A}/style/starry_night.jpg`, { kind: 'long-side', size: 128 });
  const recipe = recipeFromPreset(getPreset(DEFAULT_PRESET), { iterations: 40, reportEvery: 1000, ...(contentWeight === undefined ? {} : { contentWeight }) });
  const r = await stylize(ctx, model, content, style, recipe);
  const styleTerms = r.layers.filter((l) => l.kind === 'style');
  const texture = 1 - styleTerms.reduce((a, l) => a + l.end, 0) / styleTerms.reduce((a, l) => a + l.start, 0);
  return { edge: edgeCorrelation(r.image, content), color: colorTransfer(r.image, content, style), texture, seconds: r.seconds };
}

describe('planStylize defaults', () => {
  it('the swag preset, normalised; on a CPU adapter 256 px over 3 scales', () => {
    const cpu = planStylize({}, { isCPU: true, kind: 'llvmpipe' });
    expect(cpu.preset.name).toBe('swag');
    expect(cpu.recipe.normalize).toBe(true);
    expect([cpu.recipe.contentWeight, cpu.recipe.styleWeight]).toEqual([1, 1]);
    expect(cpu.content).toEqual({ kind: 'long-side', size: 256 });
    expect(cpu.recipe.scales).toBe(3);
    expect(cpu.recipe.iterations).toBe(45);
    expect(planStylize({ scales: 1 }, { isCPU: true, kind: 'llvmpipe' }).recipe.scales).toBe(1);
    expect(planStylize({ preset: 'resnet50-swag' }, { isCPU: false, kind: 'gpu' }).recipe.normalize).toBe(false);
    expect(planStylize({ preset: 'resnet50-swag', normalize: true }, { isCPU: false, kind: 'gpu' }).recipe.normalize).toBe(true);
  });
});

describe(`the content weight steers, on ResNet-50 [${fastestAdapter()}]`, () => {
  it('default weights keep the edges and carry the colours; content weight 0.1 → 10 raises edges, lowers colour', async () => {
    const ctx = await getContext(fastestAdapter());
    const model = await loadModel(ctx, 'resnet50');
    const base = await run(ctx, model);
    const low = await run(ctx, model, 0.1);
    const high = await run(ctx, model, 10);
    const fmt = (r: typeof base) => `edge ${r.edge.toFixed(3)}, colour ${r.color.toFixed(3)}, texture ${r.texture.toFixed(3)} (${r.seconds.toFixed(0)} s)`;
    console.log(`chelsea × starry_night, 128 px, 40 iterations: default ${fmt(base)}; content 0.1: ${fmt(low)}; content 10: ${fmt(high)}`);
    expect(base.edge).toBeGreaterThanOrEqual(0.45);
    expect(base.color).toBeGreaterThanOrEqual(0.25);
    expect(base.texture).toBeGreaterThanOrEqual(1 / 3);
    expect(high.edge - low.edge).toBeGreaterThanOrEqual(0.1);
    expect(high.color).toBeLessThan(low.color);
  }, 900_000);
});
