/**
 * The tuning sweep (bench/tuning-sweep.ts) from Node: times every gemm and direct-conv variant on one adapter with the
 * 'gpu' route family, prints every timing, and writes the tuning table with this adapter's entry added (replacing
 * one with the same match) — a file to copy over src/gpu/tuning-table.json and commit.
 *
 *   node --import ./bin/register.mjs bench/tuning-sweep-cli.ts [gpu|llvmpipe|swiftshader] [--out=tuning-table.json] [--rounds=3] [--quick]
 *
 * bench/gpu-kit.sh runs it bundled on a device machine (out: $OUT/tuning-table.json). On a CPU adapter it checks the
 * sweep itself; its figures say nothing about GPUs, so never commit a CPU adapter's entry.
 */
import { writeFileSync } from 'node:fs';
import { getContext } from '../src/gpu/context.js';
import { parseTuning } from '../src/gpu/device.js';
import { TUNING_TABLE, withEntry } from '../src/gpu/tuning-table.js';
import { sweepTuning } from './tuning-sweep.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = parseTuning(args.find((a) => !a.startsWith('--')) ?? 'gpu', 'adapter');
const out = opt('out') ?? 'tuning-table.json';
const ctx = await getContext(adapter, { tuning: 'gpu' });
const a = ctx.gpu.adapter;
console.log(`tuning sweep on ${a.kind}: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}`);
const result = await sweepTuning(ctx, { rounds: Number(opt('rounds') ?? 3), quick: args.includes('--quick'), log: (line) => console.log(line) });
for (const s of result.skipped) console.log(`skipped: ${s}`);
console.log(`winners: gemm ${result.winners.gemm.variant} (${result.winners.gemm.meanGflops.toFixed(1)} GFLOP/s), conv ${result.winners.conv.variant} (${result.winners.conv.meanGflops.toFixed(1)} GFLOP/s)`);
writeFileSync(out, JSON.stringify(withEntry(TUNING_TABLE, result.entry), null, 2) + '\n');
writeFileSync(out.replace(/\.json$/, '') + '-rows.json', JSON.stringify(result.rows, null, 1) + '\n');
console.log(`wrote ${out} (the table with this adapter's entry) and its timings`);
