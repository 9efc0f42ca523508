/**
 * How large an input a model can take on a device. Kernels split tensors larger than one storage
 * binding into bands (high resolution on 128 MiB-binding adapters), but every activation is still one
 * GPU buffer, so the largest activation must fit the device's maxBufferSize. That bound is what
 * `largestFittingSize` turns into the largest image size, with the aspect ratio kept.
 */
import type { ModelName } from './model.js';
import { fmtBytes, sizeClass } from '../gpu/buffer-pool.js';
import { RESNET50_STAGES, VGG19_CONFIG } from './weights.js';

export interface Activation { layer: string; shape: [number, number, number, number]; bytes: number }

/** The largest float32 activation [1, C, H, W] of `model` for a width × height input. */
export function largestActivation(model: ModelName, width: number, height: number): Activation {
  const act = (layer: string, c: number, h: number, w: number): Activation => ({ layer, shape: [1, c, h, w], bytes: c * h * w * 4 });
  if (model === 'vgg19') return act('conv1_1 / relu1_1', 64, height, width);  // 3x3 pad 1 keeps the size
  // ResNet-50: 7x7/2 pad 3 stem, then a 3x3/2 pad 1 max pool before stage 1 (256 channels).
  const half = (n: number) => Math.floor((n - 1) / 2) + 1;
  const stem = act('stem', 64, half(height), half(width));
  const stage1 = act('stage1', 256, half(stem.shape[2]), half(stem.shape[3]));
  return stem.bytes >= stage1.bytes ? stem : stage1;
}

/** The widest style tap's Gram matrix [C, C] (the other buffer a style transfer needs that is not image-sized). */
const WIDEST_GRAM: Record<ModelName, Activation> = {
  vgg19: { layer: 'relu5_1 Gram', shape: [1, 1, 512, 512], bytes: 512 * 512 * 4 },
  resnet50: { layer: 'stage4 Gram', shape: [1, 1, 2048, 2048], bytes: 2048 * 2048 * 4 },
};

/** The largest buffer a style transfer with `model` needs for a width × height input: an activation, or at small sizes a Gram. */
export function largestBuffer(model: ModelName, width: number, height: number): Activation {
  const a = largestActivation(model, width, height);
  return a.bytes >= WIDEST_GRAM[model].bytes ? a : WIDEST_GRAM[model];
}

/**
 * The image itself [1, 3, H, W] and every image-sized buffer (its gradient, the optimiser's vectors) are
 * bound whole by the image kernels (preprocess, clamp, resize, the optimiser's updates): unlike the
 * activations, they must fit one storage binding.
 */
export function imageBuffer(width: number, height: number): Activation {
  return { layer: 'image', shape: [1, 3, height, width], bytes: 3 * width * height * 4 };
}

/**
 * The largest width × height with the aspect ratio of the given size whose largest buffer fits
 * maxBufferSize and whose image fits one binding of maxBindingSize (when given).
 */
export function largestFittingSize(model: ModelName, width: number, height: number, maxBufferSize: number, maxBindingSize = Infinity): { width: number; height: number } | null {
  const long = Math.max(width, height);
  const at = (side: number) => ({ width: Math.max(1, Math.round((width * side) / long)), height: Math.max(1, Math.round((height * side) / long)) });
  const fits = (side: number) => {
    const s = at(side);
    return largestBuffer(model, s.width, s.height).bytes <= maxBufferSize && imageBuffer(s.width, s.height).bytes <= maxBindingSize;
  };
  if (!fits(1)) return null;
  let lo = 1, hi = long;  // fits(lo) holds; find the largest side that fits, up to the given one
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid; else hi = mid - 1;
  }
  return at(lo);
}

/**
 * Throws, before any GPU work, when `model` cannot take a width × height input on a device with this
 * maxBufferSize (every activation is one buffer) and maxBindingSize (the image is bound whole: the
 * device's maxStorageBufferBindingSize), naming the buffer, the bytes, the limit and the largest size
 * that fits both.
 */
