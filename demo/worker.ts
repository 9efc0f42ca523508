/**
 * The engine worker: owns the WebGPU device, the weights and the models, and runs stylize() and
 * analyze() off the page's thread, through the library API (src/index.ts). Only browser-safe modules are imported here (see
 * demo/vite.config.ts for the Node-only module the bundle leaves out).
 */
import { createEngine, planStylize, toImageData, NonFiniteLossError, type Engine, type EngineOptions, type ImageInput, type ModelName } from '../src/index.js';
import { fetchWeights } from './weights-cache.js';
import type { FromWorker, ModelChoice, ToWorker } from './protocol.js';

const port = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const post = (message: FromWorker, transfer: Transferable[] = []) => port.postMessage(message, transfer);

let enginePromise: Promise<Engine<ImageInput>> | null = null;
/** Weights URL, pooling and whether the bytes came from the Cache API, per model (set by 'load'). */
const sources = new Map<ModelChoice, { url: string; expectedBytes?: number; pooling: 'max' | 'avg'; cached: boolean }>();
let abort: AbortController | null = null;
let paused = false;
let resumeWaiters: Array<() => void> = [];

/** The engine's weights: fetched (with progress, through the Cache API) when a model is first loaded. */
async function weightsBytes(model: ModelName): Promise<Uint8Array> {
  const source = sources.get(model);
  if (!source) throw new Error(`no weights URL for ${model}`);
  const { bytes, cached } = await fetchWeights(source.url, (loaded, total, fromCache) => {
    post({ type: 'load-progress', model, loaded, total, cached: fromCache });
  }, source.expectedBytes);
  source.cached = cached;
  return bytes;
}

/** The page's ?tuning= (set by 'init'; the library checks it and names a bad value). */
let tuning: string | undefined;

function engine(): Promise<Engine<ImageInput>> {
  if (!enginePromise) {
    enginePromise = createEngine({ tuning: tuning as EngineOptions['tuning'], weights: { resnet50: () => weightsBytes('resnet50'), vgg19: () => weightsBytes('vgg19') } });
    enginePromise.then((e) => {
      e.context.device.lost.then((info) => post({ type: 'device-lost', reason: info.reason, message: info.message }));
    }, () => { enginePromise = null; });
  }
  return enginePromise;
}

async function loadModel(model: ModelChoice, url: string, expectedBytes?: number, pooling: 'max' | 'avg' = 'max'): Promise<void> {
  sources.set(model, { url, expectedBytes, pooling, cached: false });
  const started = performance.now();
  await (await engine()).loadModel(model, pooling);
  post({ type: 'loaded', model, seconds: (performance.now() - started) / 1000, cached: sources.get(model)!.cached });
}

/** Resolves at once unless paused; then when resumed or stopped. */
function waitWhilePaused(): Promise<void> {
  if (!paused) return Promise.resolve();
  return new Promise((resolve) => resumeWaiters.push(resolve));
}

function setPaused(value: boolean): void {
  paused = value;
  if (!value) {
    for (const resolve of resumeWaiters.splice(0)) resolve();
  }
}

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const { runId, style, jobs } = message;
  const source = sources.get(message.model);
  if (!source) throw new Error(`model ${message.model} is not loaded`);
  const eng = await engine();
  abort = new AbortController();
  const signal = abort.signal;
  setPaused(false);
  try {
    for (let job = 0; job < jobs.length && !signal.aborted; job++) {
      const { label } = jobs[job];
      const content = jobs[job].content === undefined ? message.content : message.contents![jobs[job].content!];
      // The page already sized the images ('keep'); everything else is the preset plus the form's overrides.
      const options = { ...jobs[job].overrides, preset: jobs[job].preset, content, style, size: 'keep' as const, pooling: source.pooling };
      const iterations = planStylize(options, eng.adapter).recipe.iterations;
      post({ type: 'started', runId, job, label, width: content.width, height: content.height, iterations });
      try {
        const result = await eng.stylize({
          ...options,
          signal,
          preview: true,
          onProgress: async (p) => {
            const pixels = p.preview!.data;
            post({
              type: 'progress', runId, job, iteration: p.iteration, iterations: p.iterations, loss: p.loss,
              elapsedSeconds: p.elapsedSeconds, width: p.preview!.width, height: p.preview!.height, pixels,
            }, [pixels.buffer]);
            if (paused) post({ type: 'paused', runId, job, iteration: p.iteration });
            await waitWhilePaused();
          },
        });
        const pixels = toImageData(result.image).data;
        post({
          type: 'done', runId, job, iterations: result.iterations, seconds: result.seconds,
          lossStart: result.loss.start, lossEnd: result.loss.end, width: result.image.width, height: result.image.height,
          pixels, stopped: result.aborted,
        }, [pixels.buffer]);
      } catch (e) {
        if (e instanceof NonFiniteLossError && e.lastGood) {
          const pixels = toImageData(e.lastGood).data;
          post({
            type: 'done', runId, job, iterations: e.iteration, seconds: 0, lossStart: NaN, lossEnd: NaN,
            width: e.lastGood.width, height: e.lastGood.height, pixels, stopped: true,
          }, [pixels.buffer]);
        }
        throw e;
      }
    }
  } finally {
    abort = null;
    setPaused(false);
    post({ type: 'all-done', runId });
  }
}

async function analyze(message: Extract<ToWorker, { type: 'analyze' }>): Promise<void> {
  if (!sources.has('resnet50')) throw new Error('ResNet-50 is not loaded');
  const eng = await engine();
  const result = await eng.analyze(message.content, { model: 'resnet50', smoothing: 'none', size: 'keep', plot: true });
  post({ type: 'analysis', runId: message.runId, none: result.layers, softmax: result.compare!.layers });
}

function fail(e: unknown, runId?: number): void {
  const message = e instanceof Error ? e.message : String(e);
  post({ type: 'error', runId, message });
}

port.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      tuning = message.tuning || undefined;
      engine().then((e) => {
        const a = e.adapter;
        post({ type: 'ready', adapter: { vendor: a.vendor, architecture: a.architecture, description: a.description, isCPU: a.isCPU, tuning: a.tuning, tuningForced: a.tuningSource !== 'adapter' } });
      }, (e) => fail(e));
      break;
    case 'load':
      loadModel(message.model, message.url, message.bytes, message.pooling).catch((e) => fail(e));
      break;
    case 'run':
      run(message).catch((e) => fail(e, message.runId));
      break;
    case 'analyze':
      analyze(message).catch((e) => fail(e, message.runId));
      break;
    case 'pause':
      setPaused(true);
      break;
    case 'resume':
      setPaused(false);
      break;
    case 'stop':
      abort?.abort();
      setPaused(false);
      break;
    case 'lose-device':
      engine().then((e) => e.context.device.destroy());
      break;
  }
};
