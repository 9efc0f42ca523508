/**
 * The device layer: find a WebGPU adapter, open a device with the adapter's limits raised to what it
 * allows, and report what ran. In the browser it uses `navigator.gpu`; in Node the npm package
 * `webgpu` (Dawn). Node adapter order (override with SWAGPU_ADAPTER=auto|gpu|llvmpipe|swiftshader):
 *   1. a hardware GPU through Dawn's Vulkan backend;
 *   2. Mesa llvmpipe through Dawn's OpenGL backend (compatibility mode) — the fast CPU fallback;
 *   3. SwiftShader through Dawn's Vulkan backend — the slow CPU fallback Chromium uses.
 * Nothing has to be set by hand: the environment Mesa and the Vulkan loader read is set here,
 * before Dawn loads.
 *
 * The route family (AdapterReport.tuning) follows the adapter unless forced: SWAGPU_TUNING=gpu|llvmpipe|swiftshader
 * in Node, `tuning` in createGpu's options anywhere (the demo passes its page's ?tuning=). Forcing 'gpu' on llvmpipe
 * is how CI executes, here, every route a hardware GPU takes. The per-op choices of the 'gpu' family come from the
 * tuning table (tuning-table.ts), matched against the adapter's vendor, architecture and description.
 */
import { lookupTuning, type TuningChoice } from './tuning-table.js';

export type AdapterKind = 'gpu' | 'llvmpipe' | 'swiftshader' | 'browser';
export const NODE_ADAPTER_KINDS: readonly Exclude<AdapterKind, 'browser'>[] = ['gpu', 'llvmpipe', 'swiftshader'];
/** A route family: whose measurements choose the kernels' routes and tiles. */
export type Tuning = Exclude<AdapterKind, 'browser'>;
const TUNINGS: readonly Tuning[] = NODE_ADAPTER_KINDS;

export interface AdapterReport {
  kind: AdapterKind;
  backend: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software (CPU) adapters: llvmpipe, SwiftShader, or any adapter flagged as fallback. */
  isCPU: boolean;
  /**
   * Whose measurements choose the kernels' routes and tiles (gemmTile, convTile, gramPath, ...): a Node adapter's
   * own kind; in a browser, 'swiftshader' where the adapter says it is SwiftShader (Chromium's does, in
   * `info.architecture`), else 'gpu'.
   */
  tuning: Tuning;
  /** What set `tuning`: 'adapter' (its own kind, as above), 'SWAGPU_TUNING' or 'option' (forced). */
  tuningSource: 'adapter' | 'SWAGPU_TUNING' | 'option';
  /** The tuning table's choices for this adapter (the 'gpu' family; tuning-table.ts): which entry matched, or the fallback. */
  table: TuningChoice;
  featureLevel: 'core' | 'compatibility';
}

export interface Gpu {
  device: GPUDevice;
  adapter: AdapterReport;
  limits: GPUSupportedLimits;
  features: string[];
  /**
   * The subgroup size when the device has the 'subgroups' feature and the adapter reports one fixed size
   * (SwiftShader: 4, its SIMD width); null otherwise. Kernels with a subgroup variant check it.
   */
  subgroupSize: number | null;
  /** Set when the device is lost (destroyed, driver reset); kernels refuse to launch afterwards. */
  lost: { reason: string; message: string } | null;
}

/** The limits we raise to the adapter's maximum (compatibility mode starts far below them). */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize', 'maxBindGroups', 'maxUniformBuffersPerShaderStage',
] as const;

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** What each Node adapter needs, for the message when it is missing. */
const NEEDS: Record<Exclude<AdapterKind, 'browser'>, string> = {
  gpu: 'a hardware GPU with a Vulkan driver (none was found: Dawn\'s Vulkan backend saw only software adapters, or none)',
  llvmpipe: 'Mesa llvmpipe through EGL: on Debian/Ubuntu `apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri`',
  swiftshader: `SwiftShader's Vulkan driver (${SWIFTSHADER_ICD}) and the Vulkan loader: on Debian/Ubuntu \`apt-get install chromium libvulkan1\``,
};
const INSTALL_HINT =
  'No WebGPU adapter found. On Debian/Ubuntu install a CPU fallback: ' +
  '`apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri` (Mesa llvmpipe, fast) and/or ' +
  '`apt-get install chromium libvulkan1` (SwiftShader), or run on a machine with a GPU driver.';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };
let dawn: Promise<DawnModule> | null = null;
/** Runs a synchronous Dawn call with its known-benign stderr warnings filtered (driver-stderr.ts). */
let quietDriver: <T>(call: () => T) => T = (call) => call();
const liveInstances: GPU[] = [];

