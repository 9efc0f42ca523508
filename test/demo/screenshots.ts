/**
 * Regenerates docs/screenshots/demo-{idle,running,compare,analysis}.png from the built page in Chromium on
 * SwiftShader (a few minutes). Run: `npx tsx test/demo/screenshots.ts`. PNGs are palette-quantised with
 * sharp to stay small (< 200 KB each).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'puppeteer';
import { buildAndServe, launch, openPage, ROOT, setField, waitForState } from './browser.js';

const OUT = join(ROOT, 'docs/screenshots');

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const png = await page.screenshot({ fullPage });
  const path = join(OUT, `demo-${name}.png`);
  const info = await sharp(png).png({ palette: true, quality: 90, effort: 10, compressionLevel: 9 }).toFile(path);
  console.log(`${path}: ${info.width}x${info.height}, ${(info.size / 1024).toFixed(0)} KB`);
}

const points = (page: Page, job: number) => page.evaluate((j: number) =>
  (window as unknown as { swagpuDemo: { series: Array<{ points: unknown[] }> } }).swagpuDemo.series[j]?.points.length ?? 0, job);

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const { url, server } = await buildAndServe('screenshots');
  const browser = await launch(true);
  try {
    const { page, problems } = await openPage(browser, { width: 1200, height: 760 });
    await page.goto(url, { waitUntil: 'load' });
    if (await waitForState(page, ['ready', 'error', 'no-webgpu'], 150_000) !== 'ready') throw new Error(JSON.stringify(problems));
    await shot(page, 'idle');

    await setField(page, 'preset', 'swag');
    await setField(page, 'size', '64');
    await setField(page, 'iterations', '12');
    await setField(page, 'reportEvery', '1');
    await page.click('#run');
    await page.waitForFunction(() => (window as unknown as { swagpuDemo: { series: Array<{ points: unknown[] }> } })
      .swagpuDemo.series[0]?.points.length >= 5, { timeout: 300_000, polling: 200 });
    await shot(page, 'running');
    await page.click('#stop');
    await waitForState(page, ['done', 'error'], 120_000);

    await setField(page, 'compare', true);
    await setField(page, 'iterations', '8');
    await page.click('#run');
    await waitForState(page, ['done', 'error'], 600_000);
    if (await points(page, 1) === 0) throw new Error(`compare run failed: ${JSON.stringify(problems)}`);
    await shot(page, 'compare');

    await page.click('#analysis-box summary');
    await page.click('#analyze');
    await page.waitForSelector('#analysis svg', { timeout: 180_000 });
    await page.evaluate(() => document.getElementById('analysis-box')!.scrollIntoView());
    await shot(page, 'analysis');
    console.log('problems:', JSON.stringify(problems));
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
