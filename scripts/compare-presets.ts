// The paper's literal preset against the default (swag) on the repo's images (docs/ANALYSIS.md, "The default
// preset"): each pair at 128 px (long side), 40 L-BFGS iterations from the content, on this machine's adapter;
// prints a markdown table of the metrics of src/style/metrics.ts and writes a grid (content | style | each preset).
// Usage: node --import ./bin/register.mjs scripts/compare-presets.ts OUT.png [PRESET...]
import sharp from 'sharp';
import { getContext } from '../src/gpu/context.js';
import { loadModel } from '../src/models/load.js';
import { loadImage } from '../src/io/image.js';
import { planarToInterleaved } from '../src/io/image.js';
import { recipeFromPreset, stylize, type Image } from '../src/style/stylize.js';
import { getPreset } from '../src/style/presets.js';
import { colorTransfer, edgeCorrelation } from '../src/style/metrics.js';

const [out, ...named] = process.argv.slice(2);
if (!out) {
  console.error('usage: compare-presets.ts OUT.png [PRESET...]');
  process.exit(2);
}
const presets = named.length > 0 ? named : ['resnet50-swag', 'swag'];
const PAIRS = [['chelsea.png', 'starry_night.jpg'], ['coffee.png', 'woman_with_hat_matisse.jpg'], ['astronaut.jpg', 'great_wave_hokusai.jpg']];
const SIZE = 128;
const ITERATIONS = 40;
const ctx = await getContext();
const model = await loadModel(ctx, 'resnet50');
const png = (image: Image) => sharp(planarToInterleaved(image), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
const rows: Buffer[][] = [];
console.log(`| content × style | ${presets.map((p) => `${p}: edge / colour / texture`).join(' | ')} |`);
console.log(`| --- | ${presets.map(() => '---').join(' | ')} |`);
for (const [c, s] of PAIRS) {
  const content = await loadImage(`assets/images/content/${c}`, { kind: 'long-side', size: SIZE });
  const style = await loadImage(`assets/images/style/${s}`, { kind: 'long-side', size: SIZE });
  const row = [await png(content), await png(style)];
  const cells: string[] = [];
  for (const name of presets) {
    const r = await stylize(ctx, model, content, style, recipeFromPreset(getPreset(name), { iterations: ITERATIONS, reportEvery: 1000 }));
    const st = r.layers.filter((l) => l.kind === 'style');
    const texture = 1 - st.reduce((a, l) => a + l.end, 0) / st.reduce((a, l) => a + l.start, 0);
    cells.push(`${edgeCorrelation(r.image, content).toFixed(2)} / ${colorTransfer(r.image, content, style).toFixed(2)} / ${texture.toFixed(2)} (${r.seconds.toFixed(0)} s)`);
    row.push(await png(r.image));
  }
  console.log(`| ${c} × ${s} | ${cells.join(' | ')} |`);
  rows.push(row);
}
const cell = 160;
const label = 22;
const heads = ['content', 'style', ...presets];
const tiles: sharp.OverlayOptions[] = [];
heads.forEach((h, i) => tiles.push({ input: Buffer.from(`<svg width="${cell}" height="${label}"><rect width="100%" height="100%" fill="white"/><text x="${cell / 2}" y="16" font-family="sans-serif" font-size="13" text-anchor="middle">${h}</text></svg>`), left: i * cell, top: 0 }));
for (const [r, row] of rows.entries()) {
  for (const [i, buf] of row.entries()) {
    tiles.push({ input: await sharp(buf).resize(cell, cell, { fit: 'contain', background: 'white' }).png().toBuffer(), left: i * cell, top: label + r * cell });
  }
}
await sharp({ create: { width: cell * heads.length, height: label + cell * rows.length, channels: 3, background: 'white' } })
  .composite(tiles).png({ compressionLevel: 9, palette: true, quality: 90 }).toFile(out);
console.log(`wrote ${out}`);
process.exit(0);
