/**
 * `swagpu bench [--json] [--quick] [--peer tfjs|torch|ort] [--only NAME] [--runs N] [--adapter KIND] [--wall-clock] [--profile]`:
 * kernel and end-to-end benchmarks (the suite lives in src/bench/, a layer beside cli that the library never imports;
 * this thin command loads it, on demand).
 */
import { parseArgs } from 'node:util';
import { getContext } from '../gpu/context.js';
import { NODE_ADAPTER_KINDS, type AdapterChoice } from '../gpu/device.js';
import { UsageError, oneOf, positiveInt } from '../api/options.js';

const USAGE = `usage: swagpu bench [--json] [--quick] [--peer tfjs|torch|ort] [--only NAME] [--runs N] [--adapter auto|gpu|llvmpipe|swiftshader] [--wall-clock] [--profile]

  --json          print {adapter, peakGflops, nativePeakGflops, timer, results: [{name, shape, ms, minMs, maxMs, gflops, peerMs, speedup, ...}]}
  --quick         a reduced set at smaller shapes (evaluations at 128 and 256 px only)
  --peer tfjs     also time conv2d/matmul and the evaluations with @tensorflow/tfjs-backend-webgpu on the same adapter
  --peer torch    also time the ResNet-50 evaluations with PyTorch on the CPU, 2 threads (src/bench/peer_torch.py;
                  needs Debian's python3-torch, or SWAGPU_PYTHON naming a Python with torch and numpy)
  --peer ort      also time ResNet-50's forward (resnet50 classify 224px) with ONNX Runtime Web's WebGPU EP on the
                  same adapter (src/bench/peer-ort.ts; our weights written as ONNX, cached beside them); wall clock
  --only NAME     only the cases whose "name shape" contains NAME, or one of several comma-separated
                  names (e.g. 'conv2d 3x3 fwd', '32x32', 'resnet50,vgg19 eval 128px')
  --runs N        timed runs per case after one warm-up (default 5; 3 for evaluations with --quick)
  --adapter KIND  which adapter (default: SWAGPU_ADAPTER or auto)
  --wall-clock    time each run from recording to its completion even where the adapter has GPU timestamp
                  queries (by default they time the GPU's work, ours and the peer's alike)
  --profile       per-kernel time breakdown of each evaluation`;

interface Values { json?: boolean; quick?: boolean; peer?: string; only?: string; runs?: string; adapter?: string; 'wall-clock'?: boolean; profile?: boolean; help?: boolean }

export async function run(argv: string[]): Promise<number> {
  let values: Values;
  let peer: 'tfjs' | 'torch' | 'ort' | null = null;
  let runs: number | null = null;
  let adapter: AdapterChoice | undefined;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        json: { type: 'boolean' }, quick: { type: 'boolean' }, peer: { type: 'string' }, only: { type: 'string' },
        runs: { type: 'string' }, adapter: { type: 'string' }, 'wall-clock': { type: 'boolean' }, profile: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }) as { values: Values });
    if (values.peer !== undefined) peer = oneOf('--peer', values.peer, ['tfjs', 'torch', 'ort'] as const);
    if (values.runs !== undefined) runs = positiveInt('--runs', values.runs, 1000);
    if (values.adapter !== undefined) adapter = oneOf('--adapter', values.adapter, ['auto', ...NODE_ADAPTER_KINDS] as const);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw error;
    console.error(`swagpu bench: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const { runBench, TABLE_HEADER } = await import('../bench/suite.js');
  const ctx = await getContext(adapter);
  const json = values.json === true;
  // With --json, stdout carries only the JSON; progress goes to stderr.
  const log = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  log(TABLE_HEADER);
  const report = await runBench(ctx, { quick: values.quick === true, peer, only: values.only ?? null, runs, profile: values.profile === true, wallClock: values['wall-clock'] === true, log });
  if (json) console.log(JSON.stringify(report, null, 2));
  if (report.results.length === 0) {
    console.error(`swagpu bench: no case matches --only '${values.only}'`);
    return 2;
  }
  return 0;
}
