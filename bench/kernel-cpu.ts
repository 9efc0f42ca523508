/**
 * An evaluation's CPU time per kernel on llvmpipe (issue 23): one evaluation is recorded, then each launch is
 * replayed alone (3 times) and charged the process CPU time (all threads, /proc/self/task/N/schedstat) to its
 * completion: less sensitive to a loaded machine than `swagpu bench --profile`'s wall times. Each replay also pays
 * one submit and wait, so small launches read high; the ranking is what this is for. Prints per kernel the CPU ms,
 * wall ms, launches and their workgroup counts.
 *   node --import ./bin/register.mjs bench/kernel-cpu.ts [size=128]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { recordedEvaluation } from './recorded-evaluation.js';

function cpuNs(): number {
  let ns = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try { ns += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* ended */ }
  }
  return ns;
}
const size = Number(process.argv[2] ?? 128);
const { ctx, launch: original, recorded } = await recordedEvaluation('llvmpipe', size);
const REPS = 3;
const byKernel = new Map<string, { cpu: number; wall: number; launches: number; groups: string[] }>();
for (let rep = 0; rep < REPS; rep++) {
  for (const [s, a] of recorded) {
    const c0 = cpuNs(); const t0 = performance.now();
    original(s, a);
    await ctx.sync();
    const cpu = (cpuNs() - c0) / 1e6 / REPS; const wall = (performance.now() - t0) / REPS;
    const groups = a.workgroups.map((v) => v ?? 1).join('x');
    const k = byKernel.get(s.name) ?? { cpu: 0, wall: 0, launches: 0, groups: [] };
    k.cpu += cpu; k.wall += wall;
    if (rep === 0) { k.launches++; k.groups.push(groups); }
    byKernel.set(s.name, k);
  }
}
let total = 0;
for (const k of byKernel.values()) total += k.cpu;
console.log(`${size}px: ${recorded.length} launches, replayed one by one: ${total.toFixed(0)} ms CPU`);
for (const [name, k] of [...byKernel].sort((a, b) => b[1].cpu - a[1].cpu)) {
  console.log(`${name.padEnd(26)} ${k.cpu.toFixed(1).padStart(7)} ms cpu ${k.wall.toFixed(1).padStart(7)} ms wall ${String(k.launches).padStart(4)} launches; workgroups ${k.groups.slice(0, 10).join(' ')}${k.groups.length > 10 ? ' ...' : ''}`);
}
process.exit(0);
