/**
 * conv2d backward-weight: the direct kernel against the gemm route (conv/route-plan.ts, weightGemmPlan) with the pixels in
 * 1, 2, 4, ... chunks or weightGemmPlan's own choice, at `swagpu bench`'s backward-weight shapes. Every variant
 * alternates with the others round by round in one process (this host's speed drifts minute to minute); the
 * median of the rounds, timed as `swagpu bench` times (GPU timestamps where the adapter has them).
 *
 *   node --import ./bin/register.mjs bench/conv-weight-routes.ts [llvmpipe|swiftshader] [--rounds=5] [--z=0,1,2,4,8] [--direct=0] [--only=SUBSTRING]
 *
 * --z: chunk counts to try (0 = weightGemmPlan's choice); --direct=0 leaves out the direct kernel.
 */
import { getContext } from '../src/gpu/context.js';
import { convTuning } from '../src/kernels/conv/conv2d.js';
import { kernelCases } from '../src/bench/kernels.js';
import { timeGpu, timerFor } from '../src/bench/timing.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = (args.find((a) => !a.startsWith('--')) ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader';
const rounds = Number(opt('rounds') ?? 5);
const chunks = (opt('z') ?? '0,1,2,4').split(',').map(Number);
const only = opt('only');
const ctx = await getContext(adapter);
const timer = timerFor(ctx);
const variants = [...(opt('direct') === '0' ? [] : [{ gemm: false, Z: 0 }]), ...chunks.map((Z) => ({ gemm: true, Z }))];
for (const c of kernelCases().filter((k) => k.name.includes('bwd-weight') && (!only || `${k.name} ${k.shape}`.includes(only)))) {
  const times = new Map<string, number[]>();
  const { run, dispose } = c.setup(ctx);
  for (let round = 0; round < rounds; round++) {
    for (const v of round % 2 ? variants.slice().reverse() : variants) {
      convTuning.weightGemm = v.gemm;
      convTuning.weightGemmZ = v.Z;
      const t = await timeGpu(ctx, run, 1, round === 0 ? 1 : 0, timer);
      const key = v.gemm ? `gemm Z=${v.Z || 'auto'}` : 'direct';
      times.set(key, [...(times.get(key) ?? []), t.ms]);
    }
  }
  convTuning.weightGemm = true;
  convTuning.weightGemmZ = 0;
  dispose();
  console.log(`${adapter} ${c.name} ${c.shape}  ` + [...times].map(([key, ms]) => {
    const median = ms.slice().sort((a, b) => a - b)[ms.length >> 1];
    return `${key}: ${median.toFixed(1)} ms (${(c.flops! / median / 1e6).toFixed(2)} GFLOP/s)`;
  }).join('  '));
}
