/**
 * Is a ResNet-50 evaluation the same work every time (issue 23: the 256 px evaluation is bimodal, 0.88 vs 1.4 s on a
 * quiet machine)? Runs `n` evaluations in one process after one warm-up and prints, per evaluation, what could
 * differ between a fast and a slow one:
 * - wall ms, and the CPU ms of the main (JS) thread and of each other thread (/proc/self/task/N/schedstat: Dawn's,
 *   V8's and llvmpipe's workers), with `par` = llvmpipe's CPU / wall: about 2 when both llvmpipe workers run side by
 *   side on the 2 cores, lower when one waits (scheduling), while a slow run with more CPU is slower work;
 * - GC pause ms (perf_hooks), page faults, context switches, the host's steal ticks;
 * - a hash of the launch sequence (kernels, variants, workgroup counts: the route choices), a hash of the buffers
 *   each launch binds, the bind groups created, and the pool's createBuffer count.
 *   node --import ./bin/register.mjs bench/eval-steadiness.ts [size=256] [n=8]
 * Needs Linux /proc; llvmpipe only.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { getContext, type KernelSpec, type LaunchArgs } from '../src/gpu/context.js';
import type { BufferRange } from '../src/gpu/bindings.js';
import { benchModel } from '../src/bench/suite.js';
import { styleEvaluation } from '../src/bench/evaluate.js';

/** CPU ns per thread id ('main' for the JS thread). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(Number(tid) === process.pid ? 'main' : tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch { /* the thread ended */ }
  }
  return out;
}
const steal = () => Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8]);
const hash = (t: string) => { let h = 2166136261; for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619) >>> 0; return h.toString(16); };

const size = Number(process.argv[2] ?? 256);
const n = Number(process.argv[3] ?? 8);
const ctx = await getContext('llvmpipe');
const model = await benchModel(ctx, 'resnet50');
const ev = styleEvaluation(ctx, model, size);

let bindGroups = 0;
const createBindGroup = ctx.device.createBindGroup.bind(ctx.device);
(ctx.device as { createBindGroup: GPUDevice['createBindGroup'] }).createBindGroup = (d) => { bindGroups++; return createBindGroup(d); };
let gcMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ['gc'] });
const ids = new WeakMap<GPUBuffer, number>();
let nextId = 1;
const idOf = (b: GPUBuffer | BufferRange) => {
  const buffer = 'buffer' in b ? b.buffer : b;
  let id = ids.get(buffer);
  if (!id) ids.set(buffer, (id = nextId++));
  return 'buffer' in b ? `${id}@${b.offset}` : `${id}`;
};
let routes = '';
let bound = '';
const original = ctx.launch.bind(ctx);
ctx.launch = (s: KernelSpec, a: LaunchArgs) => {
  routes += `${s.name}${JSON.stringify(s.defines ?? {})}${a.workgroups.join('x')};`;
  bound += `${a.buffers.map(idOf).join(',')};`;
  original(s, a);
};

ev.run();
await ctx.sync();
for (let i = 0; i < n; i++) {
  routes = ''; bound = ''; bindGroups = 0;
  const gc0 = gcMs; const st0 = steal(); const r0 = process.resourceUsage(); const th0 = threadCpu(); const created0 = ctx.pool.stats.created;
  const t0 = performance.now();
  ev.run();
  await ctx.sync();
  const wall = performance.now() - t0;
  const th = threadCpu(); const r = process.resourceUsage();
  const per = [...th].map(([k, v]) => [k, (v - (th0.get(k) ?? 0)) / 1e6] as const);
  const main = per.find(([k]) => k === 'main')?.[1] ?? 0;
  const others = per.filter(([k]) => k !== 'main').reduce((s, [, v]) => s + v, 0);
  const busy = per.filter(([k, v]) => k !== 'main' && v > 5).map(([, v]) => v.toFixed(0)).join('+');
  console.log(`${size}px #${i}: wall ${wall.toFixed(0)} ms, cpu main ${main.toFixed(0)} others ${others.toFixed(0)} (${busy}), par ${(others / wall).toFixed(2)}, gc ${(gcMs - gc0).toFixed(0)} ms, `
    + `minflt ${r.minorPageFault - r0.minorPageFault}, ctxsw ${r.voluntaryContextSwitches - r0.voluntaryContextSwitches}/${r.involuntaryContextSwitches - r0.involuntaryContextSwitches}, steal ${steal() - st0}, `
    + `routes ${hash(routes)}, bound ${hash(bound)}, new bind groups ${bindGroups}, new buffers ${ctx.pool.stats.created - created0}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
}
ev.dispose();
process.exit(0);
