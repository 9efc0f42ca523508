/**
 * The demo page: settings, images, and the results of the engine worker (worker.ts). The page never
 * touches the GPU itself except to check that WebGPU exists; everything heavy runs in the worker.
 */
import { DEFAULT_PRESET, PRESETS } from '../src/style/presets.js';
import { DEFAULT_CONTENT, DEFAULT_STYLE, GALLERY } from '../src/style/gallery.js';
import { analysisSvg } from '../src/style/plot.js';
import { webgpuProblem, WEBGPU_HELP } from './gpu-check.js';
import { decodeImage, drawThumbnail, galleryAssetUrl, gallerySource, imageFromTransfer, putPixels, renderSource, type Slot, type Source } from './images.js';
import { lossChartSvg, type LossSeries } from './loss-chart.js';
import { formatStrength, loadSettings, presetFields, readForm, saveSettings, strengthFromSlider, styleWeightFor, writeForm, type Settings } from './settings.js';
import type { FromWorker, ModelChoice, RunJob, ToWorker } from './protocol.js';
import { toImageData } from '../src/style/image.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const WEIGHTS_URL: Record<ModelChoice, string> = {
  resnet50: new URL('weights/resnet50-keras.safetensors', document.baseURI).href,
  vgg19: new URL('weights/vgg19.safetensors', document.baseURI).href,
};

type State = 'starting' | 'no-webgpu' | 'loading' | 'ready' | 'running' | 'paused' | 'done' | 'error' | 'lost';

/** What the page knows; also exposed as `window.swagpuDemo` for the browser tests. */
const demo = {
  state: 'starting' as State,
  adapter: '',
  /** The route family the library runs (the adapter's own, or the page's ?tuning=). */
  tuning: '',
  loaded: new Set<ModelChoice>(),
  series: [] as LossSeries[],
  /** RGBA8 of the content image at the size of the last run (tests compare the result against it). */
  lastContent: null as { width: number; height: number; pixels: number[] } | null,
  errors: [] as string[],
  /** The iteration the worker is blocked at while paused (null while it runs). */
  pausedAt: null as number | null,
  /** Test hook: destroy the worker's GPU device to exercise the device-lost path. */
  loseDevice: () => send({ type: 'lose-device' }),
};
(window as unknown as { swagpuDemo: typeof demo }).swagpuDemo = demo;

let worker: Worker | null = null;
let runId = 0;
let currentRun = { id: -1, jobs: [] as RunJob[], iterations: 0 };
/** Null until the default gallery images are decoded (a moment after the page loads). */
const sources: Record<Slot, Source | null> = { content: null, style: null };
let targetSlot: Slot = 'content';
/** Content images chosen together with the first (several files at once): one result per content, in a grid. */
let moreContents: Source[] = [];
let vggAvailable = false;
/** Sizes of the weights files the server has (weights/index.json), when it says. */
const weightsBytes = new Map<string, number>();
let settings: Settings = loadSettings();

function setState(state: State): void {
  demo.state = state;
  document.body.dataset.state = state;
  const busy = state === 'running' || state === 'paused';
  const model = settings.model;
  $<HTMLButtonElement>('run').disabled = busy || !demo.loaded.has(model) || state === 'lost';
  $<HTMLButtonElement>('pause').disabled = !busy;
  $<HTMLButtonElement>('pause').textContent = state === 'paused' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('stop').disabled = !busy;
  $<HTMLButtonElement>('analyze').disabled = busy || !demo.loaded.has('resnet50') || state === 'lost';
}

function showError(message: string | null): void {
  const box = $('error-message');
  box.hidden = !message;
  box.textContent = message ?? '';
  if (message) demo.errors.push(message);
}

function send(message: ToWorker, transfer: Transferable[] = []): void {
  worker?.postMessage(message, transfer);
}

// ---------- weights ----------

function fmtMB(bytes: number): string { return `${(bytes / 1e6).toFixed(1)} MB`; }

function loadModel(model: ModelChoice): void {
  if (demo.loaded.has(model)) return;
  $('weights').hidden = false;
  $('weights-label').textContent = model === 'resnet50' ? 'ResNet-50 weights' : 'VGG-19 weights';
  $('weights-text').textContent = 'connecting…';
  setState('loading');
  send({ type: 'load', model, url: WEIGHTS_URL[model], bytes: weightsBytes.get(WEIGHTS_URL[model].split('/').pop()!) });
}

