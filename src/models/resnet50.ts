/**
 * ResNet-50 (He et al. 2016) on swagpu's engine, with named taps for style transfer.
 *
 *   stem:    conv 7x7/2 (pad 3) → BN → ReLU  [tap 'stem']  → max pool 3x3/2 (pad 1)
 *   stage k: bottleneck blocks (3, 4, 6, 3), widths 64·2^(k-1) → 256·2^(k-1)  [taps 'stage{k}_block{i}']
 *   head:    global average pool → FC 2048→1000 (logits; softmax on the CPU)
 *
 * Bottleneck: 1x1 → BN → ReLU → 3x3 → BN → ReLU → 1x1 → BN, plus a shortcut (identity, or 1x1 conv + BN
 * in the first block of a stage), then ReLU. Two variants differ only in where the stride-2 goes in the
 * first block of stages 2–4: Keras v1 puts it on the first 1x1 conv (and on the shortcut), torchvision
 * v1.5 on the 3x3 conv. The weights file's metadata says which.
 *
 * BatchNorm is folded into the preceding convolution once, at load time. With BN(z) =
 * γ·(z − μ)/√(σ² + ε) + β and z = W∗x + b:
 *   W' = W · s,  b' = (b − μ) · s + β,  where s = γ / √(σ² + ε) per output channel,
 * so each conv+BN pair is one conv with bias (inference statistics; the network is frozen).
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { keep } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import { runUnits, type Checkpoints, type Unit } from '../engine/checkpoint.js';
import { RESNET50_STAGES, type LoadedWeights, type Variant, type Preprocess } from './weights.js';
import type { FeatureModel } from './model.js';

interface ConvLayer { w: Tensor; b: Tensor; stride: number; padding: number }
interface Block { conv1: ConvLayer; conv2: ConvLayer; conv3: ConvLayer; shortcut: ConvLayer | null }

/** Tap names in network order. */
export const RESNET50_TAPS: readonly string[] = [
  'stem',
  ...RESNET50_STAGES.flatMap((s, k) => Array.from({ length: s.blocks }, (_, i) => `stage${k + 1}_block${i + 1}`)),
];

/** Fold BN into a conv's weight and bias (formula in the file header). Exported for tests. */
export function foldBatchNorm(
  weight: Float32Array, bias: Float32Array | null,
  bn: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; eps: number },
): { weight: Float32Array; bias: Float32Array } {
  const outChannels = bn.gamma.length;
  const perOut = weight.length / outChannels;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const s = bn.gamma[o] / Math.sqrt(bn.variance[o] + bn.eps);
    for (let i = 0; i < perOut; i++) w[o * perOut + i] = weight[o * perOut + i] * s;
    b[o] = ((bias ? bias[o] : 0) - bn.mean[o]) * s + bn.beta[o];
  }
  return { weight: w, bias: b };
}

export class ResNet50 implements FeatureModel {
  readonly name = 'resnet50';
  readonly taps = RESNET50_TAPS;
  readonly preprocess: Preprocess;
  readonly variant: Variant;
  private stem: ConvLayer;
  private blocks: Block[][];
  /**
   * The classifier's weights stay on the CPU until `logits` needs them (8 MiB of GPU memory a style
   * transfer never reads: models/memory.ts weightBytes leaves them out); `releaseClassifier` frees them.
   */
  private fcHost: { w: Float32Array; wShape: number[]; b: Float32Array; bShape: number[] };
  private fcTensors: { w: Tensor; b: Tensor } | null = null;

