// ImageNet top-5 with the pretrained ResNet-50 (the check that weights, layout and kernels are right).
//
//   node --import ./bin/register.mjs examples/classify.ts IMAGE...
import { createEngine } from 'swagpu';

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: classify.ts IMAGE...');

const engine = await createEngine();
try {
  const results = await engine.classify(files, { top: 5 });
  files.forEach((file, i) => {
    console.log(file);
    for (const p of results[i]) console.log(`  ${(100 * p.prob).toFixed(1).padStart(5)}%  ${p.label}`);
  });
} finally {
  engine.dispose();
}