export function checkModelFits(model: ModelName, width: number, height: number, maxBufferSize: number, what = 'image', maxBindingSize = Infinity): void {
  const a = largestBuffer(model, width, height);
  const image = imageBuffer(width, height);
  const fit = () => {
    const f = largestFittingSize(model, width, height, maxBufferSize, maxBindingSize);
    return f ? `the largest ${what} that fits is ${f.width}x${f.height} (size ${Math.max(f.width, f.height)})` : 'no size fits';
  };
  if (a.bytes > maxBufferSize) {
    throw new Error(`${what} ${width}x${height} is too large for ${model} on this device: its ${a.layer} [${a.shape}] needs a ${fmtBytes(a.bytes)} buffer, `
      + `over the device's maxBufferSize (${fmtBytes(maxBufferSize)}); ${fit()}`);
  }
  if (image.bytes > maxBindingSize) {
    throw new Error(`${what} ${width}x${height} is too large for ${model} on this device: the image [${image.shape}] needs ${fmtBytes(image.bytes)} in one binding, `
      + `over the device's maxStorageBufferBindingSize (${fmtBytes(maxBindingSize)}); ${fit()}`);
  }
}

// ---- GPU memory accounting (issue 25): the pooled peak of a style transfer, and the checkpoint plan for a budget ----

/**
 * One unit of a network (engine/checkpoint.ts) as memory: the bytes of the tensors its forward records
 * (kept for the backward pass unless recomputed), its output, and the transient bytes of its backward
 * (gradients in flight and kernel scratch), all in the pool's size classes.
 */
export interface UnitMemory {
  tap: string; saved: number; output: number; input: number; backward: number;
  /** The forward kernels' temporaries (Winograd tiles, im2col patches): never capped by a plan (the loss must not change). */
  forward: number;
}

const f32 = (elements: number) => sizeClass(elements * 4);
/**
 * Kernel temporaries (Winograd tiles, im2col / col2im patch matrices) exist only up to 128 MiB; past that
 * the direct kernel runs. A memory plan may lower the cap of the backward kernels' temporaries
 * (BufferPool.backwardScratchBytes): the backward working set then has no scratch past it.
 */
const SCRATCH_CAP = 128 * 2 ** 20;
const scratchWithin = (cap: number, ...elements: number[]) => (elements.every((e) => e * 4 <= Math.min(cap, SCRATCH_CAP)) ? elements.reduce((a, e) => a + f32(e), 0) : 0);
const half = (n: number) => Math.floor((n - 1) / 2) + 1;
const forwardScratch = (...elements: number[]) => scratchWithin(Infinity, ...elements);
/**
 * Elements of the two Winograd temporaries (transformed input V, products M) of a 3x3 stride-1 conv's pass from
 * k to m channels on an h × w map: F(4x4, 3x3) (36 positions) from 16 tiles, else F(2x2, 3x3) (16), as
 * kernels/conv2d-winograd.ts chooses (winogradPlan; rows rounded to 16).
 */
function winogradTemps(k: number, m: number, h: number, w: number): [number, number] {
  const r = Math.ceil(h / 4) * Math.ceil(w / 4) >= 16 ? 4 : 2;
  const tiles = Math.ceil(Math.ceil(h / r) * Math.ceil(w / r) / 4) * 4;
  return [(r + 2) ** 2 * k * tiles, (r + 2) ** 2 * Math.ceil(m / 16) * 16 * tiles];
}

/**
 * The units of `model` for a width × height input, in network order; `backwardScratch` caps the kernels'
 * temporaries (bytes of each) in the backward working set.
 */
