/**
 * The WebGPU host of a model's forward pass for `kasc run` and the GPU tests: it generates the kernels
 * of `kernelsForModel` for the adapter it runs on, plans the forward pass (src/codegen/plan.ts) and
 * hands both to the portable runtime (src/codegen/runtime/runtime.ts), the same code the module of
 * `kasc build --emit ts` carries. The runtime makes every buffer, pipeline, Params uniform and bind
 * group once, then runs prefill and decode steps against the KV cache.
 *
 * Supported: MLA attention (with or without q_lora_rank, the latent cache) and GQA/MQA/MHA (K and V
 * cached, rotate-half RoPE), dense SwiGLU FFN layers, DeepSeekMoE layers (router, routed experts,
 * shared experts or none), f32 or FP8 linears (the split of kernelsForModel; weights quantized at load
 * by the runtime, runtime/fp8.ts, with the plan's blocks). What the kernels do not
 * implement (layernorm, biases, GELU) is refused with a message (plan.ts `unsupported`).
 */
/// <reference types="@webgpu/types" />
import type { ModelIR } from '../ir/model.js';
import { type DeviceClass, type KernelLimits, kernelsForModel, maxAttentionSeq } from './kernels/index.js';
import { DEFAULT_FP8_SCALING, fp8KernelOptions, planForward, tensorGroups } from './plan.js';
import { type Fp8Scaling, type GpuModel, ModelRunError, createRuntime } from './runtime/runtime.js';
import type { Weights } from './weights.js';

export interface ModelRunOptions {
  /** Most tokens one call may carry (the longest prefill); default 8. */
  readonly maxTokens?: number;
  /** KV-cache capacity in positions; default min(context, 64, what the attention kernel fits). */
  readonly maxSeq?: number;
  readonly precision?: 'fp32' | 'fp8';
  /** FP8 scaling; default DeepSeek-V3's (1×128 activation tiles, 128×128 weight blocks, N_C = 128). */
  readonly fp8?: Fp8Scaling;
  /** Which tiling the kernels get; default 'gpu'. Pass 'cpu' on a software driver (llvmpipe). */
  readonly deviceClass?: DeviceClass;
}

export type { GpuModel };

/** Raised for a model or call the host cannot run; the message says why (the runtime's error class). */
export const HostError = ModelRunError;
export type HostError = ModelRunError;

/** The subset of a device's limits the kernel generators read. */
export function kernelLimits(device: GPUDevice): KernelLimits {
  const l = device.limits;
  return {
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
}

export async function createModel(device: GPUDevice, model: ModelIR, weights: Weights, options: ModelRunOptions = {}): Promise<GpuModel> {
  const limits = kernelLimits(device);
  const precision = options.precision ?? 'fp32';
  const maxTokens = options.maxTokens ?? 8;
  const maxSeq = options.maxSeq ?? Math.min(model.context ?? 64, 64, maxAttentionSeq(limits));
  const fp8 = options.fp8 ?? DEFAULT_FP8_SCALING;
  const kernels = kernelsForModel(model, limits, options.deviceClass ?? 'gpu', { maxTokens, maxSeq, precision, ...(precision === 'fp8' ? { fp8: fp8KernelOptions(fp8) } : {}) });
  const plan = planForward(model, kernels, { maxTokens, maxSeq, precision, fp8 });
  return createRuntime(device, { plan, kernels: Object.fromEntries(kernels.map((k) => [k.name, k])), tensors: tensorGroups(model) }, weights);
}
