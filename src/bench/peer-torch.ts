/**
 * The native CPU peer (`swagpu bench --peer torch`): the ResNet-50 evaluation in PyTorch on the CPU, 2 threads,
 * what someone without a GPU would run (the paper's code is PyTorch). src/bench/peer_torch.py does the work, with
 * the same Keras weights file and the same objective; this file spawns it once per image size and drives it over
 * stdin/stdout, one evaluation per "run" line, so its runs alternate with ours (timeAlternating) and neither
 * shares the cores with the other. Each run is timed inside Python (perf_counter around forward + backward).
 * The images are the bench's own (defaultContent/defaultStyle), handed over as planar float32 files.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../models/weights-home.js';
import type { Image } from '../style/stylize.js';
import type { PeerRun } from './peer-tfjs.js';

/** The Python that has Debian's python3-torch (override: SWAGPU_PYTHON). */
export const torchPython = (env: NodeJS.ProcessEnv = process.env): string => env.SWAGPU_PYTHON || '/usr/bin/python3';

export const TORCH_MISSING_HINT = "install Debian's python3-torch and python3-numpy (bash scripts/setup.sh --peers)";

/** PyTorch's version on torchPython(), or why the peer cannot run (no Python, no torch or numpy). */
export function torchAvailable(python = torchPython()): { version: string } | { missing: string } {
  const r = spawnSync(python, ['-c', 'import numpy, torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) return { missing: `${python}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}` };
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`;
    return { missing: `${python} cannot import torch and numpy (${last})` };
  }
  return { version: r.stdout.trim() };
}

/** The peer script, shipped in the package's src/bench/. */
export const peerTorchScript = (): string => join(projectRoot(), 'src', 'bench', 'peer_torch.py');

export interface TorchRun extends PeerRun {
  /** The loss of the first evaluation (the image is the content, as in ours). */
  firstLoss: number;
  description: string;
}

/**
 * Start the peer for one `size`×`size` evaluation of `content` and `style` with the weights file `weights`; resolves
 * after its first evaluation (its warm-up). `once()` runs one more and returns its time in ms (the timer is always
 * the wall clock: the work is on the CPU).
 */
export async function startTorchPeer(weights: string, size: number, content: Image, style: Image, options: { threads?: number; channelsLast?: boolean } = {}): Promise<TorchRun> {
  for (const [what, im] of [['content', content], ['style', style]] as const) {
    if (im.width !== size || im.height !== size) throw new Error(`torch peer: the ${what} image is ${im.width}x${im.height}, expected ${size}x${size}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'swagpu-torch-peer-'));
  const file = (name: string, im: Image) => {
    const path = join(dir, name);
    writeFileSync(path, new Uint8Array(im.data.buffer, im.data.byteOffset, im.data.byteLength));
    return path;
  };
  const args = [peerTorchScript(), '--weights', weights, '--size', String(size), '--content', file('content.f32', content), '--style', file('style.f32', style),
    '--threads', String(options.threads ?? 2), '--serve', ...(options.channelsLast ? ['--channels-last'] : [])];
  const child: ChildProcessWithoutNullStreams = spawn(torchPython(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += String(d); });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => child.on('close', (code) => reject(new Error(`torch peer (${args[0]}) exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`))));
  exited.catch(() => {});
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await Promise.race([lines.next(), exited]);
    if (r.done) return exited;
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const close = () => {
    child.stdin.end();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  let ready: Record<string, unknown>;
  try {
    ready = await next();
  } catch (e) {
    close();
    throw e;
  }
  return {
    firstLoss: ready.loss as number,
    description: ready.peer as string,
    async once() {
      child.stdin.write('run\n');
      return (await next()).ms as number;
    },
    dispose: close,
  };
}
