// Writing images out loses nothing: the format is checked from the extension before any work (a list of
// the supported ones otherwise), every format but the JPEG asked for by name keeps the pixels exactly,
// an output that is an input (same path, symlink, hard link) is refused, and a failed write (an
// injected ENOSPC half-way, and a really full tmpfs when this runs as root) leaves the previous file
// byte for byte, with no temporary file behind.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';

/** When set, the next file handle opened for writing writes half its bytes, then fails like a full disk. */
const inject = vi.hoisted(() => ({ failWrites: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    if (!inject.failWrites || args[1] !== 'wx') return handle;
    const writeFile = async (data: Uint8Array) => {
      await handle.write(data.subarray(0, data.length >> 1));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    return new Proxy(handle, {
      get: (target, key) => {
        if (key === 'writeFile') return writeFile;
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return { ...real, open, default: { ...real, open } };
});

const { checkNotAnInput, checkWritable, loadImage, outputFormat, saveImage } = await import('../../src/io/image.js');

const dir = mkdtempSync(join(tmpdir(), 'swagpu-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic noisy image, so that lossy compression would show. */
function noise(width: number, height: number, seed = 1) {
  const data = new Float32Array(3 * width * height);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 24) / 255;
  }
  return { data, width, height };
}

describe('output formats', () => {
  it.each([
    ['x.bmp', /cannot write \.bmp images \(supported: \.png, \.jpg, \.jpeg, \.webp, \.tif, \.tiff\)/],
    ['x', /x: no file extension, so no image format \(supported: \.png/],
    ['', /output path is empty \(give a file name ending in one of: \.png/],
    ['photo.heic', /cannot write \.heic images \(HEIC needs an HEVC encoder/],
    ['anim.gif', /cannot write \.gif images/],
  ])('refuses %j naming the supported formats', async (path, message) => {
    expect(() => outputFormat(path)).toThrow(message);
    await expect(checkWritable(join(dir, path))).rejects.toThrow(path === '' ? /no file extension/ : message);
  });

  it.each(['png', 'webp', 'tif', 'tiff', 'PNG'])('.%s keeps every pixel', async (ext) => {
    const image = noise(23, 17);
    const path = join(dir, `lossless.${ext}`);
    await saveImage(path, image);
    const back = await loadImage(path);
    expect([back.width, back.height]).toEqual([23, 17]);
    const expected = image.data.map((v) => Math.round(v * 255));
    expect(Array.from(back.data, (v) => Math.round(v * 255))).toEqual(Array.from(expected));
    const meta = await sharp(path).metadata();
    expect(meta.format).toBe({ png: 'png', webp: 'webp', tif: 'tiff', tiff: 'tiff', PNG: 'png' }[ext]);
    if (meta.format === 'tiff') expect(meta.compression).not.toBe('jpeg');
  });

  it('.jpg is JPEG (lossy by choice), close to the input', async () => {
    const path = join(dir, 'photo.jpg');
    const image = noise(16, 16);
    image.data.fill(0.5);
    await saveImage(path, image);
    expect((await sharp(path).metadata()).format).toBe('jpeg');
    const back = await loadImage(path);
    expect(Math.max(...back.data.map((v) => Math.abs(v - 0.5)))).toBeLessThan(2 / 255);
  });
});

describe('an output that is an input is refused', () => {
  const content = join(dir, 'content.png');
  it('same path, symlink, hard link; another file and a new file pass', async () => {
    await saveImage(content, noise(8, 8));
    symlinkSync(content, join(dir, 'link.png'));
    linkSync(content, join(dir, 'hard.png'));
    const inputs = [{ what: 'style', path: join(dir, 'other.png') }, { what: 'content', path: content }];
    await expect(checkNotAnInput(content, inputs)).rejects.toThrow(`${content}: this output is the content image`);
    await expect(checkNotAnInput(join(dir, 'link.png'), inputs)).rejects.toThrow(`this output is the content image (${content})`);
    await expect(checkNotAnInput(join(dir, 'hard.png'), inputs)).rejects.toThrow('this output is the content image');
    await saveImage(join(dir, 'other-out.png'), noise(8, 8));
    await expect(checkNotAnInput(join(dir, 'other-out.png'), inputs)).resolves.toBeUndefined();
    await expect(checkNotAnInput(join(dir, 'new.png'), inputs)).resolves.toBeUndefined();
  });

  it('writing through a symlink replaces the file it points to, not the link', async () => {
    const real = join(dir, 'real-target.png');
    await saveImage(real, noise(4, 4));
    symlinkSync(real, join(dir, 'latest.png'));
    await saveImage(join(dir, 'latest.png'), noise(6, 6));
    expect((await sharp(real).metadata()).width).toBe(6);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a failed write keeps the previous file', () => {
  it('an ENOSPC half-way through (injected): previous bytes intact, no temporary file, a clear error', async () => {
    const sub = join(dir, 'inject');
    mkdirSync(sub);
    const out = join(sub, 'out.png');
    await saveImage(out, noise(8, 8, 2));
    const before = readFileSync(out);
    inject.failWrites = true;
    try {
      await expect(saveImage(out, noise(64, 64, 3))).rejects.toThrow(`${out}: could not write the image (the disk is full); the previous file there is unchanged`);
    } finally {
      inject.failWrites = false;
    }
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(sub)).toEqual(['out.png']);
  });

  const canMount = (() => {
    if (process.getuid?.() !== 0) return false;
    const probe = join(dir, 'probe-mount');
    mkdirSync(probe);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
      execFileSync('umount', [probe], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMount)('a really full disk (a 64 KiB tmpfs): previous bytes intact, no temporary file', async () => {
    const disk = join(dir, 'tiny-disk');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    try {
      const out = join(disk, 'out.png');
      await saveImage(out, noise(8, 8, 4));
      const before = readFileSync(out);
      writeFileSync(join(disk, 'filler'), Buffer.alloc(32 << 10));
      // ~50 KB of incompressible PNG does not fit in what is left
      await expect(saveImage(out, noise(128, 128, 5))).rejects.toThrow(/could not write the image \(the disk is full\); the previous file there is unchanged/);
      expect(readFileSync(out).equals(before)).toBe(true);
      expect(readdirSync(disk).sort()).toEqual(['filler', 'out.png']);
    } finally {
      execFileSync('umount', [disk]);
    }
  });
});
