// Compute pipelines cached by shader, entry point and override constants. Pipeline creation
// costs 40 ms to over a second on the CPU emulator, so nothing compiles twice.
import { GpuError } from './errors';

export interface ShaderSource {
  /** A stable name, e.g. "matmul": part of the cache key and of error messages. */
  name: string;
  code: string;
}

export type PipelineConstants = Record<string, number | boolean>;

export class PipelineCache {
  private readonly device: GPUDevice;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(device: GPUDevice) {
    this.device = device;
  }

  get size(): number {
    return this.pipelines.size;
  }

  get(shader: ShaderSource, entryPoint = 'main', constants: PipelineConstants = {}): Promise<GPUComputePipeline> {
    const sortedConstants = Object.keys(constants)
      .sort()
      .map((k) => [k, Number(constants[k])] as const);
    const key = `${shader.name}|${entryPoint}|${JSON.stringify(sortedConstants)}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.create(shader, entryPoint, Object.fromEntries(sortedConstants), key);
      this.pipelines.set(key, pipeline);
      // A failed compile must not poison the cache for a later, fixed attempt.
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  private module(shader: ShaderSource): GPUShaderModule {
    let module = this.modules.get(shader.name);
    if (!module) {
      module = this.device.createShaderModule({ code: shader.code, label: shader.name });
      this.modules.set(shader.name, module);
    }
    return module;
  }

  private async create(
    shader: ShaderSource,
    entryPoint: string,
    constants: Record<string, number>,
    label: string,
  ): Promise<GPUComputePipeline> {
    const module = this.module(shader);
    try {
      return await this.device.createComputePipelineAsync({
        label,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
    } catch (error) {
      const info = await module.getCompilationInfo();
      const messages = info.messages
        .filter((m) => m.type === 'error')
        .map((m) => `${shader.name}.wgsl:${m.lineNum}:${m.linePos} ${m.message}`)
        .join('\n');
      throw new GpuError(
        'shader-compile',
        `Could not build pipeline ${label}: ${messages || (error instanceof Error ? error.message : String(error))}`,
      );
    }
  }
}
