import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFinite, openSafetensors, parseSafetensors, readSafetensorsHeader, writeSafetensors } from '../../src/models/safetensors';
import { bytesOf, randomFloats, rawSafetensors, tempDir } from './fixtures';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** Odd shapes on purpose: nothing lines up with 4 or 8, plus a scalar and an empty tensor. */
const TENSORS = [
  { name: 'a.weight', shape: [3, 5, 7], data: randomFloats(105, 1) },
  { name: 'b', shape: [1], data: randomFloats(1, 2) },
  { name: 'scalar', shape: [], data: randomFloats(1, 3) },
  { name: 'empty', shape: [2, 0, 3], data: new Float32Array(0) },
  { name: 'layer1.0.bn1.running_var', shape: [111, 28], data: randomFloats(111 * 28, 4) },
];
const METADATA = { arch: 'test', note: 'unicode ✓ and "quotes"' };

describe('safetensors round trip', () => {
  it('reads back what it wrote, by file handle, by bytes and header-only', async () => {
    const path = join(dir, 'roundtrip.safetensors');
    await writeSafetensors(path, TENSORS, METADATA);
    const header = await readSafetensorsHeader(path);
    expect(header.metadata).toEqual(METADATA);
    expect(header.dataStart % 8).toBe(0); // header padded with spaces so the data is aligned
    expect([...header.tensors.keys()]).toEqual(TENSORS.map((t) => t.name));

    const file = await openSafetensors(path);
    const bytes = parseSafetensors(await readFile(path), path);
    try {
      for (const t of TENSORS) {
        expect(file.tensors.get(t.name)).toMatchObject({ dtype: 'F32', shape: t.shape, byteLength: t.data.byteLength });
        expect(await file.read(t.name)).toEqual(t.data);
        expect(bytes.read(t.name)).toEqual(t.data);
      }
      await expect(file.read('nope')).rejects.toThrow(/roundtrip.safetensors: no tensor named 'nope'/);
    } finally {
      await file.close();
    }
  });

  it('leaves no temporary file behind and replaces an existing file', async () => {
    const path = join(dir, 'replace.safetensors');
    await writeSafetensors(path, [TENSORS[0]]);
    await writeSafetensors(path, [TENSORS[1]]);
    const header = await readSafetensorsHeader(path);
    expect([...header.tensors.keys()]).toEqual(['b']);
    expect(header.metadata).toEqual({});
  });

  it('converts F16, BF16 and F64 to float32 and refuses to read I64 as floats', () => {
    // F16: 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), +Inf. BF16: 1, -3.5. F64: 1.5, -0.001.
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00]);
    const bf16 = new Uint16Array([0x3f80, 0xc060]);
    const f64 = new Float64Array([1.5, -0.001]);
    const i64 = new BigInt64Array([7n]);
    const data = new Uint8Array([...bytesOf(f16), ...bytesOf(bf16), ...bytesOf(f64), ...bytesOf(i64)]);
    const file = parseSafetensors(rawSafetensors({
      h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
      bf: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] },
      d: { dtype: 'F64', shape: [2], data_offsets: [16, 32] },
      n: { dtype: 'I64', shape: [], data_offsets: [32, 40] },
    }, data), 'mixed.safetensors');
    expect([...file.read('h')]).toEqual([1, -2, 0.5, 65504, 2 ** -24, Infinity]);
    expect([...file.read('bf')]).toEqual([1, -3.5]);
    expect([...file.read('d')]).toEqual([1.5, Math.fround(-0.001)]);
    expect(() => file.read('n')).toThrow("mixed.safetensors: tensor 'n' has dtype I64; only F32, F16, BF16, F64 can be read as floats");
  });
});

/** A well-formed base: two F32 tensors tiling 40 bytes. Each bad case breaks one thing. */
const GOOD = { a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, b: { dtype: 'F32', shape: [4], data_offsets: [24, 40] } };
const ZEROS = new Uint8Array(40);

function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

