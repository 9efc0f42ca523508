// The device layer: adapter choice and reporting, loud WGSL compile errors, the pipeline cache, and the CLI's info.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listNodeAdapters } from '../../src/gpu/device.js';
import { describeEachAdapter } from '../harness.js';
import { gemm } from '../../src/kernels/gemm/gemm.js';

const run = promisify(execFile);

describe('adapters', () => {
  it('finds the CPU adapters this machine has (llvmpipe and SwiftShader), each reported as CPU', async () => {
    const found = await listNodeAdapters();
    const kinds = found.map((a) => a.kind);
    expect(kinds).toContain('llvmpipe');
    expect(kinds).toContain('swiftshader');
    for (const a of found.filter((x) => x.kind !== 'gpu')) expect(a.isCPU).toBe(true);
    // In Node each adapter's own measurements pick its routes (unless SWAGPU_TUNING forces a family on all of them).
    for (const a of found) expect(a.tuning).toBe(process.env.SWAGPU_TUNING || a.kind);
    expect(found.find((a) => a.kind === 'llvmpipe')!.backend).toBe('opengl');
  });

  it('`swagpu info --json` reports the chosen adapter, its limits and the others, with no env set by hand', async () => {
    const env = { ...process.env };
    for (const k of ['SWAGPU_ADAPTER', 'SWAGPU_TUNING', 'VK_ICD_FILENAMES', 'VK_ADD_DRIVER_FILES', 'EGL_PLATFORM']) delete env[k];
    const { stdout } = await run('node', ['bin/swagpu.js', 'info', '--json'], { env });
    const info = JSON.parse(stdout);
    expect(['gpu', 'llvmpipe']).toContain(info.adapter.kind);
    expect([info.tuning, info.tuningSource]).toEqual([info.adapter.kind, 'adapter']);
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(info.otherAdapters.map((a: { kind: string }) => a.kind)).toContain('swiftshader');
  });

  it('SWAGPU_ADAPTER=swiftshader selects SwiftShader; an unknown value is refused', async () => {
    const { stdout } = await run('node', ['bin/swagpu.js', 'info', '--json'], { env: { ...process.env, SWAGPU_ADAPTER: 'swiftshader' } });
    expect(JSON.parse(stdout).adapter.kind).toBe('swiftshader');
    const bad = await run('node', ['bin/swagpu.js', 'info'], { env: { ...process.env, SWAGPU_ADAPTER: 'tpu' } }).catch((e) => e);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('SWAGPU_ADAPTER=tpu');
  });
});

describeEachAdapter('pipelines', (getCtx) => {
  it('a WGSL compile error names the kernel and the line', async () => {
    const ctx = await getCtx();
    const source = '@group(0) @binding(0) var<storage, read_write> y: array<f32>;\n@compute @workgroup_size(1)\nfn main() {\n  y[0] = undefined_thing;\n}\n';
    ctx.pipeline({ name: 'brokenKernel', source });
    const error = await ctx.sync().then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/brokenKernel/);
    expect(error?.message).toMatch(/line 4/);
  });

  it('pipelines are cached per kernel, entry point and variant', async () => {
    const ctx = await getCtx();
    const source = '@group(0) @binding(0) var<storage, read_write> y: array<f32>;\n@compute @workgroup_size(1)\nfn main() {\n#if TWO\n  y[0] = 2.0;\n#else\n  y[0] = 1.0;\n#endif\n}\n';
    const a = ctx.pipeline({ name: 'cached', source, defines: { TWO: true } });
    expect(ctx.pipeline({ name: 'cached', source, defines: { TWO: true } })).toBe(a);
    expect(ctx.pipeline({ name: 'cached', source, defines: { TWO: false } })).not.toBe(a);
    await ctx.sync();
  });
});

// The benches' GPU timer (GpuContext.startGpuTimer / stopGpuTimer): timestamp queries around every compute pass.
describeEachAdapter('GPU timer', (getCtx) => {
  it('times the passes recorded between start and stop: > 0, within the wall time; refused without the feature', async () => {
    const ctx = await getCtx();
    if (!ctx.hasGpuTimer) {
      expect(() => ctx.startGpuTimer()).toThrow(/startGpuTimer: this device \(\w+\) has no 'timestamp-query' feature/);
      return;
    }
    const [K, M, N] = [128, 64, 1024];
    const a = ctx.pool.acquire(K * M * 4), b = ctx.pool.acquire(K * N * 4), c = ctx.pool.acquire(M * N * 4);
    const product = () => gemm(ctx, { a, b, c, K, M, N });
    product();
    await ctx.sync();
    const t0 = performance.now();
    ctx.startGpuTimer();
    expect(() => ctx.startGpuTimer()).toThrow(/already running/);
    product();
    ctx.commandEncoder(); // ends the pass: the second product runs in a second timed pass
    product();
    const ms = await ctx.stopGpuTimer();
    const wall = performance.now() - t0;
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(wall);
    // A timer with no pass in it reads 0; stopping without a timer is refused.
    ctx.startGpuTimer();
    expect(await ctx.stopGpuTimer()).toBe(0);
    await expect(ctx.stopGpuTimer()).rejects.toThrow(/no GPU timer is running/);
    for (const buffer of [a, b, c]) ctx.pool.release(buffer);
  });
});
