// Normal runs print no driver warnings on stderr: Dawn prints two "maxDynamic…BuffersPerPipelineLayout
// artificially reduced" lines from C++ whenever an adapter is opened (llvmpipe's GL backend here; hardware
// Vulkan drivers and some SwiftShader builds too). swagpu filters exactly those (src/gpu/driver-stderr.ts
// in the process where fd 2 can be reopened; bin/swagpu.js's wrapper, bin/stderr-wrapper.mjs, elsewhere)
// and lets them through with --verbose. Run on both CPU adapters with stderr a real pipe (as `2>&1 | less`
// or a CI runner gives), a terminal (script(1)), a socket (what Node's child_process gives a child for
// 'pipe': execFile) and a plain file (`2>log`, `2>>log`).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filterDriverText, isBenignDriverLine } from '../../src/gpu/driver-stderr.js';
import { DriverTextFilter } from '../../src/gpu/driver-stderr-filter.js';
import { swagpu as swagpuOnSocket, type CliResult } from './run.js';
import { findWeightsFile } from '../../src/models/weights-home.js';

/** The ResNet-50 weights wherever the weights rule finds them (the user cache, or a checkout's weights/). */
const RESNET_WEIGHTS = findWeightsFile('resnet50-keras.safetensors');

/** The CLI with stdout and stderr as real pipes (through cat), the exit code kept with pipefail. */
function swagpu(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const script = 'set -o pipefail; { node bin/swagpu.js "$@" 2>&1 1>&3 3>&- | cat >&2; } 3>&1 | cat';
  return new Promise((resolve) => {
    execFile('bash', ['-c', script, 'bash', ...args], { env, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error as { code: number }).code : 0, stdout, stderr });
    });
  });
}
const hasScript = existsSync('/usr/bin/script');

const dir = mkdtempSync(join(tmpdir(), 'swagpu-quiet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAWN = /artificially reduced|^Warning:/m;
/** The CLI through a shell, `redirect` applied to it (`2>FILE`); stdout, stderr as the shell gives them. */
function viaShell(args: string[], redirect: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `node bin/swagpu.js "$@" ${redirect}`, 'bash', ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (error as { code: number }).code : 0, stdout, stderr });
    });
  });
}

/** Lines a driver (Dawn, Mesa, the Vulkan loader) prints on its own. */
const DRIVER_LINE = /^(Warning|Error|MESA|libEGL|libGL|ACO|radv|ANV|WARNING|vk|Vulkan)\b/im;

describe('the filter', () => {
  it('drops exactly the known-benign Dawn lines and keeps everything else', () => {
    const text = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n'
      + 'Warning: something new from Dawn\n'
      + 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';
    expect(filterDriverText(text)).toBe('Warning: something new from Dawn\n');
    expect(isBenignDriverLine('Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.')).toBe(true);
    expect(isBenignDriverLine('Warning: maxBufferSize artificially reduced from 80 to 16')).toBe(false);
  });

  it('drops a failed Vulkan probe (no driver at all) with its context lines, and nothing after them', () => {
    const probe = 'Warning: vkCreateInstance: Found no drivers!\n'
      + 'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER\n'
      + '    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)\n'
      + '\n';
    expect(filterDriverText(probe)).toBe('');
    expect(filterDriverText(`${probe}Warning: loader_get_json: Failed to open JSON file /x.json\n    at Somewhere (a.cpp:1)\n`))
      .toBe('Warning: loader_get_json: Failed to open JSON file /x.json\n    at Somewhere (a.cpp:1)\n');
  });
});

describe('the streaming filter (the wrapper\'s)', () => {
  const text = 'swagpu: loading\n'
    + 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n'
    + 'Warning: vkCreateInstance: Found no drivers!\n    at CheckVkSuccessImpl (/x/VulkanError.cpp:106)\n\n'
    + 'Warning: something new\niter 1/5 loss 1.0\nWarn';

  it('gives what filterDriverText gives, however the text is cut into chunks', () => {
    const whole = filterDriverText(text);
    expect(whole).toBe('swagpu: loading\nWarning: something new\niter 1/5 loss 1.0\nWarn');
    for (let a = 0; a <= text.length; a++) {
      for (const b of [a, a + 1, a + 7, a + 40]) {
        const f = new DriverTextFilter();
        const out = f.push(text.slice(0, a)) + f.push(text.slice(a, b)) + f.push(text.slice(b)) + f.end();
        expect(out, `cut at ${a}, ${b}`).toBe(whole);
      }
    }
  });

  it('passes a partial line on at once unless it may still become a benign line', () => {
    const f = new DriverTextFilter();
    expect(f.push('stylize |###   | 3/10')).toBe('stylize |###   | 3/10');
    expect(f.push(' it\nWarn')).toBe(' it\n');
    expect(f.push('ing: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.\n')).toBe('');
    expect(f.push('Warning: kept\n')).toBe('Warning: kept\n');
  });
});

