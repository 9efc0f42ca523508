/**
 * The one table of options, and every rule about them: for each option of stylize, batch, analyze and classify
 * its type, range, allowed values, default, flag and help text (the rows below), and what reads them: the
 * library's checks (`checkOptions`, run by the Engine before any image or weight loads), the command line's
 * parsing and usage text (`parseArgsConfig`, `optionsFromFlags`, `usageLines`; src/cli/*), the demo's settings
 * form (demo/settings.ts), and how stylize options become a recipe: checked → preset → overrides → sizes
 * (`planStylize`). The typed options themselves are in types.ts. Browser-safe.
 */
import type { AdapterReport } from '../gpu/device.js';
import { MODEL_NAMES, type ModelName } from '../models/model.js';
import { SMOOTHING_MODES } from '../engine/ops.js';
import { OPTIMIZER_NAMES } from '../style/optimize.js';
import { DEFAULT_PRESET, PRESETS, getPreset, type Preset } from '../style/presets.js';
import { DEFAULT_CONTENT, DEFAULT_STYLE, galleryNames } from '../style/gallery.js';
import { recipeFromPreset, type StyleRecipe } from '../style/stylize.js';
import type { Resize } from '../style/image.js';
import type { AnalyzeOptions, ClassifyOptions, StylizeOptions } from './types.js';

export type * from './types.js';

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

/** The options of `stylize` (StylizeOptions in types.ts; the CLI's `swagpu stylize`). */
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
    help: "GPU memory budget: recompute activations (checkpoints), then if needed keep the loss targets in CPU memory, cap the backward kernels' temporaries and shorten the L-BFGS history, to stay under it (default: unlimited)",
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

/** The side of the one image that analyze and classify read (resized to it). */
const IMAGE_SIDE = { type: 'integer', min: 1, max: MAX_ANALYSIS_SIZE, default: 224 } as const;

/** The options of `analyze` (AnalyzeOptions in types.ts; `swagpu analyze IMAGE`). */
export const ANALYZE_OPTIONS = {
  model: { type: 'enum', values: MODEL_NAMES, default: 'resnet50', arg: 'NAME', help: 'the network' },
  weights: STYLIZE_OPTIONS.weights,
  smoothing: { type: 'enum', values: SMOOTHING_MODES, default: 'none', arg: 'MODE', help: 'the smoothing analysed (with --plot also compared with none, or softmax when none)' },
  temperature: { ...STYLIZE_OPTIONS.temperature, default: 1, help: 'softmax temperature' },
  size: { ...IMAGE_SIDE, also: ['keep'], arg: 'N', help: 'the image is resized to N x N' },
  layers: { type: 'strings', flag: false, help: 'only these taps (default: all, in network order)' },
  pooling: STYLIZE_OPTIONS.pooling,
  json: { type: 'boolean', cliOnly: true, help: 'print the statistics as JSON' },
  plot: { type: 'boolean', flag: false, help: 'also analyse with the other smoothing and draw the SVG chart' },
  plotFile: { type: 'string', cliOnly: true, flag: 'plot', arg: 'out.svg|out.png', help: 'draw the chart of both smoothings (SVG, or rendered to PNG/JPEG/WebP/TIFF)' },
  title: { type: 'string', flag: false, help: 'chart title (with plot)' },
} as const satisfies OptionTable;

/** The options of `classify` (ClassifyOptions in types.ts; `swagpu classify IMAGE...`). */
export const CLASSIFY_OPTIONS = {
  model: { type: 'enum', values: ['resnet50'], default: 'resnet50', cliOnly: true, arg: 'NAME', help: 'only resnet50 has a classifier head' },
  weights: STYLIZE_OPTIONS.weights,
  top: { type: 'integer', min: 1, max: 1000, default: 5, arg: 'K', help: 'how many classes (1000 for all)' },
  size: { ...IMAGE_SIDE, flag: false, help: "input side (a plain resize, as Keras' ResNet-50 was evaluated)" },
  json: { type: 'boolean', cliOnly: true, default: false, help: 'print the labels as JSON' },
} as const satisfies OptionTable;

/** The text a bad value shows: strings quoted, as typed. */
function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

/** What a number rule asks for, in words: 'an integer >= 1 <= 8192'. */
function wanted(rule: NumberRule): string {
  return [rule.integer ? 'an integer' : 'a number', rule.positive ? '> 0' : rule.min !== undefined ? `>= ${rule.min}` : '', rule.max !== undefined ? `<= ${rule.max}` : ''].filter(Boolean).join(' ');
}

/** Checks a number against a rule; the error names the option, like the CLI's name the flag. */
export function checkNumber(name: string, value: unknown, rule: NumberRule): number {
  const n = value as number;
  const ok = typeof n === 'number' && Number.isFinite(n) && (!rule.integer || Number.isInteger(n))
    && (rule.min === undefined || n >= rule.min) && (!rule.positive || n > 0) && (rule.max === undefined || n <= rule.max);
  if (!ok) throw new Error(`${name} must be ${wanted(rule)}, got ${shown(value)}`);
  return n;
}

