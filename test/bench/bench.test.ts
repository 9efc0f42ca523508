/**
 * `swagpu bench` in its smallest mode (one tiny case, one timed run) on every adapter: the JSON report
 * has its fields and sane values (finite, > 0). Never a timing threshold: this machine is shared.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { describeEachAdapter } from '../harness.js';
import { run } from '../../src/cli/bench.js';
import { tfjsPeer } from '../../src/bench/peer-tfjs-node.js';

let out: string[] = [];
beforeEach(() => {
  out = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const execFileP = promisify(execFile);
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

describeEachAdapter('swagpu bench --json', (getCtx, adapter) => {
  it('reports the adapter peak, the timer and one result with finite positive timings', async () => {
    const code = await run(['--json', '--quick', '--only', 'mse bwd 64x64x64', '--runs', '1', '--adapter', adapter]);
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report.adapter).toMatch(new RegExp(`^${adapter}: `));
    // GPU timestamps where the device has them (SwiftShader), else the wall clock (llvmpipe).
    expect(report.timer).toBe((await getCtx()).hasGpuTimer ? 'gpu' : 'wall');
    // The native FMA peak of the same cores, where a C compiler is installed (src/bench/native-peak.ts).
    if (existsSync('/usr/bin/cc')) expect(positive(report.nativePeakGflops), `nativePeakGflops = ${report.nativePeakGflops}`).toBe(true);
    else expect(report.nativePeakGflops).toBeNull();
    expect(positive(report.peakGflops)).toBe(true);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.results).toHaveLength(1);
    const [r] = report.results;
    for (const key of ['name', 'shape', 'ms', 'minMs', 'maxMs', 'gflops', 'peerMs', 'speedup']) expect(r).toHaveProperty(key);
    expect(r).toMatchObject({ name: 'mse bwd', shape: '64x64x64', runs: 1, peerMs: null, speedup: null });
    for (const key of ['ms', 'minMs', 'maxMs', 'gbps']) expect(positive(r[key]), `${key} = ${r[key]}`).toBe(true);
    expect(r.minMs).toBeLessThanOrEqual(r.ms);
    expect(r.ms).toBeLessThanOrEqual(r.maxMs);
  });

  it('runs the launch-cost cases (issue 23): one, 64, 64 sharing a bind group, 64 recorded but not dispatched', async () => {
    expect(await run(['--json', '--only', 'launch ', '--runs', '1', '--adapter', adapter])).toBe(0);
    const results = JSON.parse(out.join('\n')).results as Array<{ name: string; shape: string; ms: number }>;
    expect(results.map((r) => `${r.name} ${r.shape}`)).toEqual(['launch 1 dispatch', 'launch 64 dispatches', 'launch 64 dispatches, one bind group', 'launch 64 launches, JS only']);
    for (const r of results) expect(Number.isFinite(r.ms) && r.ms >= 0, `${r.shape}: ${r.ms}`).toBe(true);
  });

  it('runs a conv2d case and gives GFLOP/s and % of peak', async () => {
    expect(await run(['--json', '--quick', '--only', 'conv2d 1x1 fwd 56x56', '--runs', '1', '--adapter', adapter])).toBe(0);
    const [r] = JSON.parse(out.join('\n')).results;
    expect(r.name).toBe('conv2d 1x1 fwd');
    expect(positive(r.gflops) && positive(r.peakPercent)).toBe(true);
  });

  // The TF.js peer on llvmpipe (on SwiftShader one TF.js 1x1 conv takes ~0.2 s a run; llvmpipe ~30 ms): its
  // runs alternate with ours, and the ratio is the two medians'.
  if (adapter === 'llvmpipe') {
    it('--peer tfjs times the same case through tfjs-backend-webgpu and reports the ratio', async () => {
      expect(await run(['--json', '--peer', 'tfjs', '--only', 'conv2d 1x1 bwd-input 56x56 64->256', '--runs', '2', '--adapter', adapter])).toBe(0);
      const report = JSON.parse(out.join('\n'));
      expect(report.peer).toMatch(/^tfjs-backend-webgpu 4\./);
      const [r] = report.results;
      expect(r).toMatchObject({ name: 'conv2d 1x1 bwd-input', shape: '56x56 64->256', runs: 2 });
      expect(positive(r.peerMs)).toBe(true);
      expect(r.speedup).toBeCloseTo(r.peerMs / r.ms, 9);
      // TF.js has one backend per process: now llvmpipe's, so another adapter's peer is refused, not silently mixed.
      await expect(tfjsPeer('swiftshader')).rejects.toThrow(/this process's TF\.js runs on llvmpipe; it cannot also run on swiftshader/);
    });

    // The peer's VGG-19 evaluation on its own: tf.grad needs the gradients registered (it once worked only after
    // ResNet-50's evaluation had imported tfjs-layers). A time, and a finite gradient of the image's shape.
    it('the TF.js peer evaluates VGG-19 (forward, losses, tf.grad) without ResNet-50 having run first', async () => {
      const peer = await tfjsPeer('llvmpipe');
      const run = await peer.prepare({ op: 'evaluation', model: 'vgg19', size: 32 });
      try {
        expect(positive(await run.once('wall'))).toBe(true);
      } finally {
        run.dispose();
      }
      const { tfjsEvaluation } = await import('../../src/bench/peer-tfjs-eval.js');
      const tf = await import('@tensorflow/tfjs-core');
      const ev = await tfjsEvaluation(tf, 'vgg19', 32);
      const grad = ev.run();
      expect(grad.shape).toEqual([1, 32, 32, 3]);
      const values = await grad.data();
      expect(values.every(Number.isFinite) && values.some((v) => v !== 0)).toBe(true);
      grad.dispose();
      ev.dispose();
    }, 120_000);
  }

  // On SwiftShader both sides are timed with timestamp queries: ours around our passes, TF.js's by tf.time. In a
  // child process: TF.js runs on one adapter per process, and this one's may already be llvmpipe's.
  if (adapter === 'swiftshader') {
    it('--peer tfjs with GPU timestamps on both sides; --wall-clock times to completion instead', async () => {
      const cli = async (args: string[]) => JSON.parse((await execFileP('node', ['bin/swagpu.js', 'bench', '--json', '--adapter', adapter, '--runs', '1', ...args], { maxBuffer: 1 << 24 })).stdout);
      const gpu = await cli(['--peer', 'tfjs', '--only', 'conv2d 1x1 bwd-input 56x56 64->256']);
      expect(gpu.timer).toBe('gpu');
      expect(positive(gpu.results[0].peerMs) && positive(gpu.results[0].ms)).toBe(true);
      expect(gpu.results[0].speedup).toBeCloseTo(gpu.results[0].peerMs / gpu.results[0].ms, 9);
      expect((await cli(['--wall-clock', '--only', 'mse bwd 64x64x64'])).timer).toBe('wall');
    }, 300_000);
  }

  it('refuses an unknown flag with a usage error', async () => {
    expect(await run(['--peer', 'nope'])).toBe(2);
  });
});