export function unitMemory(model: ModelName, width: number, height: number, backwardScratch = Infinity): UnitMemory[] {
  const scratch = (...elements: number[]) => scratchWithin(backwardScratch, ...elements);
  const units: UnitMemory[] = [];
  let h = height, w = width, c = 3;
  const push = (tap: string, tensors: number[], outC: number, scratch = 0, forward = 0) => {
    const output = tensors[tensors.length - 1];
    const input = f32(c * h * w);
    // Backward: dL/dy (ReLU-masked in place: autograd hands each op the gradient it alone holds), a gradient per
    // recorded tensor of the widest size, dL/dx, kernel scratch.
    const widest = Math.max(...tensors);
    units.push({ tap, saved: tensors.reduce((a, b) => a + b, 0), output, input, backward: output + widest + input + scratch, forward });
    c = outC;
  };
  if (model === 'vgg19') {
    let block = 1, conv = 1;
    for (const layer of VGG19_CONFIG) {
      if (layer === 'M') {
        const input = c * h * w;
        h = Math.floor(h / 2); w = Math.floor(w / 2);
        const out = f32(c * h * w);
        // Max pool: output and argmax; the stored input is the previous unit's output.
        push(`pool${block}`, [out, out], c, f32(input) - out);
        block++; conv = 1;
      } else {
        const out = f32(layer * h * w);
        // 3x3 convs run as Winograd where it fits (transformed input and products), the first (3 channels) as
        // im2col + gemm on some routes (27 x H·W patches).
        const forward = c < 16 ? forwardScratch(27 * h * w) : forwardScratch(...winogradTemps(c, layer, h, w));
        push(`relu${block}_${conv++}`, [out], layer, scratch(...winogradTemps(layer, c, h, w)), forward);
      }
    }
    return units;
  }
  // ResNet-50 (Keras v1: the stride on the first 1x1 conv and the shortcut).
  const sh = half(h), sw = half(w);
  const stem = f32(64 * sh * sw);
  // The 7x7/2 stem's input gradient goes through col2im: a patch-gradient matrix of 3·49 x outH·outW.
  const stemScratch = scratch(3 * 49 * sh * sw);
  h = sh; w = sw;
  // Its forward may run as im2col + gemm (the same 3·49 x outH·outW patches).
  push('stem', [stem], 64, stemScratch, forwardScratch(3 * 49 * sh * sw));
  RESNET50_STAGES.forEach(({ blocks, width: mid }, k) => {
    const out = 4 * mid;
    for (let i = 0; i < blocks; i++) {
      const tensors: number[] = [];
      if (i === 0) {
        const inC = c;
        h = half(h); w = half(w);
        // Stage 1: max pool 3x3/2 (output and argmax); later stages: the input subsampled for the stride-2 1x1 convs.
        if (k === 0) tensors.push(f32(inC * h * w), f32(inC * h * w));
        else tensors.push(f32(inC * h * w));
        tensors.push(f32(out * h * w)); // shortcut conv
      }
      tensors.push(f32(mid * h * w), f32(mid * h * w), f32(out * h * w));
      // The first block's stride-2 1x1 convs (stages 2-4) subsample their input first (one temporary each, in turn).
      const subsampled = i === 0 && k > 0 ? f32((out / 2) * h * w) : 0;
      push(`stage${k + 1}_block${i + 1}`, tensors, out, scratch(...winogradTemps(mid, mid, h, w)), Math.max(subsampled, forwardScratch(...winogradTemps(mid, mid, h, w))));
    }
  });
  return units;
}

/** What a run keeps besides the network's activations: loss terms (targets, Grams) and the optimiser's vectors. */
export interface RunShape {
  /** Taps the loss reads, and which of them are smoothed (softmax copies). */
  contentLayers: readonly string[];
  styleLayers: readonly string[];
  smoothed: readonly string[];
  optimizer: 'lbfgs' | 'adam';
  /** L-BFGS history m (default 10). */
  lbfgsHistory?: number;
}

/** Bytes of the frozen weights in the pool during a style transfer (BatchNorm folded: conv weights + biases). */
export function weightBytes(model: ModelName): number {
  let total = 0;
  const conv = (o: number, i: number, k: number) => { total += f32(o * i * k * k) + f32(o); };
  if (model === 'vgg19') {
    let c = 3;
    for (const layer of VGG19_CONFIG) if (layer !== 'M') { conv(layer, c, 3); c = layer; }
    return total;
  }
  conv(64, 3, 7);
  let c = 64;
  RESNET50_STAGES.forEach(({ blocks, width: mid }) => {
    for (let i = 0; i < blocks; i++) {
      conv(mid, c, 1); conv(mid, mid, 3); conv(4 * mid, mid, 1);
      if (i === 0) conv(4 * mid, c, 1);
      c = 4 * mid;
    }
  });
  return total; // the classifier (fc) is uploaded only to classify (ResNet50.logits)
}

export interface MemoryEstimate {
  /** Estimated pooled peak in bytes (weights included). */
  bytes: number;
  weights: number;
  /** Activations kept through the backward pass (all of them, or the checkpoints and taps). */
  activations: number;
  /** Loss targets, Grams and their gradients, the optimiser's vectors. */
  other: number;
}

