/**
 * `swagpu stylize [--content C] [--style S] [--out out.png] [options]`: style transfer with SWAG.
 * Without --content/--style it uses the built-in pair (chelsea × starry-night, src/style/gallery.ts);
 * a built-in image's name works wherever a file does (`--style great-wave`).
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { checkNotAnInput, checkWritable, saveImage } from '../io/image.js';
import { createEngine, type NodeImageInput, type StylizeOptions } from '../node.js';
import { MODEL_NAMES } from '../models/model.js';
import { DEFAULT_PRESET, PRESETS, SMOOTHING_MODES, type SmoothingMode } from '../style/presets.js';
import { DEFAULT_CONTENT, DEFAULT_STYLE, galleryNames } from '../style/gallery.js';
import { DeviceLostError, NonFiniteLossError } from '../style/stylize.js';
import { UsageError, nonNegativeInt, nonNegativeNumber, oneOf, positiveInt, positiveNumber } from './args.js';
import { MAX_SEED } from '../api/options.js';

const USAGE = `usage: swagpu stylize [--content C] [--style S [--style S2 ...]] [--out out.png] [options]
  --out FILE             .png (default out.png), .webp, .tif/.tiff (lossless) or .jpg/.jpeg (quality 95)
  --content C, --style S a file, or a built-in image: ${galleryNames('content').join(', ')} (content; default ${DEFAULT_CONTENT})
                         ${galleryNames('style').join(', ')} (paintings; default ${DEFAULT_STYLE})
  --preset NAME          ${Object.keys(PRESETS).join(' | ')} (default ${DEFAULT_PRESET}: normalised losses, weights 1 = balanced;
                         resnet50-swag is the paper's literal recipe, resnet50 its baseline)
  --normalize / --no-normalize  divide each loss term by its target's mean square, so weights are shares
                         (default: the preset's, on for ${DEFAULT_PRESET} only)
  --model NAME           resnet50 | vgg19 (default: the preset's)
  --weights FILE         weights file (default: in the folder 'swagpu weights path' prints)
  --smoothing MODE       ${SMOOTHING_MODES.join(' | ')}
  --temperature T        softmax temperature (default 1)
  --smooth-layers L      which taps are smoothed: all, or a comma list (default: the preset's; stages 3-4 for the ResNet-50 presets)
  --size N               long side in pixels (default: preset's; 256 on CPU adapters, coarse to fine over 3 scales)
  --square               force N x N, as the paper does
  --iters N              iterations (default: preset's; fewer on CPU adapters)
  --optimizer NAME       lbfgs | adam
  --lr X                 learning rate (Adam; L-BFGS step scale)
  --content-weight X  --style-weight X  --tv-weight X
  --init content|noise|FILE   --seed N (0 to 4294967295: the noise generator's 32-bit state)
  --style-blend W1,W2,... blend weights of the --style images (normalised to sum 1; default equal)
  --style-scale X        style long side = X × output long side (default: the style at --size)
  --original-colors      keep the content's colours (YUV chroma); transfer luminance only
  --match-style-colors   recolour each style to the content's colour mean/covariance first
  --scales N             coarse to fine over N sizes, x2 apart; --iters is the total, split equally
  --min-size N           long side of the coarsest scale (with --scales: sizes geometric from N)
  --mask FILE            region r of the mask (k-th darkest colour) takes the r-th --style
  --save-every N         write intermediate PNGs next to --out
  --report-every N       read the loss back every N iterations (default 10)
  --max-memory MiB       GPU memory budget: recompute activations (checkpoints), then if needed keep the loss targets in CPU memory, cap the backward kernels' temporaries and shorten the L-BFGS history, to stay under it (default: unlimited)
  --json                 print a JSON summary at the end (with peakBytes: the pooled GPU memory peak, weights included)
  --verbose              also show the WebGPU driver's own warnings (filtered otherwise)
Ctrl-C or SIGTERM stops within one step and saves the current image as NAME.partial.png.`;

/** Where a stopped run (Ctrl-C, SIGTERM) keeps its image: out.png → out.partial.png. */
const partialPath = (out: string) => out.replace(/(\.\w+)?$/, '.partial$1');
/** Where a run stopped by a non-finite loss or a lost device keeps the last good image. */
const lastGoodPath = (out: string) => out.replace(/(\.\w+)?$/, '.last-good$1');

/** The flags as stylize options, handed to another command (batch) instead of running: `parsed(options, flags)`. */
export type ParsedStylizeFlags = (options: StylizeOptions<NodeImageInput>, values: Record<string, string | boolean | string[] | undefined>) => Promise<number>;

