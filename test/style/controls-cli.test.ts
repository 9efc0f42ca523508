// `swagpu stylize` with the controls of issue 7 on the real ResNet-50 (one 64x64 run, 6 iterations over two
// scales): two styles, a two-region mask, style scale, style colour matching and original colours together.
// Checks by number: the output size, the schedule, the style sizes, one style term per (tap, region), and
// the output's chroma equal to the content's (to 8-bit rounding). Plus usage errors naming the flag.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RGB_TO_YUV } from '../../src/kernels/image/color.js';
import { swagpu } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-controls-'));
const CONTENT = 'assets/images/content/chelsea.png';
const STYLES = ['assets/images/style/starry_night.jpg', 'assets/images/style/woman_with_hat_matisse.jpg'];


/** RGB bytes of an image at 64x64 (the CLI's content resize: sharp, fill, linear). */
async function rgb64(path: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(path).rotate().toColourspace('srgb').removeAlpha().resize(64, 64, { fit: 'fill', kernel: 'linear' }).raw().toBuffer());
}

describe('swagpu stylize controls', () => {
  it('--style x2 --mask --style-scale --match-style-colors --original-colors --scales 2: sizes, regions, content chroma', async () => {
    const mask = join(dir, 'mask.png');
    const half = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < 64 * 64; i++) half.fill(i % 64 < 32 ? 0 : 255, 3 * i, 3 * i + 3);
    await sharp(half, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(mask);
    const out = join(dir, 'out.png');
    const r = await swagpu(['stylize', '--content', CONTENT, '--style', STYLES[0], '--style', STYLES[1], '--mask', mask, '--style-scale', '0.5',
      '--match-style-colors', '--original-colors', '--scales', '2', '--size', '64', '--square', '--iters', '6', '--report-every', '1', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.scales.map((s: { width: number; iterations: number }) => [s.width, s.iterations])).toEqual([[32, 3], [64, 3]]);
    expect(summary.styleSizes.map((s: { width: number; height: number }) => Math.max(s.width, s.height))).toEqual([32, 32]); // 0.5 × 64
    const style = summary.layers.filter((l: { kind: string }) => l.kind === 'style');
    expect(style.map((l: { region: number }) => l.region)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(summary.loss.end).toBeLessThan(summary.loss.start);
    const [got, content] = await Promise.all([rgb64(out), rgb64(CONTENT)]);
    const chroma = (p: Uint8Array, i: number) => RGB_TO_YUV.m.slice(1).map((row) => (row[0] * p[3 * i] + row[1] * p[3 * i + 1] + row[2] * p[3 * i + 2]) / 255);
    let sum = 0;
    let lumaChange = 0;
    for (let i = 0; i < 64 * 64; i++) {
      const [a, b] = [chroma(got, i), chroma(content, i)];
      sum += Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]);
      lumaChange += Math.abs(0.299 * (got[3 * i] - content[3 * i]) + 0.587 * (got[3 * i + 1] - content[3 * i + 1]) + 0.114 * (got[3 * i + 2] - content[3 * i + 2])) / 255;
    }
    // 8-bit output: each channel is off by up to 0.5/255, so |ΔU| + |ΔV| averages well under 0.005 (clamped pixels aside).
    expect(sum / (64 * 64)).toBeLessThan(0.005);
    expect(lumaChange / (64 * 64)).toBeGreaterThan(0.005); // the luminance moved: the styles went in
  });

  for (const [args, message] of [
    [['--style', STYLES[0], '--style', STYLES[1], '--style-blend', '1,2,3'], '--style-blend: 3 weights for 2 --style images'],
    [['--style', STYLES[0], '--style', STYLES[1], '--style-blend', '0,0'], '--style-blend: the weights must not all be 0'],
    [['--style', STYLES[0], '--mask', 'm.png'], '--mask: needs one --style per region'],
    [['--style-scale', '0'], '--style-scale'], [['--scales', 'two'], '--scales'], [['--min-size', '-1'], '--min-size'],
  ] as const) {
    it(`refuses ${args.slice(-2).join(' ')} with exit code 2, naming the flag`, async () => {
      const r = await swagpu(['stylize', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    });
  }
});
