/**
 * Our ResNet-50 classifier as an ONNX model, for the ONNX Runtime Web peer (src/bench/peer-ort.ts): the same weights
 * (our safetensors, BatchNorm folded at build exactly as src/models/resnet50.ts folds it, with its foldBatchNorm),
 * the same preprocessing and the same graph as `classify` (src/models/classify.ts), so ORT's logits are ours up to
 * float rounding:
 *
 *   image [1,3,S,S] RGB 0..1 → preprocess (a 1x1 conv with the affine of src/kernels/color.ts: caffe = BGR ×255 − mean)
 *   → conv 7x7/2 + ReLU → max pool 3x3/2 (pad 1) → 16 bottlenecks (Conv, Conv, Conv + Add + ReLU; Keras v1 puts
 *   the stride on the first 1x1) → global average pool → Flatten → Gemm (fc, transB) → logits [1,1000]
 *
 * Plain opset-17 ops (Conv, Relu, Add, MaxPool, GlobalAveragePool, Flatten, Gemm): ORT fuses Conv+Relu and
 * Conv+Add+Relu itself at graph-optimization level 'all'. Browser-safe (the bench page builds it from the weights
 * it fetched); the Node cache beside the weights is src/bench/peer-ort-node.ts.
 */
import { foldBatchNorm } from '../models/resnet50.js';
import { RESNET50_STAGES, type LoadedWeights } from '../models/weights.js';
import { PREPROCESS, preprocessAffine } from '../kernels/image/color.js';
import { encodeOnnx, type OnnxInitializer, type OnnxNode } from './onnx-writer.js';

/** The model's input and output names. */
export const ONNX_INPUT = 'image';
export const ONNX_OUTPUT = 'logits';

/** The ONNX file's bytes for `size`×`size` RGB inputs (224: the classification size). */
export function resnet50Onnx(weights: LoadedWeights, size = 224): Uint8Array {
  const meta = weights.metadata;
  if (meta.arch !== 'resnet50') throw new Error(`resnet50Onnx: weights are for '${meta.arch}', not resnet50`);
  const keras = (meta.variant ?? 'keras-v1') === 'keras-v1';
  const eps = meta.bnEps ?? 1e-5;
  const names = new Set(weights.names);
  const nodes: OnnxNode[] = [];
  const inits: OnnxInitializer[] = [];

  const conv = (x: string, y: string, w: string, b: string, k: number, stride: number, padding: number) => nodes.push({
    op: 'Conv', inputs: [x, w, b], outputs: [y],
    attributes: { kernel_shape: [k, k], strides: [stride, stride], pads: [padding, padding, padding, padding] },
  });
  /** conv + BN folded (the weights named `convName`, `bnName`) from x into y; the new tensor name. */
  const convBn = (x: string, y: string, convName: string, bnName: string, stride: number, padding: number): string => {
    const folded = foldBatchNorm(weights.get(`${convName}.weight`), names.has(`${convName}.bias`) ? weights.get(`${convName}.bias`) : null, {
      gamma: weights.get(`${bnName}.weight`), beta: weights.get(`${bnName}.bias`),
      mean: weights.get(`${bnName}.running_mean`), variance: weights.get(`${bnName}.running_var`), eps,
    });
    const shape = weights.shape(`${convName}.weight`);
    inits.push({ name: `${convName}.weight`, dims: shape, values: folded.weight }, { name: `${convName}.bias`, dims: [shape[0]], values: folded.bias });
    conv(x, y, `${convName}.weight`, `${convName}.bias`, shape[2], stride, padding);
    return y;
  };
  const relu = (x: string) => { nodes.push({ op: 'Relu', inputs: [x], outputs: [`${x}.relu`] }); return `${x}.relu`; };

  // Preprocessing as y = M·x + b per pixel: a 1x1 conv (3→3) whose weight is M, bias b.
  const affine = preprocessAffine(PREPROCESS[meta.preprocess]);
  inits.push({ name: 'preprocess.weight', dims: [3, 3, 1, 1], values: Float32Array.from(affine.m.flat()) },
    { name: 'preprocess.bias', dims: [3], values: Float32Array.from(affine.b) });
  conv(ONNX_INPUT, 'preprocessed', 'preprocess.weight', 'preprocess.bias', 1, 1, 0);

  let h = relu(convBn('preprocessed', 'stem', 'conv1', 'bn1', 2, 3));
  nodes.push({ op: 'MaxPool', inputs: [h], outputs: ['pool'], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } });
  h = 'pool';
  RESNET50_STAGES.forEach((stage, k) => {
    for (let i = 0; i < stage.blocks; i++) {
      const p = `layer${k + 1}.${i}`;
      const stride = i === 0 && k > 0 ? 2 : 1;
      const shortcut = i === 0 ? convBn(h, `${p}.shortcut`, `${p}.downsample.0`, `${p}.downsample.1`, stride, 0) : h;
      let y = relu(convBn(h, `${p}.c1`, `${p}.conv1`, `${p}.bn1`, keras ? stride : 1, 0));
      y = relu(convBn(y, `${p}.c2`, `${p}.conv2`, `${p}.bn2`, keras ? 1 : stride, 1));
      y = convBn(y, `${p}.c3`, `${p}.conv3`, `${p}.bn3`, 1, 0);
      nodes.push({ op: 'Add', inputs: [y, shortcut], outputs: [`${p}.sum`] });
      h = relu(`${p}.sum`);
    }
  });
  nodes.push({ op: 'GlobalAveragePool', inputs: [h], outputs: ['gap'] }, { op: 'Flatten', inputs: ['gap'], outputs: ['features'], attributes: { axis: 1 } });
  inits.push({ name: 'fc.weight', dims: weights.shape('fc.weight'), values: Float32Array.from(weights.get('fc.weight')) },
    { name: 'fc.bias', dims: weights.shape('fc.bias'), values: Float32Array.from(weights.get('fc.bias')) });
  nodes.push({ op: 'Gemm', inputs: ['features', 'fc.weight', 'fc.bias'], outputs: [ONNX_OUTPUT], attributes: { transB: 1 } });

  return encodeOnnx({
    name: 'swagpu-resnet50', producer: 'swagpu src/bench/resnet50-onnx.ts', opset: 17, nodes, initializers: inits,
    inputs: [{ name: ONNX_INPUT, dims: [1, 3, size, size] }], outputs: [{ name: ONNX_OUTPUT, dims: [1, 1000] }],
    doc: `ResNet-50 ${meta.variant}, BatchNorm folded, ${meta.preprocess} preprocessing in the graph; weights: ${meta.source}`,
  });
}