const BAD_FILES: [string, () => Uint8Array | Promise<Uint8Array>, RegExp][] = [
  ['shorter than 8 bytes', () => new Uint8Array([1, 2, 3, 4, 5]), /not a safetensors file: only 5 bytes, shorter than the 8-byte header length/],
  ['header length beyond the file size', () => new Uint8Array([...u64(1000n), ...new Uint8Array(10)]), /not a safetensors file: header length 1000 is beyond the file size \(18 bytes\)/],
  ['header not JSON', () => rawSafetensors('{"a": not json'), /header \(14 bytes\) is not valid UTF-8 JSON/],
  ['header JSON but not an object', () => rawSafetensors('[1, 2]'), /header is JSON but not an object of tensors/],
  ['unsupported dtype', () => rawSafetensors({ ...GOOD, a: { ...GOOD.a, dtype: 'Q4' } }, ZEROS), /tensor 'a': unsupported dtype "Q4"/],
  ['shape x dtype != byte length', () => rawSafetensors({ ...GOOD, a: { ...GOOD.a, shape: [2, 2] } }, ZEROS), /tensor 'a': shape \[2,2\] of F32 needs 16 bytes but data_offsets \[0, 24\] hold 24/],
  ['offsets out of range', () => rawSafetensors({ ...GOOD, b: { ...GOOD.b, data_offsets: [24, 400] } }, ZEROS), /tensor 'b': data_offsets \[24, 400\] out of range: the data buffer has 40 bytes/],
  ['offsets reversed', () => rawSafetensors({ ...GOOD, b: { ...GOOD.b, data_offsets: [40, 24] } }, ZEROS), /tensor 'b': data_offsets \[40, 24\] end before they begin/],
  // Offsets of 2^60 are not exact JSON numbers, yet begin <= end holds: the problem is how far they point.
  ['offsets of 2^60', () => rawSafetensors({ ...GOOD, b: { ...GOOD.b, data_offsets: [2 ** 60, 2 ** 60 + 16] } }, ZEROS), /tensor 'b': data_offsets \[about 2\^60, about 2\^60\] point about 2\^60 bytes into a data buffer of 40 bytes: a corrupt header, not a truncated file/],
  ['an end offset of 2^60', () => rawSafetensors({ ...GOOD, b: { ...GOOD.b, data_offsets: [24, 2 ** 60] } }, ZEROS), /tensor 'b': data_offsets \[24, about 2\^60\] point about 2\^60 bytes into/],
  ['a dimension of 2^60', () => rawSafetensors({ ...GOOD, b: { ...GOOD.b, shape: [2 ** 60] } }, ZEROS), /tensor 'b': shape has a dimension of about 2\^60, more elements than any file can hold/],
  ['negative offsets', () => rawSafetensors({ ...GOOD, b: { ...GOOD.b, data_offsets: [-8, 40] } }, ZEROS), /tensor 'b': data_offsets \[-8,40\] is not \[begin, end\], two byte offsets \(integers >= 0\)/],
  ['overlapping tensors', () => rawSafetensors({ ...GOOD, b: { dtype: 'F32', shape: [4], data_offsets: [16, 32] } }, new Uint8Array(32)), /tensors 'a' and 'b' overlap: 'b' begins at 16, before 24/],
  ['a hole between tensors', () => rawSafetensors({ ...GOOD, b: { dtype: 'F32', shape: [2], data_offsets: [32, 40] } }, ZEROS), /8 unused bytes between 'a' and 'b'/],
  ['trailing bytes', () => rawSafetensors(GOOD, new Uint8Array(48)), /8 trailing bytes after the last tensor/],
  ['data truncated', () => rawSafetensors(GOOD, ZEROS).subarray(0, -4), /tensor 'b': data_offsets \[24, 40\] out of range: the data buffer has 36 bytes \(file truncated\?\)/],
  ['metadata not strings', () => rawSafetensors({ ...GOOD, __metadata__: { arch: 5 } }, ZEROS), /__metadata__.arch is not a string/],
  ['a PNG', async () => new Uint8Array(await sharp({ create: { width: 3, height: 2, channels: 3, background: '#f00' } }).png().toBuffer()), /not a safetensors file: header length \d+ is beyond the file size \(\d+ bytes\); it looks like a PNG image/],
  ['a PyTorch zip checkpoint', () => new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Uint8Array(60)]), /not a safetensors file: header length 67324752 is beyond the file size \(64 bytes\); it looks like a zip archive \(a PyTorch .pth\/.pt checkpoint\?/],
];

describe('safetensors rejects bad files with a message naming the file and the problem', () => {
  it.each(BAD_FILES)('%s', async (label, make, message) => {
    const bytes = await make();
    const path = join(dir, `${label.replace(/\W+/g, '-')}.safetensors`);
    await writeFile(path, bytes);
    const withPath = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${message.source}`);
    await expect(openSafetensors(path)).rejects.toThrow(withPath);
    await expect(readSafetensorsHeader(path)).rejects.toThrow(withPath);
    expect(() => parseSafetensors(bytes, path)).toThrow(withPath);
  });
});

describe('a path that is not a weights file', () => {
  it('a folder and a missing file are named in plain words (not EISDIR/ENOENT)', async () => {
    const missing = join(dir, 'no-such.safetensors');
    await expect(openSafetensors(dir)).rejects.toThrow(`${dir}: is a folder, not a weights file: give the .safetensors file itself`);
    await expect(readSafetensorsHeader(dir)).rejects.toThrow(`${dir}: is a folder, not a weights file`);
    await expect(openSafetensors(missing)).rejects.toThrow(`${missing}: no such weights file`);
    await expect(readSafetensorsHeader(missing)).rejects.toThrow(`${missing}: no such weights file`);
  });
});

describe('finite values', () => {
  it('assertFinite names the tensor, the value and its index', () => {
    const data = new Float32Array(12);
    data[7] = NaN;
    data[9] = -Infinity;
    expect(() => assertFinite(data, 'fc.weight', 'w.safetensors', [3, 4])).toThrow(
      "w.safetensors: tensor 'fc.weight' has a non-finite value NaN at index 7 [1,3] (2 of 12 values are non-finite)",
    );
    expect(() => assertFinite(new Float32Array(3), 'ok', 'w.safetensors')).not.toThrow();
  });

  it('the writer refuses NaN unless told otherwise, and checks data length against the shape', async () => {
    const path = join(dir, 'nan.safetensors');
    const data = new Float32Array([1, Infinity]);
    await expect(writeSafetensors(path, [{ name: 'x', shape: [2], data }])).rejects.toThrow(/tensor 'x' has a non-finite value Infinity at index 1/);
    await writeSafetensors(path, [{ name: 'x', shape: [2], data }], {}, { checkFinite: false });
    const file = await openSafetensors(path);
    expect([...(await file.read('x'))]).toEqual([1, Infinity]);
    await file.close();
    await expect(writeSafetensors(path, [{ name: 'x', shape: [3], data }])).rejects.toThrow(/tensor 'x': shape \[3\] has 3 elements but data has 2/);
  });
});