/**
 * The pooled peak of a style transfer at width × height: weights + targets + optimiser state + the
 * activations kept for the backward pass + the largest backward working set. Without checkpoints every
 * unit's recorded tensors are kept, and each loss term's smoothed copy and Gram. With them, the checkpoint
 * and tap outputs, plus the activations of the one segment being recomputed; the loss terms are recomputed
 * too (style/objective.ts), so a term's smoothed copy, Gram and their gradients exist only while its own
 * gradient is taken. `backwardScratch` caps the backward kernels' temporaries and `targetsOnHost` keeps the
 * loss targets in CPU memory, each uploaded only while its own term is computed (a plan's choices). Checked
 * against measured peaks in test/models/memory-budget.test.ts.
 */
export function estimatePeak(model: ModelName, width: number, height: number, run: RunShape, checkpoints: readonly string[] | null, backwardScratch = Infinity, targetsOnHost = false): MemoryEstimate {
  const units = unitMemory(model, width, height, backwardScratch);
  const taps = new Set([...run.contentLayers, ...run.styleLayers]);
  const deepest = Math.max(...units.map((u, i) => (taps.has(u.tap) ? i : -1)));
  const used = units.slice(0, deepest + 1);
  const image = f32(3 * width * height);
  const shapeOf = new Map(used.map((u) => [u.tap, u.output]));
  const gram = (tap: string) => f32(channelCount(model, tap) ** 2);
  const smoothed = new Set(run.smoothed.filter((t) => taps.has(t)));
  // Loss side: per style tap the target Gram, per content tap the target, and the image, its preprocessed
  // copy and its gradient. Kept from the forward (no recomputation): per style tap the evaluated Gram and
  // its gradient, per smoothed tap the softmax copy and its gradient, per content tap the feature difference.
  let loss = 3 * image;
  const onHost = targetsOnHost && !!checkpoints;
  const targetOf = (tap: string) => Math.max(run.styleLayers.includes(tap) ? gram(tap) : 0, run.contentLayers.includes(tap) ? shapeOf.get(tap)! : 0);
  if (!onHost) {
    for (const t of run.styleLayers) loss += gram(t);
    for (const t of run.contentLayers) loss += shapeOf.get(t)!;
  }
  if (!checkpoints) {
    for (const t of run.styleLayers) loss += gram(t);
    for (const t of smoothed) loss += 2 * shapeOf.get(t)!;
    for (const t of run.contentLayers) loss += shapeOf.get(t)!;
  }
  const m = run.lbfgsHistory ?? 10;
  const optimizer = run.optimizer === 'adam' ? 2 * image : (3 + 2 * m) * image;
  let activations: number;
  let working: number;
  if (!checkpoints) {
    activations = used.reduce((a, u) => a + u.saved, 0);
    working = Math.max(...used.map((u) => Math.max(u.backward, u.forward)));
  } else {
    // The backward pass runs deepest first and frees each segment's output once its gradient has gone
    // through (engine/checkpoint.ts), so at segment j the kept outputs alive are those up to j's: the peak
    // is the largest of (kept outputs up to here + this segment's recomputed activations and working set),
    // and of (kept outputs up to a tap + the working set of that tap's recomputed loss terms: its smoothed
    // copy, their gradients and the tap's, plus its Gram, whose gradient overwrites it), and of (kept outputs
    // + the segment's activations so far + a unit's forward temporaries, in the forward pass or the
    // recomputation). With the targets on the host, the term's own target is uploaded for it.
    const termWorking = (tap: string) => Math.max(
      run.styleLayers.includes(tap) ? 3 * shapeOf.get(tap)! + gram(tap) : 0,
      run.contentLayers.includes(tap) ? 3 * shapeOf.get(tap)! : 0) + (onHost ? targetOf(tap) : 0);
    const kept = new Set([...taps, ...checkpoints]);
    let best = { activations: 0, working: 0 };
    const consider = (alive: number, work: number) => { if (alive + work > best.activations + best.working) best = { activations: alive, working: work }; };
    let alive = 0;
    let segment = 0;
    let segmentWorking = 0;
    used.forEach((u, i) => {
      consider(alive, segment + u.saved + u.forward);
      segment += u.saved;
      segmentWorking = Math.max(segmentWorking, u.backward);
      if (kept.has(u.tap) || i === deepest) {
        consider(alive, segment - u.output + segmentWorking + u.output);
        alive += u.output;
        consider(alive, termWorking(u.tap));
        segment = 0;
        segmentWorking = 0;
      }
    });
    ({ activations, working } = best);
  }
  const weights = weightBytes(model);
  return { bytes: weights + activations + working + loss + optimizer, weights, activations, other: loss + optimizer + working };
}

