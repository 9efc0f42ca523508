/**
 * The current table of bench/RESULTS.md from `swagpu bench --json` reports, one row per adapter × case: ours, each
 * peer's time (a report has one peer; several reports of the same adapter are merged, ours and a peer taken from the first that
 * has the case), the ratio against the FASTEST peer (its ms / ours: above 1, we are faster), % of the adapter's FMA
 * peak, the date and the commit. The PyTorch peer runs on the CPU, so its time stands beside every adapter of the
 * same machine: give its report once and it joins the llvmpipe and SwiftShader rows alike (--cpu-peer-everywhere).
 *   node --import ./bin/register.mjs bench/report-md.ts [--commit=SHA] [--cpu-peer-everywhere] report1.json [report2.json ...]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchReport } from '../src/bench/suite.js';

const PEERS = [
  { key: 'tfjs', title: 'TF.js ms', match: /^tfjs/ },
  { key: 'torch', title: 'PyTorch ms', match: /^PyTorch/ },
  { key: 'ort', title: 'ORT ms', match: /^onnxruntime/ },
] as const;

const args = process.argv.slice(2);
const commit = args.find((a) => a.startsWith('--commit='))?.slice(9)
  ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const cpuEverywhere = args.includes('--cpu-peer-everywhere');
const f = (v: number | null | undefined, d = 1) => (v == null ? '-' : v.toFixed(d));

interface Row { adapter: string; name: string; shape: string; ms: number; peak: number | null; date: string; peers: Record<string, number> }
const rows = new Map<string, Row>();
const cpuPeer: Array<{ name: string; shape: string; key: string; ms: number }> = [];
for (const file of args.filter((a) => !a.startsWith('--'))) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  const peer = PEERS.find((p) => r.peer && p.match.test(r.peer))?.key;
  for (const x of r.results) {
    const id = `${r.adapterKind} ${x.name} ${x.shape}`;
    const row = rows.get(id) ?? { adapter: r.adapterKind, name: x.name, shape: x.shape, ms: x.ms, peak: x.peakPercent, date: r.date.slice(0, 10), peers: {} };
    rows.set(id, row);
    if (peer && x.peerMs != null) {
      row.peers[peer] ??= x.peerMs; // the first report with the case gives ours and its peer alike: one run
      if (peer === 'torch' && cpuEverywhere) cpuPeer.push({ name: x.name, shape: x.shape, key: peer, ms: x.peerMs });
    }
  }
}
for (const c of cpuPeer) for (const row of rows.values()) if (row.name === c.name && row.shape === c.shape) row.peers[c.key] ??= c.ms;

console.log(`| adapter | case | shape | ours ms | ${PEERS.map((p) => p.title).join(' | ')} | fastest peer / ours | % FMA peak | date | commit |`);
console.log(`| --- | --- | --- | --- | ${PEERS.map(() => '---').join(' | ')} | --- | --- | --- | --- |`);
for (const row of rows.values()) {
  const times = Object.values(row.peers);
  const fastest = times.length ? Math.min(...times) : null;
  console.log(`| ${row.adapter} | ${row.name} | ${row.shape} | ${f(row.ms)} | ${PEERS.map((p) => f(row.peers[p.key])).join(' | ')} | ${fastest ? (fastest / row.ms).toFixed(2) : '-'} | ${f(row.peak)} | ${row.date} | ${commit} |`);
}
