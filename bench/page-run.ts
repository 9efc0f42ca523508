/**
 * demo/bench.html in headless Chromium (SwiftShader), as the page tests open it (test/demo/browser.ts: the page built,
 * served on 127.0.0.1 with the weights, puppeteer), with the query QUERY; prints the page's report as JSON on stdout, in
 * the shape of `swagpu bench --json` (adapterKind 'browser'), so bench/report-md.ts turns it into table rows.
 *   node --import ./bin/register.mjs bench/page-run.ts 'runs=5&quick=0&peer=ort&only=resnet50 classify 224px' > page-ort.json
 */
import { buildAndServe, launch, openPage, waitForState } from '../test/demo/browser.js';

const query = process.argv[2] ?? 'runs=5&quick=1';
const { url, server } = await buildAndServe('bench-run');
const browser = await launch(true);
try {
  const { page, log } = await openPage(browser);
  const params = new URLSearchParams(query);
  await page.goto(`${url}bench.html?run&${params.toString()}`, { waitUntil: 'load' });
  const state = await waitForState(page, ['done', 'error'], 3_600_000);
  const report = await page.evaluate(() => (window as unknown as { swagpuBench: Record<string, unknown> }).swagpuBench);
  if (state !== 'done') {
    console.error(`bench.html ended in '${state}': ${report?.error ?? ''}\n${log.slice(-20).join('\n')}`);
    process.exitCode = 1;
  }
  const chromium = await browser.version();
  console.log(JSON.stringify({ ...report, adapterKind: 'browser', browser: chromium, date: new Date().toISOString(), query }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
