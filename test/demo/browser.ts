/**
 * Browser-test plumbing for the demo: build the page into test-artifacts/demo-dist, serve it with
 * `vite preview` on a free 127.0.0.1 port, and launch Debian's Chromium through Puppeteer (with or
 * without WebGPU on SwiftShader). Every console error, page error, failed request and HTTP error is
 * collected so tests can assert there were none.
 */
import { createServer } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, preview, type PreviewServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { findWeightsFile } from '../../src/models/weights-home.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM = '/usr/bin/chromium';
const CONFIG = join(ROOT, 'demo/vite.config.ts');

export const hasChromium = existsSync(CHROMIUM);
export const hasResnetWeights = existsSync(findWeightsFile('resnet50-keras.safetensors'));

const BASE_ARGS = [
  '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader',
];

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** Build once per test file (weights are served from where swagpu finds them, src/models/weights-home.ts, by the preview server, not copied). */
export async function buildAndServe(name: string): Promise<{ url: string; server: PreviewServer }> {
  const outDir = join(ARTIFACTS, `demo-dist-${name}`);
  process.env.SWAGPU_DEMO_OUT_DIR = outDir;
  process.env.SWAGPU_DEMO_COPY_WEIGHTS = '0';
  await build({ configFile: CONFIG, logLevel: 'warn' });
  const port = await freePort();
  const server = await preview({ configFile: CONFIG, logLevel: 'warn', preview: { port, strictPort: true, host: '127.0.0.1', open: false } });
  return { url: `http://127.0.0.1:${port}/`, server };
}

export interface Problems { console: string[]; page: string[]; requests: string[] }

export async function launch(webgpu: boolean, extra: string[] = []): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(webgpu ? WEBGPU_ARGS : ['--disable-webgpu']), ...extra],
    protocolTimeout: 600_000,
  });
}

/** A page that records console errors, uncaught errors, failed requests and HTTP errors. */
export async function openPage(browser: Browser, viewport = { width: 1200, height: 820 }): Promise<{ page: Page; problems: Problems; log: string[] }> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const problems: Problems = { console: [], page: [], requests: [] };
  const log: string[] = [];
  page.on('console', (m) => {
    log.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error') problems.console.push(m.text());
  });
  page.on('pageerror', (e) => problems.page.push(String(e)));
  page.on('requestfailed', (r) => problems.requests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.requests.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`); });
  return { page, problems, log };
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Wait until `document.body.dataset.state` is one of `states`; returns it. */
export async function waitForState(page: Page, states: string[], timeout: number): Promise<string> {
  await page.waitForFunction((s: string[]) => s.includes(document.body.dataset.state ?? ''), { timeout, polling: 250 }, states);
  return page.evaluate(() => document.body.dataset.state ?? '');
}

/** Set a form field and fire the form's change handler, as a user would. */
export async function setField(page: Page, id: string, value: string | boolean): Promise<void> {
  await page.evaluate((fieldId: string, v: string | boolean) => {
    const el = document.getElementById(fieldId) as HTMLInputElement | HTMLSelectElement;
    if (typeof v === 'boolean') (el as HTMLInputElement).checked = v;
    else el.value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, id, value);
}
