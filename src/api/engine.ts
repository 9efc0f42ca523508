/**
 * The Engine: one WebGPU device, the models loaded on it (weights read once, BatchNorm folded, uploaded),
 * and the three things swagpu does — stylize, classify, analyze — as calls taking typed options.
 * Where images and weights come from is the platform's business (index.ts: browser-safe inputs and
 * URLs/bytes; node.ts: also file paths and the auto-fetched ResNet-50), so this file stays browser-safe.
 */
import { createContext, type GpuContext } from '../gpu/context.js';
import type { AdapterChoice, AdapterReport, Tuning } from '../gpu/device.js';
import type { LoadedWeights } from '../models/weights.js';
import type { FeatureModel, ModelName } from '../models/model.js';
import type { ResNet50 } from '../models/resnet50.js';
import { buildModel, checkModelName } from '../models/build.js';
import { classify as classifyImage, type Prediction } from '../models/classify.js';
import { analyzeImage } from '../style/analysis.js';
import { analysisSvg } from '../style/plot.js';
import { DEFAULT_CONTENT, DEFAULT_STYLE, galleryImage, galleryNames, type GalleryImage } from '../style/gallery.js';
import { stylize as stylizeImage, type WeightedStyle } from '../style/stylize.js';
import { toImageData, type Image, type Resize } from '../style/image.js';
import { checkModelFits, planMemory, runShapeOf } from '../models/memory.js';
import type { StyleCache } from '../style/style-cache.js';
import { runBatch, type BatchItem, type BatchOptions } from './batch.js';
import { planAnalyze, planClassify, planStylize, type AnalysisResult, type AnalyzeOptions, type ClassifyOptions, type StylizeOptions, type StylizeOutput } from './options.js';

/** Where a model's weights come from: a URL or (Node) a file path, bytes, or a function giving bytes. */
export type WeightsSource = string | URL | Uint8Array | ArrayBuffer | (() => Promise<Uint8Array | ArrayBuffer>);

export interface EngineOptions {
  /** Node: which adapter ('auto' = gpu, then llvmpipe, then swiftshader; default SWAGPU_ADAPTER or auto). Browsers: ignored. */
  adapter?: AdapterChoice;
  /**
   * Force a route family ('gpu', 'llvmpipe', 'swiftshader': whose kernels and tiles run) on whatever adapter opens,
   * e.g. the GPU routes on a CPU adapter to check them. Default: SWAGPU_TUNING in Node, else the adapter's own.
   */
  tuning?: Tuning;
  /** Run on an existing GpuContext instead of opening a device (dispose() then leaves the device alone). */
  context?: GpuContext;
  /** Weights per model. Node default: the weights folder, `swagpu weights path` (ResNet-50 fetched on first use); browsers must give them. */
  weights?: Partial<Record<ModelName, WeightsSource>>;
  /**
   * Folder URL of the built-in images (style/gallery.ts; it holds content/ and style/). Default: the package's
   * assets/images, found relative to the library's own file. Browsers whose bundler moves the library set it.
   */
  imagesBase?: string | URL;
  /** Status lines (weights download, CPU defaults taking over). Default: none. */
  log?: (line: string) => void;
}

/** What differs between Node and the browser: reading images and weights. */
export interface Platform<I> {
  readImage(input: I, resize: Resize, what: string): Promise<Image>;
  /** A built-in image (style/gallery.ts): Node reads the file, browsers fetch and decode it. */
  readGalleryImage(image: GalleryImage, resize: Resize, what: string, base?: string | URL): Promise<Image>;
  /** Whether a string input is a file path (Node); elsewhere a string must name a built-in image. */
  readsPaths: boolean;
  readWeights(model: ModelName, source: WeightsSource | undefined, log: (line: string) => void): Promise<LoadedWeights>;
}

export class Engine<I> {
  /** The adapter this engine runs on (kind, vendor, whether it is a CPU/software one). */
  readonly adapter: AdapterReport;
  private models = new Map<string, Promise<FeatureModel>>();
  private disposed = false;

  constructor(readonly context: GpuContext, private platform: Platform<I>, private options: EngineOptions, private ownsDevice: boolean) {
    this.adapter = context.gpu.adapter;
  }

  private log(line: string): void { this.options.log?.(line); }

  private check(): void {
    if (this.disposed) throw new Error('this swagpu engine was disposed');
  }

  /**
   * The model, loaded once per engine (weights read, checked, BatchNorm folded, uploaded).
   * Loading ahead of a call lets a UI show its own progress.
   */
  loadModel(model: ModelName, pooling: 'max' | 'avg' = 'max'): Promise<FeatureModel> {
    this.check();
    checkModelName(model);
    const key = model === 'vgg19' ? `${model}:${pooling}` : model;
    let promise = this.models.get(key);
    if (!promise) {
      promise = (async () => {
        const source = this.options.weights?.[model];
        const weights = await this.platform.readWeights(model, source, (l) => this.log(l));
        const where = typeof source === 'string' || source instanceof URL ? String(source) : `the ${model} weights`;
        const net = buildModel(this.context, model, weights, pooling, where);
        await this.context.sync();
        return net;
      })();
      this.models.set(key, promise);
      promise.catch(() => this.models.delete(key));
    }
    return promise;
  }

