// The pre-flight size check covers the image's own buffers (issue 20, 5.7): the image kernels
// (preprocess, clamp, resize, the optimiser's updates) bind the [1,3,H,W] image whole, so it must fit one
// storage binding (llvmpipe: 128 MiB), not only maxBufferSize like the banded activations. 4096x4096
// needs 192 MiB: refused before any kernel runs, naming the largest output that fits both limits.
import { describe, expect, it } from 'vitest';
import { checkModelFits, imageBuffer, largestBuffer, largestFittingSize } from '../../src/models/memory.js';
import { swagpu } from '../cli/run.js';

const MiB = 1 << 20;

describe('image buffers in the size check', () => {
  it('the largest size named fits both limits; one pixel more does not', () => {
    for (const [w, h] of [[4096, 4096], [4000, 3000], [2000, 8000]]) {
      const fit = largestFittingSize('resnet50', w, h, 2048 * MiB, 128 * MiB)!;
      expect(() => checkModelFits('resnet50', fit.width, fit.height, 2048 * MiB, 'output', 128 * MiB)).not.toThrow();
      expect(imageBuffer(fit.width, fit.height).bytes).toBeLessThanOrEqual(128 * MiB);
      const long = Math.max(fit.width, fit.height) + 1;
      const next = { width: Math.round((w * long) / Math.max(w, h)), height: Math.round((h * long) / Math.max(w, h)) };
      expect(imageBuffer(next.width, next.height).bytes > 128 * MiB || largestBuffer('resnet50', next.width, next.height).bytes > 2048 * MiB).toBe(true);
    }
    // 3·W·H·4 <= 128 MiB: W = H = floor(sqrt(128 MiB / 12)) = 3344
    expect(largestFittingSize('resnet50', 4096, 4096, 2048 * MiB, 128 * MiB)).toEqual({ width: 3344, height: 3344 });
    expect(() => checkModelFits('resnet50', 4096, 4096, 2048 * MiB, 'output', 128 * MiB)).toThrow(
      'output 4096x4096 is too large for resnet50 on this device: the image [1,3,4096,4096] needs 192.0 MiB in one binding, '
      + "over the device's maxStorageBufferBindingSize (128.0 MiB); the largest output that fits is 3344x3344 (size 3344)");
    // without a binding limit, only maxBufferSize counts (as before)
    expect(() => checkModelFits('resnet50', 4096, 4096, 2048 * MiB)).not.toThrow();
  });

  it('stylize --size 4096 --square on llvmpipe is refused before any kernel runs', async () => {
    const r = await swagpu(['stylize', '--size', '4096', '--square', '--iters', '1', '--out', '/tmp/swagpu-never-written.png'], { ...process.env, SWAGPU_ADAPTER: 'llvmpipe' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("output 4096x4096 is too large for resnet50 on this device: the image [1,3,4096,4096] needs 192.0 MiB in one binding, over the device's maxStorageBufferBindingSize (128.0 MiB); the largest output that fits is 3344x3344");
    expect(r.stderr).not.toMatch(/stylizing|iter 1|preprocess:/);
  });
});
