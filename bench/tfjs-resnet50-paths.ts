/**
 * The TF.js ResNet-50 evaluation peer two ways (src/bench/peer-tfjs-eval.ts), in one process on one adapter:
 * 'ops' (tf ops, BatchNorm folded at load, tf.fused.conv2d + bias) and 'layers' (the Keras model through
 * tfjs-layers). First the loss of each on our bench images at 64 px against ours (same objective), then both
 * timed alternating, round by round, at `--size` (wall clock to onSubmittedWorkDone, as `swagpu bench`).
 *   node --import ./bin/register.mjs bench/tfjs-resnet50-paths.ts [llvmpipe] [--size=128] [--rounds=3] [--flags=NAME=VALUE,...] [--variants=ops:split,ops:tf,layers:split] [--ab=FLAG=VALUE]
 * --flags: tfjs-backend-webgpu flags (flags_webgpu.ts) to set before the runs, e.g. WEBGPU_CONV_SEPARATE_IM2COL_SHADER=true.
 */
import { getContext } from '../src/gpu/context.js';
import { loadModel } from '../src/models/load.js';
import { styleEvaluation } from '../src/bench/evaluate.js';
import { defaultContent, defaultStyle } from '../src/bench/synthetic-images.js';
import { tfjsPeer } from '../src/bench/peer-tfjs-node.js';
import { tfjsEvaluation } from '../src/bench/peer-tfjs-eval.js';
import { kerasResnet50Artifacts } from '../src/bench/keras-resnet50.js';
import { weightsFile } from '../src/models/load.js';
import { loadWeights } from '../src/models/weights.js';

const adapter = (process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'llvmpipe') as 'llvmpipe';
const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const size = Number(arg('size', '128')), rounds = Number(arg('rounds', '3'));
const ctx = await getContext(adapter);
const peer = await tfjsPeer(adapter);
const tf = await import('@tensorflow/tfjs-core');
for (const kv of arg('flags', '').split(',').filter(Boolean)) {
  const [k, v] = kv.split('=');
  tf.env().set(k, v === 'true' ? true : v === 'false' ? false : Number(v));
  console.log(`flag ${k} = ${tf.env().get(k)}`);
}
console.log(`# ${peer.description}`);
const opts = { kerasResnet50: kerasResnet50Artifacts, resnet50Weights: async () => loadWeights(await weightsFile('resnet50', { log: () => {} })) };

// Same objective: the first loss on the same images as ours.
const s = 64;
const model = await loadModel(ctx, 'resnet50', { log: () => {} });
const ev = styleEvaluation(ctx, model, s);
ev.run();
await ctx.sync();
const ours = await ev.loss();
ev.dispose();
const images = { content: defaultContent(s, s), style: defaultStyle(s, s) };
for (const [path, softmax] of [['ops', 'split'], ['ops', 'tf'], ['layers', 'split']] as const) {
  const e = await tfjsEvaluation(tf, 'resnet50', s, { ...opts, resnet50Path: path, images, softmax });
  const l = await e.loss();
  e.dispose();
  console.log(`${s}px first loss: ours ${ours.toPrecision(8)}, tfjs ${path} softmax ${softmax} ${l.toPrecision(8)} (rel diff ${(Math.abs(l - ours) / ours).toExponential(2)})`);
}

// Timing, alternating.
const variants = arg('variants', 'ops:split,ops:tf,layers:split').split(',').map((v) => v.split(':') as ['ops' | 'layers', 'split' | 'tf']);
const runs: Awaited<ReturnType<typeof peer.prepare>>[] = [];
for (const [p, softmax] of variants) runs.push(await peer.prepare({ op: 'evaluation', model: 'resnet50', size, resnet50Path: p, softmax }));
// --ab=NAME=VALUE: the first variant twice, alternating the flag's default and VALUE before each run.
const ab = arg('ab', '');
const [abName, abValue] = ab.split('=');
const abDefault = ab ? tf.env().get(abName) : null;
const setAb = (on: boolean) => { if (ab) tf.env().set(abName, on ? (abValue === 'true' ? true : abValue === 'false' ? false : Number(abValue)) : abDefault!); };
if (ab) { runs.length = 1; runs.push(runs[0]); variants.length = 1; variants.push([variants[0][0], `${variants[0][1]} ${ab}` as 'split']); }
const times: number[][] = variants.map(() => []);
for (const [k, r] of runs.entries()) { setAb(k === 1); await r.once('wall'); } // warm-up
for (let i = 0; i < rounds; i++) for (const [k, r] of runs.entries()) { setAb(k === 1); times[k].push(await r.once('wall')); }
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const [k, name] of variants.map((v) => v.join(' softmax ')).entries()) console.log(`${size}px tfjs ${name}: median ${median(times[k]).toFixed(0)} ms of ${times[k].map((t) => t.toFixed(0)).join(', ')}`);
for (const r of new Set(runs)) r.dispose();
process.exit(0);
