// The paper's diagnosis on one image: per ResNet-50 layer, how peaky the Gram matrix is without and
// with SWAG's softmax smoothing (max value and entropy; docs/ANALYSIS.md explains the numbers).
//
//   node --import ./bin/register.mjs examples/analyze.ts IMAGE [SIZE]
import { analyze } from 'swagpu';

const [image, size = '224'] = process.argv.slice(2);
if (!image) throw new Error('usage: analyze.ts IMAGE [SIZE]');

const result = await analyze(image, { size: Number(size), smoothing: 'softmax', plot: true });
const plain = result.compare!.layers;
console.log(`${'layer'.padEnd(14)} ${'Gram max'.padStart(10)} ${'(softmax)'.padStart(10)} ${'entropy'.padStart(8)} ${'(softmax)'.padStart(10)}`);
result.layers.forEach((smooth, i) => {
  const raw = plain[i];
  console.log(`${raw.name.padEnd(14)} ${raw.gramMax.toExponential(2).padStart(10)} ${smooth.gramMax.toExponential(2).padStart(10)} ${raw.gramEntropy.toFixed(2).padStart(8)} ${smooth.gramEntropy.toFixed(2).padStart(10)}`);
});
