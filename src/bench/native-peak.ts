/**
 * The machine's native float32 FMA peak, for CPU adapters: how far WebGPU-on-CPU is from the metal. A C loop
 * (12 independent 16-lane FMA chains per thread, OpenMP over every core, compiled with `cc -O3 -march=native`, so
 * AVX2/AVX-512 FMAs where the CPU has them) is compiled into a temporary folder and run; the best of 3 runs.
 * null where no C compiler with OpenMP is installed: the bench then says so and goes on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = `#include <stdio.h>
#include <stdlib.h>
#include <omp.h>
typedef float v16 __attribute__((vector_size(64)));
int main(int argc, char **argv) {
  long iters = atol(argv[1]);
  double best = 0; float sink = 0;
  for (int rep = 0; rep < 3; rep++) {
    int threads = 1;
    double t0 = omp_get_wtime();
#pragma omp parallel reduction(+:sink)
    {
#pragma omp single
      threads = omp_get_num_threads();
      v16 acc[12], m, b;
      for (int l = 0; l < 16; l++) { m[l] = 0.999f; b[l] = 1e-3f; }
      for (int j = 0; j < 12; j++) for (int l = 0; l < 16; l++) acc[j][l] = 0.01f * (j + l);
      for (long i = 0; i < iters; i++)
        for (int j = 0; j < 12; j++) acc[j] = acc[j] * m + b;
      for (int j = 0; j < 12; j++) for (int l = 0; l < 16; l++) sink += acc[j][l];
    }
    double g = (double)threads * iters * 12 * 16 * 2 / (omp_get_wtime() - t0) / 1e9;
    if (g > best) best = g;
  }
  printf("%.3f %g\\n", best, sink); /* sink: keeps the loop from being optimised away */
  return 0;
}
`;

export interface NativePeak { gflops: number; compiler: string }

export function measureNativePeak(iterations = 50_000_000): NativePeak | null {
  const dir = mkdtempSync(join(tmpdir(), 'swagpu-native-peak-'));
  try {
    writeFileSync(join(dir, 'fma.c'), SOURCE);
    const flags = ['-O3', '-march=native', '-ffp-contract=fast', '-fopenmp', 'fma.c', '-o', 'fma'];
    const built = spawnSync('cc', flags, { cwd: dir, encoding: 'utf8' });
    if (built.error || built.status !== 0) return null;
    const ran = spawnSync(join(dir, 'fma'), [String(iterations)], { encoding: 'utf8', timeout: 120_000 });
    const gflops = Number(ran.stdout?.split(' ')[0]);
    return ran.status === 0 && Number.isFinite(gflops) && gflops > 0 ? { gflops, compiler: `cc ${flags.slice(0, 4).join(' ')}` } : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