describe('the wrapper', () => {
  it('passes the exit code and stdout through with stderr a socket (execFile)', async () => {
    const r = await swagpuOnSocket(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("swagpu: unknown command 'no-such-command'");
    const help = await swagpuOnSocket(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('usage: swagpu <command>');
  });
});

for (const adapter of ['llvmpipe', 'swiftshader'] as const) {
  describe(`SWAGPU_ADAPTER=${adapter}`, () => {
    const env = { ...process.env, SWAGPU_ADAPTER: adapter, SWAGPU_VERBOSE: '' };

    it('info prints no driver warning; --verbose shows Dawn\'s own lines', async () => {
      const quiet = await swagpu(['info'], env);
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stdout).toContain(`adapter: ${adapter}`);
      expect(quiet.stderr).toBe('');
      // info also lists the other adapters, so llvmpipe's GL backend is opened on both: Dawn speaks
      // (where llvmpipe is there to open; its 90/80 limits are what Dawn clamps).
      const verbose = await swagpu(['info', '--verbose'], env);
      expect(verbose.code, verbose.stderr).toBe(0);
      if (/llvmpipe/.test(quiet.stdout)) expect(verbose.stderr).toMatch(DAWN);
      expect(verbose.stdout).toBe(quiet.stdout);
    });

    it('info with stderr a socket (execFile, as Node gives a child): no driver warning; --verbose and SWAGPU_VERBOSE=1 show them', async () => {
      const quiet = await swagpuOnSocket(['info'], env);
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stdout).toContain(`adapter: ${adapter}`);
      expect(quiet.stderr).toBe('');
      if (!/llvmpipe/.test(quiet.stdout)) return; // no adapter here that makes Dawn speak
      const verbose = await swagpuOnSocket(['info', '--verbose'], env);
      expect(verbose.stderr).toMatch(DAWN);
      expect(verbose.stdout).toBe(quiet.stdout);
      expect((await swagpuOnSocket(['info'], { ...env, SWAGPU_VERBOSE: '1' })).stderr).toMatch(DAWN);
    });

    it('info with stderr a plain file (`2>log`, `2>>log`): no driver warning in it; --verbose writes them', async () => {
      for (const [name, op] of [['truncated', '2>'], ['appended', '2>>']] as const) {
        const log = join(dir, `${adapter}-${name}.log`);
        const quiet = await viaShell(['info'], `${op}${log}`, env);
        expect(quiet.code).toBe(0);
        expect(quiet.stdout).toContain(`adapter: ${adapter}`);
        expect(readFileSync(log, 'utf8'), op).toBe('');
        if (!/llvmpipe/.test(quiet.stdout)) continue;
        const verbose = await viaShell(['info', '--verbose'], `2>${log}`, env);
        expect(verbose.code).toBe(0);
        expect(readFileSync(log, 'utf8')).toMatch(DAWN);
      }
    });

    it.skipIf(!hasScript)('info on a terminal (script) prints no driver warning; --verbose shows them', async () => {
      const onTty = (args: string) => new Promise<string>((resolve) => {
        execFile('script', ['-qec', `node bin/swagpu.js info ${args}`, '/dev/null'], { env }, (_e, stdout) => resolve(stdout));
      });
      const quiet = await onTty('');
      expect(quiet).toContain(`adapter: ${adapter}`);
      expect(quiet).not.toMatch(DAWN);
      if (/llvmpipe/.test(quiet)) expect(await onTty('--verbose')).toMatch(DAWN);
    });

    it.skipIf(!existsSync(RESNET_WEIGHTS))('a tiny stylize prints no driver warning', async () => {
      const out = join(dir, `${adapter}.png`);
      const r = await swagpu(['stylize', '--content', 'assets/images/content/chelsea.png', '--size', '16', '--iters', '1', '--out', out], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`wrote ${out}`);
      expect(r.stderr).not.toMatch(DAWN);
      expect(r.stderr).not.toMatch(DRIVER_LINE);
    });
  });
}
