/**
 * The pipeline cache: one compiled compute pipeline per kernel variant (name + entry point + defines),
 * built on first use. A shader that fails to compile is reported through `DeferredErrors` with the
 * kernel's name and each message's line, column and source line.
 */
import type { DeferredErrors } from './errors.js';
import { preprocessWgsl, type Defines } from './preprocess.js';

/** A kernel: one WGSL source (with variants), one entry point. */
export interface KernelSpec {
  /** Name used in errors, counters and the pipeline cache, e.g. 'conv2d'. */
  name: string;
  source: string;
  entryPoint?: string;
  defines?: Defines;
}

export interface CachedPipeline { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }

export class PipelineCache {
  private pipelines = new Map<string, CachedPipeline>();
  /**
   * Cache keys of frozen defines objects: a launcher that builds the same (large) defines for every launch, as
   * gemm's written-out tile does, freezes one object and passes it again, so its key is not re-serialised per launch.
   */
  private frozenKeys = new WeakMap<object, string>();

  constructor(private readonly device: GPUDevice, private readonly errors: DeferredErrors) {}

  /** The compiled pipeline for a kernel variant (cached per name + entry point + defines). */
  get(spec: KernelSpec): CachedPipeline {
    const entryPoint = spec.entryPoint ?? 'main';
    const key = `${spec.name}:${entryPoint}:${this.definesKey(spec.defines)}`;
    let cached = this.pipelines.get(key);
    if (cached) return cached;
    const code = preprocessWgsl(spec.name, spec.source, spec.defines);
    const label = `${spec.name}.${entryPoint}`;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code, label });
    const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint }, label });
    const layout = pipeline.getBindGroupLayout(0); // inside the scope: invalid for a broken shader
    const scope = this.device.popErrorScope();
    this.errors.watch(
      Promise.all([module.getCompilationInfo(), scope]).then(([info, error]) => {
        const messages = info.messages.filter((m) => m.type === 'error');
        if (messages.length === 0 && !error) return null;
        const lines = code.split('\n');
        const detail = messages.map((m) => `  line ${m.lineNum}:${m.linePos}: ${m.message}\n    > ${lines[m.lineNum - 1]?.trim() ?? ''}`).join('\n');
        return new Error(`WGSL kernel ${label} failed to compile:\n${detail || error?.message}`);
      }),
    );
    cached = { pipeline, layout };
    this.pipelines.set(key, cached);
    return cached;
  }

  private definesKey(defines: Defines | undefined): string {
    if (!defines) return '{}';
    if (!Object.isFrozen(defines)) return JSON.stringify(defines);
    let key = this.frozenKeys.get(defines);
    if (key === undefined) this.frozenKeys.set(defines, (key = JSON.stringify(defines)));
    return key;
  }
}
