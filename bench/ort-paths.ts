/**
 * ONNX Runtime Web's ResNet-50 classification (src/bench/peer-ort.ts) several ways, in one process on one adapter,
 * timed alternating round by round (so a busy machine's drift falls on every variant alike), to choose the peer's
 * fastest code path:
 *   bundle   'webgpu' = onnxruntime-web/webgpu (ort.webgpu.min.mjs: the C++ WebGPU EP, asyncify build), what the peer
 *            imports; 'jsep' = onnxruntime-web/all (ort.all.min.mjs: the JavaScript WebGPU EP, JSEP build)
 *   layout   NHWC (the EP's default) or NCHW
 *   io       gpu-buffer (input bound once on the GPU, logits left there) or cpu (upload + download every run)
 * Each variant's top-1 label on the bench image is printed beside its time (all must agree).
 *   node --import ./bin/register.mjs bench/ort-paths.ts [llvmpipe] [--rounds=3] [--variants=webgpu:NHWC:gpu-buffer,webgpu:NCHW:gpu-buffer,webgpu:NHWC:cpu,jsep:NHWC:gpu-buffer]
 */
import { installDawnNavigator } from '../src/bench/dawn-navigator.js';
import { readOnnx, resnet50OnnxFile } from '../src/bench/peer-ort-node.js';
import { ortClassifier, type Ort, type OrtClassifier, type OrtOptions } from '../src/bench/peer-ort.js';
import { CLASSIFY_SIZE } from '../src/bench/classify.js';
import { defaultContent } from '../src/bench/synthetic-images.js';
import { summarize } from '../src/bench/timing.js';

const adapter = (process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'llvmpipe') as 'llvmpipe';
const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const rounds = Number(arg('rounds', '3'));
const variants = arg('variants', 'webgpu:NHWC:gpu-buffer,webgpu:NCHW:gpu-buffer,webgpu:NHWC:cpu,jsep:NHWC:gpu-buffer').split(',');

await installDawnNavigator(adapter, 'bench/ort-paths.ts');
const bundles: Record<string, () => Promise<Ort>> = {
  webgpu: async () => (await import('onnxruntime-web/webgpu')) as unknown as Ort,
  jsep: async () => (await import('onnxruntime-web/all')) as unknown as Ort,
};
const model = readOnnx(await resnet50OnnxFile({ log: console.log }));
const image = defaultContent(CLASSIFY_SIZE, CLASSIFY_SIZE).data;
const runs: Array<{ name: string; run: OrtClassifier; times: number[] }> = [];
for (const v of variants) {
  const [bundle, layout, io] = v.split(':');
  const ort = await bundles[bundle]();
  ort.env.wasm.numThreads = 1;
  const options: OrtOptions = { layout: layout as OrtOptions['layout'], io: io as OrtOptions['io'], optimization: 'all' };
  const run = await ortClassifier(ort, model, image, CLASSIFY_SIZE, options);
  const logits = await run.logits();
  console.log(`${v}: ${run.description}; top-1 ${logits.indexOf(Math.max(...logits))}`);
  await run.once(); // warm-up
  runs.push({ name: v, run, times: [] });
}
for (let r = 0; r < rounds; r++) {
  for (const v of runs) v.times.push(await v.run.once());
  console.log(`round ${r + 1}: ${runs.map((v) => `${v.name} ${v.times[r].toFixed(0)} ms`).join(', ')}`);
}
for (const v of runs) {
  const t = summarize(v.times);
  console.log(`${v.name.padEnd(28)} median ${t.ms.toFixed(0)} ms (${t.minMs.toFixed(0)}-${t.maxMs.toFixed(0)})`);
  v.run.dispose();
}
process.exit(0);
