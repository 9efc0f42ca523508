// Long-run memory check: `stylize` with L-BFGS on the real ResNet-50, sampling the buffer pool at every
// report. After warm-up (the L-BFGS history filling up) bytesInUse, the number of pooled GPU buffers and
// createBuffer calls must stay constant. Usage: npx tsx --import ./bin/register.mjs bench/long-run.ts [size] [iterations] [reportEvery]
import { getContext } from '../src/gpu/context.js';
import { resizeImage } from '../src/io/image.js';
import { loadModel } from '../src/models/load.js';
import { getPreset } from '../src/style/presets.js';
import { defaultContent, defaultStyle } from '../src/bench/synthetic-images.js';
import { recipeFromPreset, stylize } from '../src/style/stylize.js';

const [size = 128, iterations = 2000, reportEvery = 10] = process.argv.slice(2).map(Number);
const ctx = await getContext();
const preset = getPreset('resnet50-swag');
const model = await loadModel(ctx, 'resnet50', { log: (l) => console.error(l) });
const content = await resizeImage(defaultContent(), { kind: 'exact', width: size, height: size });
const style = await resizeImage(defaultStyle(), { kind: 'long-side', size });
const recipe = recipeFromPreset(preset, { optimizer: 'lbfgs', iterations, reportEvery });
const rows: string[] = [];
const result = await stylize(ctx, model, content, style, recipe, {
  onProgress: (p) => {
    const s = ctx.pool.stats;
    const row = `| ${p.iteration} | ${p.evaluations} | ${s.bytesInUse} | ${s.buffers} | ${s.created} | ${(s.bytesAllocated / 2 ** 20).toFixed(1)} | ${p.elapsedSeconds.toFixed(0)} | ${p.loss.toExponential(3)} |`;
    rows.push(row);
    console.log(row);
  },
});
console.log(`adapter ${ctx.gpu.adapter.kind}, ${size}px, ${result.iterations} iterations, ${result.evaluations} evaluations, ${result.seconds.toFixed(0)} s; after the run bytesInUse = ${ctx.pool.stats.bytesInUse}`);
