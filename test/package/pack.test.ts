// The package as users get it: `npm pack` (which builds dist/lib through prepack), install the tarball
// into an empty folder from the npm cache (offline: every dependency was cached by `npm ci`), then run a
// 32-px, 2-iteration stylize through `import { stylize } from 'swagpu'`, type-check a consumer against
// the shipped .d.ts, and run the `swagpu` bin. Weights: the project's weights/ via SWAGPU_WEIGHTS_DIR.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const weightsDir = join(root, 'weights');
const dir = mkdtempSync(join(tmpdir(), 'swagpu-pack-'));
const env = { ...process.env, SWAGPU_WEIGHTS_DIR: weightsDir };
const run = (cmd: string, args: string[], cwd = dir) => exec(cmd, args, { cwd, env, maxBuffer: 1 << 24, timeout: 150_000 });

describe('npm pack → install → run', () => {
  beforeAll(async () => {
    await run('npm', ['pack', '--pack-destination', dir, '--silent'], root);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack wrote no tarball into ${dir}`);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', `./${tgz}`, '--offline', '--no-audit', '--no-fund', '--loglevel=error']);
  }, 170_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the built entries and their declarations', () => {
    const pkg = join(dir, 'node_modules', 'swagpu');
    for (const f of ['dist/lib/index.js', 'dist/lib/node.js', 'dist/lib/types/index.d.ts', 'dist/lib/types/node.d.ts', 'bin/swagpu.js']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
  });

  it('stylizes a 32-px image through the API and encodes a PNG', async () => {
    writeFileSync(join(dir, 'run.mjs'), `
      import { stylize, encodeImage, createEngine } from 'swagpu';
      const r = await stylize({ size: 32, iterations: 2, reportEvery: 1 });
      const png = await encodeImage(r.image);
      console.log(JSON.stringify({ width: r.image.width, height: r.image.height, iterations: r.iterations,
        finite: r.image.data.every(Number.isFinite), png: Array.from(png.subarray(0, 8)), create: typeof createEngine }));
    `);
    const { stdout } = await run('node', ['run.mjs']);
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ width: 32, iterations: 2, finite: true, create: 'function' });
    expect(out.png).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('type-checks a consumer against the shipped declarations', async () => {
    writeFileSync(join(dir, 'consumer.ts'), `
      import { createEngine, type StylizeOptions, type NodeImageInput } from 'swagpu';
      const options: StylizeOptions<NodeImageInput> = { content: 'a.png', style: [{ image: 'b.png', weight: 2 }], size: 64, smoothing: 'softmax' };
      export async function go(): Promise<number> {
        const engine = await createEngine({ adapter: 'auto' });
        const r = await engine.stylize({ ...options, onProgress: (p) => { p.preview?.data.length; } });
        engine.dispose();
        return r.image.width + r.loss.end;
      }
    `);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(root, 'node_modules/@types')], types: ['node'] },
      files: ['consumer.ts'],
    }));
    await run(join(root, 'node_modules/.bin/tsc'), ['-p', '.']).catch((e) => { throw new Error(`tsc: ${e.stdout}${e.stderr}`); });
  });

  it('the swagpu bin runs from the installed package', async () => {
    const { stdout } = await run(join(dir, 'node_modules/.bin/swagpu'), ['info', '--json']);
    expect(JSON.parse(stdout).adapter.kind).toBeTypeOf('string');
  });
});
