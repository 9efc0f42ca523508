// `swagpu classify` end to end: JSON shape and labels from the real weights.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('`swagpu classify --json` prints [{file, top: [{index, label, prob}]}] with the known labels', async () => {
  const files = ['assets/images/content/chelsea.png', 'assets/images/content/coffee.png'];
  const { stdout } = await run('node', ['bin/swagpu.js', 'classify', ...files, '--top', '2', '--json'], { maxBuffer: 1 << 22 });
  const result = JSON.parse(stdout);
  expect(result.map((r: { file: string }) => r.file)).toEqual(files);
  expect(result[0].top).toHaveLength(2);
  expect(result[0].top[0]).toMatchObject({ index: 285, label: 'Egyptian_cat' });
  expect(result[1].top[0]).toMatchObject({ index: 967, label: 'espresso' });
  expect(result[0].top[0].prob).toBeGreaterThan(0.9);
  expect(result[0].top[0].prob).toBeGreaterThanOrEqual(result[0].top[1].prob);
});

it('classify refuses a bad --top with exit code 2', async () => {
  const error = await run('node', ['bin/swagpu.js', 'classify', 'x.png', '--top', '0']).catch((e) => e);
  expect(error.code).toBe(2);
  expect(error.stderr).toContain('--top');
});
