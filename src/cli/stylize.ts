/**
 * `swagpu stylize [--content C] [--style S] [--out out.png] [options]`: style transfer with SWAG.
 * Without --content/--style it uses the built-in pair (chelsea × starry-night, src/style/gallery.ts);
 * a built-in image's name works wherever a file does (`--style great-wave`).
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { checkNotAnInput, checkWritable, saveImage } from '../io/image.js';
import { createEngine, type NodeImageInput, type StylizeOptions } from '../node.js';
import { checkStylizeOptions, flagValue, optionsFromFlags, parseArgsConfig, STYLIZE_OPTIONS, UsageError, usageLines } from '../api/options.js';
import { DeviceLostError, NonFiniteLossError } from '../style/stylize.js';

const USAGE = `usage: swagpu stylize [--content C] [--style S [--style S2 ...]] [--out out.png] [options]
${usageLines(STYLIZE_OPTIONS)}
  --verbose              also show the WebGPU driver's own warnings (filtered otherwise)
Ctrl-C or SIGTERM stops within about a second and saves the last finished iterate as NAME.partial.png.`;

/** Where a stopped run (Ctrl-C, SIGTERM) keeps its image: out.png → out.partial.png. */
const partialPath = (out: string) => out.replace(/(\.\w+)?$/, '.partial$1');
/** Where a run stopped by a non-finite loss or a lost device keeps the last good image. */
const lastGoodPath = (out: string) => out.replace(/(\.\w+)?$/, '.last-good$1');

/** The flags as stylize options, handed to another command (batch) instead of running: `parsed(options, flags)`. */
export type ParsedStylizeFlags = (options: StylizeOptions<NodeImageInput>, values: Record<string, string | boolean | string[] | undefined>) => Promise<number>;

export async function run(argv: string[], parsed?: ParsedStylizeFlags): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options: parseArgsConfig(STYLIZE_OPTIONS) }).values as typeof values;
  } catch (error) {
    console.error(`swagpu stylize: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) { console.log(USAGE); return 0; }
  // Flags → the library's options: each flag parsed by its row of the options table (src/api/options.ts),
  // then the library's own check (checkStylizeOptions: the same rows, the model against the preset), so a
  // mistake is a usage error here, before any file or GPU work.
  let options: StylizeOptions<NodeImageInput>;
  let saveEvery = 0;
  const stylePaths = (values.style as string[] | undefined) ?? [];
  const out = values.out as string;
  try {
    options = optionsFromFlags(STYLIZE_OPTIONS, values) as StylizeOptions<NodeImageInput>;
    if (values['save-every']) saveEvery = flagValue('--save-every', STYLIZE_OPTIONS.saveEvery, values['save-every'] as string) as number;
    let blend: number[] | undefined;
    if (values['style-blend']) {
      blend = flagValue('--style-blend', STYLIZE_OPTIONS.styleBlend, values['style-blend'] as string) as number[];
      if (blend.length !== Math.max(1, stylePaths.length)) throw new UsageError(`--style-blend: ${blend.length} weights for ${stylePaths.length} --style images`);
      if (!blend.some((w) => w > 0)) throw new UsageError('--style-blend: the weights must not all be 0');
    }
    if (stylePaths.length > 0) options.style = stylePaths.map((image, i) => ({ image, weight: blend?.[i] ?? 1 }));
    if (values.mask && stylePaths.length < 2) throw new UsageError(`--mask: needs one --style per region (at least 2), got ${stylePaths.length}`);
    checkStylizeOptions(options);
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

  const engine = await createEngine({ weights: values.weights ? { [checkStylizeOptions(options).model]: values.weights as string } : undefined, log: (l) => console.error(`swagpu: ${l}`) });
  let iterations = options.iterations ?? 0;
  const bar = process.stderr.isTTY && !values.json
    ? new cliProgress.SingleBar({ format: 'stylize |{bar}| {value}/{total} it | loss {loss} | {speed} it/s | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(iterations, 0, { loss: '-', speed: '-' });
  // Ctrl-C (SIGINT) and SIGTERM (kill, a job scheduler, a container stopping) both stop the run within about
  // a second (the step in flight is dropped: GpuContext.paceStep) and save the image so far; a second signal
  // of the same kind ends the process as usual.
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
