/** `swagpu classify IMAGE... [--model resnet50] [--weights FILE] [--top 5] [--json]`: ImageNet top-k labels. */
import { parseArgs } from 'node:util';
import { createEngine, predictionsTable } from '../node.js';
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
  const engine = await createEngine({ weights: values.weights ? { resnet50: values.weights } : undefined, log: (l) => console.error(l) });
  try {
    // Every image is decoded before the model loads, so a bad file fails fast, naming itself.
    const top = await engine.classify(positionals, { top: Number(values.top) });
    const results = positionals.map((file, i) => ({ file, top: top[i] }));
    if (values.json) console.log(JSON.stringify(results, null, 2));
    else for (const r of results) console.log(`${r.file}\n${predictionsTable(r.top)}`);
    return 0;
  } finally {
    engine.dispose();
  }
}
