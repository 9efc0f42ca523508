// `swagpu batch` and `engine.batch` (issue 25): every content × style pair of two folders, with the real
// ResNet-50 at a tiny size (32 px, 2 iterations) so a pair takes about a second on llvmpipe.
// - pairs: one PNG per pair, named <content>__<style>.png, and --json lists them;
// - a bad file in a folder (a text file named .png) is reported by name and skipped, the other pairs are
//   written, the exit code is 1;
// - resume: a second run skips every pair already written (their files untouched), --force redoes them;
// - no temporary file is left behind (outputs are written to a temp file and renamed);
// - stylize --json reports peakBytes and the memory plan (--max-memory under the plain estimate recomputes);
// - library: each style's Grams are computed once for all its contents, and a batch pair's image is the
//   same floats as a single stylize call of that pair (the shared targets change nothing).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { swagpu } from './run.js';
import { createEngine } from '../../src/node.js';
import { StyleCache } from '../../src/style/style-cache.js';
import type { BatchItem } from '../../src/api/batch.js';
import { bestPlan, estimatePeak, runShapeOf } from '../../src/models/memory.js';
import { getPreset } from '../../src/style/presets.js';
import { findWeightsFile } from '../../src/models/weights-home.js';

/** The ResNet-50 weights wherever the weights rule finds them (the user cache, or a checkout's weights/). */
const RESNET_WEIGHTS = findWeightsFile('resnet50-keras.safetensors');