/** Checks one library value against its row; the error names the option and what it takes. */
export function checkOption(name: string, spec: OptionSpec, value: unknown): void {
  if (spec.also?.includes(value as string)) return;
  const also = spec.also ? ` or ${spec.also.map((v) => `'${v}'`).join(' or ')}` : '';
  switch (spec.type) {
    case 'integer': case 'number': {
      const rule = { ...spec, integer: spec.type === 'integer' || spec.integer };
      if (also && typeof value !== 'number') throw new Error(`${name} must be ${wanted(rule)}${also}, got ${shown(value)}`);
      checkNumber(name, value, rule);
      return;
    }
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

// ---------- the command line: flag text → values, parseArgs config, usage text ----------

/** An option given a value it does not take; the message names the option (or the flag). The CLI exits with 2. */
export class UsageError extends Error {}

export function positiveInt(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got '${value}'`);
  if (n > max) throw new UsageError(`${flag}: ${n} is over the maximum (${max})`);
  return n;
}

/** An integer from 0 to max, written in plain digits; errors quote the text as the user typed it. */
export function nonNegativeInt(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > max) throw new UsageError(`${flag}: expected an integer from 0 to ${max}, got '${value}'`);
  return n;
}

export function nonNegativeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected a number >= 0, got '${value}'`);
  return n;
}

export function positiveNumber(flag: string, value: string): number {
  const n = nonNegativeNumber(flag, value);
  if (n === 0) throw new UsageError(`${flag}: must be > 0`);
  return n;
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

/** The command-line flag of a table row: its own, else the name in kebab-case. */
export function flagName(name: string, spec: OptionSpec): string {
  return typeof spec.flag === 'string' ? spec.flag : name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The rows of a table that are flags, with their flag names. */
function flagRows(table: OptionTable): Array<[string, string, OptionSpec]> {
  return Object.entries(table).filter(([, spec]) => spec.flag !== false).map(([name, spec]) => [name, flagName(name, spec), spec]);
}

/** parseArgs' option config for a table (a boolean row `negatable` also gets --no-FLAG). */
export function parseArgsConfig(table: OptionTable): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string | boolean }> {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string | boolean }> = { help: { type: 'boolean' } };
  for (const [, flag, spec] of flagRows(table)) {
    const type = spec.type === 'boolean' ? 'boolean' : 'string';
    config[flag] = { type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.default !== undefined ? { default: type === 'boolean' ? Boolean(spec.default) : String(spec.default) } : {}) };
    if (spec.negatable) config[`no-${flag}`] = { type: 'boolean' };
  }
  return config;
}

/** A flag's text as the row's value; errors name the flag and quote the text (UsageError). */
export function flagValue(flag: string, spec: OptionSpec, text: string): unknown {
  const rule = spec.flagRule ?? spec;
  const integer = spec.type === 'integer' || rule.integer;
  const number = (t: string) => (rule.positive ? positiveNumber(flag, t) : nonNegativeNumber(flag, t));
  switch (spec.type) {
    case 'integer': case 'number':
      if (integer) return (rule.min ?? 1) >= 1 ? positiveInt(flag, text, rule.max) : nonNegativeInt(flag, text, rule.max);
      return number(text);
    case 'enum': return oneOf(flag, text, spec.values!);
    case 'numbers': return text.split(',').map(number);
    case 'strings': {
      const list = text.split(',').map((t) => t.trim()).filter(Boolean);
      if (list.length === 0) throw new UsageError(`${flag}: expected ${spec.also ? `${spec.also.join(' or ')} or ` : ''}a comma-separated list of layer names`);
      return list.length === 1 && spec.also?.includes(list[0]) ? list[0] : list;
    }
    default: return text;
  }
}

/**
 * The library options a command line gives: each flag of a row that is a library option, parsed by its row
 * (flags of `cliOnly` rows and booleans left false are the caller's). Keys are the table's names.
 */
export function optionsFromFlags(table: OptionTable, values: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [name, flag, spec] of flagRows(table)) {
    if (spec.cliOnly) continue;
    const given = values[flag];
    if (spec.negatable && given && values[`no-${flag}`]) throw new UsageError(`--${flag} and --no-${flag}: give one of them`);
    if (spec.negatable && values[`no-${flag}`]) options[name] = false;
    else if (spec.type === 'boolean') { if (given) options[name] = true; }
    else if (given !== undefined && !spec.multiple) options[name] = flagValue(`--${flag}`, spec, given as string);
  }
  return options;
}

/** Where the help text of a usage line starts. */
export const USAGE_COLUMN = 25;

/** The option lines of a usage text, one per flag: `--flag ARG  help (default D)`. */
export function usageLines(table: OptionTable, leaveOut: readonly string[] = []): string {
  return flagRows(table).filter(([name]) => !leaveOut.includes(name)).map(([, flag, spec]) => {
    const head = `  --${flag}${spec.negatable ? ` / --no-${flag}` : ''}${spec.arg ? ` ${spec.arg}` : ''}`;
    const values = spec.type === 'enum' ? `${spec.values!.join(' | ')}: ` : '';
    const def = spec.default !== undefined && spec.type !== 'boolean' ? ` (default ${spec.default})` : '';
    return `${head.padEnd(USAGE_COLUMN)}${head.length >= USAGE_COLUMN ? ' ' : ''}${values}${spec.help}${def}`;
  }).join('\n');
}

