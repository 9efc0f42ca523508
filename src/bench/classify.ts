/**
 * The inference case of `swagpu bench` and demo/bench.html: "resnet50 classify 224px", ResNet-50's forward to the
 * logits as `classify` runs it (src/models/classify.ts: preprocess, trunk, global average pool, fc), on a 224x224
 * image uploaded once, against the ONNX Runtime Web peer (src/bench/peer-ort.ts) when asked. Browser-safe.
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { keep, noGrad, scope } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import { conv2dGeometry } from '../kernels/conv/conv2d-geometry.js';
import type { ResNet50 } from '../models/resnet50.js';
import { RESNET50_STAGES } from '../models/weights.js';
import type { PeerRun } from './peer-tfjs.js';
import { gflops, timeAlternating, timeGpu, type Timer, type Timing } from './timing.js';

export const CLASSIFY_SIZE = 224;

/**
 * FLOPs of one ResNet-50 forward at size×size (Keras v1: the stride on the first 1x1 of a stage), counting each
 * multiply-add of the convs and the fc as two: the work both sides do (≈ 7.7 GFLOP at 224 px).
 */
export function resnet50ForwardFlops(size: number, variant: 'keras-v1' | 'torchvision-v1.5' = 'keras-v1'): number {
  let flops = 0;
  let shape = [1, 3, size, size];
  const conv = (x: number[], out: number, k: number, stride: number, padding: number) => {
    const g = conv2dGeometry({ inShape: x, weightShape: [out, x[1], k, k], stride, padding });
    flops += g.flops;
    return [...g.outShape];
  };
  shape = conv(shape, 64, 7, 2, 3);
  shape = [1, 64, Math.floor((shape[2] - 1) / 2) + 1, Math.floor((shape[3] - 1) / 2) + 1]; // max pool 3x3/2, pad 1
  RESNET50_STAGES.forEach(({ blocks, width }, k) => {
    for (let i = 0; i < blocks; i++) {
      const stride = i === 0 && k > 0 ? 2 : 1;
      const keras = variant === 'keras-v1';
      if (i === 0) conv(shape, width * 4, 1, stride, 0);
      let h = conv(shape, width, 1, keras ? stride : 1, 0);
      h = conv(h, width, 3, keras ? 1 : stride, 1);
      shape = conv(h, width * 4, 1, 1, 0);
    }
  });
  return flops + 2 * 2048 * 1000;
}

/** Ours: one forward to the logits per run (the caller syncs). */
export function classifyCase(ctx: GpuContext, model: ResNet50, image: Float32Array, size = CLASSIFY_SIZE): { run(): void; logits(): Promise<Float32Array>; dispose(): void } {
  const x = keep(Tensor.from(ctx, image, [1, 3, size, size], { label: 'classify image' }));
  let last: Tensor | null = null;
  return {
    run() {
      last?.dispose();
      last = noGrad(() => scope(() => model.logits(ops.preprocess(x, model.preprocess))));
    },
    async logits() {
      this.run();
      return last!.read();
    },
    dispose() {
      last?.dispose();
      last = null;
      x.dispose();
    },
  };
}

export interface ClassifyRow extends Timing {
  name: string; shape: string; gflops: number; gbps: null; peakPercent: number | null;
  peerMs: number | null; speedup: number | null;
}

/** Time ours (after a warm-up) alternating with the peer's runs (after its warm-up), as the evaluations are timed. */
export async function timeClassify(ctx: GpuContext, model: ResNet50, image: Float32Array, runs: number, timer: Timer, peakGflops: number | null, peer: PeerRun | null = null): Promise<ClassifyRow> {
  const ours = classifyCase(ctx, model, image);
  try {
    ours.run();
    await ctx.sync();
    let t: Timing;
    let peerMs: number | null = null;
    if (peer) {
      await peer.once(timer);
      const both = await timeAlternating(ctx, () => ours.run(), () => peer.once(timer), runs, 0, timer);
      t = both.ours;
      peerMs = both.peer.ms;
    } else {
      t = await timeGpu(ctx, () => ours.run(), runs, 0, timer);
    }
    const rate = gflops(resnet50ForwardFlops(CLASSIFY_SIZE, model.variant === 'torchvision-v1.5' ? 'torchvision-v1.5' : 'keras-v1'), t.ms);
    return {
      name: 'resnet50 classify', shape: `${CLASSIFY_SIZE}px`, ...t, gflops: rate, gbps: null, peakPercent: peakGflops ? (100 * rate) / peakGflops : null,
      peerMs, speedup: peerMs ? peerMs / t.ms : null,
    };
  } finally {
    ours.dispose();
  }
}
