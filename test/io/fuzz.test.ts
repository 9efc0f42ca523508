// Fuzzing the two readers of untrusted files: the safetensors reader and the image loader get thousands
// of random and mutated inputs (bytes flipped, files truncated, header numbers changed). Each input must
// either load or fail with our own error type whose message starts with the file name: never another
// exception, a crash, a hang or an unhandled rejection. Seeded, so a failure reproduces; < 30 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { openSafetensors, parseSafetensors, SafetensorsError } from '../../src/models/safetensors.js';
import { ImageError, loadImage } from '../../src/io/image.js';
import { bytesOf, rawSafetensors, seededRandom } from '../models/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);

/** One random mutation of `bytes`: flip bits, overwrite, truncate, insert, delete, or rewrite a number in an ASCII region. */
function mutate(bytes: Uint8Array, rand: Rand): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (int(rand, 6)) {
    case 0: { // flip a few bits
      for (let k = 1 + int(rand, 8); k > 0; k--) out[int(rand, out.length)] ^= 1 << int(rand, 8);
      return out;
    }
    case 1: { // overwrite a run with random bytes
      const at = int(rand, out.length);
      for (let i = at; i < Math.min(out.length, at + 1 + int(rand, 16)); i++) out[i] = int(rand, 256);
      return out;
    }
    case 2: return out.subarray(0, int(rand, out.length)); // truncate
    case 3: { // insert random bytes
      const at = int(rand, out.length);
      const extra = Uint8Array.from({ length: 1 + int(rand, 32) }, () => int(rand, 256));
      return new Uint8Array([...out.subarray(0, at), ...extra, ...out.subarray(at)]);
    }
    case 4: { // delete a run
      const at = int(rand, out.length);
      return new Uint8Array([...out.subarray(0, at), ...out.subarray(at + 1 + int(rand, 32))]);
    }
    default: { // change a decimal number (header offsets, shapes, lengths) to an interesting value
      const text = new TextDecoder('latin1').decode(out);
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length === 0) return out;
      const m = numbers[int(rand, numbers.length)];
      const values = ['0', '1', '-1', '7', '4294967296', '9007199254740993', '1e308', String(Number(m[0]) + 1), String(Number(m[0]) * 2), '99999999999999999999'];
      const replaced = text.slice(0, m.index) + values[int(rand, values.length)] + text.slice(m.index! + m[0].length);
      return Uint8Array.from(replaced, (ch) => ch.charCodeAt(0) & 0xff);
    }
  }
}

/** A small valid safetensors file with several dtypes and metadata, the seed of the mutations. */
function validSafetensors(): Uint8Array {
  const f32 = new Float32Array([1, -2, 3.5, 4, 5, 6]);
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]);
  const bf16 = new Uint16Array([0x3f80, 0x4000]);
  const i64 = new BigInt64Array([7n]);
  const data = new Uint8Array([...bytesOf(f32), ...bytesOf(f16), ...bytesOf(bf16), ...bytesOf(i64)]);
  return rawSafetensors({
    __metadata__: { arch: 'resnet50', source: 'fuzz' },
    w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    h: { dtype: 'F16', shape: [4], data_offsets: [24, 32] },
    b: { dtype: 'BF16', shape: [1, 2], data_offsets: [32, 36] },
    n: { dtype: 'I64', shape: [], data_offsets: [36, 44] },
  }, data);
}