export async function run(argv: string[], parsed?: ParsedStylizeFlags): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        content: { type: 'string' }, style: { type: 'string', multiple: true }, out: { type: 'string', default: 'out.png' },
        preset: { type: 'string', default: DEFAULT_PRESET }, normalize: { type: 'boolean' }, 'no-normalize': { type: 'boolean' }, model: { type: 'string' }, weights: { type: 'string' },
        smoothing: { type: 'string' }, temperature: { type: 'string' }, 'smooth-layers': { type: 'string' }, size: { type: 'string' }, square: { type: 'boolean' },
        iters: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' },
        'content-weight': { type: 'string' }, 'style-weight': { type: 'string' }, 'tv-weight': { type: 'string' },
        init: { type: 'string' }, seed: { type: 'string' }, 'save-every': { type: 'string' }, 'report-every': { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean' },
        'style-blend': { type: 'string' }, 'style-scale': { type: 'string' }, 'original-colors': { type: 'boolean' },
        'match-style-colors': { type: 'boolean' }, scales: { type: 'string' }, 'min-size': { type: 'string' }, mask: { type: 'string' },
        'max-memory': { type: 'string' },
      },
    }));
  } catch (error) {
    console.error(`swagpu stylize: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) { console.log(USAGE); return 0; }
  // Flags → the library's options (src/api/options.ts holds every rule: preset, CPU defaults, sizes).
  const options: StylizeOptions<NodeImageInput> = {};
  let saveEvery = 0;
  const stylePaths = (values.style as string[] | undefined) ?? [];
  const out = values.out as string;
  try {
    options.preset = values.preset as string;
    if (!(options.preset in PRESETS)) throw new UsageError(`--preset: expected one of ${Object.keys(PRESETS).join(', ')}, got '${options.preset}'`);
    const preset = PRESETS[options.preset];
    if (values.normalize && values['no-normalize']) throw new UsageError('--normalize and --no-normalize: give one of them');
    if (values.normalize) options.normalize = true;
    if (values['no-normalize']) options.normalize = false;
    if (values.model) options.model = oneOf('--model', values.model as string, MODEL_NAMES);
    if (values.smoothing) options.smoothing = oneOf<SmoothingMode>('--smoothing', values.smoothing as string, SMOOTHING_MODES);
    if (values.temperature) options.temperature = positiveNumber('--temperature', values.temperature as string);
    if (values['smooth-layers'] !== undefined) {
      const list = String(values['smooth-layers']).split(',').map((t) => t.trim()).filter(Boolean);
      if (list.length === 0) throw new UsageError('--smooth-layers: expected all or a comma-separated list of layer names');
      options.smoothLayers = list.length === 1 && list[0] === 'all' ? 'all' : list;
    }
    if (values.iters) options.iterations = positiveInt('--iters', values.iters as string, 1_000_000);
    if (values.optimizer) options.optimizer = oneOf('--optimizer', values.optimizer as string, ['lbfgs', 'adam'] as const);
    if (values.lr) options.learningRate = positiveNumber('--lr', values.lr as string);
    if (values['content-weight']) options.contentWeight = nonNegativeNumber('--content-weight', values['content-weight'] as string);
    if (values['style-weight']) options.styleWeight = nonNegativeNumber('--style-weight', values['style-weight'] as string);
    if (values['tv-weight']) options.tvWeight = nonNegativeNumber('--tv-weight', values['tv-weight'] as string);
    if (values.seed !== undefined) options.seed = nonNegativeInt('--seed', values.seed as string, MAX_SEED);
    if (values['report-every']) options.reportEvery = positiveInt('--report-every', values['report-every'] as string);
    if (values['save-every']) saveEvery = positiveInt('--save-every', values['save-every'] as string);
    if (values.size) options.size = positiveInt('--size', values.size as string, 8192);
    if (values.square) options.square = true;
    let blend: number[] | undefined;
    if (values['style-blend']) {
      blend = (values['style-blend'] as string).split(',').map((w) => nonNegativeNumber('--style-blend', w));
      if (blend.length !== Math.max(1, stylePaths.length)) throw new UsageError(`--style-blend: ${blend.length} weights for ${stylePaths.length} --style images`);
      if (!blend.some((w) => w > 0)) throw new UsageError('--style-blend: the weights must not all be 0');
    }
    if (stylePaths.length > 0) options.style = stylePaths.map((image, i) => ({ image, weight: blend?.[i] ?? 1 }));
    if (values.content) options.content = values.content as string;
    if (values['style-scale']) options.styleScale = positiveNumber('--style-scale', values['style-scale'] as string);
    if (values['original-colors']) options.originalColors = true;
    if (values['match-style-colors']) options.matchStyleColors = true;
    if (values.scales) options.scales = positiveInt('--scales', values.scales as string, 16);
    if (values['min-size']) options.minSize = positiveInt('--min-size', values['min-size'] as string, 8192);
    if (values.mask && stylePaths.length < 2) throw new UsageError(`--mask: needs one --style per region (at least 2), got ${stylePaths.length}`);
    if (values.mask) options.mask = values.mask as string;
    if (options.model && options.model !== preset.model) {
      throw new UsageError(`--model ${options.model} does not fit preset ${preset.name} (its layers are ${preset.model}'s); choose --preset ${options.model === 'vgg19' ? 'vgg19' : 'resnet50-swag'}`);
    }
    if (values.init) options.init = values.init as string;
    if (values['max-memory']) options.maxMemory = positiveInt('--max-memory', values['max-memory'] as string, 1 << 24);
    if (!parsed) {
      await checkWritable(out);
      // No output may replace an input. The .partial/.last-good files written on a stop may replace the
      // --init image (resuming from out.partial.png is the point), but not the content, styles or mask.
      const inputs = [
        ...(values.content ? [{ what: 'content', path: values.content as string }] : []),
        ...stylePaths.map((path, i) => ({ what: stylePaths.length > 1 ? `style ${i + 1}` : 'style', path })),
        ...(values.mask ? [{ what: 'mask', path: values.mask as string }] : []),
      ];
      const init = values.init && values.init !== 'content' && values.init !== 'noise' ? [{ what: 'init', path: values.init as string }] : [];
      await checkNotAnInput(out, [...inputs, ...init]);
      for (const kept of [partialPath(out), lastGoodPath(out)]) await checkNotAnInput(kept, inputs);
    }
  } catch (error) {
    console.error(`swagpu stylize: ${(error as Error).message}`);
    return 2;
  }
  if (parsed) return parsed(options, values);

  const engine = await createEngine({ weights: values.weights ? { [options.model ?? PRESETS[options.preset!].model]: values.weights as string } : undefined, log: (l) => console.error(`swagpu: ${l}`) });
  let iterations = options.iterations ?? 0;
  const bar = process.stderr.isTTY && !values.json
    ? new cliProgress.SingleBar({ format: 'stylize |{bar}| {value}/{total} it | loss {loss} | {speed} it/s | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(iterations, 0, { loss: '-', speed: '-' });
  // Ctrl-C (SIGINT) and SIGTERM (kill, a job scheduler, a container stopping) both stop at the next
  // iteration and save the image so far; a second signal of the same kind ends the process as usual.
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBy ??= signal;
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await engine.stylize({
      ...options,
      signal: controller.signal,
      onProgress: async (p) => {
        if (iterations !== p.iterations) bar?.setTotal((iterations = p.iterations));
        const speed = (p.iteration / p.elapsedSeconds).toFixed(2);
        if (bar) bar.update(p.iteration, { loss: p.loss.toExponential(3), speed });
        else if (!values.json) console.error(`iter ${p.iteration}/${p.iterations}${p.scale.count > 1 ? ` [scale ${p.scale.index + 1}/${p.scale.count}, ${p.scale.width}x${p.scale.height}]` : ''} loss ${p.loss.toExponential(4)} (${p.layers.map((l) => `${l.kind} ${l.name}${l.region === undefined ? '' : `#${l.region + 1}`} ${l.value.toExponential(2)}`).join(', ')}) ${speed} it/s`);
        if (saveEvery > 0 && p.iteration % saveEvery === 0) await saveImage(out.replace(/(\.\w+)?$/, `.${p.iteration}$1`), await p.snapshot());
      },
    });
    bar?.stop();
    const aborted = result.aborted;
    const target = aborted ? partialPath(out) : out;
    await saveImage(target, result.image);
    const summary = { ...result, image: undefined, out: target, aborted };
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else {
      // Stopped before the first iteration finished, there is no loss to show yet (not "NaN -> NaN").
      const loss = Number.isFinite(result.loss.start) ? `loss ${result.loss.start.toExponential(3)} -> ${result.loss.end.toExponential(3)}` : 'no iteration finished, so no loss yet';
      console.error(`${aborted ? `interrupted${stoppedBy ? ` (${stoppedBy})` : ''}: saved the current image to` : 'wrote'} ${target} (${result.iterations} iterations, ${result.evaluations} evaluations, ${result.seconds.toFixed(1)} s, ${loss})`);
    }
    // The shell's codes for death by signal: 130 for SIGINT, 143 for SIGTERM.
    return aborted ? (stoppedBy === 'SIGTERM' ? 143 : 130) : 0;
  } catch (error) {
    bar?.stop();
    if (error instanceof NonFiniteLossError || error instanceof DeviceLostError) {
      const target = lastGoodPath(out);
      await saveImage(target, error.lastGood);
      console.error(`swagpu stylize: ${error.message}; the last good image is saved in ${target}`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    engine.dispose();
  }
}
