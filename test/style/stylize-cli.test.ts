// `swagpu stylize` end to end on the real ResNet-50: a 64x64, 10-iteration run writes a PNG and its
// loss decreases; bad command lines are refused with exit code 2 and a message naming the flag.
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { swagpu } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-stylize-'));


describe('swagpu stylize', () => {
  it('a 64x64, 10-iteration run writes a PNG and lowers the loss', async () => {
    const out = join(dir, 'cat.png');
    const r = await swagpu(['stylize', '--content', 'assets/images/content/chelsea.png', '--style', 'assets/images/style/starry_night.jpg',
      '--size', '64', '--square', '--iters', '10', '--report-every', '1', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.iterations).toBe(10);
    expect(summary.loss.end).toBeLessThan(summary.loss.start);
    expect(summary.adapter.kind).toBeTypeOf('string');
    expect(summary.layers.map((l: { name: string }) => l.name)).toContain('stage4_block3');
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
  });

  for (const [args, flag] of [
    [['--size', '0'], '--size'], [['--iters', '-3'], '--iters'], [['--style-weight', 'abc'], '--style-weight'],
    [['--smoothing', 'gaussian'], '--smoothing'], [['--bogus'], 'bogus'], [['--out', '/nonexistent-dir/x.png'], 'nonexistent-dir'],
    [['--size'], '--size'],
  ] as const) {
    it(`refuses ${args.join(' ')} with exit code 2, naming ${flag}`, async () => {
      const r = await swagpu(['stylize', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(flag);
    });
  }

  it('a missing content file is an error naming the file', async () => {
    const r = await swagpu(['stylize', '--content', join(dir, 'nope.png'), '--size', '32', '--iters', '1', '--out', join(dir, 'x.png')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('nope.png');
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });
});
