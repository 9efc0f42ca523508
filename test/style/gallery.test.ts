// The built-in images (src/style/gallery.ts): every entry is a file of assets/images with its licence in
// assets/images/README.md and ships in the package ("files"); Node reads them by name at the asked size;
// the browser platform refuses a string that is not a built-in name, naming the known ones; the metrics
// of src/style/metrics.ts on cases with known answers.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT, DEFAULT_STYLE, GALLERY, galleryImage, galleryNames, galleryUrl } from '../../src/style/gallery.js';
import { nodePlatform } from '../../src/node.js';
import { browserPlatform } from '../../src/index.js';
import { colorDistance, colorTransfer, edgeCorrelation } from '../../src/style/metrics.js';
import type { Image } from '../../src/style/image.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { swagpu } from '../cli/run.js';

describe('built-in images', () => {
  it('each is a file under assets/images, with its licence in the README, shipped in the package', () => {
    const readme = readFileSync('assets/images/README.md', 'utf8');
    const files = JSON.parse(readFileSync('package.json', 'utf8')).files as string[];
    expect(files).toContain('assets/images');
    for (const g of GALLERY) {
      const url = galleryUrl(g);
      expect(url.protocol).toBe('file:');
      const path = relative(process.cwd(), fileURLToPath(url));
      expect(existsSync(path), path).toBe(true);
      expect(path.startsWith('assets/images/'), path).toBe(true);
      expect(readme, `${path} in assets/images/README.md`).toContain(path.slice('assets/images/'.length));
      expect(readme).toContain(`${g.name}`);
    }
    expect(galleryNames('style').length).toBeGreaterThanOrEqual(4);
    expect(galleryImage(DEFAULT_CONTENT)?.kind).toBe('content');
    expect(galleryImage(DEFAULT_STYLE)?.kind).toBe('style');
  });

  it('Node reads a built-in image by name at the asked size', async () => {
    const wave = await nodePlatform.readGalleryImage(galleryImage('great-wave')!, { kind: 'long-side', size: 64 }, 'style');
    expect([wave.width, wave.height]).toEqual([64, 35]); // 928x514
    expect(wave.data.length).toBe(3 * 64 * 35);
    const mean = wave.data.reduce((a, v) => a + v, 0) / wave.data.length;
    expect(mean).toBeGreaterThan(0.2); // a real picture, not zeros
    expect(mean).toBeLessThan(0.9);
  });

  it('the browser platform takes names only; imagesBase moves the folder; every built-in image is in the demo', async () => {
    expect(browserPlatform.readsPaths).toBe(false);
    expect(nodePlatform.readsPaths).toBe(true);
    await expect(nodePlatform.readGalleryImage(galleryImage('shipwreck')!, { kind: 'long-side', size: 16 }, 'style', '/nonexistent-dir')).rejects.toThrow(/nonexistent-dir/);
    const demo = readFileSync('demo/images.ts', 'utf8');
    for (const g of GALLERY) expect(demo, `demo/images.ts ASSET_URLS lists ${g.file}`).toContain(`'../assets/images/${g.file}'`);
  });
});

describe('built-in images in the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swagpu-gallery-'));
  it('--content coffee --style great-wave runs the default preset on them; a name that is neither is an error naming it', async () => {
    const out = join(dir, 'wave.png');
    const r = await swagpu(['stylize', '--content', 'coffee', '--style', 'great-wave', '--size', '32', '--iters', '2', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.preset).toBe('swag');
    expect(summary.styleSizes).toEqual([{ width: 32, height: 18 }]); // 928x514 at long side 32
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([32, 21]); // coffee 600x400
    const bad = await swagpu(['stylize', '--style', 'great-wav', '--size', '16', '--iters', '1', '--out', join(dir, 'bad.png')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('great-wav');
    expect(bad.stderr).toMatch(/not found/);
  }, 300_000);
});

describe('metrics', () => {
  const ramp = (w: number, h: number, f: (x: number, y: number, c: number) => number): Image => {
    const data = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(c * h + y) * w + x] = f(x, y, c);
    return { data, width: w, height: h };
  };
  const squares = ramp(32, 24, (x, y) => ((Math.floor(x / 8) + Math.floor(y / 8)) % 2 ? 0.8 : 0.2));

  it('edge correlation: 1 for the same edges at another contrast, ~0 for unrelated ones', () => {
    const fainter = ramp(32, 24, (x, y) => ((Math.floor(x / 8) + Math.floor(y / 8)) % 2 ? 0.6 : 0.4));
    expect(edgeCorrelation(fainter, squares)).toBeCloseTo(1, 6);
    const stripes = ramp(32, 24, (x) => (Math.floor(x / 3) % 2 ? 0.7 : 0.3));
    expect(Math.abs(edgeCorrelation(stripes, squares))).toBeLessThan(0.3);
    expect(() => edgeCorrelation(stripes, ramp(16, 16, () => 0))).toThrow(/differ in size/);
  });

  it('colour distance and transfer: a constant shift by 0.1 is 0.1; half way is 0.5', () => {
    const a = ramp(20, 20, (x, y) => 0.1 + 0.02 * x + 0.01 * y);
    const b = ramp(30, 10, (x, y) => 0.2 + (0.02 * ((x * 20) / 30)) + 0.01 * (y * 2));
    const shifted = ramp(20, 20, (x, y) => 0.2 + 0.02 * x + 0.01 * y);
    expect(colorDistance(shifted, a)).toBeCloseTo(0.1, 2);
    expect(colorDistance(a, a)).toBe(0);
    const half = ramp(20, 20, (x, y) => 0.15 + 0.02 * x + 0.01 * y);
    expect(colorTransfer(half, a, shifted)).toBeCloseTo(0.5, 2);
    expect(colorTransfer(shifted, a, shifted)).toBeCloseTo(1, 6);
    expect(colorDistance(a, b)).toBeGreaterThan(0);
  });
});
