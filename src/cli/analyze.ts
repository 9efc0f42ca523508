/**
 * `swagpu analyze IMAGE [--model resnet50|vgg19] [--smoothing MODE] [--temperature T] [--size N] [--json] [--plot out.svg]`
 * The paper's analysis: per tap, max and entropy of the normalised activations and Gram matrix.
 * With --plot, the chart shows the model without smoothing and with the chosen smoothing (softmax by default).
 */
import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import sharp from 'sharp';
import { OUTPUT_FORMATS, checkNotAnInput, checkWritable, checkWritablePath, writeFileAtomic } from '../io/image.js';
import { analysisTable, createEngine, type AnalyzeOptions } from '../node.js';
import { ANALYZE_OPTIONS, optionsFromFlags, parseArgsConfig, planAnalyze, UsageError, usageLines } from '../api/options.js';

const USAGE = `usage: swagpu analyze IMAGE [options]\n${usageLines(ANALYZE_OPTIONS)}`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  let options: Required<Pick<AnalyzeOptions, 'model' | 'smoothing' | 'temperature' | 'size'>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: parseArgsConfig(ANALYZE_OPTIONS) });
    if (parsed.values.help) { console.log(USAGE); return 0; }
    if (parsed.positionals.length !== 1) throw new UsageError(`analyze: give exactly one image (got ${parsed.positionals.length})`);
    options = planAnalyze(optionsFromFlags(ANALYZE_OPTIONS, parsed.values) as AnalyzeOptions);
    const plot = parsed.values.plot as string | undefined;
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
  const { positionals } = parsed;
  const values = parsed.values as { weights?: string; json?: boolean; plot?: string };
  const { model, size } = options;
  const engine = await createEngine({ weights: values.weights ? { [model]: values.weights } : undefined, log: (l) => console.error(l) });
  try {
    const result = await engine.analyze(positionals[0], {
      ...options, plot: values.plot !== undefined,
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
