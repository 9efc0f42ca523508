// The small defects of issue 20 (5.9), each through the CLI as a user meets it:
// --seed reports the user's own text; SWAGPU_ADAPTER= (empty) means auto; SWAGPU_ADAPTER=gpu without a GPU
// says what is missing (not "install a fallback" that is present); --weights DIR or a missing file are
// named in words, not EISDIR/ENOENT; analyze --plot x.png writes a PNG (not SVG text in a .png).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { swagpu } from './run.js';
import { findWeightsFile } from '../../src/models/weights-home.js';

/** The ResNet-50 weights wherever the weights rule finds them (the user cache, or a checkout's weights/). */
const RESNET_WEIGHTS = findWeightsFile('resnet50-keras.safetensors');

const dir = mkdtempSync(join(tmpdir(), 'swagpu-small-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CAT = 'assets/images/content/chelsea.png';
const NO_STACK = /\n\s+at .*:\d+:\d+\)?\n/;

describe('--seed', () => {
  it.each([['--seed=-5', '-5'], ['--seed=abc', 'abc'], ['--seed=1.5', '1.5'], ['--seed=4294967296', '4294967296'], ['--seed=', '']])('%s is refused quoting the text as typed', async (flag, typed) => {
    const r = await swagpu(['stylize', flag]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--seed: expected an integer from 0 to 4294967295, got '${typed}'`);
    expect(r.stderr).not.toMatch(/NaN|'-4'/);
  });

  it('0 and 4294967295 are accepted (the run then stops at the --out check, after the flags)', async () => {
    for (const seed of ['0', '4294967295']) {
      const r = await swagpu(['stylize', '--seed', seed, '--out', join(dir, 'x.bmp')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('cannot write .bmp images');
    }
  });
});

describe('SWAGPU_ADAPTER', () => {
  it('empty means auto', async () => {
    const r = await swagpu(['info'], { ...process.env, SWAGPU_ADAPTER: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('selected by auto (gpu > llvmpipe > swiftshader)');
  });

  it('=gpu on a machine without one says what is missing and what is here instead', async () => {
    const auto = await swagpu(['info', '--json'], { ...process.env, SWAGPU_ADAPTER: 'auto' });
    const report = JSON.parse(auto.stdout) as { adapter: { kind: string }; otherAdapters: Array<{ kind: string }> };
    const kinds = [report.adapter.kind, ...report.otherAdapters.map((a) => a.kind)];
    if (kinds.includes('gpu')) return; // a machine with a GPU has nothing missing
    const r = await swagpu(['info'], { ...process.env, SWAGPU_ADAPTER: 'gpu' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SWAGPU_ADAPTER=gpu: that adapter is not available here; it needs a hardware GPU with a Vulkan driver');
    expect(r.stderr).toContain(`Available here: ${kinds.join(', ')}`);
    expect(r.stderr).not.toContain('apt-get install'); // the fallbacks are installed: no advice to install them
    expect(r.stderr).not.toMatch(NO_STACK);
  });
});

describe('--weights that is not a weights file', () => {
  it.each([
    ['a folder', () => dir, 'is a folder, not a weights file: give the .safetensors file itself'],
    ['a missing file', () => join(dir, 'missing.safetensors'), 'no such weights file'],
  ])('%s: classify and stylize name the file in words', async (_label, path, message) => {
    const c = await swagpu(['classify', CAT, '--weights', path()]);
    expect(c.code, c.stderr).toBe(1);
    expect(c.stderr).toContain(`${path()}: ${message}`);
    expect(c.stderr).not.toMatch(/EISDIR|ENOENT|illegal operation/);
    const s = await swagpu(['stylize', '--content', CAT, '--size', '16', '--iters', '1', '--weights', path(), '--out', join(dir, 'never.png')]);
    expect(s.code, s.stderr).toBe(1);
    expect(s.stderr).toContain(`${path()}: ${message}`);
    expect(existsSync(join(dir, 'never.png'))).toBe(false);
  });
});

describe.skipIf(!existsSync(RESNET_WEIGHTS))('analyze --plot', () => {
  it('x.png is a PNG rendering of the chart; x.svg stays SVG text', async () => {
    const png = join(dir, 'chart.png');
    const svg = join(dir, 'chart.svg');
    const r = await swagpu(['analyze', CAT, '--size', '32', '--plot', png], { ...process.env, SWAGPU_ADAPTER: 'llvmpipe' });
    expect(r.code, r.stderr).toBe(0);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(500);
    expect(readFileSync(png).subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
    // Not a blank picture: the chart's lines and text put dark pixels on the white background.
    const stats = await sharp(png).stats();
    expect(stats.channels[0].min).toBeLessThan(100);
    expect(stats.channels[0].max).toBe(255);
    const s = await swagpu(['analyze', CAT, '--size', '32', '--plot', svg], { ...process.env, SWAGPU_ADAPTER: 'llvmpipe' });
    expect(s.code, s.stderr).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
  });
});
