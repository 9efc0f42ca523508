/**
 * The engine worker: owns the WebGPU device, the weights and the models, and runs stylize() and
 * analyzeImage() off the page's thread. Only browser-safe modules are imported here (see
 * demo/vite.config.ts for the Node-only module the bundle leaves out).
 */
import { getContext, type GpuContext } from '../src/gpu/context.js';
import { loadWeightsFromBytes } from '../src/models/weights.js';
import { ResNet50 } from '../src/models/resnet50.js';
import { VGG19 } from '../src/models/vgg19.js';
import type { FeatureModel } from '../src/models/model.js';
import { stylize, recipeFromPreset, NonFiniteLossError } from '../src/style/stylize.js';
import { getPreset } from '../src/style/presets.js';
import { analyzeImage } from '../src/style/analysis.js';
import { fetchWeights } from './weights-cache.js';
import { planarToRGBA, type FromWorker, type ModelChoice, type PlanarImage, type ToWorker } from './protocol.js';

const port = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const post = (message: FromWorker, transfer: Transferable[] = []) => port.postMessage(message, transfer);

let ctxPromise: Promise<GpuContext> | null = null;
const models = new Map<ModelChoice, Promise<FeatureModel>>();
let abort: AbortController | null = null;
let paused = false;
let resumeWaiters: Array<() => void> = [];

function context(): Promise<GpuContext> {
  if (!ctxPromise) {
    ctxPromise = getContext();
    ctxPromise.then((ctx) => {
      ctx.device.lost.then((info) => post({ type: 'device-lost', reason: info.reason, message: info.message }));
    }, () => { ctxPromise = null; });
  }
  return ctxPromise;
}

function loadModel(model: ModelChoice, url: string, expectedBytes?: number, pooling: 'max' | 'avg' = 'max'): Promise<FeatureModel> {
  let promise = models.get(model);
  if (!promise) {
    promise = (async () => {
      const ctx = await context();
      const started = performance.now();
      const { bytes, cached } = await fetchWeights(url, (loaded, total, fromCache) => {
        post({ type: 'load-progress', model, loaded, total, cached: fromCache });
      }, expectedBytes);
      const weights = loadWeightsFromBytes(bytes, url);
      if (weights.metadata.arch !== model) throw new Error(`${url}: weights are for ${weights.metadata.arch}, not ${model}`);
      const net = model === 'resnet50' ? new ResNet50(ctx, weights) : new VGG19(ctx, weights, pooling);
      await ctx.sync();
      post({ type: 'loaded', model, seconds: (performance.now() - started) / 1000, cached });
      return net;
    })();
    models.set(model, promise);
    promise.catch(() => models.delete(model));
  }
  return promise;
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

function pixelsOf(image: PlanarImage): Uint8ClampedArray { return planarToRGBA(image); }

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const { runId, content, style, jobs } = message;
  const model = models.get(message.model);
  if (!model) throw new Error(`model ${message.model} is not loaded`);
  const net = await model;
  const ctx = await context();
  abort = new AbortController();
  const signal = abort.signal;
  setPaused(false);
  try {
    for (let job = 0; job < jobs.length && !signal.aborted; job++) {
      const { label } = jobs[job];
      const recipe = recipeFromPreset(getPreset(jobs[job].preset), jobs[job].overrides);
      post({ type: 'started', runId, job, label, width: content.width, height: content.height, iterations: recipe.iterations });
      try {
        const result = await stylize(ctx, net, content, style, recipe, {
          signal,
          onProgress: async (p, preview) => {
            const image = await preview();
            const pixels = pixelsOf(image);
            post({
              type: 'progress', runId, job, iteration: p.iteration, iterations: recipe.iterations, loss: p.loss,
              elapsedSeconds: p.elapsedSeconds, width: image.width, height: image.height, pixels,
            }, [pixels.buffer]);
            await waitWhilePaused();
          },
        });
        const pixels = pixelsOf(result.image);
        post({
          type: 'done', runId, job, iterations: result.iterations, seconds: result.seconds,
          lossStart: result.loss.start, lossEnd: result.loss.end, width: result.image.width, height: result.image.height,
          pixels, stopped: signal.aborted,
        }, [pixels.buffer]);
      } catch (e) {
        if (e instanceof NonFiniteLossError && e.lastGood) {
          const pixels = pixelsOf(e.lastGood);
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
  const net = await (models.get('resnet50') ?? Promise.reject(new Error('ResNet-50 is not loaded')));
  const ctx = await context();
  const none = await analyzeImage(ctx, net, message.content, { mode: 'none', temperature: 1 });
  const softmax = await analyzeImage(ctx, net, message.content, { mode: 'softmax', temperature: 1 });
  post({ type: 'analysis', runId: message.runId, none, softmax });
}

function fail(e: unknown, runId?: number): void {
  const message = e instanceof Error ? e.message : String(e);
  post({ type: 'error', runId, message });
}

port.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      context().then((ctx) => {
        const a = ctx.gpu.adapter;
        post({ type: 'ready', adapter: { vendor: a.vendor, architecture: a.architecture, description: a.description, isCPU: a.isCPU } });
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
      context().then((ctx) => ctx.device.destroy());
      break;
  }
};
