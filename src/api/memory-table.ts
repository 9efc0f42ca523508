/**
 * The README's memory table: the largest square output that fits in 2, 4, 8 and 16 GiB of pooled GPU
 * memory per preset, without recomputation (L-BFGS history 10) and with the smallest plan a --max-memory
 * budget accepts (recomputation, direct backward kernels, history 1: largestSizeWithin), by the accounting
 * of memory.ts (the one the --max-memory check uses). test/models/memory-budget.test.ts checks the README against this.
 */
import { getPreset } from '../style/presets.js';
import { largestSizeWithin, runShapeOf } from '../models/memory.js';

export const TABLE_BUDGETS_GIB = [2, 4, 8, 16] as const;

export function memoryTable(): string {
  const rows = ['swag', 'resnet50-swag', 'vgg19'].map((name) => {
    const preset = getPreset(name);
    const run = runShapeOf(preset.model, { ...preset, lbfgsHistory: 10 });
    const cells = TABLE_BUDGETS_GIB.map((gib) => {
      const side = (recompute: boolean) => largestSizeWithin(preset.model, 16384, 16384, run, gib * 2 ** 30, Infinity, recompute)?.width ?? 0;
      return `${side(false)} / ${side(true)}`;
    });
    return `| ${name} (${preset.model}) | ${cells.join(' | ')} |`;
  });
  return [`| preset | ${TABLE_BUDGETS_GIB.map((g) => `${g} GiB`).join(' | ')} |`, `|---|${TABLE_BUDGETS_GIB.map(() => '---').join('|')}|`, ...rows].join('\n');
}
