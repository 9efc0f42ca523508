/**
 * The settings form: read, write, fill from a preset, remember in localStorage. The loss weights are one
 * "style strength" slider (log scale, ×0.01 … ×100): the run's style weight is the preset's × strength.
 * On the default preset (normalised losses, weights 1 = balanced) that is the style's share against the
 * content's; on the paper's presets it scales their raw 1e17. The fields are stylize options: their ranges,
 * allowed values and help come from the options table (src/api/options.ts), as the CLI's do.
 */
import { DEFAULT_PRESET, PRESETS } from '../src/style/presets.js';
import type { SmoothingMode } from '../src/engine/ops.js';
import type { OptimizerName } from '../src/style/optimize.js';
import { MIN_SCALE_SIDE } from '../src/style/stylize.js';
import { STYLIZE_OPTIONS, checkOption, type OptionSpec } from '../src/api/options.js';
import type { ModelChoice } from './protocol.js';

export interface Settings {
  model: ModelChoice;
  preset: string;
  smoothing: SmoothingMode;
  temperature: number;
  /** Multiplies the preset's style weight (slider: log10 from −2 to 2). */
  styleStrength: number;
  tvWeight: number;
  size: number;
  iterations: number;
  optimizer: OptimizerName;
  reportEvery: number;
  compare: boolean;
}

export const STORAGE_KEY = 'swagpu-demo-settings-v2';

/** The default preset at a size and length that suit a first try in a browser. */
export function defaultSettings(): Settings {
  const p = PRESETS[DEFAULT_PRESET];
  return {
    model: 'resnet50', preset: p.name, smoothing: p.smoothing, temperature: p.temperature,
    styleStrength: 1, tvWeight: p.tvWeight,
    size: 256, iterations: 200, optimizer: p.optimizer, reportEvery: 5, compare: false,
  };
}

/** The preset's own values for the fields a preset decides. */
export function presetFields(name: string): Partial<Settings> {
  const p = PRESETS[name];
  if (!p) return {};
  return {
    model: p.model, preset: p.name, smoothing: p.smoothing, temperature: p.temperature, tvWeight: p.tvWeight, optimizer: p.optimizer,
  };
}

/** Style weight of a run of `preset` at `strength` (the preset's own weight × strength). */
export function styleWeightFor(preset: string, strength: number): number {
  return (PRESETS[preset]?.styleWeight ?? 1) * strength;
}

/** Slider position (log10) ↔ strength, rounded to 2 significant digits. */
export function strengthFromSlider(position: number): number { return Number((10 ** position).toPrecision(2)); }
export function sliderFromStrength(strength: number): number { return Math.log10(strength); }
export function formatStrength(strength: number): string { return `×${strength < 0.1 ? strength.toFixed(2) : strength < 10 ? strength.toFixed(1) : strength.toFixed(0)}`; }

export function loadSettings(): Settings {
  const settings = defaultSettings();
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Settings>;
    for (const key of Object.keys(settings) as Array<keyof Settings>) {
      if (saved[key] !== undefined && typeof saved[key] === typeof settings[key]) (settings as unknown as Record<string, unknown>)[key] = saved[key];
    }
    if (!PRESETS[settings.preset]) settings.preset = defaultSettings().preset;
  } catch {
    // unreadable storage: defaults
  }
  return settings;
}

export function saveSettings(settings: Settings): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // storage full or disabled: not remembered
  }
}

/**
 * The page's own cap on the output size: a browser tab's GPU memory (the library takes up to MAX_SIZE).
 * The smallest size is the smallest scale of a run (MIN_SCALE_SIDE).
 */
export const DEMO_MAX_SIZE = 2048;

/** The form's number fields: each the stylize option of that name, size with the page's own bounds. */
export const NUMBER_FIELDS: Record<'temperature' | 'tvWeight' | 'size' | 'iterations' | 'reportEvery', OptionSpec> = {
  temperature: STYLIZE_OPTIONS.temperature,
  tvWeight: STYLIZE_OPTIONS.tvWeight,
  size: { ...STYLIZE_OPTIONS.size, min: MIN_SCALE_SIDE, max: DEMO_MAX_SIZE },
  iterations: STYLIZE_OPTIONS.iterations,
  reportEvery: STYLIZE_OPTIONS.reportEvery,
};
const SELECT_FIELDS = ['model', 'preset', 'smoothing', 'optimizer'] as const;
/** Selects filled from the table's allowed values (model and preset are filled by main.ts). */
const ENUM_FIELDS = { smoothing: STYLIZE_OPTIONS.smoothing, optimizer: STYLIZE_OPTIONS.optimizer } as const;
const LABELS: Record<string, string> = { softmax: 'softmax (SWAG)', 'channel-softmax': 'channel softmax', lbfgs: 'L-BFGS', adam: 'Adam' };

function field(id: string): HTMLInputElement | HTMLSelectElement {
  return document.getElementById(id) as HTMLInputElement | HTMLSelectElement;
}

/** 1e17 rather than 100000000000000000 (Number() reads both back). */
export function formatNumber(v: number): string {
  return v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) ? v.toExponential().replace('e+', 'e') : String(v);
}

/** The table's allowed values, bounds and help on the form's fields (once). */
function describeForm(): void {
  for (const [k, spec] of Object.entries(ENUM_FIELDS)) {
    const select = field(k) as HTMLSelectElement;
    if (select.options.length > 0) continue;
    for (const value of spec.values) select.add(new Option(LABELS[value] ?? value, value));
    select.title = spec.help;
  }
  for (const [k, spec] of Object.entries(NUMBER_FIELDS)) {
    const input = field(k);
    input.title = spec.help;
    if (spec.type !== 'integer') continue;
    if (spec.min !== undefined) input.setAttribute('min', String(spec.min));
    if (spec.max !== undefined) input.setAttribute('max', String(spec.max));
  }
}

export function writeForm(settings: Settings): void {
  describeForm();
  for (const k of SELECT_FIELDS) field(k).value = String(settings[k]);
  for (const k of Object.keys(NUMBER_FIELDS) as Array<keyof typeof NUMBER_FIELDS>) field(k).value = formatNumber(settings[k]);
  field('styleStrength').value = String(sliderFromStrength(settings.styleStrength));
  document.getElementById('styleStrength-value')!.textContent = formatStrength(settings.styleStrength);
  (field('compare') as HTMLInputElement).checked = settings.compare;
}

/** A number field's text as its value (integers rounded), or the error of its row (naming the field). */
export function readNumberField(name: string, spec: OptionSpec, text: string): number | { error: string } {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) return { error: `${name}: '${text.trim()}' is not a number` };
  const value = spec.type === 'integer' ? Math.round(v) : v;
  try {
    checkOption(name, spec, value);
  } catch (error) {
    return { error: (error as Error).message };
  }
  return value;
}

/** The form's values, or an error naming the first field that is not a valid number. */
export function readForm(): Settings | { error: string } {
  const s = defaultSettings();
  const out = s as unknown as Record<string, unknown>;
  for (const k of SELECT_FIELDS) out[k] = field(k).value;
  for (const [k, spec] of Object.entries(NUMBER_FIELDS)) {
    const v = readNumberField(k, spec, field(k).value);
    if (typeof v !== 'number') return v;
    out[k] = v;
  }
  s.styleStrength = strengthFromSlider(Number(field('styleStrength').value));
  document.getElementById('styleStrength-value')!.textContent = formatStrength(s.styleStrength);
  s.compare = (field('compare') as HTMLInputElement).checked;
  return s;
}
