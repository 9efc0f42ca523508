/**
 * The one table of options: for every option of stylize, batch, analyze and classify its type, range,
 * allowed values, default and help text. Everything else reads it: the library's validation (`checkOptions`,
 * run by the Engine before any image or weight loads), the CLI's parser and help (src/cli/args.ts turns a
 * row into a parseArgs option, a flag's text into a value and the rows into the usage text), and the demo's
 * settings form (demo/settings.ts). Browser-safe.
 */
import { MODEL_NAMES } from '../models/model.js';
import { SMOOTHING_MODES } from '../engine/ops.js';
import { OPTIMIZER_NAMES } from '../style/optimize.js';
import { DEFAULT_PRESET, PRESETS } from '../style/presets.js';
import { DEFAULT_CONTENT, DEFAULT_STYLE, galleryNames } from '../style/gallery.js';

/** Largest output long side accepted. */
export const MAX_SIZE = 8192;
/** Seeds are the noise generator's 32-bit state (stylize.ts noiseImage). */
export const MAX_SEED = 0xffffffff;
/** Largest classify/analyze input side (a single image through ResNet-50). */
export const MAX_ANALYSIS_SIZE = 4096;
/**
 * Sizes and counts that finish in a few minutes on a CPU (software) adapter: `npx swagpu stylize` with no flags
 * on the 2-core reference machine (llvmpipe) writes 256 px in under 3 minutes (measured, docs/ANALYSIS.md). Coarse
 * to fine over `scales` sizes (stylize.ts) unless the options choose scales or minSize themselves.
 */
export const CPU_DEFAULTS = { size: 256, iterations: 45, scales: 3 } as const;

/** A number's range: integer or not, inclusive min (or > 0 with positive), inclusive max. */
export interface NumberRule { integer?: boolean; min?: number; positive?: boolean; max?: number }

