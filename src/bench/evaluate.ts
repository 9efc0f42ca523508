/**
 * One style-transfer evaluation, as the optimiser sees it: forward through the network to every tap,
 * all losses (content, style Grams, SWAG smoothing where the preset asks, TV), and backward to the
 * image only: `Objective.evaluate` of src/style/objective.ts, the function stylize() calls.
 *
 * ResNet-50 uses the real Keras weights (Node: loadModel, in src/bench/suite.ts; the browser page: the served
 * weights file); VGG-19 has no reachable pretrained weights here, so it gets seeded random weights
 * (He-normal, zero bias) built in memory: the same FLOPs and dispatches as the real network, which is all
 * a benchmark needs. Browser-safe: `swagpu bench` and demo/bench.html both measure with `timeEvaluation`.
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { keep } from '../engine/scope.js';
import type { FeatureModel } from '../models/model.js';
import { VGG19 } from '../models/vgg19.js';
import { expectedTensors, type LoadedWeights } from '../models/weights.js';
import { createObjective, imageTensor } from '../style/objective.js';
import { RESNET50_SWAG, VGG19_GATYS, type Preset } from '../style/presets.js';
import { defaultContent, defaultStyle } from './synthetic-images.js';
import type { PeerRun } from './peer-tfjs.js';
import { timeAlternating, timeGpu, type Timer, type Timing } from './timing.js';

/** Seeded standard normals (mulberry32 + Box–Muller). */
function randn(n: number, seed: number, std: number): Float32Array {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  return out;
}

/** VGG-19 with He-normal weights (std √(2/fan_in)), zero biases, seeded: no file needed. */
export function randomVgg19(ctx: GpuContext, seed = 19): VGG19 {
  return new VGG19(ctx, randomVgg19Weights(seed), 'max');
}

/** The weights of randomVgg19 (torchvision names, OIHW), also used by the TF.js evaluation peer. */
export function randomVgg19Weights(seed = 19): LoadedWeights {
  const data = new Map<string, { shape: number[]; values: Float32Array }>();
  let k = 0;
  for (const [name, shape] of expectedTensors('vgg19')) {
    const n = shape.reduce((p, d) => p * d, 1);
    const values = name.endsWith('.bias') ? new Float32Array(n) : randn(n, seed + k++, Math.sqrt(2 / (shape[1] * shape[2] * shape[3])));
    data.set(name, { shape, values });
  }
  return {
    metadata: { arch: 'vgg19', variant: 'torchvision', preprocess: 'torch', source: `random He-normal (seed ${seed})` },
    names: [...data.keys()],
    get: (name) => data.get(name)!.values,
    shape: (name) => [...data.get(name)!.shape],
  };
}

export interface Evaluation {
  model: FeatureModel;
  preset: Preset;
  size: number;
  /** Recomputed activations from these checkpoints (engine/checkpoint.ts); null: all kept. */
  checkpoints: string[] | null;
  /** Records forward + losses + backward into x.grad; the caller syncs. */
  run(): void;
  /** The last loss, read back (for a sanity check: finite). */
  loss(): Promise<number>;
  dispose(): void;
}

/**
 * Set up the objective of `preset` (ResNet-50: SWAG softmax on stages 3-4; VGG-19: Gatys) for a
 * size×size image from the embedded default pair (src/style/objective.ts, as stylize uses it), and
 * return one evaluation to time.
 */
export function styleEvaluation(ctx: GpuContext, model: FeatureModel, size: number, checkpoints: string[] | null = null): Evaluation {
  const preset = model.name === 'resnet50' ? RESNET50_SWAG : VGG19_GATYS;
  const content = defaultContent(size, size);
  const objective = createObjective(ctx, model, content, defaultStyle(size, size), preset, { checkpoints });
  const x = keep(imageTensor(ctx, content, 'image', true));
  let last: { loss: Tensor; terms: Tensor[] } | null = null;
  const drop = () => { if (last) for (const t of [last.loss, ...last.terms]) t.dispose(); };
  return {
    model, preset, size, checkpoints,
    run: () => { drop(); last = objective.evaluate(x); },
    loss: async () => (last ? (await last.loss.read())[0] : NaN),
    dispose: () => {
      drop();
      x.grad?.dispose();
      x.dispose();
      objective.dispose();
    },
  };
}

/** An evaluation's report row: its timing (and the peer's), with the launches and peak pooled bytes of one evaluation. */
export interface EvaluationRow extends Timing {
  name: string; shape: string; gflops: null; gbps: null; peakPercent: null;
  peerMs: number | null; speedup: number | null;
  /** Kernel launches per evaluation (ctx.dispatchTotal delta). */
  dispatches: number;
  /** Peak pooled GPU bytes during an evaluation, weights included. */
  peakBytes: number;
  /** The evaluation's loss (of the counted run; every run evaluates the same image). */
  loss: number;
}

/**
 * Measure `ev` as `swagpu bench` and demo/bench.html report it: one warm-up (compiles pipelines, caches the frozen
 * weights' layouts), one counted evaluation (launches, peak bytes; its loss must be finite), then `runs` timed ones,
 * alternating with the peer's (after its own warm-up) when there is one.
 */
export async function timeEvaluation(ctx: GpuContext, ev: Evaluation, runs: number, timer: Timer, peer: PeerRun | null = null): Promise<EvaluationRow> {
  const stats = ctx.pool.stats;
  ev.run();
  await ctx.sync();
  stats.peakBytes = stats.bytesInUse;
  const before = ctx.dispatchTotal;
  ev.run();
  await ctx.sync();
  const dispatches = ctx.dispatchTotal - before;
  const peakBytes = stats.peakBytes;
  const loss = await ev.loss();
  if (!Number.isFinite(loss)) throw new Error(`${ev.model.name} evaluation at ${ev.size}px: loss is ${loss}`);
  let t: Timing;
  let peerMs: number | null = null;
  if (peer) {
    await peer.once(timer); // the peer's warm-up (ours ran above)
    const both = await timeAlternating(ctx, ev.run, () => peer.once(timer), runs, 0, timer);
    t = both.ours;
    peerMs = both.peer.ms;
  } else {
    t = await timeGpu(ctx, ev.run, runs, 0, timer);
  }
  return {
    name: `${ev.model.name} eval${ev.checkpoints ? ' recomputed' : ''}`, shape: `${ev.size}px`, ...t, gflops: null, gbps: null, peakPercent: null,
    peerMs, speedup: peerMs ? peerMs / t.ms : null, dispatches, peakBytes, loss,
  };
}
