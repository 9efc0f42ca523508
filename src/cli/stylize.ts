/**
 * `swagpu stylize [--content C] [--style S] [--out out.png] [options]`: style transfer with SWAG.
 * Without --content/--style it uses the embedded procedural pair (src/style/default-images.ts).
 */
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { getContext } from '../gpu/context.js';
import { checkWritable, loadImage, resizeImage, saveImage } from '../io/image.js';
import { loadModel, MODEL_NAMES, type ModelName } from '../models/load.js';
import { PRESETS, SMOOTHING_MODES, getPreset, type SmoothingMode } from '../style/presets.js';
import { DeviceLostError, NonFiniteLossError, recipeFromPreset, stylize, type Image, type StyleRecipe, type WeightedStyle } from '../style/stylize.js';
import { defaultContent, defaultStyle } from '../style/default-images.js';
import { UsageError, nonNegativeNumber, oneOf, positiveInt, positiveNumber } from './args.js';

const USAGE = `usage: swagpu stylize [--content C] [--style S [--style S2 ...]] [--out out.png] [options]
  --preset NAME          ${Object.keys(PRESETS).join(' | ')} (default resnet50-swag, the paper's)
  --model NAME           resnet50 | vgg19 (default: the preset's)
  --weights FILE         weights file (default: weights/<model>)
  --smoothing MODE       ${SMOOTHING_MODES.join(' | ')}
  --temperature T        softmax temperature (default 1)
  --size N               long side in pixels (default: preset's; 256 on CPU adapters)
  --square               force N x N, as the paper does
  --iters N              iterations (default: preset's; fewer on CPU adapters)
  --optimizer NAME       lbfgs | adam
  --lr X                 learning rate (Adam; L-BFGS step scale)
  --content-weight X  --style-weight X  --tv-weight X
  --init content|noise|FILE   --seed N
  --style-blend W1,W2,... blend weights of the --style images (normalised to sum 1; default equal)
  --style-scale X        style long side = X × output long side (default: the style at --size)
  --original-colors      keep the content's colours (YUV chroma); transfer luminance only
  --match-style-colors   recolour each style to the content's colour mean/covariance first
  --scales N             coarse to fine over N sizes, x2 apart; --iters is the total, split equally
  --min-size N           long side of the coarsest scale (with --scales: sizes geometric from N)
  --mask FILE            region r of the mask (k-th darkest colour) takes the r-th --style
  --save-every N         write intermediate PNGs next to --out
  --report-every N       read the loss back every N iterations (default 10)
  --json                 print a JSON summary at the end`;