export interface OptionSpec extends NumberRule {
  /**
   * 'integer' and 'number' (ranged by the rule), 'enum' (one of `values`), 'boolean', 'string' (a file or a
   * name), 'strings' (a repeatable flag; a comma list for the library), 'numbers' (a comma list of numbers).
   */
  type: 'integer' | 'number' | 'enum' | 'boolean' | 'string' | 'strings' | 'numbers';
  values?: readonly string[];
  /** Other values the library takes besides the type's ('keep' for sizes, 'all' for smoothLayers). */
  also?: readonly string[];
  /** The default, where it is one value (the CLI hands it to parseArgs; help shows it). */
  default?: string | number | boolean;
  /** Help text; a default that depends on something (the preset's) is said here. */
  help: string;
  /** The CLI flag: kebab-case of the name unless given; false: the library only. */
  flag?: string | false;
  /** The value's placeholder in the usage text ('N', 'X', 'FILE'). */
  arg?: string;
  /** A command-line option only (files, output), not a library option. */
  cliOnly?: boolean;
  /** The flag may be repeated (its values come as a list). */
  multiple?: boolean;
  /** A boolean flag that also has --no-FLAG. */
  negatable?: boolean;
  /** The flag's own rule where the command line is stricter than the library (--max-memory in whole MiB). */
  flagRule?: NumberRule;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

const SIZE_HELP = `long side in pixels (default: the preset's; ${CPU_DEFAULTS.size} on CPU adapters, coarse to fine over ${CPU_DEFAULTS.scales} scales)`;

/** The options of `stylize` (StylizeOptions in options.ts; the CLI's `swagpu stylize`). */
export const STYLIZE_OPTIONS = {
  out: { type: 'string', cliOnly: true, arg: 'FILE', default: 'out.png', help: '.png, .webp, .tif/.tiff (lossless) or .jpg/.jpeg (quality 95)' },
  content: { type: 'string', arg: 'C', help: `a file, or a built-in photo: ${galleryNames('content').join(', ')} (default ${DEFAULT_CONTENT})` },
  style: { type: 'string', multiple: true, arg: 'S', help: `a file (repeat for several), or a built-in painting: ${galleryNames('style').join(', ')} (default ${DEFAULT_STYLE})` },
  preset: {
    type: 'enum', values: Object.keys(PRESETS), default: DEFAULT_PRESET, arg: 'NAME',
    help: `${DEFAULT_PRESET}: normalised losses, weights 1 = balanced; resnet50-swag is the paper's literal recipe, resnet50 its baseline`,
  },
  normalize: { type: 'boolean', negatable: true, help: `divide each loss term by its target's mean square, so weights are shares (default: the preset's, on for ${DEFAULT_PRESET} only)` },
  model: { type: 'enum', values: MODEL_NAMES, arg: 'NAME', help: "the network (default: the preset's; it must be the preset's)" },
  weights: { type: 'string', cliOnly: true, arg: 'FILE', help: "weights file (default: in the folder 'swagpu weights path' prints)" },
  smoothing: { type: 'enum', values: SMOOTHING_MODES, arg: 'MODE', help: "SWAG's smoothing of the activations (default: the preset's)" },
  temperature: { type: 'number', positive: true, arg: 'T', help: 'softmax temperature (default: the preset\'s, 1)' },
  smoothLayers: { type: 'strings', also: ['all'], arg: 'L', help: "which taps are smoothed: all, or a comma list (default: the preset's; stages 3-4 for the ResNet-50 presets)" },
  size: { type: 'integer', min: 1, max: MAX_SIZE, also: ['keep'], arg: 'N', help: SIZE_HELP },
  square: { type: 'boolean', help: 'force N x N, as the paper does' },
  iterations: { type: 'integer', min: 1, max: 1_000_000, flag: 'iters', arg: 'N', help: "iterations (default: the preset's; fewer on CPU adapters)" },
  optimizer: { type: 'enum', values: OPTIMIZER_NAMES, arg: 'NAME', help: "the optimiser (default: the preset's)" },
  learningRate: { type: 'number', positive: true, flag: 'lr', arg: 'X', help: 'learning rate (Adam; L-BFGS step scale)' },
  lbfgsHistory: { type: 'integer', min: 1, flag: false, help: 'L-BFGS history size (default 10)' },
  contentWeight: { type: 'number', min: 0, arg: 'X', help: "content loss weight (default: the preset's)" },
  styleWeight: { type: 'number', min: 0, arg: 'X', help: "style loss weight (default: the preset's)" },
  tvWeight: { type: 'number', min: 0, arg: 'X', help: "total-variation weight (default: the preset's)" },
  contentLayers: { type: 'strings', flag: false, help: "content taps (default: the preset's)" },
  styleLayers: { type: 'strings', flag: false, help: "style taps (default: the preset's)" },
  styleLayerWeights: { type: 'numbers', min: 0, flag: false, help: "per-tap style weights (default: the preset's)" },
  init: { type: 'string', also: ['content', 'noise'], arg: 'content|noise|FILE', help: 'the starting image (default content)' },
  seed: { type: 'integer', min: 0, max: MAX_SEED, arg: 'N', help: `noise seed, 0 to ${MAX_SEED}: the noise generator's 32-bit state` },
  styleBlend: { type: 'numbers', min: 0, cliOnly: true, arg: 'W1,W2,...', help: 'blend weights of the --style images (normalised to sum 1; default equal)' },
  styleScale: { type: 'number', positive: true, arg: 'X', help: 'style long side = X × output long side (default: the style at --size)' },
  originalColors: { type: 'boolean', help: "keep the content's colours (YUV chroma); transfer luminance only" },
  matchStyleColors: { type: 'boolean', help: "recolour each style to the content's colour mean/covariance first" },
  scales: { type: 'integer', min: 1, max: 16, arg: 'N', help: 'coarse to fine over N sizes, x2 apart; --iters is the total, split equally' },
  minSize: { type: 'integer', min: 1, max: MAX_SIZE, arg: 'N', help: 'long side of the coarsest scale (with --scales: sizes geometric from N)' },
  mask: { type: 'string', arg: 'FILE', help: 'region r of the mask (k-th darkest colour) takes the r-th --style' },
  saveEvery: { type: 'integer', min: 1, cliOnly: true, arg: 'N', help: 'write intermediate images next to --out every N iterations' },
  reportEvery: { type: 'integer', min: 1, arg: 'N', help: 'read the loss back every N iterations (default 10)' },
  pooling: { type: 'enum', values: ['max', 'avg'], flag: false, help: "VGG-19 pooling (default: the preset's)" },
  maxMemory: {
    type: 'number', positive: true, flagRule: { integer: true, min: 1, max: 1 << 24 }, arg: 'MiB',
    help: "GPU memory budget: recompute activations (checkpoints), then if needed cap the backward kernels' temporaries and shorten the L-BFGS history, to stay under it (default: unlimited)",
  },
  json: { type: 'boolean', cliOnly: true, help: 'print a JSON summary at the end (with peakBytes: the pooled GPU memory peak, weights included)' },
} as const satisfies OptionTable;

/** `swagpu batch`'s own options; every stylize option applies too, except those in BATCH_EXCLUDED. */
export const BATCH_OPTIONS = {
  outDir: { type: 'string', cliOnly: true, arg: 'D', help: 'output folder (created if missing)' },
  force: { type: 'boolean', cliOnly: true, help: 'redo pairs whose output already exists (default: skip them, so a batch resumes)' },
  json: { type: 'boolean', cliOnly: true, help: 'print the results as JSON: [{content, style, out, status, error?, seconds, loss, peakBytes}]' },
} as const satisfies OptionTable;
/** Stylize options that a batch takes from its folders instead. */
export const BATCH_EXCLUDED = ['content', 'style', 'out', 'mask', 'saveEvery'] as const;

/** The options of `analyze` (AnalyzeOptions in options.ts; `swagpu analyze IMAGE`). */
export const ANALYZE_OPTIONS = {
  model: { type: 'enum', values: MODEL_NAMES, default: 'resnet50', arg: 'NAME', help: 'the network' },
  weights: STYLIZE_OPTIONS.weights,
  smoothing: { type: 'enum', values: SMOOTHING_MODES, default: 'none', arg: 'MODE', help: 'the smoothing analysed (with --plot also compared with none, or softmax when none)' },
  temperature: { type: 'number', positive: true, default: 1, arg: 'T', help: 'softmax temperature' },
  size: { type: 'integer', min: 1, max: MAX_ANALYSIS_SIZE, default: 224, also: ['keep'], arg: 'N', help: 'the image is resized to N x N' },
  layers: { type: 'strings', flag: false, help: 'only these taps (default: all, in network order)' },
  pooling: STYLIZE_OPTIONS.pooling,
  json: { type: 'boolean', cliOnly: true, help: 'print the statistics as JSON' },
  plot: { type: 'boolean', flag: false, help: 'also analyse with the other smoothing and draw the SVG chart' },
  plotFile: { type: 'string', cliOnly: true, flag: 'plot', arg: 'out.svg|out.png', help: 'draw the chart of both smoothings (SVG, or rendered to PNG/JPEG/WebP/TIFF)' },
  title: { type: 'string', flag: false, help: 'chart title (with plot)' },
} as const satisfies OptionTable;

/** The options of `classify` (ClassifyOptions in options.ts; `swagpu classify IMAGE...`). */
export const CLASSIFY_OPTIONS = {
  model: { type: 'enum', values: ['resnet50'], default: 'resnet50', cliOnly: true, arg: 'NAME', help: 'only resnet50 has a classifier head' },
  weights: STYLIZE_OPTIONS.weights,
  top: { type: 'integer', min: 1, max: 1000, default: 5, arg: 'K', help: 'how many classes (1000 for all)' },
  size: { type: 'integer', min: 1, max: MAX_ANALYSIS_SIZE, default: 224, flag: false, help: "input side (a plain resize, as Keras' ResNet-50 was evaluated)" },
  json: { type: 'boolean', cliOnly: true, default: false, help: 'print the labels as JSON' },
} as const satisfies OptionTable;

/** The text a bad value shows: strings quoted, as typed. */
function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

/** Checks a number against a rule; the error names the option, like the CLI's name the flag. */
export function checkNumber(name: string, value: unknown, rule: NumberRule): number {
  const n = value as number;
  const ok = typeof n === 'number' && Number.isFinite(n) && (!rule.integer || Number.isInteger(n))
    && (rule.min === undefined || n >= rule.min) && (!rule.positive || n > 0) && (rule.max === undefined || n <= rule.max);
  if (!ok) {
    const want = [rule.integer ? 'an integer' : 'a number', rule.positive ? '> 0' : rule.min !== undefined ? `>= ${rule.min}` : '', rule.max !== undefined ? `<= ${rule.max}` : ''].filter(Boolean).join(' ');
    throw new Error(`${name} must be ${want}, got ${shown(value)}`);
  }
  return n;
}

/** Checks one library value against its row; the error names the option and what it takes. */
export function checkOption(name: string, spec: OptionSpec, value: unknown): void {
  if (spec.also?.includes(value as string)) return;
  const also = spec.also ? ` or ${spec.also.map((v) => `'${v}'`).join(' or ')}` : '';
  switch (spec.type) {
    case 'integer': case 'number':
      if (also && typeof value !== 'number') {
        const want = checkNumberText(spec);
        throw new Error(`${name} must be ${want}${also}, got ${shown(value)}`);
      }
      checkNumber(name, value, { ...spec, integer: spec.type === 'integer' || spec.integer });
      return;
    case 'enum':
      if (!spec.values!.includes(value as string)) throw new Error(`${name} must be one of ${spec.values!.join(', ')}, got ${shown(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw new Error(`${name} must be true or false, got ${shown(value)}`);
      return;
    case 'strings':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${name} must be a list of names${also}, got ${shown(value)}`);
      return;
    case 'numbers':
      if (!Array.isArray(value)) throw new Error(`${name} must be a list of numbers, got ${shown(value)}`);
      value.forEach((v, i) => checkNumber(`${name}[${i}]`, v, spec));
      return;
    case 'string':
      return; // a file, a name or an image: the platform reads it and names what is wrong
  }
}

function checkNumberText(spec: OptionSpec): string {
  return [spec.type === 'integer' ? 'an integer' : 'a number', spec.positive ? '> 0' : spec.min !== undefined ? `>= ${spec.min}` : '', spec.max !== undefined ? `<= ${spec.max}` : ''].filter(Boolean).join(' ');
}

/**
 * Checks every option given against its table (the library's options only; unknown keys such as callbacks
 * are left to TypeScript). Cheap and synchronous: the Engine runs it before any image or weight loads.
 */
export function checkOptions(table: OptionTable, options: object): void {
  for (const [name, value] of Object.entries(options)) {
    const spec = table[name];
    if (spec && !spec.cliOnly && value !== undefined) checkOption(name, spec, value);
  }
}
