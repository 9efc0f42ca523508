/**
 * `swagpu bench`: the kernel cases (src/bench/kernels.ts) and end-to-end style-transfer evaluations
 * (src/bench/evaluate.ts) on one adapter, against the adapter's FMA peak (src/bench/peak.ts) and optionally
 * TensorFlow.js's WebGPU backend (src/bench/peer-tfjs.ts). Returns a report; src/cli/bench.ts prints it.
 */
import { cpus } from 'node:os';
import type { GpuContext } from '../gpu/context.js';
import { loadModel, type ModelName } from '../models/load.js';
import type { FeatureModel } from '../models/model.js';
import { kernelCases, matchesOnly, timeKernelCase } from './kernels.js';
import { randomVgg19, styleEvaluation, timeEvaluation } from './evaluate.js';
import { bestPlan, runShapeOf } from '../models/memory.js';
import { RESNET50_SWAG, VGG19_GATYS } from '../style/presets.js';
import { measurePeak } from './peak.js';
import { measureNativePeak } from './native-peak.js';
import { tfjsPeer } from './peer-tfjs-node.js';
import type { PeerRun, TfjsPeer } from './peer-tfjs.js';
import { startTorchPeer, torchAvailable, TORCH_MISSING_HINT } from './peer-torch.js';
import { CLASSIFY_SIZE, timeClassify } from './classify.js';
import { ortClassifier, ORT_FASTEST } from './peer-ort.js';
import type { ResNet50 } from '../models/resnet50.js';
import { defaultContent, defaultStyle } from './synthetic-images.js';
import { weightsFile } from '../models/load.js';
import { profileKernels, type KernelShare } from './profile.js';
import { timerFor, type Timer } from './timing.js';

export interface BenchOptions {
  quick: boolean;
  /**
   * tfjs: TF.js WebGPU on the same adapter (kernels and evaluations); torch: PyTorch on the CPU (ResNet-50 evaluations);
   * ort: ONNX Runtime Web's WebGPU EP on the same adapter (ResNet-50 classification, 224 px).
   */
  peer: 'tfjs' | 'torch' | 'ort' | null;
  /** Comma-separated case-insensitive substrings of "name shape"; null runs every case of the set. */
  only: string | null;
  /** Timed runs per case (after one warm-up); default 5, 3 for evaluations under --quick. */
  runs: number | null;
  /** Print the per-kernel breakdown of each evaluation. */
  profile: boolean;
  /** Time runs to their completion on the wall clock even where the device has timestamp queries. */
  wallClock?: boolean;
  log: (line: string) => void;
}

export interface BenchResult {
  name: string;
  shape: string;
  ms: number;
  minMs: number;
  maxMs: number;
  runs: number;
  gflops: number | null;
  /** For memory-bound kernels (softmax, MSE): bytes moved once / time. */
  gbps: number | null;
  /** gflops as a percentage of the adapter's FMA peak. */
  peakPercent: number | null;
  peerMs: number | null;
  /** peerMs / ms: how many times faster we are than the peer. */
  speedup: number | null;
  /** Evaluations only: kernel launches per evaluation (ctx.dispatchTotal delta). */
  dispatches?: number;
  /** Evaluations only: peak pooled GPU bytes during an evaluation, weights included. */
  peakBytes?: number;
  /** Evaluations only: the loss of the evaluation, and the peer's on the same images where it reports one (torch). */
  loss?: number;
  peerLoss?: number;
  profile?: KernelShare[];
}

export interface BenchReport {
  adapter: string;
  adapterKind: string;
  machine: { cpus: number; cpuModel: string };
  date: string;
  quick: boolean;
  peakGflops: number;
  /** CPU adapters: the machine's native FMA peak (src/bench/native-peak.ts, a C loop), null without a C compiler or on a GPU. */
  nativePeakGflops: number | null;
  /** How runs were timed (src/bench/timing.ts): 'gpu' timestamp queries, or 'wall' clock to completion. */
  timer: Timer;
  peer: string | null;
  results: BenchResult[];
}


/**
 * Peer cases worth their time: SwiftShader runs tfjs at ~0.6 GFLOP/s, so there the convs (every listed shape is
 * ~1.2 GFLOP: ~2 s a run), the small matmul and the 128 px evaluations (~35 s a run); its 256 px evaluations
 * (~2 min a TF.js run, so ~12 min for the 5 runs and warm-up) only when `--only` names them ("256px").
 */
