/**
 * Markdown rows for bench/RESULTS.md from `swagpu bench --json` reports:
 *   node --import ./bin/register.mjs bench/report-md.ts report1.json [report2.json ...]
 */
import { readFileSync } from 'node:fs';
import type { BenchReport } from '../src/bench/suite.js';

const f = (v: number | null | undefined, d = 1) => (v == null ? '-' : v.toFixed(d));
console.log('| adapter | case | shape | median ms | min-max ms | GFLOP/s | % FMA peak | GB/s | TF.js ms | TF.js / ours | dispatches | peak MiB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  for (const x of r.results) {
    console.log(`| ${r.adapterKind} | ${x.name} | ${x.shape} | ${f(x.ms)} | ${f(x.minMs)}-${f(x.maxMs)} | ${f(x.gflops, 2)} | ${f(x.peakPercent)} | ${f(x.gbps, 2)} | ${f(x.peerMs)} | ${f(x.speedup, 2)} | ${x.dispatches ?? '-'} | ${x.peakBytes != null ? (x.peakBytes / 2 ** 20).toFixed(0) : '-'} |`);
  }
}
