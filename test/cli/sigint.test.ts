// Ctrl-C (SIGINT) or SIGTERM during `swagpu stylize`: the CLI stops within a fraction of a step, saves the
// current image (the last finished iterate) next to --out as NAME.partial.png, and exits with 130 / 143 (the
// shell's codes for those signals), without a stack trace. Between reports (--report-every) the loop still
// waits for each step on the GPU and so runs the signal handlers: a huge report interval does not make it
// deaf (issue 20, 5.3). These runs have stderr a socket (spawn's 'pipe'), so bin/swagpu.js's stderr wrapper
// is in the way, and the signal reaches the CLI through it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { findWeightsFile } from '../../src/models/weights-home.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-sigint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null; signal: NodeJS.Signals | null; stderr: string; signalled: boolean;
  /** From the signal to the exit, ms. */
  latencyMs: number;
}

/**
 * Runs stylize and sends `signal` once stderr matches `when` (and, with `delayMs`, that long after).
 * A run that ignores the signal is killed after 100 s and fails the test on its exit code.
 */
function stylizeAndSignal(args: string[], when: RegExp, signal: NodeJS.Signals, delayMs = 0): Promise<Run> {
  const child = spawn('node', ['bin/swagpu.js', 'stylize', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let signalled = false;
  let signalledAt = NaN;
  let killer: NodeJS.Timeout | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!signalled && when.test(stderr)) {
      signalled = true;
      setTimeout(() => {
        signalledAt = performance.now();
        child.kill(signal);
        killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
      }, delayMs);
    }
  });
  return new Promise((resolve) => child.on('exit', (code, sig) => {
    clearTimeout(killer);
    resolve({ code, signal: sig, stderr, signalled, latencyMs: performance.now() - signalledAt });
  }));
}

const NO_STACK = /\n\s+at .*:\d+:\d+\)?\n/;

describe.skipIf(!existsSync(findWeightsFile('resnet50-keras.safetensors')))('swagpu stylize and signals', () => {
  it('saves out.partial.png and exits 130 after Ctrl-C', async () => {
    const out = join(dir, 'out.png');
    const r = await stylizeAndSignal(['--size', '32', '--iters', '10000', '--report-every', '1', '--out', out], /iter 1\/10000/, 'SIGINT');
    expect(r.signalled, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    const partial = join(dir, 'out.partial.png');
    expect(r.stderr).toContain(`interrupted (SIGINT): saved the current image to ${partial}`);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(existsSync(out)).toBe(false);
    const meta = await sharp(partial).metadata();
    expect([meta.format, Math.max(meta.width!, meta.height!)]).toEqual(['png', 32]);
  }, 120_000);

  it('--iters 1000000 --report-every 100000: SIGINT a few seconds in still stops it, with the partial image and the last step\'s loss', async () => {
    const out = join(dir, 'long.png');
    const r = await stylizeAndSignal(['--size', '16', '--iters', '1000000', '--report-every', '100000', '--out', out], /iter 1\/1000000/, 'SIGINT', 4000);
    expect(r.signalled, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    const m = /interrupted \(SIGINT\): saved the current image to (\S+) \((\d+) iterations, \d+ evaluations, [\d.]+ s, loss (\S+) -> (\S+)\)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(m![1]).toBe(join(dir, 'long.partial.png'));
    // It ran past the first report (so the abort came between reports), and the end loss is that of
    // the last step, read at the abort, not iteration 1's again.
    expect(Number(m![2])).toBeGreaterThan(1);
    expect(Number.isFinite(Number(m![3])) && Number.isFinite(Number(m![4]))).toBe(true);
    expect(Number(m![4])).not.toBe(Number(m![3]));
    expect((await sharp(m![1]).metadata()).format).toBe('png');
  }, 150_000);

  it('SIGTERM is treated like SIGINT: partial image saved, exit 143', async () => {
    const out = join(dir, 'term.png');
    const r = await stylizeAndSignal(['--size', '16', '--iters', '10000', '--report-every', '1', '--out', out], /iter 1\/10000/, 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain(`interrupted (SIGTERM): saved the current image to ${join(dir, 'term.partial.png')}`);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect((await sharp(join(dir, 'term.partial.png')).metadata()).format).toBe('png');
  }, 120_000);

  // A step at 256 px takes seconds on a CPU adapter (about 5 s on llvmpipe on an idle 2-core machine here), and
  // the signal comes at a random point early in the second step. Answered after the step in flight, as it once
  // was, that is most of a step; now the step runs in command buffers of about 0.25 s each, with a stop check
  // between them. The bound asserted is 3 s, not the design's ~1 s: the partial image is read and written after
  // the stop, this machine is shared, and nothing can stop a launch in flight (the longest, the Gram gradient's
  // gemm at the 2048-channel tap, ran 1.4 s at 192 px on subnormal floats until issue 23; bench/RESULTS.md). The
  // latency is printed.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} early in a step that takes seconds (256 px): exits within 3 s, the last iterate saved`, async () => {
      const out = join(dir, `latency-${signal}.png`);
      const delayMs = 100 + Math.random() * 400;
      const r = await stylizeAndSignal(['--size', '256', '--iters', '10000', '--report-every', '10000', '--out', out], /iter 1\/10000/, signal, delayMs);
      console.log(`${signal} ${delayMs.toFixed(0)} ms after iteration 1: exited ${r.latencyMs.toFixed(0)} ms after the signal`);
      expect(r.signalled, r.stderr).toBe(true);
      expect(r.code, r.stderr).toBe(code);
      const m = /interrupted \((\w+)\): saved the current image to (\S+) \((\d+) iterations, \d+ evaluations, [\d.]+ s, loss (\S+) -> (\S+)\)/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(m![1]).toBe(signal);
      expect(m![2]).toBe(join(dir, `latency-${signal}.partial.png`));
      expect(Number(m![3])).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(Number(m![4])) && Number.isFinite(Number(m![5]))).toBe(true);
      expect(r.stderr).not.toMatch(NO_STACK);
      const { data, info } = await sharp(m![2]).raw().toBuffer({ resolveWithObject: true });
      expect(Math.max(info.width, info.height)).toBe(256);
      expect(new Set(data).size, 'a real image, not one flat colour').toBeGreaterThan(16);
      expect(r.latencyMs).toBeLessThan(3000);
    }, 150_000);
  }

  it('interrupted before the first iteration finishes: says so instead of "loss NaN -> NaN"', async () => {
    const out = join(dir, 'early.png');
    // "stylizing WxH ..." is logged after the inputs are read, before the model loads: the first step is seconds away.
    const r = await stylizeAndSignal(['--size', '16', '--iters', '5', '--out', out], /swagpu: stylizing 16x/, 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`interrupted (SIGINT): saved the current image to ${join(dir, 'early.partial.png')} (0 iterations`);
    expect(r.stderr).toContain('no iteration finished, so no loss yet');
    expect(r.stderr).not.toContain('NaN');
    expect((await sharp(join(dir, 'early.partial.png')).metadata()).format).toBe('png');
  }, 120_000);
});
