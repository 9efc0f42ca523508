/**
 * How large an input a model can take on a device. Kernels split tensors larger than one storage
 * binding into bands (high resolution on 128 MiB-binding adapters), but every activation is still one
 * GPU buffer, so the largest activation must fit the device's maxBufferSize. That bound is what
 * `largestFittingSize` turns into the largest image size, with the aspect ratio kept.
 */
import type { ModelName } from './model.js';
import { fmtBytes } from '../gpu/buffer-pool.js';

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
