/**
 * The demo end to end in Chromium on SwiftShader: the built page, served by `vite preview`, loads the real
 * ResNet-50 weights, runs a few iterations at 64 px, and shows a changed image with a falling loss; then
 * compare mode runs both presets; then a lost device shows its message and Restart recovers.
 * SwiftShader is slow (seconds per ResNet-50 iteration), so sizes and iteration counts are tiny.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from 'vite';
import type { Browser, Page } from 'puppeteer';
import {
  artifact, buildAndServe, hasChromium, hasResnetWeights, launch, openPage, setField, waitForState, type Problems,
} from './browser.js';

const PRESET = process.env.SWAGPU_DEMO_TEST_PRESET ?? 'resnet50-swag';
const OPTIMIZER = process.env.SWAGPU_DEMO_TEST_OPTIMIZER ?? 'lbfgs';

/** Mean and max absolute difference (0..255) between a result canvas and the content image the run used. */
async function resultVsContent(page: Page, job = 0): Promise<{ meanDiff: number; maxDiff: number; width: number; height: number }> {
  return page.evaluate((j: number) => {
    const demo = (window as unknown as { swagpuDemo: { lastContent: { width: number; height: number; pixels: number[] } } }).swagpuDemo;
    const canvas = document.querySelector(`#result-${j} canvas`) as HTMLCanvasElement;
    const { width, height, pixels } = demo.lastContent;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    if (canvas.width !== width || canvas.height !== height) return { meanDiff: -1, maxDiff: -1, width: canvas.width, height: canvas.height };
    let sum = 0;
    let max = 0;
    for (let i = 0; i < data.length; i++) {
      if (i % 4 === 3) continue;
      const d = Math.abs(data[i] - pixels[i]);
      sum += d;
      max = Math.max(max, d);
    }
    return { meanDiff: sum / (width * height * 3), maxDiff: max, width, height };
  }, job);
}

async function losses(page: Page): Promise<number[][]> {
  return page.evaluate(() => (window as unknown as { swagpuDemo: { series: Array<{ points: Array<[number, number]> }> } })
    .swagpuDemo.series.map((s) => s.points.map((p) => p[1])));
}

/** Stop a run left going by a failed test, so each test starts from an idle page. */
async function ensureIdle(page: Page): Promise<void> {
  const state = await page.evaluate(() => document.body.dataset.state ?? '');
  if (state !== 'running' && state !== 'paused') return;
  await page.click('#stop');
  await waitForState(page, ['done', 'error', 'lost'], 200_000);
}

function describeProblems(problems: Problems, log: string[]): string {
  return `${JSON.stringify(problems, null, 1)}\nconsole:\n${log.slice(-30).join('\n')}`;
}