  /**
   * Style transfer (SWAG on ResNet-50 unless the options say otherwise). Images are read and sized
   * before the model loads, so a bad input fails fast. Resolves with the image (planar, clamped) and a
   * summary; with `signal` aborted, with the image so far and `aborted: true`.
   * @throws NonFiniteLossError when the loss stops being finite (its `lastGood` holds the last good image).
   */
  async stylize(options: StylizeOptions<I> = {}, extras: { styleCache?: StyleCache } = {}): Promise<StylizeOutput> {
    this.check();
    const plan = planStylize(options, this.adapter);
    for (const note of plan.notes) this.log(note);
    const content = await this.readInput(options.content ?? DEFAULT_CONTENT, plan.content, 'content');
    const styleList = options.style === undefined ? [{ image: DEFAULT_STYLE, weight: 1 }]
      : Array.isArray(options.style) ? options.style as ReadonlyArray<{ image: I | string; weight?: number }> : [{ image: options.style as I | string, weight: 1 }];
    const styles: WeightedStyle[] = [];
    for (const [i, s] of styleList.entries()) {
      styles.push({ image: await this.readInput(s.image, plan.style, styleList.length > 1 ? `style ${i + 1}` : 'style'), weight: s.weight ?? 1 });
    }
    const exact: Resize = { kind: 'exact', width: content.width, height: content.height };
    const init: 'content' | 'noise' | Image = plan.init === 'content' || plan.init === 'noise'
      ? plan.init as 'content' | 'noise' : await this.platform.readImage(plan.init as I, exact, 'init');
    const mask = options.mask === undefined ? undefined : await this.platform.readImage(options.mask, exact, 'mask');
    // Every activation is one GPU buffer (kernels band only the bindings): fail here, naming the size that fits.
    // The image kernels bind the image whole: it must also fit one storage binding.
    const limit = this.context.pool.maxBufferSize;
    // The memory plan: recompute activations when the estimate is over the budget; over it even then, fail naming
    // the largest size that fits both the budget and maxBufferSize (so this check comes first).
    const budgetBytes = options.maxMemory === undefined ? null : Math.floor(options.maxMemory * 2 ** 20);
    const memory = planMemory(plan.model, content.width, content.height, runShapeOf(plan.model, plan.recipe), budgetBytes ?? undefined, limit);
    const binding = this.context.limits.maxStorageBufferBindingSize; // what checkBinding enforces
    checkModelFits(plan.model, content.width, content.height, limit, 'output', binding);
    styles.forEach((s, i) => checkModelFits(plan.model, s.image.width, s.image.height, limit, styles.length > 1 ? `style ${i + 1}` : 'style', binding));
    this.log(`stylizing ${content.width}x${content.height} (style ${styles.map((s) => `${s.image.width}x${s.image.height}`).join(', ')}), ${plan.recipe.iterations} iterations, ${plan.preset.name} on ${this.adapter.kind}`);
    const pool = this.context.pool.stats;
    pool.peakBytes = pool.bytesInUse; // this call's peak (the weights count: they are loaded, or load, below)
    const net = await this.loadModel(plan.model, plan.pooling);
    if (plan.recipe.optimizer === 'lbfgs' && memory.lbfgsHistory !== (plan.recipe.lbfgsHistory ?? 10)) {
      this.log(`--max-memory: L-BFGS history ${memory.lbfgsHistory} (of ${plan.recipe.lbfgsHistory ?? 10}) to fit the budget`);
    }
    // The plan's cap on the backward kernels' temporaries holds for this call only.
    this.context.pool.backwardScratchBytes = memory.backwardScratchBytes ?? Infinity;
    const result = await stylizeImage(this.context, net, content, styles, {
      ...plan.recipe, init, mask, checkpoints: memory.checkpoints, lbfgsHistory: memory.lbfgsHistory, targetsOnHost: memory.targetsOnHost,
    }, {
      signal: options.signal,
      styleCache: extras.styleCache,
      onProgress: options.onProgress && (async (p, snapshot) => {
        const preview = options.preview ? toImageData(await snapshot()) : undefined;
        await options.onProgress!({ ...p, preview, snapshot });
      }),
    }).finally(() => { this.context.pool.backwardScratchBytes = Infinity; });
    return {
      ...result, aborted: options.signal?.aborted === true, preset: plan.preset.name, model: plan.model, adapter: this.adapter,
      peakBytes: pool.peakBytes,
      memory: { estimatedBytes: memory.estimate.bytes, budgetBytes, checkpoints: memory.checkpoints, lbfgsHistory: memory.lbfgsHistory, backwardScratchBytes: memory.backwardScratchBytes, targetsOnHost: memory.targetsOnHost },
    };
  }

