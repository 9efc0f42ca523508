/**
 * bench/gpu-kit.sh, the prepared real-GPU bench for a lent device machine (no Node there, 64 MiB carried): built
 * into a temporary folder and run in its quick mode on llvmpipe with its own packed Node, as it would run on the GPU.
 * Its outputs must be what the device run returns: the adapter report, a bench JSON with finite timings and the
 * TF.js peer's, the gemm tile sweep, the tuning table with this adapter's entry, and the backward-weight routes. Catches a bundle that no longer builds or runs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { AVAILABLE_ADAPTERS } from '../harness.js';
import { checkTable, matchEntry } from '../../src/gpu/tuning-table.js';

const execFileP = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'swagpu-gpu-kit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

it.skipIf(!AVAILABLE_ADAPTERS.includes('llvmpipe'))('builds the kit and runs it (quick, llvmpipe, packed Node): adapter report, bench JSON with the peer, tile sweep, weight routes', async () => {
  const kit = join(dir, 'kit'), out = join(dir, 'out');
  const env = { ...process.env, KIT_DIR: kit, OUT: out, KIT_ADAPTER: 'llvmpipe', KIT_QUICK: '1', KIT_PACKED_NODE: '1' };
  await execFileP('bash', ['bench/gpu-kit.sh', 'build'], { env, maxBuffer: 1 << 24 });
  // What travels must fit the device's 64 MiB with the repository beside it.
  expect(statSync(join(kit, 'node.tar.xz')).size + statSync(join(kit, 'swagpu.mjs')).size).toBeLessThan(40 * 2 ** 20);
  await execFileP('bash', ['bench/gpu-kit.sh', 'run'], { env, maxBuffer: 1 << 24 });
  const info = JSON.parse(readFileSync(join(out, 'info.json'), 'utf8'));
  expect(info.adapter.kind).toBe('llvmpipe');
  const bench = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
  expect(bench.peer).toMatch(/^tfjs-backend-webgpu 4\./);
  expect(bench.results.map((r: { name: string; shape: string }) => `${r.name} ${r.shape}`)).toEqual(['conv2d 1x1 fwd 56x56 256->64', 'vgg19 eval 128px']);
  for (const r of bench.results) expect(positive(r.ms) && positive(r.peerMs), `${r.name}: ${r.ms} ms, peer ${r.peerMs}`).toBe(true);
  expect(readFileSync(join(out, 'gemm-tiles.txt'), 'utf8')).toMatch(/^llvmpipe K128 M128 N1024 Z16 .*8x16 WG auto: \d/m);
  // The tuning sweep's table: valid, the repo's fallback kept, and an entry that matches this adapter with the winners.
  const table = checkTable(JSON.parse(readFileSync(join(out, 'tuning-table.json'), 'utf8')));
  const entry = matchEntry(table, info.adapter);
  expect(entry?.source).toMatch(/^tuning sweep .* on llvmpipe \(opengl\): gemm (block|register) .* GFLOP\/s/);
  expect(entry?.gemm?.R).toBeGreaterThan(0);
  expect(readFileSync(join(out, 'tuning-sweep.txt'), 'utf8')).toMatch(/^winners: gemm .* conv IL \d/m);
  expect(readFileSync(join(out, 'weight-routes.txt'), 'utf8')).toMatch(/bwd-weight 16x16 512->512 .*direct: [\d.]+ ms.*gemm Z=auto: [\d.]+ ms/);
}, 900_000); // ~10 min on this shared 2-core machine under load
