// Image inputs: every odd file either loads correctly or fails with an error naming the file and the
// problem. Test images are made on the fly with sharp in a temp dir (nothing big is committed).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImage, MAX_INPUT_PIXELS } from '../../src/io/image.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Interleaved 8-bit pixels where every pixel differs: pixel i = (i*37, i*91, 255 - i*13) mod 256. */
function distinctPixels(width: number, height: number, channels = 3): Buffer {
  const out = Buffer.alloc(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    const rgba = [(i * 37) % 256, (i * 91 + 5) % 256, (255 - i * 13 + 256) % 256, (i * 60 + 30) % 256];
    for (let c = 0; c < channels; c++) out[i * channels + c] = rgba[c];
  }
  return out;
}

const raw = (width: number, height: number, channels: 1 | 2 | 3 | 4 = 3) =>
  sharp(distinctPixels(width, height, channels), { raw: { width, height, channels } });

/** A PNG chunk: length, type, data, CRC32 over type + data. */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * A PNG whose IHDR claims width x height (8-bit RGB) but whose one IDAT holds only 64 zero bytes (a real
 * 20000x20000 image needs 1.2 GB of them). PNG readers want an IDAT before the header counts as complete.
 */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filter, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

async function file(name: string, bytes: Buffer | Promise<Buffer>): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, await bytes);
  return path;
}

/** Planar RGB bytes of an image loaded by swagpu, as integers 0..255. */
const toBytes = (data: Float32Array) => Array.from(data, (v) => Math.round(v * 255));

describe('loadImage refuses bad files, naming the file and the problem', () => {
  it('a missing file', async () => {
    const path = join(dir, 'missing.png');
    await expect(loadImage(path)).rejects.toThrow(`${path}: file not found`);
  });

  it('a folder', async () => {
    await expect(loadImage(dir)).rejects.toThrow(`${dir}: not a regular file`);
  });

  it('a text file named .jpg', async () => {
    const path = await file('notes.jpg', Buffer.from('these are my holiday notes, not a photo\n'));
    await expect(loadImage(path)).rejects.toThrow(new RegExp(`^${path}: not a readable image \\(.*unsupported image format`));
  });

  it('an empty file', async () => {
    const path = await file('empty.png', Buffer.alloc(0));
    await expect(loadImage(path)).rejects.toThrow(`${path}: not a readable image`);
  });

  it('an unsupported format (BMP)', async () => {
    const bmp = Buffer.alloc(70);
    bmp.write('BM', 0, 'ascii');
    bmp.writeUInt32LE(70, 2);
    const path = await file('old.bmp', bmp);
    await expect(loadImage(path)).rejects.toThrow(new RegExp(`^${path}: not a readable image`));
  });

  it('a truncated PNG (half the file)', async () => {
    const full = await raw(64, 48).png({ compressionLevel: 0 }).toBuffer();
    const path = await file('truncated.png', full.subarray(0, full.length >> 1));
    await expect(loadImage(path)).rejects.toThrow(new RegExp(`^${path}: (cannot decode image|not a readable image)`));
  });

  it('a truncated JPEG', async () => {
    const full = await raw(64, 48).jpeg().toBuffer();
    const path = await file('truncated.jpg', full.subarray(0, full.length - 200));
    await expect(loadImage(path)).rejects.toThrow(new RegExp(`^${path}: (cannot decode image|not a readable image)`));
  });

  it('a PNG with corrupt pixel data (bytes flipped inside IDAT)', async () => {
    const full = Buffer.from(await raw(64, 48).png().toBuffer());
    const idat = full.indexOf('IDAT');
    for (let i = idat + 8; i < idat + 40; i++) full[i] ^= 0xa5;
    const path = await file('corrupt.png', full);
    await expect(loadImage(path)).rejects.toThrow(new RegExp(`^${path}: (cannot decode image|not a readable image)`));
  });

  it('a 20000x20000 decompression bomb is refused from its header, before any decoding', async () => {
    // 20000² = 400 megapixels > MAX_INPUT_PIXELS. The file holds 64 bytes of pixel data: had the loader
    // tried to decode it, the error would be a decode error (or an allocation of 1.2 GB), not the size refusal.
    const path = await file('bomb.png', pngHeaderOnly(20000, 20000));
    expect(20000 * 20000).toBeGreaterThan(MAX_INPUT_PIXELS);
    expect((await sharp(path, { limitInputPixels: false }).metadata()).width).toBe(20000);
    await expect(loadImage(path)).rejects.toThrow(`${path}: image is 20000x20000 = 400 megapixels, over the 100 megapixel limit (refused before decoding)`);
  });
});

