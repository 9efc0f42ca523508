/**
 * The settings form: read, write, fill from a preset, remember in localStorage. The loss weights are one
 * "style strength" slider (log scale, ×0.01 … ×100): the run's style weight is the preset's × strength.
 * On the default preset (normalised losses, weights 1 = balanced) that is the style's share against the
 * content's; on the paper's presets it scales their raw 1e17.
 */
import { DEFAULT_PRESET, PRESETS, type OptimizerName, type SmoothingMode } from '../src/style/presets.js';
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

const NUMBER_FIELDS = ['temperature', 'tvWeight', 'size', 'iterations', 'reportEvery'] as const;
const SELECT_FIELDS = ['model', 'preset', 'smoothing', 'optimizer'] as const;

function field(id: string): HTMLInputElement | HTMLSelectElement {
  return document.getElementById(id) as HTMLInputElement | HTMLSelectElement;
}

/** 1e17 rather than 100000000000000000 (Number() reads both back). */
export function formatNumber(v: number): string {
  return v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) ? v.toExponential().replace('e+', 'e') : String(v);
}

export function writeForm(settings: Settings): void {
  for (const k of SELECT_FIELDS) field(k).value = String(settings[k]);
  for (const k of NUMBER_FIELDS) field(k).value = formatNumber(settings[k]);
  field('styleStrength').value = String(sliderFromStrength(settings.styleStrength));
  document.getElementById('styleStrength-value')!.textContent = formatStrength(settings.styleStrength);
  (field('compare') as HTMLInputElement).checked = settings.compare;
}

/** The form's values, or an error naming the first field that is not a valid number. */
export function readForm(): Settings | { error: string } {
  const s = defaultSettings();
  const out = s as unknown as Record<string, unknown>;
  for (const k of SELECT_FIELDS) out[k] = field(k).value;
  for (const k of NUMBER_FIELDS) {
    const text = field(k).value.trim();
    const v = Number(text);
    if (text === '' || !Number.isFinite(v) || v < 0) return { error: `${k}: '${text}' is not a number >= 0` };
    out[k] = v;
  }
  s.styleStrength = strengthFromSlider(Number(field('styleStrength').value));
  document.getElementById('styleStrength-value')!.textContent = formatStrength(s.styleStrength);
  s.size = Math.round(s.size);
  s.iterations = Math.round(s.iterations);
  s.reportEvery = Math.max(1, Math.round(s.reportEvery));
  if (s.size < 16 || s.size > 2048) return { error: `size must be between 16 and 2048, got ${s.size}` };
  if (s.iterations < 1) return { error: 'iterations must be at least 1' };
  if (!(s.temperature > 0)) return { error: 'temperature must be > 0' };
  s.compare = (field('compare') as HTMLInputElement).checked;
  return s;
}
