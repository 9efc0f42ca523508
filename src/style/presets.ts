/**
 * Presets: the published recipes, each with its source. Weights are the user-facing numbers; how they
 * enter the loss is in losses.ts.
 */
import type { ModelName } from '../models/load.js';
import type { LossSpec } from './objective.js';
import type { OptimizerName } from './optimize.js';

/** A published recipe: the loss (layers, smoothing, weights) plus how it is optimised. */
export interface Preset extends LossSpec {
  name: string;
  source: string;
  model: ModelName;
  optimizer: OptimizerName;
  iterations: number;
  size: number;
  /** The paper forces 512x512; others keep the aspect ratio. */
  square: boolean;
  init: 'content' | 'noise';
  /** VGG-19 pooling. */
  pooling?: 'max' | 'avg';
}

const RESNET_STYLE_TAPS = ['stem', 'stage1_block3', 'stage2_block4', 'stage3_block6', 'stage4_block3'];
const RESNET_DEEP_TAPS = [
  'stage3_block1', 'stage3_block2', 'stage3_block3', 'stage3_block4', 'stage3_block5', 'stage3_block6',
  'stage4_block1', 'stage4_block2', 'stage4_block3',
];

/**
 * Per-layer style weights of both ResNet-50 presets, fixed by measurement (docs/ANALYSIS.md, "Per-layer
 * weights"). With the paper's equal weights on our Keras ImageNet ResNet-50, the unsmoothed style losses at
 * the content image (chelsea × starry_night, 256², style weight 1e17) were stem 6.7e13, stage1 1.05e12,
 * stage2 1.9e11, stage3 2.0e10, stage4 3.8e10: the stem alone was 98 % of the loss, so the baseline hardly
 * saw its deep layers and resnet50 ≈ resnet50-swag. These weights are stem/layer of those values (2 digits),
 * so every unsmoothed layer starts with the same share; the baseline then shows the paper's failure (noisy,
 * off-colour textures from the peaky deep Grams) and SWAG's smoothing removes it.
 */
export const RESNET50_STYLE_LAYER_WEIGHTS = [1, 64, 360, 3400, 1800];

/**
 * Wang, Li & Vasconcelos, CVPR 2021, Sec. 5 and the released code (github.com/peiwang062/swag):
 * style = stem + last block of each stage, content = last block of stage 3, content weight 1,
 * style weight 1e17 with G = FFᵀ/(CHW) of the softmax-smoothed features, L-BFGS ~1000 evaluations,
 * 512x512, init from content, no TV. Per-layer weights: RESNET50_STYLE_LAYER_WEIGHTS (the paper: all 1).
 */
export const RESNET50_SWAG: Preset = {
  name: 'resnet50-swag',
  source: 'Wang, Li, Vasconcelos, "Rethinking and Improving the Robustness of Image Style Transfer", CVPR 2021',
  model: 'resnet50',
  contentLayers: ['stage3_block6'],
  styleLayers: RESNET_STYLE_TAPS,
  styleLayerWeights: RESNET50_STYLE_LAYER_WEIGHTS,
  smoothing: 'softmax',
  smoothLayers: RESNET_DEEP_TAPS,
  temperature: 1,
  contentWeight: 1,
  styleWeight: 1e17,
  tvWeight: 0,
  optimizer: 'lbfgs',
  iterations: 1000,
  size: 512,
  square: true,
  init: 'content',
};

