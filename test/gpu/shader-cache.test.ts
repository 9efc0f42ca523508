// Mesa's on-disk shader cache (issue 20, 5.8): with no writable home Mesa turns it off and every run recompiles
// every shader, so swagpu points MESA_SHADER_CACHE_DIR at its own cache folder when the user set none (and at
// <tmpdir>/swagpu-<uid> when even that cannot be written), before Dawn loads; a folder the user chose is kept.
// The child-process cases check the effect itself where the adapter is llvmpipe: Mesa writes its cache there.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { setMesaShaderCacheDir, userCacheDir } from '../../src/gpu/user-cache.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'swagpu-shader-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const uid = process.getuid?.() ?? 'user';
/** A home nobody can write into, not even root: nothing can be created under /proc. */
const NO_HOME = '/proc/swagpu-no-home';

describe('setMesaShaderCacheDir', () => {
  it('points Mesa at the swagpu cache folder when unset, creating it', () => {
    const env: NodeJS.ProcessEnv = { XDG_CACHE_HOME: join(dir, 'xdg') };
    expect(setMesaShaderCacheDir(env)).toBe(join(dir, 'xdg', 'swagpu'));
    expect(env.MESA_SHADER_CACHE_DIR).toBe(userCacheDir(env));
    expect(existsSync(join(dir, 'xdg', 'swagpu'))).toBe(true);
  });

  it('keeps a folder the user chose (under either of Mesa\'s names)', () => {
    const chosen: NodeJS.ProcessEnv = { MESA_SHADER_CACHE_DIR: '/somewhere', XDG_CACHE_HOME: join(dir, 'xdg2') };
    expect(setMesaShaderCacheDir(chosen)).toBeNull();
    expect(chosen.MESA_SHADER_CACHE_DIR).toBe('/somewhere');
    const old: NodeJS.ProcessEnv = { MESA_GLSL_CACHE_DIR: '/old', XDG_CACHE_HOME: join(dir, 'xdg3') };
    expect(setMesaShaderCacheDir(old)).toBeNull();
    expect(old.MESA_SHADER_CACHE_DIR).toBeUndefined();
    expect(existsSync(join(dir, 'xdg2'))).toBe(false);
  });

  it('falls back to <tmpdir>/swagpu-<uid> without a writable home', () => {
    const env: NodeJS.ProcessEnv = { HOME: NO_HOME };
    expect(setMesaShaderCacheDir(env)).toBe(join(tmpdir(), `swagpu-${uid}`));
    expect(env.MESA_SHADER_CACHE_DIR).toBe(join(tmpdir(), `swagpu-${uid}`));
  });
});

describe('in a swagpu process', () => {
  // Opens swagpu's device (getContext), runs one compute shader, and says what MESA_SHADER_CACHE_DIR was.
  const script = join(dir, 'child.mts'); // .mts: an ES module outside the project's package.json
  writeFileSync(script, `
    import { getContext } from ${JSON.stringify(resolve('src/gpu/context.ts'))};
    const ctx = await getContext();
    const device = ctx.device;
    const module = device.createShaderModule({ code: '@group(0) @binding(0) var<storage, read_write> x: array<f32>; @compute @workgroup_size(1) fn main() { x[0] = x[0] * 2.0 + 1.0; }' });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] }));
    pass.dispatchWorkgroups(1);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    console.log(JSON.stringify({ dir: process.env.MESA_SHADER_CACHE_DIR ?? null, kind: ctx.gpu.adapter.kind }));
  `);
  async function child(env: NodeJS.ProcessEnv): Promise<{ dir: string | null; kind: string }> {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MESA_SHADER_CACHE_DIR|MESA_GLSL_CACHE_DIR|XDG_CACHE_HOME|HOME|TMPDIR)$/.test(k)));
    const { stdout } = await exec('node', ['--import', './bin/register.mjs', script], { env: { ...base, ...env }, maxBuffer: 1 << 22, timeout: 100_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }
  const files = (d: string) => (existsSync(d) ? readdirSync(d, { recursive: true }).length : 0);

  it('without a writable home: the temporary fallback, and Mesa fills it (llvmpipe)', async () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const got = await child({ HOME: NO_HOME, TMPDIR: tmp });
    expect(got.dir).toBe(join(tmp, `swagpu-${uid}`));
    if (got.kind === 'llvmpipe') expect(files(join(tmp, `swagpu-${uid}`, 'mesa_shader_cache'))).toBeGreaterThan(0);
  });

  it('a folder the user set is left as it is, and used', async () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    const got = await child({ HOME: NO_HOME, TMPDIR: join(dir, 'unused'), MESA_SHADER_CACHE_DIR: mine });
    expect(got.dir).toBe(mine);
    expect(existsSync(join(dir, 'unused', `swagpu-${uid}`))).toBe(false);
    if (got.kind === 'llvmpipe') expect(files(join(mine, 'mesa_shader_cache'))).toBeGreaterThan(0);
  });
});