/** Load Dawn once, after setting the environment the Mesa and Vulkan loaders read at startup. */
async function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    const env = process.env;
    // Mesa's EGL needs no display server with the surfaceless platform.
    env.EGL_PLATFORM ??= 'surfaceless';
    env.XDG_RUNTIME_DIR ??= '/tmp';
    // VK_ADD_DRIVER_FILES *adds* SwiftShader to the Vulkan drivers found, so a hardware GPU's driver
    // (if any) is still seen and preferred; VK_ICD_FILENAMES would replace them.
    const { existsSync } = await import('node:fs');
    if (existsSync(SWIFTSHADER_ICD) && !env.VK_ICD_FILENAMES) {
      const extra = env.VK_ADD_DRIVER_FILES ? env.VK_ADD_DRIVER_FILES.split(':') : [];
      if (!extra.includes(SWIFTSHADER_ICD)) env.VK_ADD_DRIVER_FILES = [...extra, SWIFTSHADER_ICD].join(':');
    }
    // Mesa's shader cache in the swagpu cache when the user set none (works without a writable home).
    const { setMesaShaderCacheDir } = await import('./user-cache.js');
    setMesaShaderCacheDir(env);
    quietDriver = (await import('./driver-stderr.js')).captureDriverStderr;
    const moduleName = 'webgpu'; // a variable, so bundlers for the browser leave it alone
    dawn = (import(/* @vite-ignore */ moduleName) as Promise<DawnModule>).then((mod) => {
      // GPUBufferUsage, GPUMapMode, ... exist as globals in browsers; Dawn exports them instead.
      for (const [name, value] of Object.entries(mod.globals)) (globalThis as Record<string, unknown>)[name] ??= value;
      return mod;
    });
  }
  return dawn;
}

/** A route family named by `source` (an environment variable, an option, a URL query), checked: a clear error otherwise. */
export function parseTuning(value: string, source: string): Tuning {
  if ((TUNINGS as readonly string[]).includes(value)) return value as Tuning;
  throw new Error(`${source}=${JSON.stringify(value)} is not a route family: use one of ${TUNINGS.join(', ')} (or leave it unset: the adapter's own)`);
}

/** SWAGPU_TUNING in Node (unset or empty: null, the adapter's own family). */
export function tuningFromEnv(): Tuning | null {
  const value = isNode ? process.env.SWAGPU_TUNING : undefined;
  return value ? parseTuning(value, 'SWAGPU_TUNING') : null;
}

/** How a device's route family is chosen: forced to `tuning`, else the adapter's own. */
export interface TuningOverride { tuning: Tuning | null; source: 'SWAGPU_TUNING' | 'option' }

function describe(adapter: GPUAdapter, kind: AdapterKind, backend: string, featureLevel: 'core' | 'compatibility', force: TuningOverride | null = null): AdapterReport {
  const info = adapter.info;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  const software = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render/.test(text);
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const own: Tuning = kind !== 'browser' ? kind : info.architecture === 'swiftshader' ? 'swiftshader' : 'gpu';
  const ids = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
  return {
    kind, backend, featureLevel, ...ids,
    isCPU: software || fallback,
    tuning: force?.tuning ?? own,
    tuningSource: force?.tuning ? force.source : 'adapter',
    table: lookupTuning(ids),
  };
}

/** Try one Node adapter kind; null when this machine does not have it. */
async function requestNodeAdapter(kind: Exclude<AdapterKind, 'browser'>, force: TuningOverride | null = null): Promise<{ adapter: GPUAdapter; report: AdapterReport } | null> {
  const dawnModule = await loadDawn();
  // Keep every Dawn instance alive for the life of the process: when one is garbage-collected, the
  // devices opened from it go with it and the process crashes inside Dawn.
  const create = (flags: string[]): GPU => {
    const instance = dawnModule.create(flags);
    liveInstances.push(instance);
    return instance;
  };
  try {
    if (kind === 'llvmpipe') {
      const gl = create(['backend=opengl']);
      const adapter = await quietDriver(() => gl.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions));
      if (!adapter) return null;
      const report = describe(adapter, kind, 'opengl', 'compatibility', force);
      return /llvmpipe/.test(report.device + report.description) ? { adapter, report } : null;
    }
    if (kind === 'swiftshader') {
      const vk = create(['backend=vulkan', 'adapter=SwiftShader']);
      const adapter = await quietDriver(() => vk.requestAdapter());
      return adapter ? { adapter, report: describe(adapter, kind, 'vulkan', 'core', force) } : null;
    }
    const vk = create(['backend=vulkan']);
    const adapter = await quietDriver(() => vk.requestAdapter({ powerPreference: 'high-performance' }));
    if (!adapter) return null;
    const report = describe(adapter, kind, 'vulkan', 'core', force);
    return report.isCPU ? null : { adapter, report };
  } catch {
    return null; // Dawn throws when a backend or named adapter is absent
  }
}

