/**
 * demo/bench.html in Chromium: on SwiftShader it runs two of `swagpu bench`'s kernel cases (one timed run each)
 * and reports the adapter's FMA peak, the timer and finite positive timings, with no console or request errors;
 * it runs the style evaluations (VGG-19 random, ResNet-50 from the server's weights) with their launches and
 * peak bytes, and one case against the TF.js peer on the browser's own WebGPU; without WebGPU it says what is
 * missing and disables Run. Never a timing threshold: only that the numbers exist and agree with each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from 'vite';
import type { Browser } from 'puppeteer';
import { buildAndServe, hasChromium, hasResnetWeights, launch, openPage, waitForState } from './browser.js';
import { checkTable, matchEntry, type TuningTable } from '../../src/gpu/tuning-table.js';

interface Row { name: string; shape: string; ms: number; minMs: number; maxMs: number; runs: number; gflops: number | null; gbps: number | null; peerMs: number | null; speedup: number | null; dispatches?: number; peakBytes?: number }
interface Report { adapter: string; tuning: string; peakGflops: number; timer: string; peer: string | null; skipped: string[]; error?: string; results: Row[] }

const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

describe.skipIf(!hasChromium)('demo/bench.html', () => {
  let server: PreviewServer;
  let url: string;
  let browsers: Browser[] = [];

  beforeAll(async () => {
    ({ url, server } = await buildAndServe('bench'));
    browsers = [await launch(true), await launch(false)];
  }, 300_000);
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
  });

  /** Open bench.html with `query` (a run on load), wait for it to end, and expect it done; its report and page. */
  async function runPage(query: string, only: string) {
    const { page, problems, log } = await openPage(browsers[0]);
    await page.goto(`${url}bench.html?run&${query}&only=${encodeURIComponent(only)}`, { waitUntil: 'load' });
    const state = await waitForState(page, ['done', 'error'], 600_000);
    const report = await page.evaluate(() => (window as unknown as { swagpuBench: unknown }).swagpuBench) as Report;
    expect(state, `${report?.error ?? ''}\n${log.slice(-20).join('\n')}`).toBe('done');
    return { page, problems, report };
  }

  it('?sweep: the tuning sweep with the GPU routes writes the table with this adapter\'s entry, offered as tuning-table.json', async () => {
    const { page, problems, log } = await openPage(browsers[0]);
    await page.goto(`${url}bench.html?sweep&quick=1`, { waitUntil: 'load' });
    const state = await waitForState(page, ['done', 'error'], 600_000);
    const sweep = await page.evaluate(() => (window as unknown as { swagpuSweep: unknown }).swagpuSweep) as { table: TuningTable; error?: string; rows: Array<{ gflops: number }> };
    expect(state, `${sweep?.error ?? ''}\n${log.slice(-20).join('\n')}`).toBe('done');
    const table = checkTable(sweep.table);
    const ids = await page.evaluate(async () => {
      const info = (await navigator.gpu.requestAdapter())!.info;
      return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
    });
    expect(matchEntry(table, ids)?.source).toMatch(/^tuning sweep .* on browser \(browser\): gemm .* GFLOP\/s, conv IL \d/);
    for (const r of sweep.rows) expect(positive(r.gflops)).toBe(true);
    // The page shows the same table and a download link for it.
    expect(JSON.parse(await page.$eval('#sweep-json', (el) => el.textContent ?? ''))).toEqual(sweep.table);
    expect(await page.$eval('#sweep-download', (a) => [(a as HTMLAnchorElement).hidden, (a as HTMLAnchorElement).download, (a as HTMLAnchorElement).href.slice(0, 5)])).toEqual([false, 'tuning-table.json', 'blob:']);
    expect(problems).toEqual({ console: [], page: [], requests: [] });
  }, 600_000);

  it('runs the chosen kernel cases on WebGPU (SwiftShader) and reports peak, timer and timings', async () => {
    const { page, problems, report } = await runPage('runs=1&quick=1', 'mse bwd 64x64x64,conv2d 1x1 fwd 56x56 256->64');
    expect(report.adapter).toMatch(/^browser: /);
    // Chromium's adapter says it is SwiftShader (info.architecture), so the kernels take SwiftShader's routes.
    expect(report.tuning).toBe('swiftshader');
    expect(positive(report.peakGflops)).toBe(true);
    expect(['gpu', 'wall']).toContain(report.timer);
    expect(report.results.map((r) => `${r.name} ${r.shape}`)).toEqual(['conv2d 1x1 fwd 56x56 256->64', 'mse bwd 64x64x64']);
    const [conv, mse] = report.results;
    for (const r of report.results) {
      expect(r.runs).toBe(1);
      for (const key of ['ms', 'minMs', 'maxMs'] as const) expect(positive(r[key]), `${r.name} ${key} = ${r[key]}`).toBe(true);
    }
    expect(positive(conv.gflops)).toBe(true);
    expect(positive(mse.gbps)).toBe(true);
    // The table shows the same rows.
    expect(await page.$$eval('#results tbody tr', (rows) => rows.map((r) => r.firstElementChild?.textContent))).toEqual(['conv2d 1x1 fwd', 'mse bwd']);
    expect(problems).toEqual({ console: [], page: [], requests: [] });
  }, 600_000);

  it('runs the style evaluations: VGG-19 (random weights) and ResNet-50 (the server\'s weights), with launches and peak bytes', async () => {
    const { page, problems, report } = await runPage('runs=1&quick=1', 'resnet50 eval 128px,vgg19 eval 128px');
    const expected = hasResnetWeights ? ['resnet50 eval 128px', 'vgg19 eval 128px'] : ['vgg19 eval 128px'];
    expect(report.results.map((r) => `${r.name} ${r.shape}`)).toEqual(expected);
    // Without the weights the ResNet-50 evaluation is reported as skipped, not silently dropped.
    expect(report.skipped).toHaveLength(hasResnetWeights ? 0 : 1);
    for (const r of report.results) {
      for (const key of ['ms', 'minMs', 'maxMs'] as const) expect(positive(r[key]), `${r.name} ${key} = ${r[key]}`).toBe(true);
      expect(r.dispatches! > 50 && r.peakBytes! > 2 ** 20, `${r.name}: ${r.dispatches} launches, ${r.peakBytes} bytes`).toBe(true);
      expect(r.peerMs).toBeNull();
    }
    // The table's launches column shows the same counts.
    expect(await page.$$eval('#results tbody tr', (rows) => rows.map((row) => row.children[9]?.textContent))).toEqual(report.results.map((r) => String(r.dispatches)));
    expect(problems).toEqual({ console: [], page: [], requests: [] });
  }, 600_000);

  it('--peer in the browser: one case against tfjs-backend-webgpu on the page\'s own WebGPU, ratio of the two medians', async () => {
    const { page, problems, report } = await runPage('runs=2&quick=0&peer=tfjs', 'conv2d 1x1 bwd-input 56x56 64->256');
    expect(report.peer).toMatch(/^tfjs-backend-webgpu 4\./);
    expect(['gpu', 'wall']).toContain(report.timer);
    const [r] = report.results;
    expect(r).toMatchObject({ name: 'conv2d 1x1 bwd-input', shape: '56x56 64->256', runs: 2 });
    expect(positive(r.peerMs) && positive(r.ms)).toBe(true);
    expect(r.speedup).toBeCloseTo(r.peerMs! / r.ms, 9);
    expect(await page.$$eval('#results tbody tr td', (cells) => cells.length)).toBe(11);
    expect(problems).toEqual({ console: [], page: [], requests: [] });
  }, 600_000);

  // ONNX Runtime Web's WebGPU EP on the page's WebGPU, on ResNet-50 written as ONNX in the page from the server's
  // weights (the logits agreement is checked in Node: test/bench/peer-ort.test.ts). One timed run each: on SwiftShader
  // ORT's forward takes tens of seconds.
  it.skipIf(!hasResnetWeights)('?peer=ort: resnet50 classify 224px against ONNX Runtime Web\'s WebGPU EP, wall clock, ratio of the two medians', async () => {
    const { page, problems, report } = await runPage('runs=1&quick=1&peer=ort', 'resnet50 classify 224px');
    expect(report.peer).toMatch(/^onnxruntime-web 1\.31\.\d+ WebGPU EP \(NHWC, gpu-buffer I\/O, graph optimization 'all'\)/);
    expect(report.timer).toBe('wall');
    expect(report.results.map((r) => `${r.name} ${r.shape}`)).toEqual(['resnet50 classify 224px']);
    const [r] = report.results;
    expect(positive(r.peerMs) && positive(r.ms) && positive(r.gflops)).toBe(true);
    expect(r.speedup).toBeCloseTo(r.peerMs! / r.ms, 9);
    expect(await page.$$eval('#results tbody tr', (rows) => rows.map((row) => row.children[7]?.textContent))).toEqual([r.peerMs!.toFixed(1)]);
    expect(problems).toEqual({ console: [], page: [], requests: [] });
  }, 600_000);

  it('without WebGPU: explains what is missing and disables Run', async () => {
    const { page, problems } = await openPage(browsers[1]);
    await page.goto(`${url}bench.html?run`, { waitUntil: 'load' });
    expect(await waitForState(page, ['error', 'done'], 30_000)).toBe('error');
    const message = await page.$eval('#gpu-message', (el) => ({ text: el.textContent ?? '', hidden: (el as HTMLElement).hidden }));
    expect(message.hidden).toBe(false);
    expect(message.text).toMatch(/no GPU adapter|navigator\.gpu is missing/);
    expect(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    expect(problems).toEqual({ console: [], page: [], requests: [] });
  }, 60_000);
});