/**
 * The default preset's style-layer weights (stem, stage1_block3, stage2_block4, stage3_block6, stage4_block3) on
 * normalised terms (relative Gram errors), and its content layer, measured with scripts in docs/ANALYSIS.md ("The
 * default preset") on chelsea × starry_night at 128 px, 40 L-BFGS iterations from the content; edge correlation /
 * colour transfer / texture transfer of src/style/metrics.ts (the paper's literal preset: 0.43 / 0.66 / 0.98):
 * - equal shares (0.2 each, content stage3_block6, style weight 1): 0.98 / 0.00 / 0.14, the image hardly moves.
 *   Relative Gram errors of ReLU features are small (cat vs painting at the first step: 0.14 at the stem, 0.36
 *   stage 1, 0.65 stage 2), so a Gram error must count tens of times a content error. Equal shares ×1000:
 *   0.54 / 0.08: the softmax-smoothed stages 3-4 take the steps and move no colour.
 * - The smoothed layers' relative errors are erratic (stage3_block6: 1.9 for chelsea × starry_night, 400 for
 *   coffee × woman_with_hat: a softmax over C·H·W is peaky), so they get tiny shares; the stem (colour) and
 *   stage 1 (texture) get most: shares 0.7, 0.2, 0.1, 1e-4, 1e-4.
 * - The content at stage1_block3 keeps edges better than stage2_block4 or the smoothed stage3_block6
 *   (shares 0.7/0.2/0.1/0.01/0.01: ×300 with stage1_block3 0.49 / 0.51, ×100 and ×1000 with stage2_block4
 *   0.46 / 0.31 and 0.44 / 0.60).
 * - Scale of the shares, with stage1_block3: ×300 0.47 / 0.66 / 0.98; ×150 0.50 / 0.66 / 0.98; ×75 0.57 / 0.66 / 0.98
 *   (coffee × woman_with_hat at ×300: 0.50 / 0.72 / 0.98). Colour saturates by ×75, the edges keep improving: ×75.
 */
export const SWAG_STYLE_LAYER_WEIGHTS = [52, 15, 7.5, 0.0075, 0.0075];
/** The default preset's content layer (measured, see SWAG_STYLE_LAYER_WEIGHTS). */
export const SWAG_CONTENT_LAYERS = ['stage1_block3'];

/** The paper's failing baseline: the same recipe on ResNet-50 without smoothing. */
export const RESNET50_PLAIN: Preset = {
  ...RESNET50_SWAG,
  name: 'resnet50',
  source: 'Wang et al. 2021, baseline (Gatys et al. losses on ResNet-50, no smoothing)',
  smoothing: 'none',
};

/**
 * Gatys et al. 2016 as in jcjohnson/neural-style: content relu4_2, style relu1_1..relu5_1 equal
 * weights, content 5, style 100, TV 1e-3, L-BFGS 1000 iterations, init from content here.
 */
export const VGG19_GATYS: Preset = {
  name: 'vgg19',
  source: 'Gatys, Ecker, Bethge, CVPR 2016; defaults of jcjohnson/neural-style',
  model: 'vgg19',
  contentLayers: ['relu4_2'],
  styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'],
  styleLayerWeights: [1, 1, 1, 1, 1],
  smoothing: 'none',
  smoothLayers: 'all',
  temperature: 1,
  contentWeight: 5,
  styleWeight: 100,
  tvWeight: 1e-3,
  optimizer: 'lbfgs',
  iterations: 1000,
  size: 512,
  square: false,
  init: 'content',
  pooling: 'max',
};

/**
 * swagpu's default: ResNet-50 with SWAG's softmax smoothing on stages 3-4 (as the paper) and normalised
 * losses (losses.ts), so content weight 1 and style weight 1 mean "balanced" on every image and size, and
 * `--content-weight 2` means twice the content's share. Layers and per-layer weights were fixed by
 * measurement (docs/ANALYSIS.md, "The default preset"): SWAG_STYLE_LAYER_WEIGHTS.
 */
export const SWAG_DEFAULT: Preset = {
  ...RESNET50_SWAG,
  name: 'swag',
  source: 'swagpu: Wang et al. 2021 (ResNet-50, softmax smoothing) with normalised losses, tuned on assets/images',
  contentLayers: SWAG_CONTENT_LAYERS,
  styleLayerWeights: SWAG_STYLE_LAYER_WEIGHTS,
  contentWeight: 1,
  styleWeight: 1,
  normalize: true,
  iterations: 300,
  square: false,
};

/** The preset used when none is named (CLI, library, demo). */
export const DEFAULT_PRESET = SWAG_DEFAULT.name;

export const PRESETS: Record<string, Preset> = {
  [SWAG_DEFAULT.name]: SWAG_DEFAULT,
  [RESNET50_SWAG.name]: RESNET50_SWAG,
  [RESNET50_PLAIN.name]: RESNET50_PLAIN,
  [VGG19_GATYS.name]: VGG19_GATYS,
};

export function getPreset(name: string): Preset {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown preset '${name}' (known: ${Object.keys(PRESETS).join(', ')})`);
  return preset;
}
