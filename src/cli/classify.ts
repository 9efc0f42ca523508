/** `swagpu classify IMAGE... [--model resnet50] [--weights FILE] [--top 5] [--json]`: ImageNet top-k labels. */
import { parseArgs } from 'node:util';
import { getContext } from '../gpu/context.js';
import { loadImage } from '../io/image.js';
import { loadModel } from '../models/load.js';
import { classify } from '../models/classify.js';
import { UsageError, positiveInt } from './args.js';

const USAGE = 'usage: swagpu classify IMAGE... [--model resnet50] [--weights FILE] [--top 5] [--json]';

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { model: { type: 'string', default: 'resnet50' }, weights: { type: 'string' }, top: { type: 'string', default: '5' }, json: { type: 'boolean', default: false }, help: { type: 'boolean' } },
    });
    if (parsed.values.help) { console.log(USAGE); return 0; }
    if (parsed.positionals.length === 0) throw new UsageError('classify: give at least one image file');
    if (parsed.values.model !== 'resnet50') throw new UsageError(`--model: only resnet50 has a classifier head (got '${parsed.values.model}')`);
    positiveInt('--top', parsed.values.top!, 1000);
  } catch (error) {
    console.error(`swagpu classify: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const top = Number(values.top);
  // Every image is decoded before the model loads, so a bad file fails fast, naming itself.
  const images = [];
  for (const file of positionals) images.push(await loadImage(file, { kind: 'exact', width: 224, height: 224 }));
  const ctx = await getContext();
  const model = await loadModel(ctx, 'resnet50', { weights: values.weights, log: (l) => console.error(l) });
  const results = [];
  for (const [i, file] of positionals.entries()) results.push({ file, top: (await classify(ctx, model, images[i])).slice(0, top) });
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else {
    for (const r of results) {
      console.log(r.file);
      for (const t of r.top) console.log(`  ${String(t.index).padStart(4)} ${t.label.padEnd(28)} ${t.prob.toFixed(4)}`);
    }
  }
  return 0;
}
