/** `swagpu classify IMAGE... [--model resnet50] [--weights FILE] [--top 5] [--json]`: ImageNet top-k labels. */
import { parseArgs } from 'node:util';
import { createEngine, predictionsTable } from '../node.js';
import { CLASSIFY_OPTIONS, flagValue, optionsFromFlags, parseArgsConfig, planClassify, UsageError, usageLines } from '../api/options.js';

const USAGE = `usage: swagpu classify IMAGE... [options]\n${usageLines(CLASSIFY_OPTIONS)}`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  let top: number;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: parseArgsConfig(CLASSIFY_OPTIONS) });
    if (parsed.values.help) { console.log(USAGE); return 0; }
    if (parsed.positionals.length === 0) throw new UsageError('classify: give at least one image file');
    flagValue('--model', CLASSIFY_OPTIONS.model, parsed.values.model as string);
    ({ top } = planClassify(optionsFromFlags(CLASSIFY_OPTIONS, parsed.values)));
  } catch (error) {
    console.error(`swagpu classify: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals } = parsed;
  const values = parsed.values as { weights?: string; json?: boolean };
  const engine = await createEngine({ weights: values.weights ? { resnet50: values.weights } : undefined, log: (l) => console.error(l) });
  try {
    // Every image is decoded before the model loads, so a bad file fails fast, naming itself.
    const predictions = await engine.classify(positionals, { top });
    const results = positionals.map((file, i) => ({ file, top: predictions[i] }));
    if (values.json) console.log(JSON.stringify(results, null, 2));
    else for (const r of results) console.log(`${r.file}\n${predictionsTable(r.top)}`);
    return 0;
  } finally {
    engine.dispose();
  }
}