// ---------- stylize, analyze, classify: options → what a call runs ----------

/** What a stylize call runs: the recipe (init and mask still as inputs) and how to size the inputs. */
export interface StylizePlan<I> {
  preset: Preset;
  model: ModelName;
  pooling: 'max' | 'avg';
  recipe: Omit<StyleRecipe, 'init' | 'mask'>;
  init: 'content' | 'noise' | I;
  content: Resize;
  style: Resize;
  /** Messages worth showing (e.g. the CPU defaults taking over). */
  notes: string[];
}

const RECIPE_KEYS = [
  'smoothing', 'temperature', 'iterations', 'optimizer', 'learningRate', 'lbfgsHistory', 'contentWeight', 'styleWeight', 'tvWeight',
  'contentLayers', 'styleLayers', 'styleLayerWeights', 'smoothLayers', 'seed', 'reportEvery',
  'styleScale', 'originalColors', 'matchStyleColors', 'scales', 'minSize', 'normalize',
] as const satisfies ReadonlyArray<keyof StyleRecipe & keyof StylizeOptions<unknown>>;

/**
 * Every stylize option checked against its row of the table (enums, ranges), and the model against the
 * preset's; the preset and model the call runs. Synchronous, before any image or weight loads.
 */
export function checkStylizeOptions(options: StylizeOptions<unknown>): { preset: Preset; model: ModelName } {
  checkOptions(STYLIZE_OPTIONS, options);
  const preset = getPreset(options.preset ?? DEFAULT_PRESET);
  const model = options.model ?? preset.model;
  if (model !== preset.model) {
    throw new Error(`model ${model} does not fit preset ${preset.name} (its layers are ${preset.model}'s); choose preset ${model === 'vgg19' ? 'vgg19' : 'resnet50-swag'}`);
  }
  return { preset, model };
}

/** Analyze options checked, with the table's defaults filled in. */
export function planAnalyze(options: AnalyzeOptions): Required<Pick<AnalyzeOptions, 'model' | 'smoothing' | 'temperature' | 'size'>> {
  checkOptions(ANALYZE_OPTIONS, options);
  const d = ANALYZE_OPTIONS;
  return { model: options.model ?? d.model.default, smoothing: options.smoothing ?? d.smoothing.default, temperature: options.temperature ?? d.temperature.default, size: options.size ?? d.size.default };
}

/** Classify options checked, with the table's defaults filled in. */
export function planClassify(options: ClassifyOptions): Required<ClassifyOptions> {
  checkOptions(CLASSIFY_OPTIONS, options);
  return { top: options.top ?? CLASSIFY_OPTIONS.top.default, size: options.size ?? CLASSIFY_OPTIONS.size.default };
}

/**
 * Options → plan. `adapter` decides the CPU defaults: on a software adapter, when neither size nor
 * iterations is given, CPU_DEFAULTS (size, iterations, scales) replace the preset's, and the paper's
 * forced square is dropped unless `square` is set.
 */
export function planStylize<I>(options: StylizeOptions<I>, adapter: Pick<AdapterReport, 'isCPU' | 'kind'>): StylizePlan<I> {
  const { preset, model } = checkStylizeOptions(options);
  const overrides: Partial<StyleRecipe> = {};
  for (const key of RECIPE_KEYS) if (options[key] !== undefined) (overrides as Record<string, unknown>)[key] = options[key];
  const recipe = recipeFromPreset(preset, overrides);
  const notes: string[] = [];
  const cpu = adapter.isCPU;
  let size = options.size;
  if (cpu && size === undefined && options.iterations === undefined) {
    const multi = options.scales === undefined && options.minSize === undefined;
    notes.push(`${adapter.kind} is a CPU adapter: using size ${CPU_DEFAULTS.size} and ${CPU_DEFAULTS.iterations} iterations${multi ? ` over ${CPU_DEFAULTS.scales} scales` : ''} instead of the preset's ${preset.size} px x ${preset.iterations} (give size/iterations to override)`);
    size = CPU_DEFAULTS.size;
    recipe.iterations = CPU_DEFAULTS.iterations;
    if (multi) recipe.scales = CPU_DEFAULTS.scales;
  }
  size ??= cpu ? CPU_DEFAULTS.size : preset.size;
  const { init: _init, mask: _mask, ...rest } = recipe;
  const plan = { preset, model, pooling: options.pooling ?? preset.pooling ?? 'max', recipe: rest, init: options.init ?? preset.init, notes };
  if (size === 'keep') return { ...plan, content: { kind: 'none' }, style: { kind: 'none' } };
  const square = options.square === true || (preset.square && options.size === undefined && !cpu);
  return {
    ...plan,
    content: square ? { kind: 'exact', width: size, height: size } : { kind: 'long-side', size },
    // The output's long side is `size` either way; with styleScale the style is read at its final size.
    style: { kind: 'long-side', size: recipe.styleScale ? Math.max(1, Math.round(recipe.styleScale * size)) : size },
  };
}