describe.skipIf(!hasChromium || !hasResnetWeights)('demo page on WebGPU (SwiftShader)', () => {
  let server: PreviewServer;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ url, server } = await buildAndServe('webgpu'));
    browser = await launch(true);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  let page: Page;
  let problems: Problems;
  let log: string[];
  const noProblems = () => expect(problems, describeProblems(problems, log)).toEqual({ console: [], page: [], requests: [] });

  it('loads the weights with a progress bar and becomes ready', async () => {
    ({ page, problems, log } = await openPage(browser));
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: artifact('demo-starting.png') as `${string}.png` });
    const loaded = await waitForState(page, ['ready', 'error', 'no-webgpu'], 150_000);
    expect(loaded, describeProblems(problems, log)).toBe('ready');
    expect(await page.$eval('#adapter', (el) => el.textContent)).toContain('WebGPU adapter');
    expect(await page.$eval('#weights-text', (el) => el.textContent)).toMatch(/^ready \(/);
    // One log-scale style-strength slider instead of raw weights (×1 = the preset's own balance), and the
    // built-in gallery as thumbnails, the default pair selected.
    expect(await page.$eval('#styleStrength', (el) => [(el as HTMLInputElement).type, (el as HTMLInputElement).value])).toEqual(['range', '0']);
    expect(await page.$eval('#styleStrength-value', (el) => el.textContent)).toBe('×1.0');
    expect(await page.$('#styleWeight')).toBeNull();
    expect(await page.$$eval('#gallery button', (els) => els.map((e) => (e as HTMLElement).dataset.name))).toEqual(
      ['chelsea', 'coffee', 'astronaut', 'starry-night', 'great-wave', 'shipwreck', 'woman-with-hat']);
    await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 7
      && [...document.querySelectorAll<HTMLImageElement>('#gallery img')].every((i) => i.complete && i.naturalWidth > 0), { timeout: 30_000 });
    expect(await page.$eval('#name-style', (el) => el.textContent)).toBe('starry-night');
    noProblems();
  }, 180_000);

  it('stylizes at 64 px: the canvas changes and the loss falls', async () => {
    await ensureIdle(page);
    await setField(page, 'preset', PRESET);
    await setField(page, 'size', '64');
    await setField(page, 'iterations', '3');
    await setField(page, 'optimizer', OPTIMIZER);
    await setField(page, 'reportEvery', '1');
    await setField(page, 'compare', false);
    await page.screenshot({ path: artifact('demo-idle.png') as `${string}.png` });

    await page.click('#run');
    expect(await waitForState(page, ['running'], 10_000)).toBe('running');
    await page.waitForFunction(() => document.querySelector('#stat-loss')?.textContent !== '–', { timeout: 180_000, polling: 250 });
    await page.screenshot({ path: artifact('demo-running.png') as `${string}.png` });
    const done = await waitForState(page, ['done', 'error', 'lost'], 240_000);
    expect(done, describeProblems(problems, log)).toBe('done');
    await page.screenshot({ path: artifact('demo-done.png') as `${string}.png` });

    const [series] = await losses(page);
    expect(series.length).toBe(3);
    expect(series.every(Number.isFinite)).toBe(true);
    expect(series[series.length - 1], `losses ${series}`).toBeLessThan(series[0]);
    const diff = await resultVsContent(page);
    expect(diff.width).toBe(64);
    // L-BFGS's first step is deliberately small (t = 1/‖g‖₁), so 3 iterations move the image a little, but visibly.
    expect(diff.meanDiff, JSON.stringify(diff)).toBeGreaterThan(0.05);
    expect(diff.maxDiff, JSON.stringify(diff)).toBeGreaterThanOrEqual(2);
    // The settings are remembered.
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('swagpu-demo-settings-v2') ?? '{}'));
    expect(saved).toMatchObject({ size: 64, iterations: 3, optimizer: OPTIMIZER, preset: PRESET });
    noProblems();
  }, 280_000);

  it('several content files make a grid: one result per content image', async () => {
    await ensureIdle(page);
    await setField(page, 'size', '32');
    await setField(page, 'iterations', '1');
    await setField(page, 'compare', false);
    const input = await page.$('#file-content');
    await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile('assets/images/content/chelsea.png', 'assets/images/content/coffee.png');
    await page.waitForFunction(() => /chelsea\.png \+ 1 more/.test(document.querySelector('#name-content')?.textContent ?? ''), { timeout: 20_000 });
    await page.click('#run');
    const done = await waitForState(page, ['done', 'error', 'lost'], 240_000);
    expect(done, describeProblems(problems, log)).toBe('done');
    await page.screenshot({ path: artifact('demo-grid.png') as `${string}.png` });
    const figures = await page.$$eval('#results figure', (fs) => fs.map((f) => ({
      label: f.querySelector('.label')!.textContent, width: (f.querySelector('canvas') as HTMLCanvasElement).width,
      height: (f.querySelector('canvas') as HTMLCanvasElement).height,
    })));
    expect(figures.map((f) => f.label!.split(':')[0])).toEqual(['chelsea.png', 'coffee.png']);
    // chelsea is 451x300, coffee 600x400: 32x21 each at 32 px.
    expect(figures.map((f) => [f.width, f.height])).toEqual([[32, 21], [32, 21]]);
    expect((await losses(page)).map((l) => l.length > 0 && l.every(Number.isFinite))).toEqual([true, true]);
    await page.click('#reset-content');
    noProblems();
  }, 280_000);

  it('pauses, resumes and stops', async () => {
    await ensureIdle(page);
    await setField(page, 'iterations', '20');
    await page.click('#run');
    await page.waitForFunction(() => (window as unknown as { swagpuDemo: { series: Array<{ points: unknown[] }> } })
      .swagpuDemo.series[0]?.points.length >= 1, { timeout: 180_000, polling: 100 });
    await page.click('#pause');
    expect(await waitForState(page, ['paused'], 5_000)).toBe('paused');
    expect(await page.$eval('#pause', (b) => b.textContent)).toBe('Resume');
    // The worker blocks at the next preview point (after the iteration in flight) and says so.
    await page.waitForFunction(() => (window as unknown as { swagpuDemo: { pausedAt: number | null } }).swagpuDemo.pausedAt !== null,
      { timeout: 120_000, polling: 200 });
    const atPause = (await losses(page))[0].length;
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await losses(page))[0].length).toBe(atPause);
    await page.click('#pause');
    expect(await waitForState(page, ['running'], 5_000)).toBe('running');
    await page.click('#stop');
    expect(await waitForState(page, ['done', 'error'], 120_000), describeProblems(problems, log)).toBe('done');
    expect(await page.$eval('#stat-iter', (el) => el.textContent)).toContain('(stopped)');
    expect((await losses(page))[0].length).toBeLessThan(20);
    noProblems();
  }, 280_000);

  it('compare mode runs resnet50 then resnet50-swag side by side', async () => {
    await ensureIdle(page);
    await setField(page, 'compare', true);
    await setField(page, 'iterations', '2');
    await page.click('#run');
    expect(await waitForState(page, ['done', 'error', 'lost'], 280_000), describeProblems(problems, log)).toBe('done');
    const both = await losses(page);
    expect(both.map((s) => s.length)).toEqual([2, 2]);
    expect(await page.$$eval('.result figcaption .label', (els) => els.map((e) => e.textContent))).toEqual([
      'resnet50 (no smoothing)', 'resnet50-swag (softmax)',
    ]);
    for (const job of [0, 1]) expect((await resultVsContent(page, job)).maxDiff).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: artifact('demo-compare.png') as `${string}.png` });
    noProblems();
  }, 290_000);

  it('draws the Gram peakiness analysis of the content image', async () => {
    await ensureIdle(page);
    await page.click('#analysis-box summary');
    await page.click('#analyze');
    await page.waitForSelector('#analysis svg', { timeout: 120_000 });
    const svg = await page.$eval('#analysis svg', (el) => el.outerHTML);
    expect(svg).toContain('ResNet-50, no smoothing');
    expect(svg).toContain('ResNet-50, softmax (SWAG)');
    expect(svg.match(/<polyline/g)?.length).toBe(4);
    await page.screenshot({ path: artifact('demo-analysis.png') as `${string}.png`, fullPage: true });
    noProblems();
  }, 150_000);

  it('shows a lost device with Restart, keeps the last preview, and restarts from the cached weights', async () => {
    await page.evaluate(() => (window as unknown as { swagpuDemo: { loseDevice(): void } }).swagpuDemo.loseDevice());
    expect(await waitForState(page, ['lost'], 30_000)).toBe('lost');
    expect(await page.$eval('#lost-message', (el) => (el as HTMLElement).hidden)).toBe(false);
    expect(await page.$eval('#lost-text', (el) => el.textContent)).toContain('GPU device was lost');
    expect((await resultVsContent(page, 1)).maxDiff).toBeGreaterThanOrEqual(1);
    expect(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.screenshot({ path: artifact('demo-lost.png') as `${string}.png` });
    await page.click('#restart');
    expect(await waitForState(page, ['ready', 'error'], 150_000), describeProblems(problems, log)).toBe('ready');
    expect(await page.$eval('#weights-text', (el) => el.textContent)).toContain('browser cache');
    expect(await page.$eval('#lost-message', (el) => (el as HTMLElement).hidden)).toBe(true);
    noProblems();
  }, 180_000);

  // The hardware-GPU routes (the tuning table's block-tiled gemm, ...) in the browser, forced on SwiftShader by the
  // page's ?tuning=gpu, which the page passes down to the library (createEngine's `tuning`).
  it('with ?tuning=gpu runs the GPU routes: the adapter says so, and a 48 px run lowers the loss', async () => {
    const forced = await openPage(browser);
    await forced.page.goto(`${url}?tuning=gpu`, { waitUntil: 'load' });
    expect(await waitForState(forced.page, ['ready', 'error', 'no-webgpu'], 150_000), describeProblems(forced.problems, forced.log)).toBe('ready');
    expect(await forced.page.evaluate(() => (window as unknown as { swagpuDemo: { tuning: string } }).swagpuDemo.tuning)).toBe('gpu');
    expect(await forced.page.$eval('#adapter', (el) => el.textContent)).toContain('gpu routes forced (?tuning=)');
    await setField(forced.page, 'preset', PRESET);
    await setField(forced.page, 'size', '48');
    await setField(forced.page, 'iterations', '2');
    await setField(forced.page, 'reportEvery', '1');
    await setField(forced.page, 'compare', false);
    await forced.page.click('#run');
    expect(await waitForState(forced.page, ['done', 'error', 'lost'], 500_000), describeProblems(forced.problems, forced.log)).toBe('done');
    const series = (await losses(forced.page))[0];
    expect(series.length).toBe(2);
    expect(series.every(Number.isFinite)).toBe(true);
    expect(series[1], `losses ${series}`).toBeLessThan(series[0]);
    await forced.page.screenshot({ path: artifact('demo-gpu-routes.png') as `${string}.png` });
    expect(forced.problems).toEqual({ console: [], page: [], requests: [] });
    await forced.page.close();
  }, 600_000);

  it('refuses ?tuning=fast, naming the value', async () => {
    const bad = await openPage(browser);
    await bad.page.goto(`${url}?tuning=fast`, { waitUntil: 'load' });
    expect(await waitForState(bad.page, ['ready', 'error', 'no-webgpu'], 60_000)).toBe('error');
    expect(await bad.page.evaluate(() => document.body.textContent)).toContain('tuning="fast" is not a route family: use one of gpu, llvmpipe, swiftshader');
    await bad.page.close();
  }, 90_000);
});