/** Which Node adapters this machine has, in preference order (their route family as SWAGPU_TUNING leaves it). */
export async function listNodeAdapters(): Promise<AdapterReport[]> {
  const found: AdapterReport[] = [];
  const force: TuningOverride = { tuning: tuningFromEnv(), source: 'SWAGPU_TUNING' };
  for (const kind of NODE_ADAPTER_KINDS) {
    const r = await requestNodeAdapter(kind, force);
    if (r) found.push(r.report);
  }
  return found;
}

function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === 'number') limits[name] = value;
  }
  return limits;
}

async function openDevice(adapter: GPUAdapter, report: AdapterReport): Promise<Gpu> {
  const wanted = ['timestamp-query', 'shader-f16', 'subgroups'].filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter), requiredFeatures: wanted });
  const { subgroupMinSize: min, subgroupMaxSize: max } = adapter.info;
  const subgroupSize = device.features.has('subgroups') && min && min === max ? min : null;
  const gpu: Gpu = { device, adapter: report, limits: device.limits, features: [...device.features] as string[], subgroupSize, lost: null };
  device.lost.then((info) => {
    gpu.lost = { reason: info.reason, message: info.message };
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    // Loud, never swallowed: kernels wrap their own work in error scopes; anything reaching here is a bug.
    console.error(`swagpu: uncaptured WebGPU error on ${report.kind}: ${error.message}`);
  });
  return gpu;
}

export type AdapterChoice = 'auto' | Exclude<AdapterKind, 'browser'>;

function choiceFromEnv(): AdapterChoice {
  // Unset or empty (`SWAGPU_ADAPTER=`) means auto.
  const value = (isNode ? process.env.SWAGPU_ADAPTER?.trim() : undefined) || 'auto';
  if (value === 'auto' || (NODE_ADAPTER_KINDS as readonly string[]).includes(value)) return value as AdapterChoice;
  throw new Error(`SWAGPU_ADAPTER=${value} is not one of auto, ${NODE_ADAPTER_KINDS.join(', ')}`);
}

export interface GpuOptions {
  /** Force a route family on whatever adapter opens (default: SWAGPU_TUNING in Node, else the adapter's own). */
  tuning?: Tuning | null;
}

/** The override a createGpu call applies: its option, else SWAGPU_TUNING (read, and checked, at every call). */
function overrideOf(options: GpuOptions): TuningOverride {
  return options.tuning ? { tuning: parseTuning(options.tuning, 'tuning'), source: 'option' } : { tuning: tuningFromEnv(), source: 'SWAGPU_TUNING' };
}

/**
 * Open a device. `choice` defaults to SWAGPU_ADAPTER or 'auto' (first of gpu, llvmpipe, swiftshader).
 * Throws with installation advice when nothing is available, and names a bad SWAGPU_TUNING or `tuning`.
 */
export async function createGpu(choice: AdapterChoice = choiceFromEnv(), options: GpuOptions = {}): Promise<Gpu> {
  const force = overrideOf(options);
  if (!isNode) {
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    if (!nav?.gpu) throw new Error('WebGPU is not available in this browser (navigator.gpu is missing).');
    const adapter = await nav.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('WebGPU is present but no adapter was found (navigator.gpu.requestAdapter() returned null).');
    return openDevice(adapter, describe(adapter, 'browser', 'browser', 'core', force));
  }
  const kinds = choice === 'auto' ? NODE_ADAPTER_KINDS : [choice];
  for (const kind of kinds) {
    const r = await requestNodeAdapter(kind, force);
    if (r) return openDevice(r.adapter, r.report);
  }
  if (choice === 'auto') throw new Error(INSTALL_HINT);
  // Say what is missing for the adapter asked for, and what this machine has instead.
  const others = (await listNodeAdapters()).map((a) => a.kind);
  throw new Error(`SWAGPU_ADAPTER=${choice}: that adapter is not available here; it needs ${NEEDS[choice]}. `
    + (others.length > 0 ? `Available here: ${others.join(', ')} (unset SWAGPU_ADAPTER, or set it to auto, to use them).` : INSTALL_HINT));
}

const shared = new Map<string, Promise<Gpu>>();

/** One device per process, adapter choice and route family, shared by everything that asks. */
export function getGpu(choice: AdapterChoice = choiceFromEnv(), options: GpuOptions = {}): Promise<Gpu> {
  const key = `${choice}/${overrideOf(options).tuning ?? 'own'}`;
  let gpu = shared.get(key);
  if (!gpu) {
    gpu = createGpu(choice, options);
    shared.set(key, gpu);
    gpu.catch(() => shared.delete(key));
  }
  return gpu;
}

/** Plain-object copy of a device's limits (GPUSupportedLimits has getters only, invisible to JSON). */
export function limitsObject(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  const proto = Object.getPrototypeOf(limits);
  for (const key of Object.keys(Object.getOwnPropertyDescriptors(proto)).concat(Object.keys(limits))) {
    const value = (limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}
