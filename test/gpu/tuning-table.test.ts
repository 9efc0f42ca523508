// The tuning table (src/gpu/tuning-table.json): the repo's file is valid; entries match adapters by their vendor,
// architecture, device and description (fake adapter descriptions here), the most specific entry wins, ops an entry
// leaves out and unknown adapters take the fallback; bad tables are refused naming the fault; the device layer's
// report carries the choice, gemm and the direct conv take it on the 'gpu' routes, and a matched card's block tile
// computes the same products as the float64 reference on a real device. SWAGPU_TUNING / the `tuning` option: checked.
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context.js';
import { createGpu, parseTuning, type AdapterReport } from '../../src/gpu/device.js';
import { chooseTuning, checkTable, matchEntry, tableEntry, TUNING_TABLE, withEntry, type AdapterIds, type TuningTable } from '../../src/gpu/tuning-table.js';
import { gemm, gemmRows, gemmTile } from '../../src/kernels/gemm/gemm.js';
import { convTile } from '../../src/kernels/conv/route-plan.js';
import * as ref from '../../src/kernels/gemm/gemm.reference.js';
import { assertClose, fastestAdapter, randomArray } from '../harness.js';
import tableFile from '../../src/gpu/tuning-table.json' with { type: 'json' };

const RTX: AdapterIds = { vendor: 'nvidia', architecture: 'ada', device: 'NVIDIA GeForce RTX 4070', description: 'NVIDIA: 550.54.14 550.54.14.0' };
const M2: AdapterIds = { vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M2' };
const UNKNOWN: AdapterIds = { vendor: 'acme', architecture: 'x1', device: 'ACME Render 9', description: '' };

const BLOCK_64 = { R: 4, Q: 1, block: { WM: 16, WN: 16, BK: 16 } };
const BLOCK_32 = { R: 4, Q: 2, block: { WM: 8, WN: 8, BK: 8 } };
const table: TuningTable = checkTable({
  format: 'swagpu-tuning-table/1',
  fallback: { gemm: { R: 8, Q: 1, block: { WM: 16, WN: 16, BK: 16 } }, conv: { IL: 1, G: 8, WG: 64, PX: 4 } },
  adapters: [
    { match: { vendor: 'nvidia' }, source: 'any NVIDIA card', gemm: { R: 8, Q: 2, block: { WM: 8, WN: 16, BK: 8 } } },
    { match: { vendor: 'nvidia', device: 'rtx 4070' }, source: 'an RTX 4070', gemm: BLOCK_64, conv: { IL: 4, G: 4, WG: 128, PX: 8 } },
    { match: { description: 'apple m2' }, source: 'an M2 through a browser (no device name)', gemm: BLOCK_32 },
  ],
});

describe('tuning table', () => {
  it('the repo\'s table is valid and is the one the device layer reads', () => {
    expect(checkTable(tableFile)).toEqual(TUNING_TABLE);
    expect(TUNING_TABLE.fallback.gemm.block).toBeDefined(); // GPUs take a workgroup-memory block tile unless measured otherwise
  });

  it('matches by case-insensitive substrings; the most specific entry wins; unknown adapters and missing ops take the fallback', () => {
    expect(matchEntry(table, RTX)?.source).toBe('an RTX 4070');
    expect(matchEntry(table, { ...RTX, device: 'NVIDIA H200' })?.source).toBe('any NVIDIA card');
    expect(matchEntry(table, M2)?.source).toBe('an M2 through a browser (no device name)');
    expect(matchEntry(table, UNKNOWN)).toBeNull();
    const rtx = chooseTuning(table, RTX);
    expect([rtx.gemm, rtx.conv, rtx.entry, rtx.from]).toEqual([BLOCK_64, { IL: 4, G: 4, WG: 128, PX: 8 }, 'vendor~nvidia device~rtx 4070', { gemm: 'vendor~nvidia device~rtx 4070', conv: 'vendor~nvidia device~rtx 4070' }]);
    const m2 = chooseTuning(table, M2);
    expect([m2.gemm, m2.conv, m2.from.conv]).toEqual([BLOCK_32, table.fallback.conv, 'fallback']);
    const unknown = chooseTuning(table, UNKNOWN);
    expect([unknown.gemm, unknown.conv, unknown.entry]).toEqual([table.fallback.gemm, table.fallback.conv, null]);
  });

  it('refuses a malformed table, naming the entry, the op and the field', () => {
    const bad = (patch: object) => () => checkTable({ ...table, ...patch });
    expect(bad({ format: 'v0' })).toThrow(/tuning table: format must be "swagpu-tuning-table\/1" \(got "v0"\)/);
    expect(bad({ fallback: { ...table.fallback, gemm: { R: 6, Q: 1 } } })).toThrow(/tuning table: fallback: gemm needs R, a positive multiple of 4 \(got \{"R":6,"Q":1\}\)/);
    expect(bad({ adapters: [{ match: {}, gemm: BLOCK_64 }] })).toThrow(/tuning table: adapters\[0\]: match needs one or more of vendor, architecture, device, description/);
    expect(bad({ adapters: [{ match: { gpu: 'x' } }] })).toThrow(/adapters\[0\]: match needs/);
    expect(bad({ adapters: [{ match: { vendor: 'amd' }, gemm: { R: 8, Q: 1, block: { WM: 0, WN: 16, BK: 16 } } }] })).toThrow(/tuning table: adapters\[0\] \(vendor~amd\): gemm block needs WM, WN and BK, positive integers/);
    expect(bad({ adapters: [{ match: { vendor: 'amd' }, conv: { IL: 1, G: 3, WG: 64 } }] })).toThrow(/adapters\[0\] \(vendor~amd\): conv needs IL and WG \(positive integers\) and G \(1, 2, 4 or 8\)/);
  });

  it('a measured entry matches its card (device name, not the driver\'s version), replaces an older one for it, and reads back', () => {
    const entry = tableEntry(RTX, { gemm: BLOCK_32 }, 'sweep');
    expect(entry.match).toEqual({ vendor: 'nvidia', architecture: 'ada', device: 'NVIDIA GeForce RTX 4070' });
    expect(tableEntry(M2, {}, 'sweep').match).toEqual({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2' });
    const once = withEntry(table, entry);
    const twice = withEntry(once, { ...entry, gemm: BLOCK_64 });
    expect(twice.adapters.length).toBe(table.adapters.length + 1);
    expect(chooseTuning(checkTable(JSON.parse(JSON.stringify(twice))), { ...RTX, description: 'NVIDIA: 560.1' }).gemm).toEqual(BLOCK_64);
    expect(() => tableEntry({ vendor: '', architecture: '', device: '', description: '' }, {}, 'sweep')).toThrow(/reports no vendor, architecture, device or description/);
  });

  it('SWAGPU_TUNING / the tuning option: the three families, anything else refused by name', () => {
    expect(parseTuning('gpu', 'SWAGPU_TUNING')).toBe('gpu');
    expect(() => parseTuning('GPU', 'SWAGPU_TUNING')).toThrow('SWAGPU_TUNING="GPU" is not a route family: use one of gpu, llvmpipe, swiftshader');
    expect(() => parseTuning('cuda', 'tuning')).toThrow(/^tuning="cuda" is not a route family/);
  });
});

describe(`the device layer with a fake adapter description, on ${fastestAdapter()}`, () => {
  const fake = async (ids: AdapterIds) => {
    const gpu = await createGpu(fastestAdapter(), { tuning: 'gpu' });
    // The real device, reported as the fake card: the routes and tiles follow the report.
    const adapter: AdapterReport = { ...gpu.adapter, ...ids, table: chooseTuning(table, ids) };
    return new GpuContext({ ...gpu, adapter });
  };

  it('the real report carries the table\'s choice; the forced family is reported with its source', async () => {
    const gpu = await createGpu(fastestAdapter(), { tuning: 'gpu' });
    expect([gpu.adapter.tuning, gpu.adapter.tuningSource]).toEqual(['gpu', 'option']);
    expect(gpu.adapter.table).toEqual(chooseTuning(TUNING_TABLE, gpu.adapter));
    await expect(createGpu(fastestAdapter(), { tuning: 'tpu' as 'gpu' })).rejects.toThrow('tuning="tpu" is not a route family');
    gpu.device.destroy();
  });

  it('gemm and the direct conv take the matched card\'s tiles, the fallback\'s for an unknown card', async () => {
    const rtx = await fake(RTX);
    expect([gemmTile(rtx), convTile(rtx)]).toEqual([BLOCK_64, { IL: 4, G: 4, WG: 128, PX: 8 }]);
    const unknown = await fake(UNKNOWN);
    expect([gemmTile(unknown), convTile(unknown)]).toEqual([table.fallback.gemm, table.fallback.conv]);
    for (const ctx of [rtx, unknown]) ctx.device.destroy();
  });

  it('a matched card\'s block tile computes the float64 reference\'s product (edge blocks, odd K, a batch)', async () => {
    for (const ids of [RTX, M2, UNKNOWN]) {
      const ctx = await fake(ids);
      const [K, M, N, Z] = [37, 70, 136, 2];
      const Mp = gemmRows(ctx, M);
      const a = randomArray(Z * K * Mp, 1).map((v, i) => ((i % Mp) < M ? v / Math.sqrt(K) : 0));
      const b = randomArray(Z * K * N, 2);
      const c = ctx.pool.acquire(Z * M * N * 4);
      gemm(ctx, { a: ctx.bufferFrom(a), b: ctx.bufferFrom(b), c, K, M, N, Z, aStride: K * Mp });
      const expected = ref.gemm(a, b, { K, M, N, Mp, Z, Mstore: M, aStride: K * Mp });
      assertClose(await ctx.readF32(c, Z * M * N), expected, { atol: 2e-5, what: `gemm on ${ids.device || ids.description} (${JSON.stringify(gemmTile(ctx))})`, shape: [Z, M, N] });
      ctx.device.destroy();
    }
  });
});
