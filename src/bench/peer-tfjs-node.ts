/**
 * The TF.js peer in Node (`swagpu bench --peer tfjs`): tfjs-webgpu looks for `navigator.gpu` when it is imported,
 * so we install a Dawn one on the bench's adapter (src/bench/dawn-navigator.ts) before importing it. The peer itself
 * is src/bench/peer-tfjs.ts.
 */
import type { AdapterKind } from '../gpu/device.js';
import { installDawnNavigator } from './dawn-navigator.js';
import { kerasResnet50Artifacts } from './keras-resnet50.js';
import { weightsFile } from '../models/load.js';
import { loadWeights } from '../models/weights.js';
import { packageExports } from './package-exports.js';
import { tfjsPeerOn, type Tf, type TfjsPeer } from './peer-tfjs.js';

let peer: { kind: AdapterKind; ready: Promise<TfjsPeer> } | null = null;

/** One tfjs-webgpu backend per process (tfjs registers a single 'webgpu' backend), so on one adapter kind only. */
export function tfjsPeer(kind: AdapterKind): Promise<TfjsPeer> {
  peer ??= { kind, ready: createPeer(kind) };
  if (peer.kind !== kind) return Promise.reject(new Error(`--peer tfjs: this process's TF.js runs on ${peer.kind}; it cannot also run on ${kind} (one process per adapter)`));
  return peer.ready;
}

async function createPeer(kind: AdapterKind): Promise<TfjsPeer> {
  await installDawnNavigator(kind, '--peer tfjs');
  let tf: Tf;
  try {
    tf = packageExports<Tf>(await import('@tensorflow/tfjs-core'), 'setBackend');
    await import('@tensorflow/tfjs-backend-webgpu');
    await import('@tensorflow/tfjs-layers'); // the evaluations' models (peer-tfjs-eval.ts)
  } catch (e) {
    // An installed swagpu does not bring TF.js (a development dependency): say what to add.
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new Error('--peer tfjs needs TensorFlow.js beside swagpu: npm install @tensorflow/tfjs-core@4 @tensorflow/tfjs-backend-webgpu@4 @tensorflow/tfjs-layers@4');
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('--peer tfjs: tfjs-backend-webgpu failed to initialise on this adapter');
  await tf.ready();
  // Both waits as ours (GpuContext): on SwiftShader, dawn.node's polling slowed to 1 ms, so neither side's
  // kernels share the cores with a busy main thread.
  return tfjsPeerOn(tf, { name: kind, idle: kind === 'swiftshader', kerasResnet50: kerasResnet50Artifacts,
    resnet50Weights: async () => loadWeights(await weightsFile('resnet50', { log: () => {} })) });
}
