/** The demo without WebGPU: Chromium with --disable-webgpu must show which browsers and flags work. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewServer } from 'vite';
import type { Browser } from 'puppeteer';
import { artifact, buildAndServe, hasChromium, launch, openPage, waitForState } from './browser.js';

describe.skipIf(!hasChromium)('demo page without WebGPU', () => {
  let server: PreviewServer;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ url, server } = await buildAndServe('no-webgpu'));
    browser = await launch(false);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('explains which browsers and flags work, and disables Run', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(url, { waitUntil: 'load' });
    expect(await waitForState(page, ['no-webgpu', 'ready', 'loading', 'error'], 30_000)).toBe('no-webgpu');
    const message = await page.$eval('#gpu-message', (el) => ({ text: el.textContent ?? '', hidden: (el as HTMLElement).hidden }));
    expect(message.hidden).toBe(false);
    expect(message.text).toContain('WebGPU is not available');
    expect(message.text).toMatch(/no GPU adapter|navigator\.gpu is missing/);
    for (const hint of ['Chrome or Edge 113+', 'Safari 26', 'Firefox 141+ on Windows', '--enable-unsafe-webgpu']) {
      expect(message.text).toContain(hint);
    }
    expect(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.screenshot({ path: artifact('demo-no-webgpu.png') as `${string}.png` });
    expect(problems).toEqual({ console: [], page: [], requests: [] });
  }, 60_000);
});