function channelCount(model: ModelName, tap: string): number {
  if (model === 'vgg19') {
    const block = Number(/(\d)/.exec(tap)![1]);
    return [64, 128, 256, 512, 512][block - 1];
  }
  if (tap === 'stem') return 64;
  const k = Number(/stage(\d)/.exec(tap)![1]);
  return 256 * 2 ** (k - 1);
}

export interface MemoryPlan {
  /** Unit outputs to keep when recomputing (engine/checkpoint.ts); null: no recomputation. */
  checkpoints: string[] | null;
  /** The L-BFGS history to run with: the requested one (run.lbfgsHistory, default 10), or fewer pairs where the budget needs it. */
  lbfgsHistory: number;
  /** The cap on the backward kernels' temporaries (BufferPool.backwardScratchBytes); null: none. */
  backwardScratchBytes: number | null;
  /** Loss targets (content features, style Grams) kept in CPU memory and uploaded per term (style/objective.ts targetsOnHost). */
  targetsOnHost: boolean;
  /** Estimated pooled peak with this plan, and without recomputation. */
  estimate: MemoryEstimate;
  plain: MemoryEstimate;
}

/**
 * Checkpoint plans of Chen et al. 2016 at block granularity: a checkpoint after every k-th unit, for each
 * k, and none at all besides the taps (whole stretches between taps recomputed). Recomputing costs one
 * more forward pass whatever the plan, so the plan with the lowest estimated peak is the one taken.
 */
export function bestPlan(model: ModelName, width: number, height: number, run: RunShape, backwardScratch = Infinity, targetsOnHost = false): { checkpoints: string[]; estimate: MemoryEstimate } {
  const taps = unitMemory(model, 1, 1).map((u) => u.tap);
  let best: { checkpoints: string[]; estimate: MemoryEstimate } | null = null;
  for (let k = 1; k <= taps.length; k++) {
    const checkpoints = k === taps.length ? [] : taps.filter((_, i) => (i + 1) % k === 0);
    const estimate = estimatePeak(model, width, height, run, checkpoints, backwardScratch, targetsOnHost);
    if (!best || estimate.bytes < best.estimate.bytes) best = { checkpoints, estimate };
  }
  return best!;
}

/**
 * What a budget may give up after the activations, in order: the loss targets' GPU copies (kept in CPU
 * memory, each uploaded while its own term is computed: a copy per term and pass, the same values); the
 * backward kernels' temporaries (the direct kernels run instead: slower, same gradient up to rounding, same
 * loss), each cap a scratch size of this run (largest first, down to none); then L-BFGS pairs (each is two
 * image-sized vectors; fewer change the steps, not the objective), from the requested history down to 1.
 * The first that fits is taken.
 */
function reductions(model: ModelName, width: number, height: number, run: RunShape): Array<{ history: number; scratch: number; host: boolean }> {
  const sizes = new Set<number>();
  for (const u of unitMemory(model, width, height)) {
    const bare = unitMemory(model, width, height, 0).find((v) => v.tap === u.tap)!;
    if (u.backward > bare.backward) sizes.add(u.backward - bare.backward);
  }
  // A cap just under each unit's scratch total turns that unit's temporaries off (each is at most its total).
  const caps = [Infinity, ...[...sizes].sort((a, b) => b - a).map((b) => b - 1), 0];
  const requested = run.lbfgsHistory ?? 10;
  const histories = run.optimizer === 'lbfgs' ? Array.from({ length: requested }, (_, i) => requested - i) : [requested];
  return histories.flatMap((history) => [{ history, scratch: Infinity, host: false }, ...caps.map((scratch) => ({ history, scratch, host: true }))]);
}