/** weights/index.json (written by the demo's Vite plugin) lists the weights the server has. */
async function readWeightsIndex(): Promise<void> {
  try {
    const res = await fetch(new URL('weights/index.json', document.baseURI), { cache: 'no-cache' });
    const index = res.ok ? await res.json() as { files: Array<{ name: string; bytes?: number }> } : { files: [] };
    for (const f of index.files) if (typeof f.bytes === 'number') weightsBytes.set(f.name, f.bytes);
    vggAvailable = index.files.some((f) => f.name === 'vgg19.safetensors');
  } catch {
    vggAvailable = false;
  }
  const option = $<HTMLSelectElement>('model').querySelector('option[value="vgg19"]') as HTMLOptionElement;
  option.disabled = !vggAvailable;
  option.textContent = vggAvailable ? 'VGG-19' : 'VGG-19 (needs weights/vgg19.safetensors)';
  if (!vggAvailable && settings.model === 'vgg19') applyPreset(DEFAULT_PRESET);
  fillPresets();
}

// ---------- settings ----------

function fillPresets(): void {
  const select = $<HTMLSelectElement>('preset');
  select.innerHTML = '';
  for (const p of Object.values(PRESETS)) {
    const option = new Option(p.name, p.name);
    option.disabled = p.model === 'vgg19' && !vggAvailable;
    option.title = p.source;
    select.add(option);
  }
  select.value = settings.preset;
}

function applyPreset(name: string): void {
  settings = { ...settings, ...presetFields(name) };
  writeForm(settings);
  saveSettings(settings);
}

function onSettingsChanged(event: Event): void {
  const id = (event.target as HTMLElement).id;
  if (id === 'preset') applyPreset($<HTMLSelectElement>('preset').value);
  if (id === 'model') {
    const model = $<HTMLSelectElement>('model').value as ModelChoice;
    const preset = PRESETS[DEFAULT_PRESET].model === model ? PRESETS[DEFAULT_PRESET] : Object.values(PRESETS).find((p) => p.model === model);
    if (preset) applyPreset(preset.name);
  }
  const read = readForm();
  if ('error' in read) { showError(read.error); return; }
  showError(null);
  settings = read;
  saveSettings(settings);
  $<HTMLInputElement>('compare').disabled = settings.model !== 'resnet50';
  if (worker && demo.state !== 'lost') loadModel(settings.model);
  setState(demo.state);
}

// ---------- images ----------

function setSource(slot: Slot, source: Source): void {
  sources[slot] = source;
  if (slot === 'content') moreContents = [];
  $(`name-${slot}`).textContent = source.name;
  drawThumbnail($<HTMLCanvasElement>(`thumb-${slot}`), source);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#gallery button')) {
    b.classList.toggle('selected', Object.values(sources).some((v) => v?.kind === 'gallery' && v.name === b.dataset.name));
  }
}

async function useGallery(slot: Slot, name: string): Promise<void> {
  try {
    setSource(slot, await gallerySource(name));
  } catch (e) {
    showError(`built-in image ${name}: ${(e as Error).message}`);
  }
}

/** The built-in photos and paintings as thumbnails; a click puts one in its slot. */
function fillGallery(): void {
  const box = $('gallery');
  for (const g of GALLERY) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.name = g.name;
    b.title = `${g.title} — ${g.credit} (${g.licence})`;
    const img = document.createElement('img');
    img.src = galleryAssetUrl(g);
    img.alt = g.title;
    b.append(img, g.name);
    b.addEventListener('click', () => void useGallery(g.kind, g.name));
    box.append(b);
  }
}

async function acceptFile(slot: Slot, file: File | null): Promise<void> {
  if (!file) return;
  try {
    setSource(slot, await decodeImage(file, file.name || 'pasted image'));
    showError(null);
  } catch (e) {
    showError((e as Error).message);
  }
}

async function acceptMoreContents(files: File[]): Promise<void> {
  try {
    moreContents = await Promise.all(files.map((f) => decodeImage(f, f.name)));
    const first = sources.content;
    $('name-content').textContent = `${first?.name ?? 'content'} + ${moreContents.length} more`;
  } catch (e) {
    showError((e as Error).message);
  }
}