function peerWanted(kind: string, name: string, shape: string, only: string | null): boolean {
  if (name.includes('bwd-weight')) return false; // style transfer never runs it; tfjs's is very slow on CPUs
  // Evaluations: the 128 and 256 px the targets name (512 px would take TF.js minutes per run on a CPU adapter).
  if (name.endsWith(' eval')) return shape === '128px' || (shape === '256px' && (kind !== 'swiftshader' || !!only?.includes('256px')));
  if (kind === 'swiftshader') return name.startsWith('conv2d') || (name === 'matmul' && shape === '512x512x512');
  return true;
}

/** The model a benchmark evaluates: ResNet-50 with its real weights, VGG-19 random (src/bench/evaluate.ts). */
export async function benchModel(ctx: GpuContext, name: ModelName): Promise<FeatureModel> {
  return name === 'resnet50' ? loadModel(ctx, 'resnet50', { log: () => {} }) : randomVgg19(ctx);
}

export async function runBench(ctx: GpuContext, opts: BenchOptions): Promise<BenchReport> {
  const a = ctx.gpu.adapter;
  const runs = opts.runs ?? 5;
  // ONNX Runtime's runs can only be timed on the wall clock (its device is its own): ours too when it is the peer.
  const timer = timerFor(ctx, opts.wallClock || opts.peer === 'ort');
  const peak = await measurePeak(ctx, { timer });
  opts.log(`# ${a.kind}: ${a.description || a.device} (${a.backend}, ${a.featureLevel}); FMA peak ${peak.gflops.toFixed(1)} GFLOP/s; timer: ${timer === 'gpu' ? 'GPU timestamp queries' : 'wall clock to onSubmittedWorkDone'}`);
  // On a CPU adapter, the same cores' native FMA peak: how far WebGPU-on-CPU is from the metal.
  const native = a.isCPU ? measureNativePeak() : null;
  if (a.isCPU) opts.log(native ? `# native CPU FMA peak ${native.gflops.toFixed(1)} GFLOP/s (${native.compiler}); the adapter's peak is ${((100 * peak.gflops) / native.gflops).toFixed(0)} % of it` : '# native CPU FMA peak: not measured (no C compiler with OpenMP)');
  let peer: TfjsPeer | null = null;
  let peerDescription: string | null = null;
  if (opts.peer === 'tfjs') {
    peer = await tfjsPeer(a.kind);
    peerDescription = peer.description;
    opts.log(`# peer: ${peer.description}`);
  }
  // The torch peer runs only the ResNet-50 evaluations (src/bench/peer_torch.py); without PyTorch it is skipped.
  let torch = false;
  if (opts.peer === 'torch') {
    const found = torchAvailable();
    if ('missing' in found) opts.log(`# peer torch: skipped: ${found.missing}; ${TORCH_MISSING_HINT}`);
    else {
      torch = true;
      peerDescription = `PyTorch ${found.version} on the CPU, 2 threads (src/bench/peer_torch.py)`;
      opts.log(`# peer: ${peerDescription}; ResNet-50 evaluations only`);
    }
  }
  const results: BenchResult[] = [];
  const emit = (r: BenchResult) => { results.push(r); opts.log(formatResult(r)); };
  const models = new Map<ModelName, Promise<FeatureModel>>();
  const model = (name: ModelName) => {
    if (!models.has(name)) models.set(name, benchModel(ctx, name));
    return models.get(name)!;
  };

  for (const c of kernelCases()) {
    if (opts.quick && !c.quick) continue;
    if (!matchesOnly(opts.only, c.name, c.shape)) continue;
    emit(await timeKernelCase(ctx, c, runs, timer, peak.gflops, peer && peerWanted(a.kind, c.name, c.shape, opts.only) ? peer : null));
  }

  // Inference: ResNet-50's forward to the logits at 224 px (classify), against ONNX Runtime Web with --peer ort.
  const classify = matchesOnly(opts.only, 'resnet50 classify', `${CLASSIFY_SIZE}px`);
  if (opts.peer === 'ort' && !classify) opts.log(`# peer ort: it runs only 'resnet50 classify ${CLASSIFY_SIZE}px', which --only leaves out`);
  if (classify) {
    const image = defaultContent(CLASSIFY_SIZE, CLASSIFY_SIZE).data;
    let peerRun: PeerRun | null = null;
    if (opts.peer === 'ort') {
      const { ortOnNode, readOnnx, resnet50OnnxFile } = await import('./peer-ort-node.js');
      const ort = await ortOnNode(a.kind);
      const run = await ortClassifier(ort, readOnnx(await resnet50OnnxFile({ log: opts.log })), image, CLASSIFY_SIZE, ORT_FASTEST);
      peerDescription = `${run.description} (src/bench/peer-ort.ts)`;
      opts.log(`# peer: ${peerDescription}; ResNet-50 classification only`);
      peerRun = run;
    }
    try {
      emit(await timeClassify(ctx, (await model('resnet50')) as ResNet50, image, opts.runs ?? 5, timer, peak.gflops, peerRun));
    } finally {
      peerRun?.dispose();
    }
  }

  const sizes = opts.quick ? [128, 256] : [128, 256, 512];
  const evalRuns = opts.runs ?? (opts.quick ? 3 : 5);
  for (const modelName of ['resnet50', 'vgg19'] as ModelName[]) {
    const wanted = sizes.filter((s) => matchesOnly(opts.only, `${modelName} eval`, `${s}px`));
    const size = sizes[sizes.length - 1];
    const recompute = matchesOnly(opts.only, `${modelName} eval recomputed`, `${size}px`);
    if (wanted.length === 0 && !recompute) continue;
    const net = await model(modelName);
    for (const size of wanted) {
      const ev = styleEvaluation(ctx, net, size);
      let peerRun: PeerRun | null = null;
      let peerLoss: number | undefined;
      if (peer && peerWanted(a.kind, `${modelName} eval`, `${size}px`, opts.only)) peerRun = await peer.prepare({ op: 'evaluation', model: modelName, size });
      if (torch && modelName === 'resnet50') {
        const run = await startTorchPeer(await weightsFile('resnet50', { log: () => {} }), size, defaultContent(size, size), defaultStyle(size, size));
        peerRun = run;
        peerLoss = run.firstLoss;
      }
      try {
        const row = await timeEvaluation(ctx, ev, evalRuns, timer, peerRun);
        const profile = opts.profile ? await profileKernels(ctx, ev.run) : undefined;
        emit({ ...row, ...(peerLoss !== undefined ? { peerLoss } : {}), ...(profile ? { profile } : {}) });
      } finally {
        peerRun?.dispose();
        ev.dispose();
      }
    }
    // The same evaluation with recomputed activations (the lowest-peak checkpoint plan of models/memory.ts) at
    // the largest size: its peak bytes against the row above, and what the extra forward pass costs.
    if (!recompute) continue;
    const preset = modelName === 'resnet50' ? RESNET50_SWAG : VGG19_GATYS;
    const ev = styleEvaluation(ctx, net, size, bestPlan(modelName, size, size, runShapeOf(modelName, preset)).checkpoints);
    try {
      emit(await timeEvaluation(ctx, ev, evalRuns, timer, null));
    } finally {
      ev.dispose();
    }
  }
  return {
    adapter: `${a.kind}: ${a.description || a.device}`, adapterKind: a.kind,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' },
    date: new Date().toISOString(), quick: opts.quick, peakGflops: peak.gflops, nativePeakGflops: native?.gflops ?? null, timer, peer: peerDescription, results,
  };
}

