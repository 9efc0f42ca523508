/**
 * The image module (src/style/image.ts), used by Node, the demo's worker and its page: RGBA ↔ planar, the
 * byte rounding shared by canvases and files, and the long-side size rule.
 */
import { describe, expect, it } from 'vitest';
import { interleavedToPlanar, readImageInput, sizeForLongSide, toByte, toImageData, toPlanar } from '../../src/style/image.js';
import { planarToInterleaved } from '../../src/io/image.js';

describe('image module', () => {
  it('planar RGB <-> RGBA8 round trip (odd size 5x3)', () => {
    const width = 5, height = 3, plane = width * height;
    const data = new Float32Array(3 * plane).map((_, i) => (i * 37 % 256) / 255);
    const rgba = toImageData({ data, width, height }).data;
    expect(rgba.length).toBe(4 * plane);
    for (let p = 0; p < plane; p++) {
      expect(rgba[4 * p]).toBe(Math.round(data[p] * 255));
      expect(rgba[4 * p + 2]).toBe(Math.round(data[2 * plane + p] * 255));
      expect(rgba[4 * p + 3]).toBe(255);
    }
    const back = toPlanar({ data: rgba, width, height });
    for (let i = 0; i < data.length; i++) expect(back.data[i]).toBe(Math.fround(Math.round(data[i] * 255) / 255));
  });

  it('rounds to the nearest byte: k/255 gives k, 10.3/255 gives 10 (not 11), 10.7/255 gives 11; clamps', () => {
    for (let k = 0; k <= 255; k++) expect(toByte(Math.fround(k / 255))).toBe(k);
    const values = [10.3, 10.7, 0.49, 254.51, 127.5].map((v) => v / 255);
    const image = { data: new Float32Array([...values, -0.5]), width: 6, height: 1 };
    image.data = new Float32Array([...image.data, ...image.data.map(() => 1.5), ...image.data.map(() => 0)]);
    const rgba = toImageData(image).data;
    expect([0, 1, 2, 3, 4, 5].map((i) => rgba[4 * i])).toEqual([10, 11, 0, 255, 128, 0]);
    expect(rgba[4 * 0 + 1]).toBe(255); // 1.5 clamps to 255
    expect(toImageData({ data: new Float32Array([NaN, 0, 0]), width: 1, height: 1 }).data[0]).toBe(0);
  });

  it('canvases and files get the same bytes (toImageData and io planarToInterleaved)', () => {
    const width = 7, height = 4, plane = width * height;
    const data = new Float32Array(3 * plane).map((_, i) => ((i * 7919) % 1000) / 999 * 1.2 - 0.1);
    const rgba = toImageData({ data, width, height }).data;
    const rgb = planarToInterleaved({ data, width, height });
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) expect(rgba[4 * p + c]).toBe(rgb[3 * p + c]);
  });

  it('interleaved bytes of 1, 3 or 4 channels become planar RGB', () => {
    expect([...interleavedToPlanar(new Uint8Array([255, 0]), 2, 1, 1)]).toEqual([1, 0, 1, 0, 1, 0]);
    expect([...interleavedToPlanar(new Uint8Array([255, 0, 51, 7, 0, 255, 0, 9]), 2, 1, 4)].map((v) => Math.round(v * 255))).toEqual([255, 0, 0, 255, 51, 0]);
  });

  it('fits the longest side to the size, keeping the aspect ratio', () => {
    expect(sizeForLongSide(384, 256, 64)).toEqual({ width: 64, height: 43 });
    expect(sizeForLongSide(256, 384, 64)).toEqual({ width: 43, height: 64 });
    expect(sizeForLongSide(1000, 1, 64)).toEqual({ width: 64, height: 1 });
    expect(readImageInput({ data: new Uint8ClampedArray(4 * 384 * 256), width: 384, height: 256 }, { kind: 'long-side', size: 64 })).toMatchObject({ width: 64, height: 43 });
  });

  it('refuses inputs that are not images, naming them', () => {
    expect(() => toPlanar({ data: new Float32Array(5), width: 2, height: 1 }, 'content')).toThrow(/content: a planar RGB Float32Array of 2x1 needs 6 values, got 5/);
    expect(() => toPlanar('x' as never, 'style')).toThrow(/style: expected \{data, width, height\}/);
  });
});
