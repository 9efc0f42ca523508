/**
 * The engine's ops, one namespace for models and style code: `import * as ops from './ops.js'`.
 * Each op checks shapes → allocates its output from the pool → launches kernels → records its backward.
 */
export { output, relu, add, detach, reshape, mulScalar, weightedSum, addScalars, scaledCopy } from './ops-basic.js';
export { affine, conv2d, maxPool2d, avgPool2d, globalAvgPool, matmul, linear, gram, type Conv2dOptions, type Pool2dOptions } from './ops-nn.js';
export { sum, mseLoss, gramLoss, tvLoss, smooth, SMOOTHING_MODES, SCALE_ALPHA, type SmoothOptions, type SmoothingMode } from './ops-loss.js';
export { preprocess, deprocess, resize, clamp, type PreprocessConvention } from './ops-image.js';
export { mulMask } from './ops-mask.js';