  /**
   * Every content × style pair (api/batch.ts), as an async iterator: one result per pair, in order
   * (styles outer, contents inner), each style's targets computed once; a pair whose image is bad is
   * yielded as failed and the batch goes on.
   */
  batch(options: BatchOptions<I>): AsyncGenerator<BatchItem> {
    this.check();
    return runBatch((o, extras) => this.stylize(o, extras), options);
  }

  /**
   * An input image: a built-in image's name (style/gallery.ts; it wins over a file of that name, and names
   * have no extension), else the platform's own input (Node: a file path).
   */
  private readInput(input: I | string, resize: Resize, what: string): Promise<Image> {
    if (typeof input === 'string') {
      const builtIn = galleryImage(input);
      if (builtIn) return this.platform.readGalleryImage(builtIn, resize, `${what} (${builtIn.name})`, this.options.imagesBase);
      if (!this.platform.readsPaths) throw new Error(`${what}: '${input}' is not a built-in image (known: ${galleryNames().join(', ')})`);
    }
    return this.platform.readImage(input as I, resize, what);
  }

  /** ImageNet top-k with ResNet-50: one image, or several (all read before the model loads). */
  classify(image: I, options?: ClassifyOptions): Promise<Prediction[]>;
  classify(images: readonly I[], options?: ClassifyOptions): Promise<Prediction[][]>;
  async classify(input: I | readonly I[], options: ClassifyOptions = {}): Promise<Prediction[] | Prediction[][]> {
    this.check();
    const { top, size } = planClassify(options);
    const list = Array.isArray(input) ? input as readonly I[] : [input as I];
    const images: Image[] = [];
    for (const [i, item] of list.entries()) images.push(await this.platform.readImage(item, { kind: 'exact', width: size, height: size }, list.length > 1 ? `image ${i + 1}` : 'image'));
    checkModelFits('resnet50', size, size, this.context.pool.maxBufferSize, 'image', this.context.limits.maxStorageBufferBindingSize);
    const net = await this.loadModel('resnet50') as ResNet50;
    const results: Prediction[][] = [];
    try {
      for (const image of images) results.push((await classifyImage(this.context, net, image)).slice(0, top));
    } finally {
      net.releaseClassifier(); // a later stylize's peak and estimate do not include the classifier
    }
    return Array.isArray(input) ? results : results[0];
  }

  /**
   * The paper's peakiness analysis (style/analysis.ts): per tap, max/entropy/peak of the smoothed
   * activations and of their Gram matrix. With `plot`, also the other smoothing and an SVG chart.
   */
  async analyze(input: I, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    this.check();
    const { model, smoothing, temperature, size } = planAnalyze(options);
    const image = await this.platform.readImage(input, size === 'keep' ? { kind: 'none' } : { kind: 'exact', width: size, height: size }, 'image');
    checkModelFits(model, image.width, image.height, this.context.pool.maxBufferSize, 'image', this.context.limits.maxStorageBufferBindingSize);
    const net = await this.loadModel(model, options.pooling ?? 'max');
    const layers = await analyzeImage(this.context, net, image, { mode: smoothing, temperature }, options.layers ?? net.taps);
    const result: AnalysisResult = { model, smoothing, temperature, width: image.width, height: image.height, layers };
    if (!options.plot) return result;
    const other = smoothing === 'none' ? 'softmax' : 'none';
    const compare = { smoothing: other, layers: await analyzeImage(this.context, net, image, { mode: other, temperature }, options.layers ?? net.taps) } as const;
    const [plain, smooth] = smoothing === 'none' ? [layers, compare.layers] : [compare.layers, layers];
    const shown = smoothing === 'none' ? other : smoothing;
    const svg = analysisSvg([
      { label: `${model}, no smoothing`, stats: plain },
      { label: `${model}, ${shown} smoothing`, stats: smooth },
    ], options.title ?? `${model}: Gram peakiness per layer (${image.width}x${image.height})`);
    return { ...result, compare, svg };
  }

  /** Frees the models and, when the engine opened it, the device. The engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.models.clear();
    if (this.ownsDevice) this.context.device.destroy();
  }
}

/** Opens a device (or takes `options.context`) and returns an Engine reading inputs through `platform`. */
export async function createEngineWith<I>(platform: Platform<I>, options: EngineOptions = {}): Promise<Engine<I>> {
  const context = options.context ?? await createContext(options.adapter, { tuning: options.tuning });
  return new Engine(context, platform, options, !options.context);
}

/** Lazily created shared engines for the standalone functions. */
export function defaultEngine<I>(create: () => Promise<Engine<I>>): () => Promise<Engine<I>> {
  let engine: Promise<Engine<I>> | null = null;
  return () => {
    if (!engine) {
      engine = create();
      engine.catch(() => { engine = null; });
    }
    return engine;
  };
}