  constructor(readonly ctx: GpuContext, weights: LoadedWeights) {
    const meta = weights.metadata;
    if (meta.arch !== 'resnet50') throw new Error(`ResNet50: weights are for '${meta.arch}', not resnet50`);
    this.variant = meta.variant ?? 'keras-v1';
    this.preprocess = meta.preprocess;
    const eps = meta.bnEps ?? 1e-5;
    const names = new Set(weights.names);
    const has = (name: string) => names.has(name);
    const conv = (convName: string, bnName: string, stride: number, padding: number): ConvLayer => {
      const folded = foldBatchNorm(weights.get(`${convName}.weight`), has(`${convName}.bias`) ? weights.get(`${convName}.bias`) : null, {
        gamma: weights.get(`${bnName}.weight`), beta: weights.get(`${bnName}.bias`),
        mean: weights.get(`${bnName}.running_mean`), variance: weights.get(`${bnName}.running_var`), eps,
      });
      const shape = weights.shape(`${convName}.weight`);
      return {
        w: keep(Tensor.from(ctx, folded.weight, shape, { label: convName })),
        b: keep(Tensor.from(ctx, folded.bias, [shape[0]], { label: `${convName}.bias` })),
        stride, padding,
      };
    };
    this.stem = conv('conv1', 'bn1', 2, 3);
    const keras = this.variant === 'keras-v1';
    this.blocks = RESNET50_STAGES.map((stage, k) =>
      Array.from({ length: stage.blocks }, (_, i) => {
        const p = `layer${k + 1}.${i}`;
        const stride = i === 0 && k > 0 ? 2 : 1;
        return {
          conv1: conv(`${p}.conv1`, `${p}.bn1`, keras ? stride : 1, 0),
          conv2: conv(`${p}.conv2`, `${p}.bn2`, keras ? 1 : stride, 1),
          conv3: conv(`${p}.conv3`, `${p}.bn3`, 1, 0),
          shortcut: i === 0 ? conv(`${p}.downsample.0`, `${p}.downsample.1`, stride, 0) : null,
        };
      }),
    );
    this.fcHost = {
      w: Float32Array.from(weights.get('fc.weight')), wShape: [...weights.shape('fc.weight')],
      b: Float32Array.from(weights.get('fc.bias')), bShape: [...weights.shape('fc.bias')],
    };
  }

  private get fc(): { w: Tensor; b: Tensor } {
    const h = this.fcHost;
    return this.fcTensors ??= {
      w: keep(Tensor.from(this.ctx, h.w, h.wShape, { label: 'fc.weight' })),
      b: keep(Tensor.from(this.ctx, h.b, h.bShape, { label: 'fc.bias' })),
    };
  }

  /** Frees the classifier's GPU copy (uploaded again by the next `logits`). */
  releaseClassifier(): void {
    this.fcTensors?.w.dispose();
    this.fcTensors?.b.dispose();
    this.fcTensors = null;
  }

  private conv(x: Tensor, layer: ConvLayer, relu: boolean, residual: Tensor | null = null): Tensor {
    return ops.conv2d(x, layer.w, layer.b, { stride: layer.stride, padding: layer.padding, relu, residual });
  }

  /**
   * The trunk as a chain of units, one per tap (checkpoint.ts): the stem (conv + BN + ReLU), then each
   * bottleneck block (the first one also runs the max pool).
   */
  get units(): readonly Unit[] {
    return this.unitList ??= this.buildUnits();
  }

  private unitList: readonly Unit[] | null = null;

  private buildUnits(): readonly Unit[] {
    const block = (b: Block) => (h: Tensor) => {
      const shortcut = b.shortcut ? this.conv(h, b.shortcut, false) : h;
      // relu(conv3(·) + shortcut) as one op: the 1x1 conv's gemm adds the shortcut and applies the ReLU in its store.
      return this.conv(this.conv(this.conv(h, b.conv1, true), b.conv2, true), b.conv3, true, shortcut);
    };
    const units: Unit[] = [{ tap: 'stem', run: (h) => this.conv(h, this.stem, true) }];
    this.blocks.flat().forEach((b, i) => units.push({
      tap: this.taps[i + 1],
      run: i === 0 ? (h) => block(b)(ops.maxPool2d(h, { kernel: 3, stride: 2, padding: 1 })) : block(b),
    }));
    return units;
  }

  /**
   * Run the trunk on a preprocessed NCHW image, only as deep as the deepest requested tap.
   * Returns the requested taps by name (other intermediates belong to the caller's scope, or with
   * `checkpoints` are recomputed in the backward pass: checkpoint.ts).
   */
  features(x: Tensor, wanted: readonly string[], checkpoints: Checkpoints = null): Map<string, Tensor> {
    for (const t of wanted) if (!this.taps.includes(t)) throw new Error(`resnet50: unknown tap '${t}' (known: ${this.taps.join(', ')})`);
    return runUnits(x, this.units, wanted, checkpoints);
  }

  /** Full network: logits [N, 1000]. */
  logits(x: Tensor): Tensor {
    const h = this.features(x, ['stage4_block3']).get('stage4_block3')!;
    return ops.linear(ops.globalAvgPool(h), this.fc.w, this.fc.b);
  }
}
