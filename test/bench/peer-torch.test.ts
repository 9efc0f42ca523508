/**
 * The PyTorch CPU peer of `swagpu bench --peer torch` (src/bench/peer_torch.py) evaluates the same objective as
 * ours: the same Keras ResNet-50 read from our safetensors file, the resnet50-swag preset (SWAG softmax smoothing,
 * content and Gram losses), on the same images. Its first loss must equal ours (an independent float32
 * implementation: PyTorch's convs and autograd). Skipped, with the reason, where /usr/bin/python3 has no torch.
 */
import { expect, it } from 'vitest';
import { getContext } from '../../src/gpu/context.js';
import { loadModel } from '../../src/models/load.js';
import { weightsFile } from '../../src/models/load.js';
import { styleEvaluation } from '../../src/bench/evaluate.js';
import { defaultContent, defaultStyle } from '../../src/bench/synthetic-images.js';
import { startTorchPeer, torchAvailable, TORCH_MISSING_HINT } from '../../src/bench/peer-torch.js';
import { run } from '../../src/cli/bench.js';
import { fastestAdapter } from '../harness.js';

const found = torchAvailable();
const why = 'missing' in found ? `${found.missing}; ${TORCH_MISSING_HINT}` : '';

it.skipIf(!!why)(`the torch peer's first ResNet-50 loss equals ours (64 px)${why ? ` [skipped: ${why}]` : ''}`, async () => {
  const size = 64;
  const ctx = await getContext(fastestAdapter());
  const model = await loadModel(ctx, 'resnet50', { log: () => {} });
  const ev = styleEvaluation(ctx, model, size);
  let ours: number;
  try {
    ev.run();
    await ctx.sync();
    ours = await ev.loss();
  } finally {
    ev.dispose();
  }
  const peer = await startTorchPeer(await weightsFile('resnet50'), size, defaultContent(size, size), defaultStyle(size, size));
  try {
    expect(ours).toBeGreaterThan(0);
    expect(Math.abs(peer.firstLoss - ours) / ours, `torch ${peer.firstLoss} vs ours ${ours}`).toBeLessThan(1e-5);
    expect(peer.description).toMatch(/^PyTorch .* 2 threads/);
    const ms = await peer.once('wall');
    expect(ms).toBeGreaterThan(0);
  } finally {
    peer.dispose();
  }
}, 120_000);

it('swagpu bench --peer torch: runs with the peer, or says it is skipped and which package to install', async () => {
  const lines: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    expect(await run(['--json', '--quick', '--only', 'resnet50 eval 128px', '--runs', '1', '--peer', 'torch', '--adapter', fastestAdapter()])).toBe(0);
  } finally {
    console.log = log;
    console.error = error;
  }
  const text = lines.join('\n');
  const report = JSON.parse(text.slice(text.indexOf('\n{') + 1));
  const [row] = report.results;
  expect(row).toMatchObject({ name: 'resnet50 eval', shape: '128px' });
  if (why) {
    expect(text).toContain('# peer torch: skipped');
    expect(text).toContain('python3-torch');
    expect(row.peerMs).toBeNull();
  } else {
    expect(report.peer).toMatch(/^PyTorch /);
    expect(row.peerMs).toBeGreaterThan(0);
    expect(row.speedup).toBeCloseTo(row.peerMs / row.ms, 6);
    expect(Math.abs(row.peerLoss - row.loss) / row.loss).toBeLessThan(1e-5);
  }
}, 300_000);
