// The CLI refuses bad command lines with exit code 2 and a message naming the flag, and bad files
// (images, weights) with a non-zero exit and a message naming the file and the problem, before any
// kernel runs. Usage errors cost no GPU time; the weights cases read the real ResNet-50 file.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../src/models/safetensors.js';
import { findWeightsFile } from '../../src/models/weights-home.js';
import { rawSafetensors } from '../models/fixtures.js';
import { swagpu } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-cli-errors-'));
const RESNET = findWeightsFile('resnet50-keras.safetensors');
const hasWeights = existsSync(RESNET);
afterAll(() => {
  chmodSync(join(dir, 'readonly'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});


const image = join(dir, 'cat.png');
const textJpg = join(dir, 'notes.jpg');
const readonly = join(dir, 'readonly');
beforeAll(async () => {
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toFile(image);
  writeFileSync(textJpg, 'not a photo\n');
  rmSync(readonly, { recursive: true, force: true });
  writeFileSync(join(dir, 'plain-file'), 'x');
  (await import('node:fs')).mkdirSync(readonly);
  chmodSync(readonly, 0o555);
});

describe('usage errors: exit code 2, the message names the flag', () => {
  const cases: Array<[string, string[], string]> = [
    ['classify', ['--bogus', 'x.png'], '--bogus'],
    ['classify', ['x.png', '--top'], '--top'],
    ['classify', ['x.png', '--top', '0'], '--top'],
    ['classify', ['x.png', '--top', '-2'], '--top'],
    ['classify', ['x.png', '--top', 'five'], '--top'],
    ['classify', [], 'at least one image'],
    ['classify', ['x.png', '--model', 'vgg19'], '--model'],
    ['analyze', ['x.png', '--size', '0'], '--size'],
    ['analyze', ['x.png', '--size', '-64'], '--size'],
    ['analyze', ['x.png', '--size', '12.5'], '--size'],
    ['analyze', ['x.png', '--temperature', 'hot'], '--temperature'],
    ['analyze', ['x.png', '--temperature', '0'], '--temperature'],
    ['analyze', ['x.png', '--smoothing', 'blur'], '--smoothing'],
    ['analyze', ['x.png', '--frobnicate'], '--frobnicate'],
    ['analyze', ['x.png', '--size'], '--size'],
    ['analyze', ['x.png', '--plot', '/nonexistent-dir/chart.svg'], 'nonexistent-dir'],
    ['analyze', [], 'exactly one image'],
    ['weights', ['info'], 'expected one file'],
    ['weights', ['convert', '--from'], '--from'],
    ['weights', ['convert', '--from', 'a.safetensors', '--arch', 'resnet50', '--out', 'x.safetensors', '--preprocess', 'bgr'], '--preprocess'],
    ['stylize', ['--iters', '0'], '--iters'],
    ['stylize', ['--size', '-1'], '--size'],
    ['stylize', ['--size', 'big'], '--size'],
    ['stylize', ['--tv-weight', 'NaN'], '--tv-weight'],
    ['stylize', ['--lr', '0'], '--lr'],
    ['stylize', ['--report-every', '0'], '--report-every'],
    ['stylize', ['--seed'], '--seed'],
    ['stylize', ['--out', `${join(dir, 'plain-file')}/out.png`], 'cannot write here'],
    // the output format is checked before any GPU work (issue 20, 5.2)
    ['stylize', ['--out', join(dir, 'x.bmp')], 'cannot write .bmp images (supported: .png, .jpg, .jpeg, .webp, .tif, .tiff)'],
    ['stylize', ['--out', join(dir, 'x')], 'no file extension, so no image format (supported: .png'],
    ['stylize', ['--out', ''], 'output path is empty (give a file name ending in one of: .png'],
    ['stylize', ['--out', join(dir, 'x.heic')], 'cannot write .heic images'],
    ['analyze', ['x.png', '--plot', join(dir, 'chart.bmp')], '--plot: '],
    ['analyze', ['x.png', '--plot', join(dir, 'chart')], 'supported: .svg, .png'],
  ];
  for (const [command, args, named] of cases) {
    it(`${command} ${args.join(' ')}`, async () => {
      const r = await swagpu([command, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(named);
      expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // a message, not a stack trace
    });
  }

  it.skipIf(process.getuid?.() === 0)('stylize --out in a read-only folder (skipped as root: root may write there)', async () => {
    const r = await swagpu(['stylize', '--out', join(readonly, 'out.png')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not writable');
  });
});

describe('an output that is an input is refused before any GPU work, and the input is left alone', () => {
  it('--out the content, a symlink to it, the style, the mask, the init', async () => {
    const { readFileSync, symlinkSync } = await import('node:fs');
    const before = readFileSync(image);
    const link = join(dir, 'link-to-cat.png');
    symlinkSync(image, link);
    const other = join(dir, 'other.png');
    await sharp(image).toFile(other);
    const cases: Array<[string[], string]> = [
      [['--content', image, '--out', image], `${image}: this output is the content image`],
      [['--content', image, '--out', link], `${link}: this output is the content image (${image})`],
      [['--content', other, '--style', image, '--out', link], 'this output is the style image'],
      [['--content', other, '--style', other, '--style', other, '--mask', image, '--out', image], 'this output is the mask image'],
      [['--content', other, '--init', link, '--out', image], 'this output is the init image'],
      // where a Ctrl-C would save (out.partial.png) is the content
      [['--content', join(dir, 'run.partial.png'), '--out', join(dir, 'run.png')], `${join(dir, 'run.partial.png')}: this output is the content image`],
    ];
    await sharp(image).toFile(join(dir, 'run.partial.png'));
    for (const [args, message] of cases) {
      const r = await swagpu(['stylize', ...args, '--size', '16', '--iters', '1']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('iter 1');
    }
    expect(readFileSync(image).equals(before)).toBe(true);
    const a = await swagpu(['analyze', image, '--plot', link]);
    expect(a.code, a.stderr).toBe(2);
    expect(a.stderr).toContain('this output is the analysed image');
    expect(readFileSync(image).equals(before)).toBe(true);
  });
});

describe('bad images: exit code 1, the message names the file and the problem', () => {
  it('classify a text file named .jpg (the image is read before the model)', async () => {
    const r = await swagpu(['classify', textJpg, '--weights', join(dir, 'no-such-weights.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${textJpg}: not a readable image`);
  });

  it('analyze a missing image', async () => {
    const r = await swagpu(['analyze', join(dir, 'nope.png'), '--weights', join(dir, 'no-such-weights.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.png: file not found');
  });

  it('stylize with a truncated style image writes nothing', async () => {
    const png = await sharp(image).png({ compressionLevel: 0 }).toBuffer();
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, png.subarray(0, png.length >> 1));
    const out = join(dir, 'never.png');
    const r = await swagpu(['stylize', '--content', image, '--style', cut, '--size', '16', '--iters', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(cut);
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!hasWeights)('bad weights files: exit code 1, a message naming the file and the problem, no kernel run', () => {
  it('a truncated weights file (first 2 MB of ResNet-50)', async () => {
    const path = join(dir, 'truncated.safetensors');
    const fd = openSync(path, 'w');
    const { readFileSync } = await import('node:fs');
    writeSync(fd, readFileSync(RESNET).subarray(0, 2 << 20));
    closeSync(fd);
    const r = await swagpu(['classify', image, '--weights', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${path}: tensor '[^']+': data_offsets \\[\\d+, \\d+\\] out of range.*file truncated`));
    const info = await swagpu(['weights', 'info', path]);
    expect(info.code).toBe(1);
    expect(info.stderr).toContain(`${path}: tensor`);
  });

  it('a file whose tensors do not fit its architecture', async () => {
    const path = join(dir, 'wrong-arch.safetensors');
    const data = new Uint8Array(4 * 64);
    writeFileSync(path, rawSafetensors({
      __metadata__: { arch: 'vgg19', variant: 'torchvision', preprocess: 'torch', source: 'test' },
      'features.0.bias': { dtype: 'F32', shape: [64], data_offsets: [0, 256] },
    }, data));
    const r = await swagpu(['stylize', '--preset', 'vgg19', '--weights', path, '--size', '16', '--iters', '1', '--out', join(dir, 'w.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}: tensors do not match vgg19`);
    expect(r.stderr).not.toContain('iter 1');
  });

  it('a NaN inside a tensor names the tensor and the index', async () => {
    const path = join(dir, 'nan.safetensors');
    copyFileSync(RESNET, path);
    const header = await readSafetensorsHeader(path);
    const bias = header.tensors.get('fc.bias')!;
    const fd = openSync(path, 'r+');
    const nan = new Float32Array([NaN]);
    writeSync(fd, new Uint8Array(nan.buffer), 0, 4, header.dataStart + bias.begin + 4 * 7);
    closeSync(fd);
    const r = await swagpu(['classify', image, '--weights', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}: tensor 'fc.bias' has a non-finite value NaN at index 7 [7]`);
    rmSync(path);
  });

  it('the ResNet-50 file given for VGG-19 (stylize and analyze)', async () => {
    const r = await swagpu(['stylize', '--preset', 'vgg19', '--weights', RESNET, '--size', '16', '--iters', '1', '--out', join(dir, 'v.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${RESNET}: weights are for resnet50, but model vgg19 was asked for`);
    const a = await swagpu(['analyze', image, '--model', 'vgg19', '--weights', RESNET]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('weights are for resnet50, but model vgg19');
  });
});