function selectSlot(slot: Slot): void {
  targetSlot = slot;
  for (const s of ['content', 'style'] as Slot[]) $(`drop-${s}`).classList.toggle('target', s === slot);
}

function wireImages(): void {
  for (const slot of ['content', 'style'] as Slot[]) {
    const zone = $(`drop-${slot}`);
    zone.addEventListener('click', () => selectSlot(slot));
    zone.addEventListener('focus', () => selectSlot(slot));
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      selectSlot(slot);
      void acceptFile(slot, imageFromTransfer(e.dataTransfer));
    });
    $<HTMLInputElement>(`file-${slot}`).addEventListener('change', (e) => {
      const input = e.target as HTMLInputElement;
      const files = [...(input.files ?? [])];
      void acceptFile(slot, files[0] ?? null).then(() => (slot === 'content' && files.length > 1 ? acceptMoreContents(files.slice(1)) : undefined));
      input.value = '';
    });
    $(`reset-${slot}`).addEventListener('click', () => void useGallery(slot, slot === 'content' ? DEFAULT_CONTENT : DEFAULT_STYLE));
    void useGallery(slot, slot === 'content' ? DEFAULT_CONTENT : DEFAULT_STYLE);
  }
  document.addEventListener('paste', (e) => void acceptFile(targetSlot, imageFromTransfer(e.clipboardData)));
  selectSlot('content');
}

// ---------- results ----------

function resultPanel(job: number, label: string, width: number, height: number): HTMLCanvasElement {
  let figure = document.getElementById(`result-${job}`);
  if (!figure) {
    figure = document.createElement('figure');
    figure.className = 'result';
    figure.id = `result-${job}`;
    figure.innerHTML = `<figcaption><span class="label"></span><button type="button" class="link download">Download PNG</button></figcaption><canvas></canvas>`;
    figure.querySelector('.download')!.addEventListener('click', () => downloadPng(figure!.querySelector('canvas')!, figure!.dataset.label ?? 'result'));
    $('results').append(figure);
  }
  figure.dataset.label = label;
  figure.querySelector('.label')!.textContent = label;
  const canvas = figure.querySelector('canvas')!;
  canvas.width = width;
  canvas.height = height;
  // Small runs are shown enlarged (pixelated) so 64 px results are visible.
  const display = currentRun.jobs.length > 1 ? 340 : 512;
  const scale = Math.max(1, Math.floor(display / Math.max(width, height))) || 1;
  canvas.style.width = `${Math.min(display, width * scale)}px`;
  return canvas;
}