const f = (v: number | null | undefined, digits = 1) => (v == null ? '-' : v.toFixed(digits));

export const TABLE_HEADER = `${'case'.padEnd(30)} ${'shape'.padEnd(18)} ${'median ms'.padStart(10)} ${'min-max ms'.padStart(17)} ${'GFLOP/s'.padStart(8)} ${'%peak'.padStart(6)} ${'GB/s'.padStart(6)} ${'peer ms'.padStart(9)} ${'peer/ours'.padStart(9)}  extra`;

export function formatResult(r: BenchResult): string {
  const lossCheck = r.peerLoss !== undefined && r.loss !== undefined ? `, loss ${r.loss.toPrecision(7)} vs peer ${r.peerLoss.toPrecision(7)}` : '';
  const extra = r.dispatches != null ? `${r.dispatches} dispatches, peak ${(r.peakBytes! / 2 ** 20).toFixed(0)} MiB${lossCheck}` : '';
  const lines = [
    `${r.name.padEnd(30)} ${r.shape.padEnd(18)} ${f(r.ms).padStart(10)} ${`${f(r.minMs)}-${f(r.maxMs)}`.padStart(17)} ${f(r.gflops, 2).padStart(8)} ${f(r.peakPercent).padStart(6)} ${f(r.gbps, 2).padStart(6)} ${f(r.peerMs).padStart(9)} ${f(r.speedup, 2).padStart(9)}  ${extra}`,
  ];
  for (const k of r.profile?.slice(0, 8) ?? []) lines.push(`    ${k.name.padEnd(26)} ${k.ms.toFixed(1).padStart(9)} ms  ${k.launches} launches`);
  return lines.join('\n');
}
