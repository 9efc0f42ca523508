/** `swagpu info [--json]`: the adapter swagpu would use, its limits, and the other adapters found. */
import { parseArgs } from 'node:util';
import { createGpu, limitsObject, listNodeAdapters } from '../gpu/device.js';

export async function run(argv: string[]): Promise<number> {
  let json = false;
  try {
    ({ values: { json = false } } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true }) as { values: { json?: boolean } });
  } catch (error) {
    console.error(`swagpu info: ${(error as Error).message}\nusage: swagpu info [--json]`);
    return 2;
  }
  const gpu = await createGpu();
  const others = (await listNodeAdapters()).filter((a) => a.kind !== gpu.adapter.kind);
  const report = {
    adapter: gpu.adapter,
    limits: limitsObject(gpu.limits),
    features: gpu.features.sort(),
    otherAdapters: others,
    selectedBy: process.env.SWAGPU_ADAPTER?.trim() ? `SWAGPU_ADAPTER=${process.env.SWAGPU_ADAPTER}` : 'auto (gpu > llvmpipe > swiftshader)',
    /** The route family the kernels take, and what chose it (the adapter, or SWAGPU_TUNING). */
    tuning: gpu.adapter.tuning,
    tuningSource: gpu.adapter.tuningSource,
  };
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const a = gpu.adapter;
    console.log(`adapter: ${a.kind} (${a.isCPU ? 'CPU/software' : 'GPU'}) via ${a.backend}, ${a.featureLevel} mode`);
    console.log(`  ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}`);
    console.log(`  selected by ${report.selectedBy}`);
    console.log(`routes: ${a.tuning} (${a.tuningSource === 'adapter' ? "the adapter's own" : `forced by ${a.tuningSource}`}); tuning table: ${a.table.entry ?? 'no entry matches, fallback'}`);
    console.log('limits:');
    for (const [k, v] of Object.entries(report.limits)) console.log(`  ${k.padEnd(44)} ${v}`);
    console.log(`features: ${report.features.join(', ') || 'none'}`);
    console.log(`other adapters: ${others.map((o) => `${o.kind} (${o.description})`).join(', ') || 'none'}`);
  }
  gpu.device.destroy();
  return 0;
}