/**
 * The plan for a memory budget (bytes; undefined: unlimited): no recomputation when the estimate fits,
 * else the checkpoints with the lowest estimated peak, then (if still over) capped backward temporaries
 * and a shorter L-BFGS history (`reductions`). Throws when even the smallest is over the budget, naming
 * the estimate, the budget and the largest size that fits it (and the device's maxBufferSize).
 */
export function planMemory(model: ModelName, width: number, height: number, run: RunShape, budget: number | undefined, maxBufferSize = Infinity, what = 'output'): MemoryPlan {
  const plain = estimatePeak(model, width, height, run, null);
  const requested = run.lbfgsHistory ?? 10;
  if (budget === undefined || plain.bytes <= budget) return { checkpoints: null, lbfgsHistory: requested, backwardScratchBytes: null, targetsOnHost: false, estimate: plain, plain };
  let smallest: MemoryEstimate | null = null;
  for (const { history, scratch, host } of reductions(model, width, height, run)) {
    const best = bestPlan(model, width, height, { ...run, lbfgsHistory: history }, scratch, host);
    if (best.estimate.bytes <= budget) {
      return { checkpoints: best.checkpoints, lbfgsHistory: history, backwardScratchBytes: scratch === Infinity ? null : scratch, targetsOnHost: host, estimate: best.estimate, plain };
    }
    smallest = best.estimate;
  }
  const fit = largestSizeWithin(model, width, height, run, budget, maxBufferSize);
  const reduced = `, loss targets in CPU memory${run.optimizer === 'lbfgs' ? ', L-BFGS history 1' : ''} and direct backward kernels`;
  throw new Error(`${what} ${width}x${height} needs about ${fmtBytes(smallest!.bytes)} of GPU memory for ${model} even with recomputed activations${reduced} `
    + `(${fmtBytes(plain.bytes)} without), over the --max-memory budget of ${fmtBytes(budget)}; `
    + `${fit ? `the largest ${what} that fits is ${fit.width}x${fit.height} (size ${Math.max(fit.width, fit.height)})` : 'no size fits (the weights alone need ' + fmtBytes(plain.weights) + ')'}`);
}

/** The smallest estimate a budget can reach at width × height: recomputation, targets on the host, no backward temporaries, L-BFGS history 1. */
export function smallestEstimate(model: ModelName, width: number, height: number, run: RunShape): MemoryEstimate {
  return bestPlan(model, width, height, { ...run, lbfgsHistory: run.optimizer === 'lbfgs' ? 1 : run.lbfgsHistory }, 0, true).estimate;
}

/** The largest width × height (aspect kept, up to the given size) within the budget with the smallest plan (smallestEstimate), and within maxBufferSize. */
export function largestSizeWithin(model: ModelName, width: number, height: number, run: RunShape, budget: number, maxBufferSize = Infinity, recompute = true): { width: number; height: number } | null {
  const long = Math.max(width, height);
  const at = (side: number) => ({ width: Math.max(1, Math.round((width * side) / long)), height: Math.max(1, Math.round((height * side) / long)) });
  const fits = (side: number) => {
    const s = at(side);
    if (largestBuffer(model, s.width, s.height).bytes > maxBufferSize) return false;
    const bytes = recompute ? smallestEstimate(model, s.width, s.height, run).bytes : estimatePeak(model, s.width, s.height, run, null).bytes;
    return bytes <= budget;
  };
  if (!fits(1)) return null;
  let lo = 1, hi = long;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid; else hi = mid - 1;
  }
  return at(lo);
}

/** The RunShape of a loss spec and optimiser (what planMemory needs from a recipe). */
export function runShapeOf(model: ModelName, recipe: { contentLayers: readonly string[]; styleLayers: readonly string[]; smoothing: string; smoothLayers: readonly string[] | 'all'; optimizer: 'lbfgs' | 'adam'; lbfgsHistory?: number }): RunShape {
  const smoothed = recipe.smoothing === 'none' ? [] : recipe.smoothLayers === 'all' ? unitMemory(model, 1, 1).map((u) => u.tap) : recipe.smoothLayers;
  return { contentLayers: recipe.contentLayers, styleLayers: recipe.styleLayers, smoothed, optimizer: recipe.optimizer, lbfgsHistory: recipe.lbfgsHistory };
}