/** Parse and read every tensor; only SafetensorsError naming `file` may escape. @returns 'ok' | 'refused'. */
function trySafetensors(bytes: Uint8Array, file: string): 'ok' | 'refused' {
  try {
    const parsed = parseSafetensors(bytes, file);
    for (const name of parsed.tensors.keys()) {
      try {
        parsed.read(name);
      } catch (e) {
        if (!(e instanceof SafetensorsError) || !e.message.startsWith(`${file}: `)) throw e;
      }
    }
    return 'ok';
  } catch (e) {
    if (e instanceof SafetensorsError && e.message.startsWith(`${file}: `)) return 'refused';
    throw new Error(`input ${file} (${bytes.length} bytes, first 64: ${JSON.stringify(new TextDecoder('latin1').decode(bytes.subarray(0, 64)))}) raised ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
}

describe('fuzz: safetensors reader', () => {
  it('3000 mutated files and 1000 random ones: only SafetensorsErrors naming the file', () => {
    const rand = seededRandom(20240611);
    const valid = validSafetensors();
    expect(trySafetensors(valid, 'valid')).toBe('ok');
    const outcomes = { ok: 0, refused: 0 };
    for (let i = 0; i < 3000; i++) {
      let bytes = valid;
      for (let k = 1 + int(rand, 3); k > 0; k--) bytes = mutate(bytes, rand);
      outcomes[trySafetensors(bytes, `mutant-${i}.safetensors`)]++;
    }
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from({ length: int(rand, 200) }, () => int(rand, 256));
      if (i % 2 === 0 && bytes.length >= 8) new DataView(bytes.buffer).setBigUint64(0, BigInt(int(rand, bytes.length)), true); // a plausible length
      outcomes[trySafetensors(bytes, `random-${i}.safetensors`)]++;
    }
    expect(outcomes.refused).toBeGreaterThan(2000);
    expect(unhandled).toEqual([]);
  });

  it('300 mutated files through the file-handle reader (openSafetensors)', async () => {
    const rand = seededRandom(77);
    const valid = validSafetensors();
    for (let i = 0; i < 300; i++) {
      const path = join(dir, `m${i}.safetensors`);
      writeFileSync(path, mutate(mutate(valid, rand), rand));
      try {
        const file = await openSafetensors(path);
        try {
          for (const name of file.tensors.keys()) await file.read(name).catch((e) => { if (!(e instanceof SafetensorsError)) throw e; });
        } finally {
          await file.close();
        }
      } catch (e) {
        if (!(e instanceof SafetensorsError) || !e.message.startsWith(`${path}: `)) throw new Error(`${path}: raised ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    expect(unhandled).toEqual([]);
  });
});

/** Recompute every PNG chunk's CRC, so a mutated header number reaches the header check instead of a CRC error. */
function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.length;) {
    const length = view.getUint32(at);
    if (at + 12 + length > out.length) break;
    view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)) >>> 0);
    at += 12 + length;
  }
  return out;
}

describe('fuzz: image loader', () => {
  it('1200 mutated PNG/JPEG/WebP/GIF files and 100 random ones: only ImageErrors naming the file', async () => {
    const rand = seededRandom(4242);
    const pixels = Buffer.from(Uint8Array.from({ length: 24 * 16 * 3 }, (_, i) => (i * 29) % 256));
    const base = sharp(pixels, { raw: { width: 24, height: 16, channels: 3 } });
    const seeds: Array<[string, Uint8Array]> = [
      ['png', await base.clone().png().toBuffer()],
      ['jpg', await base.clone().jpeg().toBuffer()],
      ['webp', await base.clone().webp().toBuffer()],
      ['gif', await base.clone().gif().toBuffer()],
    ];
    const outcomes = { ok: 0, refused: 0 };
    const started = performance.now();
    for (let i = 0; i < 1300; i++) {
      const [ext, valid] = seeds[i % seeds.length];
      let bytes: Uint8Array;
      if (i >= 1200) bytes = Uint8Array.from({ length: int(rand, 400) }, () => int(rand, 256));
      else {
        bytes = mutate(valid, rand);
        if (ext === 'png' && i % 3 === 0) {
          // Change the IHDR width/height (bytes 16..23) to big or odd numbers, with valid CRCs.
          const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          if (bytes.length > 24) {
            header.setUint32(16, [0, 1, 65535, 20000, 0x7fffffff][int(rand, 5)]);
            header.setUint32(20, [0, 1, 65535, 20000, 0x7fffffff][int(rand, 5)]);
          }
          bytes = fixPngCrcs(bytes);
        }
      }
      const path = join(dir, `fuzz-${i}.${ext}`);
      writeFileSync(path, bytes);
      try {
        const image = await loadImage(path, i % 5 === 0 ? { kind: 'long-side', size: 8 } : { kind: 'none' });
        expect(image.data.length).toBe(3 * image.width * image.height);
        expect(image.data.every((v) => v >= 0 && v <= 1)).toBe(true);
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof ImageError) || !e.message.startsWith(`${path}: `)) throw new Error(`${path}: raised ${(e as Error).name}: ${(e as Error).message}`);
        outcomes.refused++;
      }
      rmSync(path);
    }
    expect(outcomes.refused).toBeGreaterThan(100);
    expect(unhandled).toEqual([]);
    expect(performance.now() - started).toBeLessThan(25_000);
  });
});
