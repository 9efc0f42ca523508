/**
 * `swagpu batch CONTENT_DIR STYLE_DIR --out-dir D [--force] [any stylize option]`: every content × style
 * pair of two folders, written to D/<content>__<style>.png (the paper's released code does the same).
 * The model is loaded once and each style's targets are computed once (api/batch.ts). Resumable: a pair
 * whose output exists is skipped (--force redoes it); outputs are written to a temporary file and renamed,
 * so a killed batch never leaves a truncated PNG that a resume would take for done. An image that cannot
 * be read is reported and its pairs skipped; the exit code is then 1, after every other pair ran.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { checkWritable, saveImage } from '../io/image.js';
import { createEngine, type NodeImageInput, type StylizeOptions } from '../node.js';
import type { BatchItem } from '../api/batch.js';
import { BATCH_EXCLUDED, BATCH_OPTIONS, checkStylizeOptions, flagName, STYLIZE_OPTIONS, UsageError, usageLines } from '../api/options.js';
import { run as runStylize } from './stylize.js';

const EXCLUDED_FLAGS = BATCH_EXCLUDED.map((name) => `--${flagName(name, STYLIZE_OPTIONS[name])}`);

const USAGE = `usage: swagpu batch CONTENT_DIR STYLE_DIR --out-dir D [--force] [stylize options]
  Stylizes every image of CONTENT_DIR with every image of STYLE_DIR into D/<content>__<style>.png.
${usageLines(BATCH_OPTIONS)}
  Images: .png .jpg .jpeg .webp .gif .tif .tiff .avif. Every 'swagpu stylize' option applies to each pair
  except ${EXCLUDED_FLAGS.join(', ')}:
${usageLines(STYLIZE_OPTIONS, [...BATCH_EXCLUDED, 'json'])}`;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif']);

/** The image files of a folder, sorted by name, as named inputs. */
async function listImages(dir: string, what: string): Promise<Array<{ name: string; image: string }>> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${what} ${dir}: ${error.code === 'ENOENT' ? 'no such folder' : error.code === 'ENOTDIR' ? 'not a folder' : error.message}`);
  });
  const files = entries.filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())).map((e) => e.name).sort();
  if (files.length === 0) throw new UsageError(`${what} ${dir}: no images (${[...IMAGE_EXTENSIONS].join(' ')})`);
  const names = new Map<string, string>();
  for (const f of files) {
    const name = basename(f, extname(f));
    if (names.has(name)) throw new UsageError(`${what} ${dir}: ${names.get(name)} and ${f} would write the same output name '${name}'`);
    names.set(name, f);
  }
  return files.map((f) => ({ name: basename(f, extname(f)), image: join(dir, f) }));
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Write atomically: a temporary file in the same folder, then rename over the target. */
async function writeAtomically(path: string, image: Parameters<typeof saveImage>[1]): Promise<void> {
  const temp = join(join(path, '..'), `.${basename(path, '.png')}.${process.pid}.tmp.png`);
  try {
    await saveImage(temp, image);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { console.log(USAGE); return 0; }
  // Batch's own arguments out; the rest are stylize's flags, parsed by stylize's own parser.
  const dirs = argv.slice(0, 2).filter((a) => !a.startsWith('-'));
  const rest: string[] = [];
  let outDir: string | undefined;
  let force = false;
  for (let i = dirs.length; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out-dir') outDir = argv[++i];
    else if (a.startsWith('--out-dir=')) outDir = a.slice('--out-dir='.length);
    else if (a === '--force') force = true;
    else rest.push(a);
  }
  const usage = (message: string) => { console.error(`swagpu batch: ${message}\n${USAGE}`); return 2; };
  if (dirs.length !== 2) return usage(`expected CONTENT_DIR and STYLE_DIR first, got ${dirs.length} folder(s)`);
  if (!outDir) return usage('--out-dir is required');
  for (const flag of EXCLUDED_FLAGS) {
    if (rest.some((a) => a === flag || a.startsWith(`${flag}=`))) return usage(`${flag} does not apply to a batch (the pairs come from the folders; outputs go to --out-dir)`);
  }
  return runStylize(rest, (options, values) => runBatch(dirs[0], dirs[1], outDir!, force, options, values));
}

async function runBatch(
  contentDir: string, styleDir: string, outDir: string, force: boolean,
  options: StylizeOptions<NodeImageInput>, values: Record<string, string | boolean | string[] | undefined>,
): Promise<number> {
  const json = values.json === true;
  let contents, styles;
  try {
    [contents, styles] = [await listImages(contentDir, 'CONTENT_DIR'), await listImages(styleDir, 'STYLE_DIR')];
    await mkdir(outDir, { recursive: true }).catch((error: Error) => { throw new UsageError(`--out-dir ${outDir}: ${error.message}`); });
    await checkWritable(join(outDir, 'x.png'));
  } catch (error) {
    console.error(`swagpu batch: ${(error as Error).message}`);
    return 2;
  }
  const { model } = checkStylizeOptions(options);
  const engine = await createEngine({ weights: values.weights ? { [model]: values.weights as string } : undefined, log: (l) => console.error(`swagpu: ${l}`) });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const results: Array<Record<string, unknown>> = [];
  let failed = 0;
  try {
    const pathOf = (name: string) => join(outDir, `${name}.png`);
    for await (const item of engine.batch({
      ...options, contents, styles, signal: controller.signal,
      skip: force ? undefined : ({ name }) => exists(pathOf(name)),
    })) {
      let status: BatchItem['status'] | 'interrupted' = item.status;
      let error = item.error;
      if (item.status === 'done' && item.result) {
        if (item.result.aborted) status = 'interrupted'; // a half-optimised image is not written: the pair reruns on resume
        else {
          try {
            await writeAtomically(pathOf(item.name), item.result.image);
          } catch (e) {
            status = 'failed';
            error = `${pathOf(item.name)}: ${(e as Error).message}`;
          }
        }
      }
      if (status === 'failed') failed++;
      const eta = Number.isFinite(item.etaSeconds) ? `, ETA ${fmtSeconds(item.etaSeconds)}` : '';
      const what = status === 'done' ? `wrote ${pathOf(item.name)} (${item.result!.seconds.toFixed(1)} s)` : status === 'skipped' ? `skipped ${item.name} (${pathOf(item.name)} exists; --force redoes it)`
        : status === 'interrupted' ? `interrupted at ${item.name} (not written)` : `failed ${item.name}: ${error}`;
      console.error(`[${item.index}/${item.total}] ${what}${eta}`);
      results.push({
        content: item.content, style: item.style, out: pathOf(item.name), status, ...(error ? { error } : {}),
        ...(item.result ? { seconds: item.result.seconds, loss: item.result.loss, peakBytes: item.result.peakBytes, iterations: item.result.iterations } : {}),
      });
      if (status === 'interrupted') break;
    }
  } finally {
    process.off('SIGINT', onSigint);
    engine.dispose();
  }
  if (json) console.log(JSON.stringify(results, null, 2));
  const count = (s: string) => results.filter((r) => r.status === s).length;
  console.error(`batch: ${count('done')} written, ${count('skipped')} skipped, ${failed} failed of ${contents.length * styles.length} pairs`);
  if (controller.signal.aborted) return 130;
  return failed > 0 ? 1 : 0;
}

function fmtSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
