// Compose a comparison grid: content | style | each result, labelled, as one small PNG (docs/figures).
// Usage: node --import ./bin/register.mjs scripts/make-grid.ts OUT.png CONTENT STYLE LABEL=IMAGE...
import sharp from 'sharp';

const [out, content, style, ...results] = process.argv.slice(2);
if (!out || !content || !style || results.length === 0) {
  console.error('usage: make-grid.ts OUT.png CONTENT STYLE LABEL=IMAGE...');
  process.exit(2);
}
const cell = 256;
const label = 24;
const panels: Array<[string, string]> = [['content', content], ['style', style], ...results.map((r) => r.split('=') as [string, string])];
const tiles = await Promise.all(panels.map(async ([name, file], i) => {
  const image = await sharp(file).resize(cell, cell, { fit: 'cover' }).png().toBuffer();
  const text = Buffer.from(`<svg width="${cell}" height="${label}"><rect width="100%" height="100%" fill="white"/><text x="${cell / 2}" y="17" font-family="sans-serif" font-size="14" text-anchor="middle">${name}</text></svg>`);
  return [
    { input: image, left: i * cell, top: label },
    { input: text, left: i * cell, top: 0 },
  ];
}));
await sharp({ create: { width: cell * panels.length, height: cell + label, channels: 3, background: 'white' } })
  .composite(tiles.flat()).png({ compressionLevel: 9, palette: true, quality: 90 }).toFile(out);
console.log(`wrote ${out}`);
