// The package as users get it: `npm pack` (which builds dist/lib and the compiled CLI dist/cli through prepack),
// install the tarball into an empty folder from a cold npm cache (this test's own cache folder, cleaned first, so
// every dependency comes from the registry as on a new machine), then use it: the API (a 32-px stylize through
// `import { stylize } from 'swagpu'`), a consumer type-checked against the shipped .d.ts, and every `swagpu`
// command (info, weights path, classify, stylize, analyze, bench) from the installed bin, with the repo-carried
// images the package ships. Weights: where this checkout finds them (src/models/weights-home.ts), given to the
// installed package as SWAGPU_WEIGHTS_DIR.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWeightsFile } from '../../src/models/weights-home.js';

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const weights = findWeightsFile('resnet50-keras.safetensors');
const dir = mkdtempSync(join(tmpdir(), 'swagpu-pack-'));
const npmCache = join(dir, 'npm-cache');
const pkg = join(dir, 'node_modules', 'swagpu');
const env = { ...process.env, SWAGPU_WEIGHTS_DIR: dirname(weights), npm_config_cache: npmCache };
const run = (cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  exec(cmd, args, { cwd: options.cwd ?? dir, env: options.env ?? env, maxBuffer: 1 << 24, timeout: 280_000 });
const swagpu = (args: string[], options: { env?: NodeJS.ProcessEnv } = {}) => run(join(dir, 'node_modules/.bin/swagpu'), args, options);

describe.skipIf(!existsSync(weights))('npm pack → install on a cold npm cache → run', () => {
  beforeAll(async () => {
    await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: root });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack wrote no tarball into ${dir}`);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['cache', 'clean', '--force', '--cache', npmCache]);
    await run('npm', ['install', `./${tgz}`, '--cache', npmCache, '--prefer-online', '--no-audit', '--no-fund', '--loglevel=error']);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the built entries, the compiled CLI, their declarations and the images', () => {
    for (const f of ['dist/lib/index.js', 'dist/lib/node.js', 'dist/lib/types/index.d.ts', 'dist/lib/types/node.d.ts', 'dist/cli/main.js', 'bin/swagpu.js',
      'assets/images/README.md', 'assets/images/content/chelsea.png', 'assets/images/style/starry_night.jpg']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    // The installed package never runs TypeScript: tsx is a development dependency only.
    expect(existsSync(join(dir, 'node_modules/tsx')), 'tsx installed').toBe(false);
  });

  it('every package the compiled code imports is a dependency (or Node built-in, or an optional bench peer: TF.js, ONNX Runtime Web)', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    const deps = new Set(Object.keys(manifest.dependencies));
    const files = [join(pkg, 'dist/lib/node.js'), ...readdirSync(join(pkg, 'dist/cli'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js')).map((f) => join(pkg, 'dist/cli', f))];
    const imported = new Set<string>();
    for (const f of files) {
      const code = readFileSync(f, 'utf8');
      // Static imports and re-exports start a line in the bundler's output; dynamic ones are import("x") calls.
      for (const m of code.matchAll(/^(?:import|export)\b[^;'"`]*?(?:\bfrom\s*)?["']([^"']+)["'];?$/gm)) imported.add(m[1]);
      for (const m of code.matchAll(/\bimport\(\s*["']([^"'`]+)["']\s*\)/g)) imported.add(m[1]);
    }
    for (const id of imported) if (id.startsWith('.')) imported.delete(id);
    // The bench's optional peers (TF.js, ONNX Runtime Web) are imported only for --peer tfjs / ort, which say how to
    // install them when they are missing.
    const optionalPeer = (id: string) => id.startsWith('@tensorflow/') || id.startsWith('onnxruntime-web');
    const packageName = (id: string) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);
    const missing = [...imported].filter((id) => !id.startsWith('node:') && !builtinModules.includes(id) && !optionalPeer(id) && !deps.has(packageName(id)));
    expect(imported.size).toBeGreaterThan(3); // the scan sees the imports at all (webgpu, sharp, ...)
    expect(missing).toEqual([]);
    for (const id of imported) if (!id.startsWith('node:') && !builtinModules.includes(id) && !optionalPeer(id)) {
      expect(existsSync(join(dir, 'node_modules', packageName(id))), `${id} installed`).toBe(true);
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
  }, 280_000);

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
  }, 280_000);

  it('swagpu info', async () => {
    const { stdout } = await swagpu(['info', '--json']);
    expect(JSON.parse(stdout).adapter.kind).toBeTypeOf('string');
  }, 280_000);

  it('swagpu weights path: the user cache ($XDG_CACHE_HOME/swagpu), or $SWAGPU_WEIGHTS_DIR', async () => {
    const xdg = join(dir, 'xdg-cache');
    const { SWAGPU_WEIGHTS_DIR: _, ...rest } = env;
    const folder = await swagpu(['weights', 'path'], { env: { ...rest, XDG_CACHE_HOME: xdg } });
    expect(folder.stdout.trim()).toBe(join(xdg, 'swagpu'));
    expect(folder.stderr).not.toContain('also read from'); // an installed package has no weights/ of its own
    expect((await swagpu(['weights', 'path', 'resnet50'])).stdout.trim()).toBe(weights);
  }, 280_000);

  it('swagpu classify the shipped cat', async () => {
    const { stdout } = await swagpu(['classify', join(pkg, 'assets/images/content/chelsea.png'), '--top', '1', '--json']);
    expect(JSON.parse(stdout)[0].top[0]).toMatchObject({ index: 285, label: 'Egyptian_cat' });
  }, 280_000);

  it('swagpu stylize writes a PNG of the asked size', async () => {
    const out = join(dir, 'out.png');
    await swagpu(['stylize', '--content', join(pkg, 'assets/images/content/chelsea.png'), '--style', join(pkg, 'assets/images/style/starry_night.jpg'),
      '--size', '32', '--iters', '2', '--out', out]);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width!, meta.height!)).toBe(32);
  }, 280_000);

  it('swagpu analyze prints one row per ResNet-50 tap', async () => {
    const { stdout } = await swagpu(['analyze', join(pkg, 'assets/images/content/chelsea.png'), '--size', '64', '--json']);
    const names = JSON.parse(stdout).layers.map((l: { name: string }) => l.name);
    expect(names).toHaveLength(17);
    expect(names).toEqual(expect.arrayContaining(['stem', 'stage3_block6', 'stage4_block3']));
  }, 280_000);

  it('swagpu bench (one quick case) runs from the installed package', async () => {
    const { stdout } = await swagpu(['bench', '--quick', '--only', 'mse', '--runs', '1', '--json']);
    const report = JSON.parse(stdout);
    expect(report.results.map((r: { name: string }) => r.name)).toEqual(['mse', 'mse bwd']);
    for (const r of report.results) expect(r.ms).toBeGreaterThan(0);
  }, 280_000);
});
