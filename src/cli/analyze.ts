/**
 * `swagpu analyze IMAGE [--model resnet50|vgg19] [--smoothing MODE] [--temperature T] [--size N] [--json] [--plot out.svg]`
 * The paper's analysis: per tap, max and entropy of the normalised activations and Gram matrix.
 * With --plot, the chart shows the model without smoothing and with the chosen smoothing (softmax by default).
 */
import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import sharp from 'sharp';
import { OUTPUT_FORMATS, checkNotAnInput, checkWritable, checkWritablePath, writeFileAtomic } from '../io/image.js';
import { MODEL_NAMES, type ModelName } from '../models/model.js';
import { SMOOTHING_MODES, type SmoothingMode } from '../style/presets.js';
import { analysisTable, createEngine } from '../node.js';
import { UsageError, oneOf, positiveInt, positiveNumber } from './args.js';

const USAGE = 'usage: swagpu analyze IMAGE [--model resnet50|vgg19] [--weights FILE] [--smoothing none|softmax|channel-softmax|scale] [--temperature T] [--size 224] [--json] [--plot out.svg|out.png]';

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
    const plot = parsed.values.plot;
    if (plot !== undefined) {
      // The chart is SVG; raster extensions get it rendered (sharp rasterises SVG), anything else is refused.
      if (extname(plot).toLowerCase() !== '.svg') {
        try {
          await checkWritable(plot);
        } catch (error) {
          throw new UsageError(`--plot: ${(error as Error).message.replace('(supported: ', '(supported: .svg, ')}`);
        }
      } else {
        await checkWritablePath(plot);
      }
      await checkNotAnInput(plot, [{ what: 'analysed', path: parsed.positionals[0] }]);
    }
  } catch (error) {
    console.error(`swagpu analyze: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const size = Number(values.size);
  const model = values.model as ModelName;
  const engine = await createEngine({ weights: values.weights ? { [model]: values.weights } : undefined, log: (l) => console.error(l) });
  try {
    const result = await engine.analyze(positionals[0], {
      model, size, smoothing: values.smoothing as SmoothingMode, temperature: Number(values.temperature), plot: values.plot !== undefined,
      title: `${model}: Gram peakiness per layer (${positionals[0].split('/').pop()}, ${size}px)`,
    });
    const { layers, smoothing, temperature } = result;
    if (values.json) console.log(JSON.stringify({ model, smoothing, temperature, image: positionals[0], size, layers }, null, 2));
    else console.log(analysisTable(result));
    if (values.plot) {
      const ext = extname(values.plot).toLowerCase();
      const bytes = ext === '.svg' ? Buffer.from(result.svg!)
        // density 144: twice the SVG's own 72 dpi, so the text stays readable
        : await OUTPUT_FORMATS[ext as keyof typeof OUTPUT_FORMATS](sharp(Buffer.from(result.svg!), { density: 144 }).flatten({ background: '#ffffff' })).toBuffer();
      await writeFileAtomic(values.plot, bytes);
      console.error(`wrote ${values.plot}`);
    }
    return 0;
  } finally {
    engine.dispose();
  }
}