const hasWeights = existsSync(RESNET_WEIGHTS);
const dir = mkdtempSync(join(tmpdir(), 'swagpu-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const contentDir = join(dir, 'photos');
const styleDir = join(dir, 'paintings');
const outDir = join(dir, 'out');
mkdirSync(contentDir);
mkdirSync(styleDir);
copyFileSync('assets/images/content/chelsea.png', join(contentDir, 'chelsea.png'));
copyFileSync('assets/images/content/coffee.png', join(contentDir, 'coffee.png'));
writeFileSync(join(contentDir, 'broken.png'), 'this is not a PNG\n');
writeFileSync(join(contentDir, 'notes.txt'), 'not an image, ignored\n');
copyFileSync('assets/images/style/starry_night.jpg', join(styleDir, 'starry_night.jpg'));
const args = [contentDir, styleDir, '--out-dir', outDir, '--size', '32', '--iters', '2', '--json'];

describe.skipIf(!hasWeights)('swagpu batch', () => {
  it('writes every pair, reports the bad file and goes on; resumes; --force redoes', async () => {
    const first = await swagpu(['batch', ...args]);
    expect(first.code, first.stderr).toBe(1);
    const results = JSON.parse(first.stdout) as Array<{ content: string; style: string; out: string; status: string; error?: string; peakBytes?: number }>;
    expect(results.map((r) => `${r.content}__${r.style}:${r.status}`)).toEqual(['broken__starry_night:failed', 'chelsea__starry_night:done', 'coffee__starry_night:done']);
    expect(results[0].error).toMatch(/broken\.png/);
    expect(first.stderr).toMatch(/broken\.png/);
    expect(first.stderr).toMatch(/2 written, 0 skipped, 1 failed of 3 pairs/);
    expect(results[1].peakBytes).toBeGreaterThan(100 * 2 ** 20); // the weights alone are 112 MiB
    expect(readdirSync(outDir).sort()).toEqual(['chelsea__starry_night.png', 'coffee__starry_night.png']);
    const written = statSync(join(outDir, 'chelsea__starry_night.png')).mtimeMs;

    const again = await swagpu(['batch', ...args]);
    expect(again.code).toBe(1);
    expect((JSON.parse(again.stdout) as typeof results).map((r) => r.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(statSync(join(outDir, 'chelsea__starry_night.png')).mtimeMs).toBe(written);

    const forced = await swagpu(['batch', ...args, '--force']);
    expect((JSON.parse(forced.stdout) as typeof results).map((r) => r.status)).toEqual(['failed', 'done', 'done']);
    expect(statSync(join(outDir, 'chelsea__starry_night.png')).mtimeMs).toBeGreaterThan(written);
    expect(readdirSync(outDir).filter((f) => f.includes('tmp'))).toEqual([]);
  }, 300_000);

  it('refuses a missing folder, a missing --out-dir and per-pair flags with exit code 2', async () => {
    expect((await swagpu(['batch', join(dir, 'nope'), styleDir, '--out-dir', outDir])).stderr).toMatch(/nope: no such folder/);
    const noOut = await swagpu(['batch', contentDir, styleDir]);
    expect([noOut.code, /--out-dir is required/.test(noOut.stderr)]).toEqual([2, true]);
    const out = await swagpu(['batch', contentDir, styleDir, '--out-dir', outDir, '--out', 'x.png']);
    expect([out.code, /--out does not apply to a batch/.test(out.stderr)]).toEqual([2, true]);
    const bad = await swagpu(['batch', contentDir, styleDir, '--out-dir', outDir, '--iters', 'many']);
    expect([bad.code, /--iters/.test(bad.stderr)]).toEqual([2, true]);
  }, 60_000);
});

describe.skipIf(!hasWeights)('swagpu stylize --json --max-memory', () => {
  it('reports peakBytes and the memory plan; a budget under the plain estimate recomputes, within the budget', async () => {
    const run = runShapeOf('resnet50', getPreset('resnet50-swag'));
    const plain = estimatePeak('resnet50', 48, 48, run, null).bytes;
    const budgetMiB = Math.floor((plain - 1) / 2 ** 20);
    expect(bestPlan('resnet50', 48, 48, run).estimate.bytes).toBeLessThanOrEqual(budgetMiB * 2 ** 20);
    const out = join(dir, 'budget.png');
    const r = await swagpu(['stylize', '--content', 'assets/images/content/chelsea.png', '--size', '48', '--square', '--iters', '2', '--max-memory', String(budgetMiB), '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { peakBytes: number; memory: { estimatedBytes: number; budgetBytes: number; checkpoints: string[] | null } };
    expect(summary.memory.budgetBytes).toBe(budgetMiB * 2 ** 20);
    expect(summary.memory.checkpoints?.length).toBeGreaterThan(0);
    expect(summary.peakBytes).toBeGreaterThan(104 * 2 ** 20); // the weights (104 MiB: the classifier is not uploaded) are in the pool
    expect(summary.peakBytes).toBeLessThanOrEqual(summary.memory.estimatedBytes);
    expect(existsSync(out)).toBe(true);
  }, 180_000);
});

describe.skipIf(!hasWeights)('engine.batch', () => {
  it("computes each style's targets once, and a pair's image equals a single stylize call's", async () => {
    const engine = await createEngine();
    try {
      const contents = ['chelsea.png', 'coffee.png'].map((f) => ({ name: f, image: join('assets/images/content', f) }));
      const styles = ['starry_night.jpg', 'woman_with_hat_matisse.jpg'].map((f) => ({ name: f, image: join('assets/images/style', f) }));
      const items: BatchItem[] = [];
      const spy = vi.spyOn(StyleCache.prototype, 'grams');
      for await (const item of engine.batch({ contents, styles, size: 32, iterations: 2, reportEvery: 1 })) items.push(item);
      expect(items.map((i) => [i.index, i.total, i.status])).toEqual([[1, 4, 'done'], [2, 4, 'done'], [3, 4, 'done'], [4, 4, 'done']]);
      expect(items.map((i) => i.name)).toEqual(['chelsea.png__starry_night.jpg', 'coffee.png__starry_night.jpg', 'chelsea.png__woman_with_hat_matisse.jpg', 'coffee.png__woman_with_hat_matisse.jpg']);
      // grams() is asked once per pair; it computed (a miss) once per style.
      expect(spy).toHaveBeenCalledTimes(4);
      const misses = spy.mock.contexts.map((c) => c as StyleCache);
      expect(new Set(misses).size).toBe(2);
      expect([...new Set(misses)].map((c) => c.computed)).toEqual([1, 1]);
      expect(items[3].etaSeconds).toBe(0);
      expect(items[0].etaSeconds).toBeGreaterThan(0);
      const single = await engine.stylize({ content: contents[1].image, style: styles[1].image, size: 32, iterations: 2, reportEvery: 1 });
      expect(items[3].result!.image.data).toEqual(single.image.data);
      expect(items[3].result!.loss).toEqual(single.loss);
      spy.mockRestore();
    } finally {
      engine.dispose();
    }
  }, 300_000);
});