/** Sizes and counts that finish in a few minutes on a CPU (software) adapter. */
export const CPU_DEFAULTS = { size: 256, iterations: 150 };

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        content: { type: 'string' }, style: { type: 'string', multiple: true }, out: { type: 'string', default: 'out.png' },
        preset: { type: 'string', default: 'resnet50-swag' }, model: { type: 'string' }, weights: { type: 'string' },
        smoothing: { type: 'string' }, temperature: { type: 'string' }, size: { type: 'string' }, square: { type: 'boolean' },
        iters: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' },
        'content-weight': { type: 'string' }, 'style-weight': { type: 'string' }, 'tv-weight': { type: 'string' },
        init: { type: 'string' }, seed: { type: 'string' }, 'save-every': { type: 'string' }, 'report-every': { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean' },
        'style-blend': { type: 'string' }, 'style-scale': { type: 'string' }, 'original-colors': { type: 'boolean' },
        'match-style-colors': { type: 'boolean' }, scales: { type: 'string' }, 'min-size': { type: 'string' }, mask: { type: 'string' },
      },
    }));
  } catch (error) {
    console.error(`swagpu stylize: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) { console.log(USAGE); return 0; }
  let recipe: StyleRecipe;
  let model: ModelName;
  let size: number | undefined;
  let saveEvery = 0;
  let blend: number[] | undefined;
  const stylePaths = (values.style as string[] | undefined) ?? [];
  const out = values.out as string;
  try {
    const preset = getPreset(values.preset as string);
    model = values.model ? oneOf('--model', values.model as string, MODEL_NAMES) : preset.model;
    const overrides: Partial<StyleRecipe> = {};
    if (values.smoothing) overrides.smoothing = oneOf<SmoothingMode>('--smoothing', values.smoothing as string, SMOOTHING_MODES);
    if (values.temperature) overrides.temperature = positiveNumber('--temperature', values.temperature as string);
    if (values.iters) overrides.iterations = positiveInt('--iters', values.iters as string, 1_000_000);
    if (values.optimizer) overrides.optimizer = oneOf('--optimizer', values.optimizer as string, ['lbfgs', 'adam'] as const);
    if (values.lr) overrides.learningRate = positiveNumber('--lr', values.lr as string);
    if (values['content-weight']) overrides.contentWeight = nonNegativeNumber('--content-weight', values['content-weight'] as string);
    if (values['style-weight']) overrides.styleWeight = nonNegativeNumber('--style-weight', values['style-weight'] as string);
    if (values['tv-weight']) overrides.tvWeight = nonNegativeNumber('--tv-weight', values['tv-weight'] as string);
    if (values.seed) overrides.seed = Number(positiveInt('--seed', String(Number(values.seed) + 1)) - 1);
    if (values['report-every']) overrides.reportEvery = positiveInt('--report-every', values['report-every'] as string);
    if (values['save-every']) saveEvery = positiveInt('--save-every', values['save-every'] as string);
    if (values.size) size = positiveInt('--size', values.size as string, 8192);
    if (values['style-blend']) {
      blend = (values['style-blend'] as string).split(',').map((w) => nonNegativeNumber('--style-blend', w));
      if (blend.length !== Math.max(1, stylePaths.length)) throw new UsageError(`--style-blend: ${blend.length} weights for ${stylePaths.length} --style images`);
      if (!blend.some((w) => w > 0)) throw new UsageError('--style-blend: the weights must not all be 0');
    }
    if (values['style-scale']) overrides.styleScale = positiveNumber('--style-scale', values['style-scale'] as string);
    if (values['original-colors']) overrides.originalColors = true;
    if (values['match-style-colors']) overrides.matchStyleColors = true;
    if (values.scales) overrides.scales = positiveInt('--scales', values.scales as string, 16);
    if (values['min-size']) overrides.minSize = positiveInt('--min-size', values['min-size'] as string, 8192);
    if (values.mask && stylePaths.length < 2) throw new UsageError(`--mask: needs one --style per region (at least 2), got ${stylePaths.length}`);
    if (model !== preset.model) {
      throw new UsageError(`--model ${model} does not fit preset ${preset.name} (its layers are ${preset.model}'s); choose --preset ${model === 'vgg19' ? 'vgg19' : 'resnet50-swag'}`);
    }
    recipe = recipeFromPreset(preset, overrides);
    if (values.init && values.init !== 'content' && values.init !== 'noise') recipe.init = 'content'; // file: loaded below
    else if (values.init) recipe.init = values.init as 'content' | 'noise';
    await checkWritable(out);
  } catch (error) {
    console.error(`swagpu stylize: ${(error as Error).message}`);
    return 2;
  }

  const ctx = await getContext();
  const preset = getPreset(values.preset as string);
  const cpu = ctx.gpu.adapter.isCPU;
  if (cpu && !values.size && !values.iters) {
    console.error(`swagpu: ${ctx.gpu.adapter.kind} is a CPU adapter: using --size ${CPU_DEFAULTS.size} --iters ${CPU_DEFAULTS.iterations} instead of the preset's ${preset.size} px x ${preset.iterations} (give --size/--iters to override)`);
    size = CPU_DEFAULTS.size;
    recipe.iterations = CPU_DEFAULTS.iterations;
  }
  size ??= cpu ? CPU_DEFAULTS.size : preset.size;
  const square = values.square === true || (preset.square && !values.size && !cpu);
  const resize = square ? { kind: 'exact' as const, width: size, height: size } : { kind: 'long-side' as const, size };
  const content: Image = values.content ? await loadImage(values.content as string, resize) : await resizeImage(defaultContent(), resize);
  // With --style-scale the library sizes each style relative to the output; load it at that size (sharp's filter).
  const styleResize = { kind: 'long-side' as const, size: recipe.styleScale ? Math.max(1, Math.round(recipe.styleScale * Math.max(content.width, content.height))) : size };
  const styleImages: Image[] = stylePaths.length > 0 ? await Promise.all(stylePaths.map((p) => loadImage(p, styleResize))) : [await resizeImage(defaultStyle(), styleResize)];
  const styles: WeightedStyle[] = styleImages.map((image, i) => ({ image, weight: blend?.[i] ?? 1 }));
  if (values.mask) recipe.mask = await loadImage(values.mask as string, { kind: 'exact', width: content.width, height: content.height });
  if (values.init && values.init !== 'content' && values.init !== 'noise') {
    recipe.init = await loadImage(values.init as string, { kind: 'exact', width: content.width, height: content.height });
  }
  const net = await loadModel(ctx, model, { weights: values.weights as string | undefined, pooling: preset.pooling, log: (l) => console.error(l) });

  const bar = process.stderr.isTTY && !values.json
    ? new cliProgress.SingleBar({ format: 'stylize |{bar}| {value}/{total} it | loss {loss} | {speed} it/s | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(recipe.iterations, 0, { loss: '-', speed: '-' });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await stylize(ctx, net, content, styles, recipe, {
      signal: controller.signal,
      onProgress: async (p, preview) => {
        const speed = (p.iteration / p.elapsedSeconds).toFixed(2);
        if (bar) bar.update(p.iteration, { loss: p.loss.toExponential(3), speed });
        else if (!values.json) console.error(`iter ${p.iteration}/${recipe.iterations}${p.scale.count > 1 ? ` [scale ${p.scale.index + 1}/${p.scale.count}, ${p.scale.width}x${p.scale.height}]` : ''} loss ${p.loss.toExponential(4)} (${p.layers.map((l) => `${l.kind} ${l.name}${l.region === undefined ? '' : `#${l.region + 1}`} ${l.value.toExponential(2)}`).join(', ')}) ${speed} it/s`);
        if (saveEvery > 0 && p.iteration % saveEvery === 0) await saveImage(out.replace(/(\.\w+)?$/, `.${p.iteration}$1`), await preview());
      },
    });
    bar?.stop();
    const aborted = controller.signal.aborted;
    const target = aborted ? out.replace(/(\.\w+)?$/, '.partial$1') : out;
    await saveImage(target, result.image);
    const summary = { ...result, image: undefined, out: target, adapter: ctx.gpu.adapter, aborted };
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else console.error(`${aborted ? 'interrupted: saved the current image to' : 'wrote'} ${target} (${result.iterations} iterations, ${result.evaluations} evaluations, ${result.seconds.toFixed(1)} s, loss ${result.loss.start.toExponential(3)} -> ${result.loss.end.toExponential(3)})`);
    return aborted ? 130 : 0;
  } catch (error) {
    bar?.stop();
    if (error instanceof NonFiniteLossError || error instanceof DeviceLostError) {
      const target = out.replace(/(\.\w+)?$/, '.last-good$1');
      await saveImage(target, error.lastGood);
      console.error(`swagpu stylize: ${error.message}; the last good image is saved in ${target}`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
