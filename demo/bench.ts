/**
 * demo/bench.html: `swagpu bench`'s kernel cases (bench/kernels.ts) in the browser, on navigator.gpu's adapter,
 * timed as the CLI times them (bench/timing.ts: GPU timestamp queries where the adapter has them) against the
 * adapter's FMA peak (bench/peak.ts). The TF.js peer and the style evaluations need Node (Dawn, weights on disk):
 * they stay in the CLI. Query parameters start a run on load: ?run&only=NAME,NAME&runs=N&quick=0|1.
 * The report is left on window.swagpuBench (the browser test reads it) and printed as a table and as JSON.
 */
import { getContext, type GpuContext } from '../src/gpu/context.js';
import { kernelCases, kernelRow, matchesOnly } from '../bench/kernels.js';
import { measurePeak } from '../bench/peak.js';
import { timeGpu, timerFor, type Timer } from '../bench/timing.js';
import type { BenchResult } from '../bench/suite.js';
import { webgpuProblem, WEBGPU_HELP } from './gpu-check.js';

interface PageReport { adapter: string; tuning: string; peakGflops: number; timer: Timer; results: BenchResult[]; error?: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state = (s: 'idle' | 'running' | 'done' | 'error') => { document.body.dataset.state = s; };
const fixed = (v: number | null, digits = 1) => (v == null ? '-' : v.toFixed(digits));
const w = window as unknown as { swagpuBench: PageReport | null };
w.swagpuBench = null;

function addRow(r: BenchResult): void {
  const row = document.createElement('tr');
  for (const text of [r.name, r.shape, fixed(r.ms), `${fixed(r.minMs)}-${fixed(r.maxMs)}`, fixed(r.gflops, 2), fixed(r.peakPercent), fixed(r.gbps, 2)]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  $('results').querySelector('tbody')!.append(row);
}

/** Yield to the page between cases, so the table and the status line repaint. */
const repaint = () => new Promise((ok) => setTimeout(ok, 0));

async function bench(ctx: GpuContext, only: string | null, runs: number, quick: boolean): Promise<PageReport> {
  const a = ctx.gpu.adapter;
  const adapter = `${a.kind}: ${a.description || a.device || a.vendor || 'unknown'}`;
  const timer = timerFor(ctx);
  $('status').textContent = 'Measuring the FMA peak…';
  await repaint();
  const peak = await measurePeak(ctx, { timer });
  const report: PageReport = { adapter, tuning: a.tuning, peakGflops: peak.gflops, timer, results: [] };
  $('adapter').textContent = `${adapter} (${a.tuning} routes); FMA peak ${peak.gflops.toFixed(1)} GFLOP/s; timer: ${timer === 'gpu' ? 'GPU timestamp queries' : 'wall clock to onSubmittedWorkDone'}`;
  const cases = kernelCases().filter((c) => (!quick || c.quick) && matchesOnly(only, c.name, c.shape));
  if (cases.length === 0) throw new Error(`no case matches "${only}"${quick ? ' in the quick set' : ''}`);
  for (const [i, c] of cases.entries()) {
    $('status').textContent = `${i + 1} / ${cases.length}: ${c.name} ${c.shape}…`;
    await repaint();
    const { run, dispose } = c.setup(ctx);
    const t = await timeGpu(ctx, run, runs, 1, timer);
    dispose();
    const r: BenchResult = kernelRow(c, t, peak.gflops);
    report.results.push(r);
    addRow(r);
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
    state('error');
    return;
  }
  if (params.has('only')) $<HTMLInputElement>('only').value = params.get('only')!;
  if (params.has('runs')) $<HTMLInputElement>('runs').value = params.get('runs')!;
  if (params.has('quick')) $<HTMLInputElement>('quick').checked = params.get('quick') !== '0';
  const go = async () => {
    const only = $<HTMLInputElement>('only').value.trim() || null;
    const runs = Math.max(1, Math.min(100, Math.floor(Number($<HTMLInputElement>('runs').value) || 5)));
    $<HTMLButtonElement>('run').disabled = true;
    $('results').querySelector('tbody')!.replaceChildren();
    state('running');
    try {
      const ctx = await getContext();
      w.swagpuBench = await bench(ctx, only, runs, $<HTMLInputElement>('quick').checked);
      $('status').textContent = `Done: ${w.swagpuBench.results.length} cases, ${runs} timed runs each.`;
      state('done');
    } catch (error) {
      const message = (error as Error).message;
      w.swagpuBench = { adapter: '', tuning: '', peakGflops: 0, timer: 'wall', results: [], error: message };
      $('status').textContent = `Failed: ${message}`;
      state('error');
    }
    $('json').textContent = JSON.stringify(w.swagpuBench, null, 2);
    $<HTMLButtonElement>('run').disabled = false;
  };
  $('run').addEventListener('click', () => { void go(); });
  $('adapter').textContent = 'WebGPU adapter found: press Run.';
  if (params.has('run')) await go();
}

void start();