function downloadPng(canvas: HTMLCanvasElement, label: string): void {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `swagpu-${label.replace(/[^\w.-]+/g, '_')}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }, 'image/png');
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function drawLossChart(): void {
  $('loss-chart').innerHTML = lossChartSvg(demo.series, currentRun.iterations || settings.iterations);
}

/** Give a fixed-size SVG a viewBox so CSS can scale it to the column instead of clipping it. */
function scalableSvg(svg: SVGSVGElement | null): void {
  if (!svg || svg.hasAttribute('viewBox')) return;
  svg.setAttribute('viewBox', `0 0 ${svg.getAttribute('width')} ${svg.getAttribute('height')}`);
  svg.removeAttribute('height');
  svg.setAttribute('width', '100%');
}

function onProgress(m: Extract<FromWorker, { type: 'progress' }>): void {
  if (m.runId !== currentRun.id) return;
  const canvas = $(`result-${m.job}`)?.querySelector('canvas');
  if (canvas) putPixels(canvas, m.pixels, m.width, m.height);
  demo.series[m.job]?.points.push([m.iteration, m.loss]);
  drawLossChart();
  const rate = m.iteration / Math.max(1e-9, m.elapsedSeconds);
  const jobsLeft = currentRun.jobs.length - 1 - m.job;
  $('stat-iter').textContent = `${m.iteration} / ${m.iterations}${currentRun.jobs.length > 1 ? ` (run ${m.job + 1} of ${currentRun.jobs.length})` : ''}`;
  $('stat-loss').textContent = m.loss.toExponential(3);
  $('stat-rate').textContent = rate.toFixed(2);
  $('stat-eta').textContent = fmtSeconds((m.iterations - m.iteration + jobsLeft * m.iterations) / rate);
}

// ---------- run ----------

/**
 * The runs of one press of Run. Each job's style weight is its preset's × the style strength (settings.ts);
 * the content weight is the preset's. Compare mode runs the paper's literal pair (resnet50, resnet50-swag).
 */
function buildJobs(s: Settings): RunJob[] {
  const overrides = {
    smoothing: s.smoothing, temperature: s.temperature,
    tvWeight: s.tvWeight, iterations: s.iterations, optimizer: s.optimizer, reportEvery: s.reportEvery,
  };
  if (s.compare && s.model === 'resnet50') {
    return [
      { label: 'resnet50 (no smoothing)', preset: 'resnet50', overrides: { ...overrides, smoothing: 'none', styleWeight: styleWeightFor('resnet50', s.styleStrength) } },
      { label: 'resnet50-swag (softmax)', preset: 'resnet50-swag', overrides: { ...overrides, smoothing: 'softmax', styleWeight: styleWeightFor('resnet50-swag', s.styleStrength) } },
    ];
  }
  const label = `${s.preset}${s.smoothing !== 'none' ? ` (${s.smoothing}, T=${s.temperature})` : ''}${s.styleStrength !== 1 ? `, style ×${s.styleStrength}` : ''}`;
  return [{ label, preset: s.preset, overrides: { ...overrides, styleWeight: styleWeightFor(s.preset, s.styleStrength) } }];
}

function run(): void {
  const read = readForm();
  if ('error' in read) { showError(read.error); return; }
  settings = read;
  saveSettings(settings);
  showError(null);
  if (!sources.content || !sources.style) { showError('the images are still loading'); return; }
  const content = renderSource(sources.content, settings.size);
  const style = renderSource(sources.style, settings.size);
  demo.lastContent = { width: content.width, height: content.height, pixels: Array.from(toImageData(content).data) };
  // Several content images: every job for each of them (content-major), shown as a grid of results.
  const contents = moreContents.map((s) => renderSource(s, settings.size));
  const name = (s: Source) => s.name;
  const jobs = contents.length === 0 ? buildJobs(settings) : [sources.content, ...moreContents].flatMap((s, i) =>
    buildJobs(settings).map((j) => ({ ...j, label: `${name(s)}: ${j.label}`, ...(i > 0 ? { content: i - 1 } : {}) })));
  const sizeOf = (j: RunJob) => (j.content === undefined ? content : contents[j.content]);
  currentRun = { id: ++runId, jobs, iterations: settings.iterations };
  demo.series = jobs.map((j) => ({ label: j.label, points: [] }));
  $('results').innerHTML = '';
  jobs.forEach((j, i) => { const c = sizeOf(j); putPixels(resultPanel(i, j.label, c.width, c.height), toImageData(c).data, c.width, c.height); });
  drawLossChart();
  for (const id of ['stat-iter', 'stat-loss', 'stat-rate', 'stat-eta']) $(id).textContent = '–';
  setState('running');
  send({ type: 'run', runId: currentRun.id, model: settings.model, content, style, jobs, contents }, [content.data.buffer, style.data.buffer, ...contents.map((c) => c.data.buffer)]);
}

function analyze(): void {
  if (!sources.content) return;
  const content = renderSource(sources.content, Math.min(settings.size, 256));
  $('analysis').innerHTML = '<p class="muted">analysing…</p>';
  $<HTMLButtonElement>('analyze').disabled = true;
  send({ type: 'analyze', runId: ++runId, content }, [content.data.buffer]);
}

// ---------- worker ----------

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      demo.adapter = `${m.adapter.vendor} ${m.adapter.architecture} ${m.adapter.description}`.trim();
      demo.tuning = m.adapter.tuning;
      $('adapter').textContent = `WebGPU adapter: ${demo.adapter || 'unnamed'}${m.adapter.isCPU ? ' (CPU, slow)' : ''}${m.adapter.tuningForced ? `; ${m.adapter.tuning} routes forced (?tuning=)` : ''}`;
      loadModel(settings.model);
      break;
    case 'load-progress': {
      const bar = $<HTMLProgressElement>('weights-bar');
      if (m.total > 0) { bar.max = m.total; bar.value = m.loaded; } else bar.removeAttribute('value');
      $('weights-text').textContent = `${fmtMB(m.loaded)}${m.total ? ` of ${fmtMB(m.total)}` : ''}${m.cached ? ' (browser cache)' : ''}`;
      break;
    }
    case 'loaded':
      demo.loaded.add(m.model);
      $('weights-text').textContent = `ready (${m.seconds.toFixed(1)} s${m.cached ? ', from the browser cache' : ''})`;
      setTimeout(() => { if (demo.loaded.has(settings.model)) $('weights').hidden = true; }, 1500);
      setState('ready');
      break;
    case 'started':
      if (m.runId === currentRun.id) $('stat-iter').textContent = `0 / ${m.iterations}`;
      break;
    case 'progress':
      onProgress(m);
      break;
    case 'done': {
      if (m.runId !== currentRun.id) break;
      const canvas = $(`result-${m.job}`)?.querySelector('canvas');
      if (canvas) putPixels(canvas, m.pixels, m.width, m.height);
      $('stat-iter').textContent = `${m.iterations} / ${currentRun.iterations}${m.stopped ? ' (stopped)' : ''}`;
      if (Number.isFinite(m.lossEnd)) $('stat-loss').textContent = m.lossEnd.toExponential(3);
      break;
    }
    case 'paused':
      if (m.runId === currentRun.id && demo.state === 'paused') {
        demo.pausedAt = m.iteration;
        $('stat-eta').textContent = 'paused';
      }
      break;
    case 'all-done':
      if (m.runId === currentRun.id && demo.state !== 'lost') setState(demo.state === 'error' ? 'error' : 'done');
      break;
    case 'analysis':
      $('analysis').innerHTML = analysisSvg(
        [{ label: 'ResNet-50, no smoothing', stats: m.none }, { label: 'ResNet-50, softmax (SWAG)', stats: m.softmax }],
        'Gram peakiness of the content image per ResNet-50 tap',
      );
      scalableSvg($('analysis').querySelector('svg'));
      setState(demo.state);
      break;
    case 'device-lost':
      $('lost-text').textContent = `The GPU device was lost (${m.reason}${m.message ? `: ${m.message}` : ''}). The last preview is kept.`;
      $('lost-message').hidden = false;
      setState('lost');
      break;
    case 'error':
      showError(m.message);
      if (demo.state !== 'lost') setState(demo.loaded.has(settings.model) ? 'error' : 'error');
      break;
  }
}

function startWorker(): void {
  worker?.terminate();
  demo.loaded.clear();
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => { showError(`worker failed: ${e.message}`); setState('error'); };
  // ?tuning=gpu|llvmpipe|swiftshader forces a route family (e.g. the hardware-GPU kernels on a CPU adapter, to check them).
  send({ type: 'init', tuning: new URLSearchParams(location.search).get('tuning') ?? undefined });
}

function restart(): void {
  $('lost-message').hidden = true;
  showError(null);
  setState('starting');
  startWorker();
}

async function main(): Promise<void> {
  fillPresets();
  writeForm(settings);
  $<HTMLInputElement>('compare').disabled = settings.model !== 'resnet50';
  drawLossChart();
  fillGallery();
  wireImages();
  $('settings').addEventListener('change', onSettingsChanged);
  // The slider's label follows while dragging; the value is read on 'change' (release).
  $('styleStrength').addEventListener('input', () => {
    $('styleStrength-value').textContent = formatStrength(strengthFromSlider(Number($<HTMLInputElement>('styleStrength').value)));
  });
  $('run').addEventListener('click', run);
  $('pause').addEventListener('click', () => {
    const pausing = demo.state === 'running';
    send({ type: pausing ? 'pause' : 'resume' });
    demo.pausedAt = null;
    setState(pausing ? 'paused' : 'running');
  });
  $('stop').addEventListener('click', () => send({ type: 'stop' }));
  $('restart').addEventListener('click', restart);
  $('analyze').addEventListener('click', analyze);
  setState('starting');

  const problem = await webgpuProblem();
  if (problem) {
    const box = $('gpu-message');
    box.hidden = false;
    box.innerHTML = `<b>WebGPU is not available.</b> <span class="reason"></span><br><span class="help"></span>`;
    box.querySelector('.reason')!.textContent = problem;
    box.querySelector('.help')!.textContent = WEBGPU_HELP;
    $('adapter').textContent = 'No WebGPU adapter.';
    setState('no-webgpu');
    return;
  }
  await readWeightsIndex();
  startWorker();
}

void main();
