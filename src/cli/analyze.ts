/**
 * `swagpu analyze IMAGE [--model resnet50|vgg19] [--smoothing MODE] [--temperature T] [--size N] [--json] [--plot out.svg]`
 * The paper's analysis: per tap, max and entropy of the normalised activations and Gram matrix.
 * With --plot, the chart shows the model without smoothing and with the chosen smoothing (softmax by default).
 */
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { getContext } from '../gpu/context.js';
import { checkWritable, loadImage } from '../io/image.js';
import { loadModel, MODEL_NAMES } from '../models/load.js';
import { analyzeImage, type LayerStats } from '../style/analysis.js';
import { analysisSvg } from '../style/plot.js';
import { SMOOTHING_MODES, type SmoothingMode } from '../style/presets.js';
import { UsageError, oneOf, positiveInt, positiveNumber } from './args.js';

const USAGE = 'usage: swagpu analyze IMAGE [--model resnet50|vgg19] [--weights FILE] [--smoothing none|softmax|channel-softmax|scale] [--temperature T] [--size 224] [--json] [--plot out.svg]';

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        model: { type: 'string', default: 'resnet50' }, weights: { type: 'string' }, smoothing: { type: 'string', default: 'none' },
        temperature: { type: 'string', default: '1' }, size: { type: 'string', default: '224' }, json: { type: 'boolean' }, plot: { type: 'string' }, help: { type: 'boolean' },
      },
    });
    if (parsed.values.help) { console.log(USAGE); return 0; }
    if (parsed.positionals.length !== 1) throw new UsageError(`analyze: give exactly one image (got ${parsed.positionals.length})`);
    oneOf('--model', parsed.values.model!, MODEL_NAMES);
    oneOf('--smoothing', parsed.values.smoothing!, SMOOTHING_MODES);
    positiveNumber('--temperature', parsed.values.temperature!);
    positiveInt('--size', parsed.values.size!, 4096);
    if (parsed.values.plot) await checkWritable(parsed.values.plot);
  } catch (error) {
    console.error(`swagpu analyze: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const size = Number(values.size);
  const smoothing = values.smoothing as SmoothingMode;
  const temperature = Number(values.temperature);
  const image = await loadImage(positionals[0], { kind: 'exact', width: size, height: size }); // before the model: fail fast
  const ctx = await getContext();
  const model = await loadModel(ctx, values.model as 'resnet50' | 'vgg19', { weights: values.weights, log: (l) => console.error(l) });
  const layers = await analyzeImage(ctx, model, image, { mode: smoothing, temperature });
  if (values.json) console.log(JSON.stringify({ model: model.name, smoothing, temperature, image: positionals[0], size, layers }, null, 2));
  else printTable(model.name, smoothing, layers);
  if (values.plot) {
    const compare = smoothing === 'none' ? 'softmax' : smoothing;
    const other = await analyzeImage(ctx, model, image, { mode: smoothing === 'none' ? compare : 'none', temperature });
    const plain = smoothing === 'none' ? layers : other;
    const smooth = smoothing === 'none' ? other : layers;
    await writeFile(values.plot, analysisSvg([
      { label: `${model.name}, no smoothing`, stats: plain },
      { label: `${model.name}, ${compare} smoothing`, stats: smooth },
    ], `${model.name}: Gram peakiness per layer (${positionals[0].split('/').pop()}, ${size}px)`));
    console.error(`wrote ${values.plot}`);
  }
  return 0;
}

function printTable(model: string, smoothing: string, layers: LayerStats[]): void {
  console.log(`${model}, smoothing ${smoothing}`);
  console.log(`${'layer'.padEnd(16)} ${'shape'.padEnd(16)} ${'actMax'.padStart(10)} ${'actEntropy'.padStart(11)} ${'gramMax'.padStart(10)} ${'gramEntropy'.padStart(12)} ${'(bound)'.padStart(8)} ${'gramPeak'.padStart(10)} ${'evenness'.padStart(9)}`);
  for (const l of layers) {
    console.log(`${l.name.padEnd(16)} ${l.shape.join('x').padEnd(16)} ${l.actMax.toExponential(2).padStart(10)} ${l.actEntropy.toFixed(3).padStart(11)} ${l.gramMax.toExponential(2).padStart(10)} ${l.gramEntropy.toFixed(3).padStart(12)} ${l.gramEntropyBound.toFixed(2).padStart(8)} ${l.gramPeak.toExponential(2).padStart(10)} ${l.gramEvenness.toFixed(3).padStart(9)}`);
  }
}
