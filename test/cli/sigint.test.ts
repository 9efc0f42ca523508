// Ctrl-C during `swagpu stylize`: the CLI stops at the next iteration, saves the current image next to
// --out as NAME.partial.png, and exits with 130 (the shell's code for SIGINT), without a stack trace.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { findWeightsFile } from '../../src/models/weights-home.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-sigint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(findWeightsFile('resnet50-keras.safetensors')))('swagpu stylize and SIGINT', () => {
  it('saves out.partial.png and exits 130 after Ctrl-C', async () => {
    const out = join(dir, 'out.png');
    const child = spawn('node', ['bin/swagpu.js', 'stylize', '--size', '32', '--iters', '10000', '--report-every', '1', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let signalled = false;
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!signalled && /iter 1\/10000/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    const code = await exit;
    clearTimeout(timer);
    expect(signalled, stderr).toBe(true);
    expect(code, stderr).toBe(130);
    const partial = join(dir, 'out.partial.png');
    expect(stderr).toContain(`interrupted: saved the current image to ${partial}`);
    expect(stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // no stack trace
    expect(existsSync(out)).toBe(false);
    const meta = await sharp(partial).metadata();
    expect([meta.format, Math.max(meta.width!, meta.height!)]).toEqual(['png', 32]);
  }, 120_000);
});
