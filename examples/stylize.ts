// Stylize one image with another: the default preset (swag: SWAG on ResNet-50 with normalised losses), progress on
// stderr. CONTENT and STYLE are files or built-in names (chelsea, coffee, astronaut; starry-night, great-wave, ...).
//
//   node --import ./bin/register.mjs examples/stylize.ts CONTENT STYLE [OUT.png] [SIZE] [ITERATIONS]
//
// From an installed package, `import { stylize, saveImage } from 'swagpu'` is the same code.
import { saveImage, stylize } from 'swagpu';

const [content, style, out = 'stylized.png', size = '256', iterations = '100'] = process.argv.slice(2);
if (!content || !style) throw new Error('usage: stylize.ts CONTENT STYLE [OUT.png] [SIZE] [ITERATIONS]');

const result = await stylize({
  content, style,
  size: Number(size), iterations: Number(iterations), reportEvery: 1,
  onProgress: (p) => console.error(`iteration ${p.iteration}/${p.iterations}: loss ${p.loss.toExponential(3)}`),
});
await saveImage(out, result.image);
console.log(`wrote ${out} (${result.image.width}x${result.image.height}, loss ${result.loss.start.toExponential(3)} -> ${result.loss.end.toExponential(3)}, ${result.seconds.toFixed(1)} s on ${result.adapter.kind})`);
