// examples/*.ts run as a reader would run them (node + the tsx/.wgsl hooks; 'swagpu' resolves to
// src/node.ts through tsconfig paths), at tiny sizes: each exits 0 and prints what it promises.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const images = join(root, 'assets/images');
const content = join(images, 'content/chelsea.png');
const style = join(images, 'style/starry_night.jpg');
const dir = mkdtempSync(join(tmpdir(), 'swagpu-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function example(name: string, args: string[]): Promise<string> {
  const { stdout } = await exec('node', ['--import', './bin/register.mjs', `examples/${name}.ts`, ...args], { cwd: root, maxBuffer: 1 << 24, timeout: 110_000 });
  return stdout;
}

describe('examples/', () => {
  it('stylize.ts writes a PNG', async () => {
    const out = join(dir, 'out.png');
    const stdout = await example('stylize', [content, style, out, '32', '2']);
    expect(stdout).toContain(`wrote ${out}`);
    expect(existsSync(out)).toBe(true);
    expect((await sharp(out).metadata()).format).toBe('png');
  });

  it('classify.ts prints the top-5 labels (a cat for chelsea)', async () => {
    const stdout = await example('classify', [content]);
    expect(stdout.split('\n').filter((l) => l.includes('%'))).toHaveLength(5);
    expect(stdout).toMatch(/cat/);
  });

  it('analyze.ts prints one row per ResNet-50 tap', async () => {
    const stdout = await example('analyze', [content, '64']);
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toContain('Gram max');
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual(expect.arrayContaining(['stem', 'stage3_block6', 'stage4_block3']));
    expect(rows).toHaveLength(1 + 17);
  });
});