describe('loadImage converts odd but valid images to planar sRGB RGB', () => {
  it('1x1 and 8x8 images load exactly', async () => {
    for (const n of [1, 8]) {
      const path = await file(`tiny${n}.png`, raw(n, n).png().toBuffer());
      const image = await loadImage(path);
      expect([image.width, image.height]).toEqual([n, n]);
      const want = distinctPixels(n, n);
      const plane = n * n;
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) expect(Math.round(image.data[c * plane + i] * 255)).toBe(want[i * 3 + c]);
    }
  });

  it('grayscale: the grey value in all three channels', async () => {
    const path = await file('grey.png', raw(5, 3, 1).png().toBuffer());
    const image = await loadImage(path);
    const grey = distinctPixels(5, 3, 1);
    expect(toBytes(image.data)).toEqual([...grey, ...grey, ...grey]);
  });

  it('grey + alpha and RGBA: alpha is dropped, colour kept', async () => {
    const path = await file('rgba.png', raw(4, 3, 4).png().toBuffer());
    const image = await loadImage(path);
    expect(image.data.length).toBe(3 * 12);
    const rgba = distinctPixels(4, 3, 4);
    for (let i = 0; i < 12; i++) for (let c = 0; c < 3; c++) expect(Math.round(image.data[c * 12 + i] * 255)).toBe(rgba[i * 4 + c]);
    const ga = await loadImage(await file('grey-alpha.png', raw(4, 3, 2).png().toBuffer()));
    expect(ga.data.length).toBe(3 * 12);
  });

  it('a 16-bit PNG becomes the same 8-bit values', async () => {
    const path = await file('deep.png', raw(6, 5).toColourspace('rgb16').png().toBuffer());
    expect((await sharp(path).metadata()).depth).toBe('ushort');
    const image = await loadImage(path);
    expect(toBytes(image.data)).toEqual(toBytes((await loadImage(await file('shallow.png', raw(6, 5).png().toBuffer()))).data));
  });

  it('a CMYK JPEG is converted to RGB', async () => {
    // Mid grey and pure-ish primaries in CMYK; the conversion goes through sharp's ICC profiles, so compare loosely.
    const width = 16;
    const height = 16;
    const rgb = Buffer.alloc(width * height * 3, 128);
    const path = await file('cmyk.jpg', sharp(rgb, { raw: { width, height, channels: 3 } }).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer());
    expect((await sharp(path).metadata()).space).toBe('cmyk');
    const image = await loadImage(path);
    expect([image.width, image.height, image.data.length]).toEqual([16, 16, 3 * 256]);
    for (const v of image.data) expect(Math.abs(v * 255 - 128)).toBeLessThan(20);
  });

  it('EXIF orientation 6: a stored 2x4 image loads as 4x2, rotated 90° clockwise', async () => {
    const W = 2;
    const H = 4;
    const path = await file('rotated.png', raw(W, H).withMetadata({ orientation: 6 }).png().toBuffer());
    const meta = await sharp(path).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([W, H, 6]);
    const image = await loadImage(path);
    expect([image.width, image.height]).toEqual([H, W]);
    // Orientation 6: stored row 0 is the displayed right side, stored column 0 the displayed top, so
    // the stored pixel (x, y) is displayed at (x' = H-1-y, y' = x).
    const stored = distinctPixels(W, H);
    const plane = W * H;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const shown = x * H + (H - 1 - y); // y' * width' + x', width' = H
        for (let c = 0; c < 3; c++) expect(Math.round(image.data[c * plane + shown] * 255)).toBe(stored[(y * W + x) * 3 + c]);
      }
    }
  });
});
