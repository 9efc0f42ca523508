// The before/after picture of the README's first command (docs/figures/default-before-after.png): the built-in
// content and style at the output's height, then the result, side by side with labels.
// Usage: node --import ./bin/register.mjs scripts/before-after.ts RESULT.png OUT.png [CONTENT [STYLE]]
import sharp from 'sharp';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONTENT, DEFAULT_STYLE, galleryImage, galleryUrl } from '../src/style/gallery.js';

const [result, out, contentName = DEFAULT_CONTENT, styleName = DEFAULT_STYLE] = process.argv.slice(2);
if (!result || !out) {
  console.error('usage: before-after.ts RESULT.png OUT.png [CONTENT [STYLE]]');
  process.exit(2);
}
const { height = 256 } = await sharp(result).metadata();
const file = (name: string) => fileURLToPath(galleryUrl(galleryImage(name)!));
const panels: Array<[string, Buffer]> = [];
for (const [label, path] of [[`content: ${contentName}`, file(contentName)], [`style: ${styleName}`, file(styleName)], ['npx swagpu stylize --out out.png', result]]) {
  panels.push([label, await sharp(path).resize({ height }).png().toBuffer()]);
}
const labelHeight = 22;
const widths = await Promise.all(panels.map(async ([, b]) => (await sharp(b).metadata()).width!));
const gap = 6;
const tiles: sharp.OverlayOptions[] = [];
let x = 0;
panels.forEach(([label, buf], i) => {
  tiles.push({ input: buf, left: x, top: labelHeight });
  tiles.push({ input: Buffer.from(`<svg width="${widths[i]}" height="${labelHeight}"><rect width="100%" height="100%" fill="white"/><text x="${widths[i] / 2}" y="16" font-family="sans-serif" font-size="13" text-anchor="middle">${label}</text></svg>`), left: x, top: 0 });
  x += widths[i] + gap;
});
await sharp({ create: { width: x - gap, height: height + labelHeight, channels: 3, background: 'white' } })
  .composite(tiles).png({ compressionLevel: 9, palette: true, quality: 90 }).toFile(out);
console.log(`wrote ${out}`);
